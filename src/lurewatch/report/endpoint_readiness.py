"""R1 for the endpoint clauses: how much of the network activity Sysmon saw can be tied to a
process start, and on how many hosts.

P1 and P2 name the program and its command line; a connection (event 3) whose ProcessGuid
joins no process start (event 1) gives only an image path. Starts logged before collection
began, or a Sysmon configuration that filters event 1, leave that gap.
"""

from __future__ import annotations

from typing import Any

from lurewatch.store import Store


def endpoint_completeness(store: Store) -> dict[str, Any]:
    row = store.execute(
        """SELECT count(*), count(n."process.entity_id"),
           count(*) FILTER (WHERE p."process.entity_id" IS NOT NULL),
           count(DISTINCT n."host.name")
           FROM proc_net n LEFT JOIN (SELECT DISTINCT "process.entity_id" FROM process) p
           ON p."process.entity_id" = n."process.entity_id" """
    )[0]
    n = row[0] or 0
    return {
        "network_events": n,
        "with_process_guid": row[1],
        "joined_to_process_start": row[2],
        "share_joined_to_process_start": round(row[2] / n, 3) if n else 0.0,
        "hosts": row[3],
        "process_starts": store.count("process"),
    }


def endpoint_reasons(comp: dict[str, Any]) -> list[str]:
    if not comp["network_events"]:
        return []
    if comp["share_joined_to_process_start"] < 0.5:
        return [
            f"only {comp['share_joined_to_process_start']:.0%} of network events join a "
            "process start (Sysmon event 1): command lines and parents are missing for the "
            "rest; collect event 1 for every process"
        ]
    return []
