"""The P2 baseline: which programs use the network, over what, to where, since when.

Each network connection (Sysmon event 3) is joined to its process start (event 1) by host and
ProcessGuid, which gives the PE original file name, command line, parent and user. A connection
whose start is not in the log is kept, with those unknown: long-running services started
before logging began are exactly the usual talkers a baseline must know.

Only connections the process initiated count (Initiated true, or not recorded). For accepted
connections Sysmon is inconsistent about which side it calls the destination, so their "port"
would be the client's ephemeral one and say nothing about the protocol.

`baseline_proc_net` holds, per (process identity, transport, port class, destination scope),
first and last seen, connections, hosts and the first connection's event id: one row set per
host (level "host") and one for every host together (level "org").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lurewatch.config import Settings
from lurewatch.enrich.process_identity import (
    LOOPBACK,
    identity_from_parts,
    image_name_expr,
    port_class_expr,
    with_ofn_parts,
    with_path_parts,
    with_scope,
)
from lurewatch.schema import column_names
from lurewatch.store import Store
from lurewatch.store.db import q

HOST, ORG = "host", "org"
KEYS = (
    "process.identity",
    "network.transport",
    "lurewatch.port_class",
    "lurewatch.destination_scope",
)


def process_starts(store: Store) -> Any:
    """One process start per (host, ProcessGuid): the earliest, should a log hold it twice."""
    p = store.table("process")
    order = [p["@timestamp"], p["event.id"]]
    ranked = p.mutate(
        _rn=ibis.row_number().over(
            group_by=[p["host.name"], p["process.entity_id"]], order_by=order
        )
    )
    return ranked.filter(ranked._rn == 0).select(
        _host=ranked["host.name"],
        _guid=ranked["process.entity_id"],
        _start_id=ranked["event.id"],
        _start_path=ranked["log.file.path"],
        _start_offset=ranked["log.offset"],
        _start_exe=ranked["process.executable"],
        _ofn=ranked["process.pe.original_file_name"],
        _cmd=ranked["process.command_line"],
        _parent_exe=ranked["process.parent.executable"],
        _parent_cmd=ranked["process.parent.command_line"],
        _start_user=ranked["user.name"],
    )


def _distinct(*sources: tuple[Any, str]) -> Any:
    """Distinct values of the (table, column) sources, nulls as "", in one column `_k_key`."""
    parts = [t.select(_k_key=t[col].fill_null("")).distinct() for t, col in sources]
    out = parts[0]
    for part in parts[1:]:
        out = out.union(part, distinct=True)
    return out


def connections(store: Store, settings: Settings, rows: Any = None) -> Any:
    """Initiated connections with their process identity, port class, destination scope and,
    where the process start is known, its command line, parent and original file name.

    `rows` narrows the work to some `proc_net` rows (a filter of `store.table("proc_net")`):
    detections pass the few candidates they judge, so the enrichment runs over those only.
    """
    n = store.table("proc_net") if rows is None else rows
    n = n.filter(n["network.initiated"].fill_null(True))
    s = process_starts(store)
    p = store.table("process")
    # Identity, port class and scope are worked out once per distinct executable, original
    # file name, port and address, read from the stored tables, not once per connection: there
    # are few of those, and the regular expressions are the costly part.
    paths = _distinct((n, "process.executable"), (p, "process.executable"))
    paths = with_path_parts(paths, paths._k_key).rename(_k_exe="_k_key")
    ofns = _distinct((p, "process.pe.original_file_name"))
    ofns = with_ofn_parts(ofns, ofns._k_key).rename(_k_ofn="_k_key")
    addresses = _distinct((n, "destination.ip"))
    addresses = with_scope(
        addresses, addresses._k_key, settings.organization.internal_networks, "_k_scope"
    ).rename(_k_ip="_k_key")
    ports = n.select(
        _k_tr=n["network.transport"].fill_null("").lower(),
        _k_port=n["destination.port"].fill_null(-1),
    ).distinct()
    ports = ports.mutate(_k_class=port_class_expr(ports._k_tr, ports._k_port.nullif(-1)))

    j = n.left_join(s, [n["host.name"] == s["_host"], n["process.entity_id"] == s["_guid"]])
    t = j.select(
        j["event.id"],
        j["@timestamp"],
        j["log.file.path"],
        j["log.offset"],
        j["host.name"].fill_null("").name("host.name"),
        j["process.entity_id"],
        j["process.pid"],
        j["process.executable"].fill_null(j["_start_exe"]).name("process.executable"),
        j["process.name"],
        j["_ofn"].name("process.pe.original_file_name"),
        j["_cmd"].name("process.command_line"),
        j["_parent_exe"].name("process.parent.executable"),
        j["_parent_cmd"].name("process.parent.command_line"),
        j["user.name"].fill_null(j["_start_user"]).name("user.name"),
        j["network.transport"].fill_null("").lower().name("network.transport"),
        j["destination.ip"],
        j["destination.port"],
        j["destination.domain"],
        j["_start_id"].name("process.start.event_id"),
        j["_start_path"].name("process.start.log_path"),
        j["_start_offset"].name("process.start.log_offset"),
    )
    t = t.mutate(
        _k_exe=t["process.executable"].fill_null(""),
        _k_ofn=t["process.pe.original_file_name"].fill_null(""),
        _k_ip=t["destination.ip"].fill_null(""),
        _k_tr=t["network.transport"],
        _k_port=t["destination.port"].fill_null(-1),
    )
    t = (
        t.join(paths, "_k_exe")
        .left_join(ofns, "_k_ofn")
        .join(addresses, "_k_ip")
        .join(ports, ["_k_tr", "_k_port"])
    )
    # A process without a logged start has no original file name: the left join leaves nulls.
    t = t.mutate(_lw_ofn=t._lw_ofn.fill_null(""), _lw_ofn_stem=t._lw_ofn_stem.fill_null(""))
    t = t.mutate(
        **{
            "process.name": t["process.name"].fill_null(image_name_expr(t["process.executable"])),
            "process.identity": identity_from_parts(t),
            "lurewatch.port_class": t._k_class,
            "lurewatch.destination_scope": t._k_scope,
        }
    )
    return t.drop(*[c for c in t.columns if c.startswith(("_lw_", "_k_"))])


def _earliest(time_col: Any, id_col: Any) -> Any:
    """The earliest (time, event id) in one aggregation pass: structs order field by field, so
    ties in time resolve by id and the answer is the same every run."""
    return ibis.struct({"t": time_col, "i": id_col}).min()


def _id_of_earliest(first: Any) -> Any:
    return first["i"]


def _host_level(store: Store, settings: Settings) -> Any:
    c = connections(store, settings)
    stats = c.group_by(["host.name", *KEYS]).aggregate(
        **{"process.name": c["process.name"].min()},
        first_seen=c["@timestamp"].min(),
        last_seen=c["@timestamp"].max(),
        connections=c.count(),
        _first=_earliest(c["@timestamp"], c["event.id"]),
    )
    return stats.mutate(
        **{"baseline.level": ibis.literal(HOST)},
        hosts=ibis.literal(1, type="int64"),
        first_event_id=_id_of_earliest(stats._first),
    )


def _org_level(store: Store) -> Any:
    b = host_rows(store)
    stats = b.group_by(list(KEYS)).aggregate(
        **{"process.name": b["process.name"].min()},
        first_seen=b.first_seen.min(),
        last_seen=b.last_seen.max(),
        connections=b.connections.sum(),
        hosts=b["host.name"].nunique(),
        _first=_earliest(b.first_seen, b.first_event_id),
    )
    return stats.mutate(
        **{"baseline.level": ibis.literal(ORG), "host.name": ibis.null("string")},
        first_event_id=_id_of_earliest(stats._first),
    )


def _insert(store: Store, expr: Any) -> int:
    cols = column_names("baseline_proc_net")
    arrow = store.ibis.to_pyarrow(expr.select(*cols))
    with store.registered("_lw_proc_net_baseline", arrow):
        names = ", ".join(q(c) for c in cols)
        store.execute(
            f"INSERT INTO baseline_proc_net ({names}) SELECT {names} FROM _lw_proc_net_baseline"
        )
    return int(arrow.num_rows)


def build_proc_net_baseline(store: Store, settings: Settings) -> int:
    """Recompute `baseline_proc_net` from `proc_net` and `process`. Returns the number of rows."""
    store.execute("DELETE FROM baseline_proc_net")
    if not store.scalar("SELECT count(*) FROM (SELECT 1 FROM proc_net LIMIT 1)"):
        return 0  # no endpoint network telemetry: nothing to learn, and no query to compile
    n = _insert(store, _host_level(store, settings))
    return n + _insert(store, _org_level(store)) if n else 0


def host_rows(store: Store) -> Any:
    b = store.table("baseline_proc_net")
    return b.filter(b["baseline.level"] == HOST)


def org_rows(store: Store) -> Any:
    b = store.table("baseline_proc_net")
    return b.filter(b["baseline.level"] == ORG)


def non_loopback(t: Any) -> Any:
    return t.filter(t["lurewatch.destination_scope"] != LOOPBACK)


def org_learning_cutoff(store: Store, settings: Settings) -> dt.datetime | None:
    """When the org-wide learning period ends: the first connection seen plus learning_days."""
    start = store.scalar(
        "SELECT min(first_seen) FROM baseline_proc_net WHERE \"baseline.level\" = 'org'"
    )
    if not isinstance(start, dt.datetime):
        return None
    return start + dt.timedelta(days=max(0, settings.processes.learning_days))


def with_host_learning_cutoff(t: Any, settings: Settings) -> Any:
    """Host baseline rows with `learning_ends`: the host's first connection plus learning_days."""
    days = max(0, settings.processes.learning_days)
    start = t.first_seen.min().over(group_by=t["host.name"])
    return t.mutate(learning_ends=start + ibis.interval(days=days))
