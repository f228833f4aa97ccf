"""P2: a program that uses the network, speaking a protocol (port class) to a kind of destination
(internal or internet) it never used before.

Document applications matter most: Word or Acrobat normally speak only web protocols and DNS, so
one that starts speaking SMB, LDAP or a raw port is likely running a payload or leaking
credentials (an SMB or WebDAV reference to an outside host hands over the user's NTLM hash).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lurewatch.baselines.proc_net import non_loopback, org_learning_cutoff, org_rows
from lurewatch.detections.base import Example, Finding, QueryDetection, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_proc import WHEN, launched, running, scenario
from lurewatch.detections.proc_evidence import (
    allowed,
    context_words,
    destination_words,
    finding,
    new_first_connections,
    process_words,
    when,
)
from lurewatch.enrich.cmdline import WEBDAV, analyse_command_line
from lurewatch.enrich.process_identity import INTERNET

RULE = "proc_new_protocol"

# Office and document readers: the programs phishing attachments run in.
DOCUMENT_APPS = frozenset(
    {
        "winword.exe", "excel.exe", "powerpnt.exe", "outlook.exe", "msaccess.exe",
        "mspub.exe", "onenote.exe", "visio.exe", "winproj.exe", "wordpad.exe",
        "acrord32.exe", "acrobat.exe", "foxitreader.exe", "foxitpdfreader.exe",
        "sumatrapdf.exe", "hwp.exe", "soffice.bin", "soffice.exe",
    }
)  # fmt: skip
WEB_PROTOCOLS = frozenset({"http", "https", "dns"})


def new_protocols(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Per (identity, port class, scope) first used after the identity's first connection and
    after the learning period: the key, its first event, and when the identity began."""
    assert ctx.store is not None
    cutoff = org_learning_cutoff(ctx.store, ctx.settings)
    if cutoff is None:
        return []
    b = non_loopback(org_rows(ctx.store))
    key = [b["process.identity"], b["lurewatch.port_class"], b["lurewatch.destination_scope"]]
    ranked = b.mutate(
        _rn=ibis.row_number().over(group_by=key, order_by=[b.first_seen, b.first_event_id]),
        identity_first=b.first_seen.min().over(group_by=b["process.identity"]),
    )
    new = ranked.filter(
        (ranked._rn == 0)
        & (ranked.first_seen > ranked.identity_first)
        & (ranked.first_seen >= ibis.literal(cutoff))
    )
    return list(ctx.store.ibis.to_pyarrow(new.drop("_rn")).to_pylist())


def _usual(ctx: DetectionContext, identities: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every non-loopback baseline key of these identities (few: the ones that fired)."""
    assert ctx.store is not None
    if not identities:
        return {}
    b = non_loopback(org_rows(ctx.store))
    rows = ctx.store.ibis.to_pyarrow(b.filter(b["process.identity"].isin(identities))).to_pylist()
    out: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["process.identity"], []).append(r)
    return out


def _before(keys: list[dict[str, Any]], until: dt.datetime) -> str:
    seen: dict[str, int] = {}
    for k in keys:
        if k["first_seen"] < until:
            label = f"{k['lurewatch.port_class']} to {k['lurewatch.destination_scope']}"
            seen[label] = seen.get(label, 0) + int(k["connections"])
    return ", ".join(f"{label} ({n})" for label, n in sorted(seen.items())) or "nothing"


def _severity(r: dict[str, Any], port_class: str, scope: str) -> tuple[Severity, str]:
    names = {(r.get("process.name") or "").lower()}
    names.add((r.get("process.pe.original_file_name") or "").lower())
    if not names & DOCUMENT_APPS:
        return "low", ""
    webdav = any(f.name == WEBDAV for f in analyse_command_line(r.get("process.command_line")))
    if scope == INTERNET and (port_class == "smb" or webdav):
        return "high", (
            " A document application reaching an outside host over SMB/WebDAV is how a "
            "document leaks the user's NTLM credentials or loads a remote payload."
        )
    if port_class not in WEB_PROTOCOLS:
        return "medium", (
            " Document applications normally speak only HTTP(S) and DNS; this suggests an "
            "embedded payload or exploit."
        )
    return "low", ""


def run(ctx: DetectionContext) -> list[Finding]:
    firsts = new_protocols(ctx)
    conns = new_first_connections(ctx)
    usual = _usual(ctx, sorted({f["process.identity"] for f in firsts}))
    out = []
    for f in sorted(firsts, key=lambda f: (f["first_seen"], f["first_event_id"])):
        r = conns.get(f["first_event_id"])
        if r is None or allowed(ctx, r):
            continue
        pc, scope = f["lurewatch.port_class"], f["lurewatch.destination_scope"]
        severity, why = _severity(r, pc, scope)
        what = (
            "a connection to an unregistered high port"
            if pc == "ephemeral"
            else f"a {pc} connection"
        )
        message = (
            f"{process_words(r)} made {what} to an {scope} destination for the first time: "
            f"{destination_words(r)} at {when(r)}. The program has used the network since "
            f"{f['identity_first']:%Y-%m-%d}, but before this only: "
            f"{_before(usual.get(f['process.identity'], []), f['first_seen'])}.{why} "
            f"{context_words(r)}"
        )
        key = [f["process.identity"], pc, scope]
        out.append(finding(RULE, key, [r], message, severity, port_class=pc, scope=scope))
    return out


_WORD = "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"
_DOC = f'"{_WORD}" /n "C:\\Users\\alice\\Downloads\\Invoice_4471.docx"'
_SVCHOST = "C:\\Windows\\System32\\svchost.exe"


def _word_over_smb_to_internet() -> dict[str, Any]:
    return scenario(launched(_WORD, _DOC, "185.220.101.4", 445))


def _word_to_raw_port() -> dict[str, Any]:
    return scenario(launched(_WORD, _DOC, "10.0.5.5", 4444))


def _svchost_new_port() -> dict[str, Any]:
    return scenario(running(_SVCHOST, "10.0.0.30", 3389))


def _word_web_as_usual() -> dict[str, Any]:
    return scenario(launched(_WORD, _DOC, "52.109.1.1", 443))


def _outlook_as_usual() -> dict[str, Any]:
    outlook = "C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"
    return scenario(running(outlook, "52.97.1.1", 443))


def _svchost_dns_as_usual() -> dict[str, Any]:
    return scenario(running(_SVCHOST, "10.0.0.53", 53, at=WHEN))


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Program spoke a protocol it never used before",
        clause="P2",
        techniques=("T1071", "T1187", "T1203"),
        severity="low",
        evidence_kinds=("proc_net", "process"),
        requires=("proc_net",),
        description="A process identity that has used the network before opens its first "
        "connection of a port class (http, https, smb, dns, ldap, rdp, tcp/<port>, ephemeral, "
        "...) to a destination scope (internal, internet) it never used, across the "
        "organization. Medium for document applications (Word, Excel, PowerPoint, Outlook, "
        "Acrobat, ...) speaking anything but HTTP(S)/DNS; high for a document application "
        "reaching the internet over SMB or WebDAV. Quiet during processes.learning_days.",
        false_positives="Software updates that add a feature (a new sync port), new internal "
        "services, users opening documents from a newly mapped share.",
        playbook="Look at the document or command the process was running (command line, "
        "parent); for SMB/WebDAV to the internet assume the user's NTLM hash was sent and "
        "reset the password; block the destination and check other hosts for it.",
        run=run,
        examples=(
            Example("winword.exe over SMB to the internet", True, _word_over_smb_to_internet()),
            Example("winword.exe to an internal raw port", True, _word_to_raw_port()),
            Example("svchost.exe opening RDP for the first time", True, _svchost_new_port()),
            Example("winword.exe to 443, as usual", False, _word_web_as_usual()),
            Example("outlook.exe to 443, as usual", False, _outlook_as_usual()),
            Example("svchost.exe DNS on its usual port", False, _svchost_dns_as_usual()),
        ),
    )
]
