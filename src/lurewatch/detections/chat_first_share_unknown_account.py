"""S1: the first file share between the organization and an outside account nobody knows.

"Unknown" is local knowledge, from `baseline_chat_account`: an external, guest or unknown
account that had sent at most chat.unknown_max_messages messages before its first share.
A file arriving from such an account is the classic lure delivery; a file leaving to one is
how data walks out. The first chat.warmup_days of the data only teach the baseline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.chat_common import human_size
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_chat import chat_message, chat_transfer, days_before
from lurewatch.ids import event_id

# File types that run code or hide it: arriving from a stranger, they are the lure itself.
RISKY_EXTENSIONS = frozenset(
    [
        ".zip",
        ".rar",
        ".7z",
        ".iso",
        ".img",
        ".exe",
        ".msi",
        ".scr",
        ".js",
        ".vbs",
        ".hta",
        ".lnk",
        ".html",
        ".htm",
        ".one",
        ".docm",
        ".xlsm",
        ".pptm",
        ".bat",
        ".cmd",
        ".ps1",
        ".jar",
        ".apk",
    ]
)


def _data_start(ctx: DetectionContext) -> dt.datetime | None:
    assert ctx.store is not None
    value = ctx.store.scalar(
        'SELECT least((SELECT min("@timestamp") FROM message), '
        '(SELECT min("@timestamp") FROM transfer))'
    )
    return value if isinstance(value, dt.datetime) else None


def _candidates(ctx: DetectionContext) -> list[dict[str, Any]]:
    assert ctx.store is not None
    if not ctx.store.has_table("baseline_chat_account"):
        return []
    start = _data_start(ctx)
    if start is None:
        return []
    after = start + dt.timedelta(days=ctx.settings.chat.warmup_days)
    return ctx.store.rows(
        "SELECT * FROM baseline_chat_account WHERE first_share IS NOT NULL "
        "AND messages_before_share <= ? AND first_share >= ? ORDER BY first_share, account",
        [ctx.settings.chat.unknown_max_messages, after],
    )


def _shares(ctx: DetectionContext, account: str, at: dt.datetime) -> list[dict[str, Any]]:
    assert ctx.store is not None
    return ctx.store.rows(
        'SELECT * FROM transfer WHERE "@timestamp" = ? AND ("chat.sender" = ? OR '
        '"transfer.counterpart" = ?) ORDER BY "file.name", "event.id"',
        [at, account, account],
    )


def run(ctx: DetectionContext) -> list[Finding]:
    out = []
    for acct in _candidates(ctx):
        rows = _shares(ctx, acct["account"], acct["first_share"])
        if rows:
            out.append(_finding(acct, rows))
    return out


def _finding(acct: dict[str, Any], rows: list[dict[str, Any]]) -> Finding:
    account, kind = acct["account"], acct["account.kind"]
    inbound = any(r["chat.sender"] == account for r in rows)
    files = sorted({(r["file.name"] or "(unnamed)", r["file.size"]) for r in rows})
    names = [n for n, _ in files]
    risky = [n for n in names if any(n.lower().endswith(x) for x in RISKY_EXTENSIONS)]
    insiders = sorted(
        {r["transfer.counterpart"] or r["chat.channel"] for r in rows}
        if inbound
        else {r["chat.sender"] for r in rows}
    )
    severity: Severity = "high" if (not inbound or risky) else "medium"
    listed = ", ".join(f"'{n}' ({human_size(s)})" for n, s in files[:3])
    more = f" and {len(files) - 3} more" if len(files) > 3 else ""
    history = f"{acct['messages_before_share']} earlier message(s), first seen {acct['first_seen']:%Y-%m-%d %H:%M}"
    if inbound:
        what = (
            f"{kind} account {account} ({history}) shared {listed}{more} with {', '.join(insiders)}"
        )
    else:
        what = (
            f"{', '.join(insiders)} shared {listed}{more} with {kind} account {account} ({history})"
        )
    note = f" Risky file type: {', '.join(risky[:3])}." if risky else ""
    return Finding(
        key=event_id("chat_first_share", account),
        message=f"First file share with an unknown outside account: {what} in "
        f"{rows[0]['chat.channel']}.{note}",
        timestamp=acct["first_share"],
        entities={
            "account": account,
            "account_kind": kind,
            "direction": "inbound" if inbound else "outbound",
            "internal_accounts": insiders,
            "files": names[:20],
            "channel": rows[0]["chat.channel"],
        },
        evidence=[
            {"event_id": r["event.id"], "kind": "transfer", "source": r["log.file.path"]}
            for r in rows[:20]
        ],
        severity=severity,
    )


_HISTORY = [
    chat_message("kickoff notes", sender="ann@corp.example", kind="internal", at=days_before(30))
]
_STRANGER = "U0X3ZZZZ"


def _long_standing_partner() -> dict[str, list[dict[str, Any]]]:
    """A partner who wrote five times in the weeks before a first file share."""
    messages = [
        chat_message(f"update {i}", sender="lee@acme.example", at=days_before(20 - i))
        for i in range(5)
    ]
    share = chat_transfer(
        "lee@acme.example",
        "bob@corp.example",
        50_000,
        sender_kind="external",
        counterpart_kind="internal",
    )
    return {"message": _HISTORY + messages, "transfer": [share]}


DETECTIONS = [
    QueryDetection(
        id="chat_first_share_unknown_account",
        title="First file share with an unknown outside account",
        clause="S1",
        techniques=("T1534", "T1567", "T1204.002"),
        severity="medium",
        evidence_kinds=("transfer", "message"),
        requires=("transfer",),
        description="The first file share (either direction) involving an external, guest or "
        "unknown chat account that had sent at most chat.unknown_max_messages messages before "
        "it (baseline_chat_account). High when the file leaves the organization, or arrives "
        "as an archive, script, executable, disk image or macro document. Shares within the "
        "first chat.warmup_days of the data are not judged.",
        false_positives="A new supplier or customer contact starting work by sending documents; "
        "a guest invited for a project. The alert fires once per account.",
        playbook="Inbound: do not open the file; sandbox it; check who downloaded it. Outbound: "
        "ask the sender why; see what the files hold; revoke the share and remove the account "
        "from the workspace if unexplained. Pivot on the account for its messages.",
        run=run,
        examples=(
            Example(
                "stranger sends an archive",
                True,
                {
                    "message": _HISTORY,
                    "transfer": [
                        chat_transfer(
                            _STRANGER,
                            "bob@corp.example",
                            184_322,
                            sender_kind="unknown",
                            counterpart_kind="internal",
                            name="Invoice_2291.zip",
                            mime="application/zip",
                        )
                    ],
                },
            ),
            Example(
                "employee sends data to a new contact",
                True,
                {
                    "message": _HISTORY,
                    "transfer": [
                        chat_transfer(
                            "eli@corp.example",
                            "files@quickshare.example",
                            90_000_000,
                            name="customers.csv",
                        )
                    ],
                },
            ),
            Example(
                "long-standing partner shares for the first time", False, _long_standing_partner
            ),
            Example(
                "share inside the warm-up",
                False,
                {
                    "transfer": [
                        chat_transfer(
                            _STRANGER,
                            "bob@corp.example",
                            184_322,
                            sender_kind="unknown",
                            counterpart_kind="internal",
                            name="x.zip",
                        )
                    ]
                },
            ),
        ),
    )
]
