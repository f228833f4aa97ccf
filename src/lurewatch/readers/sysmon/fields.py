"""Which Sysmon events lurewatch uses, and how their EventData names map to store columns.

Every reader (EVTX, XML, JSON) hands the mapper the same thing: the event's EventData as a
name -> value dict. The tables below are the whole mapping; the columns derived from other
columns (process.name from Image, process.hash.sha256 from Hashes) are computed in rows.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lurewatch.readers.sysmon.values import (
    boolean,
    guid,
    integer,
    lower,
    port,
    query_results,
    text,
)

PROCESS_CREATE = 1
NETWORK_CONNECT = 3
DNS_QUERY = 22

# Provider names that mark an event as Sysmon's, with the observer.product they become.
SYSMON_PROVIDERS: dict[str, str] = {
    "Microsoft-Windows-Sysmon": "sysmon",
    "Linux-Sysmon": "sysmon-linux",
}

Converter = Callable[[Any], Any]
FieldSpec = tuple[tuple[str, str, Converter], ...]  # (column, EventData name, converter)


def dns_name(value: Any) -> str | None:
    name = lower(value)
    return (name.rstrip(".") or None) if name is not None else None


PROCESS_FIELDS: FieldSpec = (
    ("process.entity_id", "ProcessGuid", guid),
    ("process.pid", "ProcessId", integer),
    ("process.executable", "Image", text),
    ("process.pe.original_file_name", "OriginalFileName", text),
    ("process.command_line", "CommandLine", text),
    ("process.working_directory", "CurrentDirectory", text),
    ("user.name", "User", text),
    ("process.integrity_level", "IntegrityLevel", text),
    ("process.hashes", "Hashes", text),
    ("process.parent.entity_id", "ParentProcessGuid", guid),
    ("process.parent.pid", "ParentProcessId", integer),
    ("process.parent.executable", "ParentImage", text),
    ("process.parent.command_line", "ParentCommandLine", text),
)

PROC_NET_FIELDS: FieldSpec = (
    ("process.entity_id", "ProcessGuid", guid),
    ("process.pid", "ProcessId", integer),
    ("process.executable", "Image", text),
    ("user.name", "User", text),
    ("network.transport", "Protocol", lower),
    ("network.initiated", "Initiated", boolean),
    ("source.ip", "SourceIp", text),
    ("source.port", "SourcePort", port),
    ("source.domain", "SourceHostname", dns_name),
    ("destination.ip", "DestinationIp", text),
    ("destination.port", "DestinationPort", port),
    ("destination.domain", "DestinationHostname", dns_name),
)

PROC_DNS_FIELDS: FieldSpec = (
    ("process.entity_id", "ProcessGuid", guid),
    ("process.pid", "ProcessId", integer),
    ("process.executable", "Image", text),
    ("dns.question.name", "QueryName", dns_name),
    ("dns.response_code", "QueryStatus", text),
    ("dns.answers", "QueryResults", query_results),
)

# The table each used event ID fills, and its field mapping. Every other ID is counted as
# unused, EID 5 (process terminated) too: `process` has no column for a process's end.
TABLES: dict[int, tuple[str, FieldSpec]] = {
    PROCESS_CREATE: ("process", PROCESS_FIELDS),
    NETWORK_CONNECT: ("proc_net", PROC_NET_FIELDS),
    DNS_QUERY: ("proc_dns", PROC_DNS_FIELDS),
}

# The columns that identify one record, for `event.id`, besides the host, event ID, record
# number and UtcTime. Taken after normalization (GUIDs lower case without braces, numbers as
# ints, "-" and "" as None), so the same record read from EVTX, XML or Winlogbeat JSON gets the
# same id; with the host and record number they are unique.
IDENTITY: dict[str, tuple[str, ...]] = {
    "process": (
        "process.entity_id",
        "process.pid",
        "process.executable",
        "process.command_line",
        "process.parent.entity_id",
    ),
    "proc_net": (
        "process.entity_id",
        "network.transport",
        "source.ip",
        "source.port",
        "destination.ip",
        "destination.port",
    ),
    "proc_dns": ("process.entity_id", "dns.question.name", "dns.response_code"),
}

# Columns that must have a value, else the record is rejected: a row without them is no
# evidence of anything.
REQUIRED: dict[str, tuple[tuple[str, ...], str]] = {
    "process": (
        ("process.entity_id", "process.pid", "process.executable"),
        "no process (ProcessGuid, ProcessId, Image)",
    ),
    "proc_net": (
        ("destination.ip", "destination.domain"),
        "no destination (DestinationIp, DestinationHostname)",
    ),
    "proc_dns": (("dns.question.name",), "no QueryName"),
}
