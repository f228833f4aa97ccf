"""P2: a program using the network for the first time anywhere in the organization.

Judged per process identity (normalized path plus original file name when renamed), so a
relocated or renamed copy of a common program counts as new. Loopback does not count as
network use. Reported once per identity, at its first connection, after the learning period.
"""

from __future__ import annotations

from typing import Any

import ibis

from lurewatch.baselines.proc_net import non_loopback, org_learning_cutoff, org_rows
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_proc import (
    HOST,
    WHEN,
    launched,
    proc_conn,
    proc_start,
    scenario,
)
from lurewatch.detections.proc_evidence import (
    allowed,
    context_words,
    destination_words,
    finding,
    new_first_connections,
    process_words,
    when,
)
from lurewatch.enrich.process_identity import is_user_writable

RULE = "proc_first_network_use"


def first_uses(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Per identity whose first non-loopback connection falls after the learning period: that
    connection's baseline key and event id, and how much the identity has talked since."""
    assert ctx.store is not None
    cutoff = org_learning_cutoff(ctx.store, ctx.settings)
    if cutoff is None:
        return []
    b = non_loopback(org_rows(ctx.store))
    ident = b["process.identity"]
    ranked = b.mutate(
        _rn=ibis.row_number().over(group_by=ident, order_by=[b.first_seen, b.first_event_id]),
        total=b.connections.sum().over(group_by=ident),
        keys=b.count().over(group_by=ident),
    )
    firsts = ranked.filter((ranked._rn == 0) & (ranked.first_seen >= ibis.literal(cutoff)))
    return list(ctx.store.ibis.to_pyarrow(firsts.drop("_rn")).to_pylist())


def run(ctx: DetectionContext) -> list[Finding]:
    firsts = first_uses(ctx)
    conns = new_first_connections(ctx)
    extra = ctx.settings.processes.user_writable_paths
    out = []
    for f in sorted(firsts, key=lambda f: (f["first_seen"], f["process.identity"])):
        r = conns.get(f["first_event_id"])
        if r is None or allowed(ctx, r):
            continue
        writable = is_user_writable(f["process.identity"], extra)
        severity: Severity = "high" if writable else "medium"
        where = (
            " It runs from a user-writable folder, where downloads and droppers land."
            if writable
            else ""
        )
        message = (
            f"{process_words(r)} used the network for the first time anywhere in the "
            f"organization: it connected to {destination_words(r)} at {when(r)}. No earlier "
            "connection by this program "
            f"(identity {f['process.identity']}) is on record; since then {f['total']} "
            f"connection(s) over {f['keys']} kind(s) of destination.{where} {context_words(r)}"
        )
        out.append(finding(RULE, [f["process.identity"]], [r], message, severity))
    return out


_TOOL = "C:\\Users\\alice\\Downloads\\invoice_viewer.exe"
_SYNC = "C:\\Program Files\\Contoso\\Sync\\contososync.exe"
_CHROME = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"


def _new_tool_after_learning() -> dict[str, Any]:
    return scenario(launched(_TOOL, f'"{_TOOL}"', "185.220.101.4", 443))


def _chrome_again() -> dict[str, Any]:
    return scenario(launched(_CHROME, f'"{_CHROME}"', "142.250.74.78", 443))


def _loopback_only() -> dict[str, Any]:
    return scenario(launched(_SYNC, f'"{_SYNC}"', "127.0.0.1", 8089))


def _during_learning() -> dict[str, Any]:
    # The whole history starts the same morning: still learning what is usual.
    return scenario(launched(_TOOL, f'"{_TOOL}"', "185.220.101.4", 443), history=False)


def _renamed_svchost() -> dict[str, Any]:
    p = proc_start("C:\\Users\\Public\\svchost.exe", "svchost.exe -k netsvcs")
    return scenario({"process": [p], "proc_net": [proc_conn(p, "45.76.12.27", 443)]})


def _known_but_used_loopback_first() -> dict[str, Any]:
    p = proc_start(_SYNC, f'"{_SYNC}"', host=HOST, at=WHEN)
    return scenario(
        {
            "process": [p],
            "proc_net": [proc_conn(p, "127.0.0.1", 8089), proc_conn(p, "10.0.0.20", 8443)],
        }
    )


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Program used the network for the first time in the organization",
        clause="P2",
        techniques=("T1204.002", "T1105", "T1036"),
        severity="medium",
        evidence_kinds=("proc_net", "process"),
        requires=("proc_net",),
        description="A process identity (lower-case path with per-user and version folders "
        "folded, plus the PE original file name when it differs from the image name) opens its "
        "first internal or internet connection on record anywhere in the organization; "
        "loopback does not count. High when the program runs from a user-writable folder "
        "(Downloads, Temp, AppData, Users\\Public, /tmp, /dev/shm, ...). Quiet during "
        "processes.learning_days at the start of the history.",
        false_positives="Newly deployed or updated software whose path changed (a new install "
        "folder); tools an administrator runs for the first time. Name trusted programs in "
        "processes.allow.",
        playbook="Identify the binary (hash, signer, where it came from: browser download, mail "
        "attachment, parent process); check the destination's reputation and what else the "
        "host did around that time; isolate the host if the binary is unknown.",
        run=run,
        examples=(
            Example(
                "new program in Downloads reaching the internet", True, _new_tool_after_learning()
            ),
            Example("svchost.exe copied to Users\\Public", True, _renamed_svchost()),
            Example(
                "sync client first on loopback, then on the network",
                True,
                _known_but_used_loopback_first(),
            ),
            Example("chrome.exe to 443, as every day", False, _chrome_again()),
            Example("a new program talking to loopback only", False, _loopback_only()),
            Example("a new program during the learning period", False, _during_learning()),
        ),
    )
]
