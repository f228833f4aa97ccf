"""Building example endpoint events for the P2 detections: Sysmon process starts (event 1) and
network connections (event 3) as `process` and `proc_net` rows.

Examples are written for one organization (10.0.0.0/8 inside, the default networks) on a few
workstations. `usual_history` is a month of ordinary traffic before the examples happen, so the
first-seen rules are past their learning period and know what is usual.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from lurewatch.detections.examples import blank_row
from lurewatch.ids import event_id

WHEN = dt.datetime(2026, 3, 2, 9, 30)
HOST = "ws01.corp.example"
USER = "CORP\\alice"
EXPLORER = "C:\\Windows\\explorer.exe"

Events = dict[str, list[dict[str, Any]]]


def guid_of(*parts: str) -> str:
    """A ProcessGuid-shaped id (lower case, no braces) derived from the parts."""
    h = event_id("example-guid", *parts)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _name(path: str) -> str:
    return path.replace("/", "\\").rsplit("\\", 1)[-1].lower()


def proc_start(
    image: str,
    command_line: str,
    *,
    host: str = HOST,
    at: dt.datetime = WHEN,
    original_file_name: str | None = None,
    parent: str = EXPLORER,
    parent_command_line: str = EXPLORER,
    user: str = USER,
    guid: str | None = None,
) -> dict[str, Any]:
    """A `process` row (Sysmon event 1)."""
    row = blank_row("process")
    row.update(
        {
            "@timestamp": at,
            "log.file.path": "example-sysmon.evtx",
            "observer.product": "sysmon",
            "host.name": host,
            "process.entity_id": guid or guid_of(host, image, command_line, at.isoformat()),
            "process.pid": 4000,
            "process.executable": image,
            "process.name": _name(image),
            "process.pe.original_file_name": original_file_name or _name(image).upper(),
            "process.command_line": command_line,
            "user.name": user,
            "process.parent.executable": parent,
            "process.parent.command_line": parent_command_line,
        }
    )
    row["event.id"] = event_id("example-process", repr(sorted(row.items(), key=str)))
    row["log.offset"] = int(row["event.id"][:6], 16)
    return row


def proc_conn(
    start: Mapping[str, Any],
    ip: str,
    port: int,
    *,
    at: dt.datetime | None = None,
    transport: str = "tcp",
    domain: str | None = None,
    initiated: bool = True,
) -> dict[str, Any]:
    """A `proc_net` row (Sysmon event 3) of the process `start` describes, a second after it."""
    row = blank_row("proc_net")
    row.update(
        {
            "@timestamp": at or start["@timestamp"] + dt.timedelta(seconds=1),
            "log.file.path": "example-sysmon.evtx",
            "observer.product": "sysmon",
            "host.name": start["host.name"],
            "process.entity_id": start["process.entity_id"],
            "process.pid": start["process.pid"],
            "process.executable": start["process.executable"],
            "process.name": start["process.name"],
            "user.name": start["user.name"],
            "network.transport": transport,
            "network.initiated": initiated,
            "source.ip": "10.1.2.3",
            "source.port": 50123,
            "destination.ip": ip,
            "destination.port": port,
            "destination.domain": domain,
        }
    )
    row["event.id"] = event_id("example-proc-net", repr(sorted(row.items(), key=str)))
    row["log.offset"] = int(row["event.id"][:6], 16)
    return row


def launched(
    image: str,
    command_line: str,
    ip: str,
    port: int,
    **start: Any,
) -> Events:
    """A process start and one connection it made."""
    p = proc_start(image, command_line, **start)
    return {"process": [p], "proc_net": [proc_conn(p, ip, port)]}


def running(image: str, ip: str, port: int, *, host: str = HOST, at: dt.datetime = WHEN) -> Events:
    """A connection of a process whose start is not in the log (it started before logging)."""
    p = proc_start(image, "", host=host, at=at - dt.timedelta(seconds=1))
    return {"proc_net": [proc_conn(p, ip, port)]}


_USUAL = (
    ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "142.250.74.78", 443),
    ("C:\\Windows\\System32\\svchost.exe", "10.0.0.53", 53),
    ("C:\\Windows\\System32\\svchost.exe", "20.190.160.1", 443),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "52.97.1.1", 443),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "52.109.1.1", 443),
    ("C:\\Windows\\System32\\lsass.exe", "10.0.0.10", 88),
)


def usual_history(
    hosts: tuple[str, ...] = (HOST, "ws02.corp.example"), days_before: int = 30
) -> Events:
    """Ordinary traffic of every host a month before WHEN (past the learning period)."""
    out: Events = {"process": [], "proc_net": []}
    for host in hosts:
        for i, (image, ip, port) in enumerate(_USUAL):
            at = WHEN - dt.timedelta(days=days_before, minutes=-i)
            merge_into(out, running(image, ip, port, host=host, at=at))
    return out


def merge_into(target: Events, *more: Mapping[str, list[dict[str, Any]]]) -> Events:
    for events in more:
        for table, rows in events.items():
            target.setdefault(table, []).extend(rows)
    return target


def scenario(*parts: Mapping[str, list[dict[str, Any]]], history: bool = True) -> Events:
    """The events of an example: the usual history (unless history=False) plus the parts."""
    return merge_into(usual_history() if history else {}, *parts)
