"""P2: a program in a user-writable folder making its first connection on a host.

Downloads, Temp, AppData, Users\\Public, /tmp and /dev/shm are where phishing payloads land and
run. A program there that starts talking on a host where it never talked before is worth a
look even if other hosts know it: that is how a dropper spreads, and how a user-installed tool
slips past software control. Judged per host, after that host's learning period.
"""

from __future__ import annotations

from typing import Any

import ibis

from lurewatch.baselines.proc_net import host_rows, non_loopback, with_host_learning_cutoff
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_proc import (
    WHEN,
    launched,
    merge_into,
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
from lurewatch.enrich.process_identity import user_writable_expr

RULE = "proc_user_writable_first_connection"


def first_connections(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Per (host, user-writable identity): its first non-loopback connection on that host, when
    it falls after the host's learning period; with how many hosts had run it before."""
    assert ctx.store is not None
    extra = ctx.settings.processes.user_writable_paths
    b = non_loopback(with_host_learning_cutoff(host_rows(ctx.store), ctx.settings))
    b = b.filter(user_writable_expr(b["process.identity"], extra))
    per = [b["host.name"], b["process.identity"]]
    ranked = b.mutate(
        _rn=ibis.row_number().over(group_by=per, order_by=[b.first_seen, b.first_event_id])
    )
    firsts = ranked.filter((ranked._rn == 0) & (ranked.first_seen >= ranked.learning_ends))
    # Other hosts where the same program connected earlier.
    earlier = b.group_by([b["host.name"], b["process.identity"]]).aggregate(
        host_first=b.first_seen.min()
    )
    joined = firsts.left_join(
        earlier,
        [
            firsts["process.identity"] == earlier["process.identity"],
            firsts["host.name"] != earlier["host.name"],
            earlier.host_first < firsts.first_seen,
        ],
    )
    counted = joined.group_by(
        [joined["host.name"], joined["process.identity"], joined.first_seen, joined.first_event_id]
    ).aggregate(hosts_before=joined.host_first.count())
    return list(ctx.store.ibis.to_pyarrow(counted).to_pylist())


def run(ctx: DetectionContext) -> list[Finding]:
    firsts = first_connections(ctx)
    conns = new_first_connections(ctx)
    out = []
    for f in sorted(firsts, key=lambda f: (f["first_seen"], f["host.name"], f["process.identity"])):
        r = conns.get(f["first_event_id"])
        if r is None or allowed(ctx, r):
            continue
        n = f["hosts_before"]
        spread = (
            f"{n} other host(s) ran it with network use before"
            if n
            else "no other host ran it with network use before"
        )
        message = (
            f"{process_words(r)} runs from a user-writable folder and made its first connection "
            f"on this host: {destination_words(r)} at {when(r)} ({spread}). {context_words(r)}"
        )
        key = [f["host.name"], f["process.identity"]]
        out.append(finding(RULE, key, [r], message, "medium", hosts_before=n))
    return out


_TOOL = "C:\\Users\\bob\\AppData\\Local\\Temp\\7zS4A1.tmp\\setup_helper.exe"
_PUBLIC = "C:\\Users\\Public\\Libraries\\update.exe"
_TEAMS = "C:\\Users\\alice\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe"


def _spreading() -> dict[str, Any]:
    # Known on ws02 for weeks, new on ws01 today.
    old = proc_start(_TEAMS, f'"{_TEAMS}"', host="ws02.corp.example", at=WHEN.replace(month=1))
    return scenario(
        {"process": [old], "proc_net": [proc_conn(old, "52.113.194.132", 443)]},
        launched(_TEAMS, f'"{_TEAMS}"', "52.113.194.132", 443),
    )


def _usual_on_this_host() -> dict[str, Any]:
    old = proc_start(_TEAMS, f'"{_TEAMS}"', at=WHEN.replace(month=1))
    events = scenario({"process": [old], "proc_net": [proc_conn(old, "52.113.194.132", 443)]})
    return merge_into(events, launched(_TEAMS, f'"{_TEAMS}"', "52.113.194.132", 443))


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Program in a user-writable folder connected for the first time on a host",
        clause="P2",
        techniques=("T1204.002", "T1105", "T1036.005"),
        severity="medium",
        evidence_kinds=("proc_net", "process"),
        requires=("proc_net",),
        description="A program whose path is user-writable (user profiles: Downloads, Desktop, "
        "AppData, Temp; Users\\Public; Windows\\Temp; /tmp, /var/tmp, /dev/shm, home folders; "
        "plus processes.user_writable_paths) opens its first internal or internet connection "
        "on a host, after that host's processes.learning_days. The message says how many other "
        "hosts ran it with network use before.",
        false_positives="Per-user installed applications (Teams, Zoom, Slack, VS Code) on a "
        "host that just got them; installers unpacking to Temp. Name trusted ones in "
        "processes.allow.",
        playbook="Check the file's origin (browser download history, mail attachment, the "
        "parent process) and its signer; compare with the other hosts that run it; quarantine "
        "it if unknown.",
        run=run,
        examples=(
            Example(
                "unpacked installer in Temp reaching the internet",
                True,
                scenario(launched(_TOOL, f'"{_TOOL}" /S', "185.220.101.4", 8443)),
            ),
            Example(
                "binary in Users\\Public calling an internal host",
                True,
                scenario(launched(_PUBLIC, f'"{_PUBLIC}"', "10.0.7.7", 445)),
            ),
            Example("Teams new on this host, known elsewhere", True, _spreading()),
            Example("Teams as usual on this host", False, _usual_on_this_host()),
            Example(
                "chrome.exe in Program Files to 443",
                False,
                scenario(
                    launched(
                        "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
                        "chrome.exe",
                        "142.250.74.78",
                        443,
                    )
                ),
            ),
            Example(
                "program in Temp talking only to loopback",
                False,
                scenario(launched(_TOOL, f'"{_TOOL}"', "127.0.0.1", 5000)),
            ),
        ),
    )
]
