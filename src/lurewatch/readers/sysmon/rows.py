"""One Sysmon record as a `process`, `proc_net` or `proc_dns` row, or a Reject.

The three readers differ only in how they find a record's provider, event ID, computer,
record number, TimeCreated and EventData; from there every record takes this one path, so a
record reads the same from EVTX, XML or JSON. Events lurewatch does not use (other Sysmon IDs,
other providers in the same log) are counted, never rejected.

This runs once per record at hundreds of thousands of records a second, so each table's plan
(field map, required columns, identity columns) is prepared once and the row is built by one
comprehension over the field map.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from lurewatch.ids import content_id
from lurewatch.readers.records import Reject
from lurewatch.readers.sysmon.fields import (
    IDENTITY,
    REQUIRED,
    SYSMON_PROVIDERS,
    TABLES,
    FieldSpec,
)
from lurewatch.readers.sysmon.values import basename, lower, sha256_of, timestamp

Row = dict[str, Any]

# Names for the "unused" summary of providers that share a log with Sysmon.
_LABELS = {"security-auditing": "security"}
_NAME_CACHE = 100_000
_PROVIDERS_LOWER = {name.lower(): product for name, product in SYSMON_PROVIDERS.items()}


@dataclass(frozen=True, slots=True)
class _Plan:
    table: str
    spec: FieldSpec
    needed: tuple[str, ...]
    missing: str  # the reject reason when none of `needed` has a value
    identity: Any  # itemgetter of the identity columns: one C call for the whole tuple


_PLANS: dict[int, _Plan] = {
    eid: _Plan(table, spec, *REQUIRED[table], itemgetter(*IDENTITY[table]))
    for eid, (table, spec) in TABLES.items()
}


def event_number(value: Any) -> int | None:
    """EventID as an int: 3, "3", or the EVTX form {"#attributes": {...}, "#text": 3}."""
    if type(value) is int:
        return value
    if type(value) is str:
        v = value.strip()
        return int(v) if v.isdigit() else None
    if isinstance(value, dict):
        return event_number(value.get("#text"))
    return None


def provider_of(provider: Any, channel: Any = None) -> str | None:
    """The provider name, or the one a channel implies when the export left the provider out."""
    if isinstance(provider, str) and provider:
        return provider
    if isinstance(channel, str) and "/" in channel:
        return channel.partition("/")[0]
    return None


def source_label(provider: str | None) -> str:
    """A short name for a provider: Microsoft-Windows-Security-Auditing -> security."""
    if not provider:
        return "windows"
    name = provider.lower().removeprefix("microsoft-windows-")
    return _LABELS.get(name, name)


class SysmonMapper:
    """Maps the records of one file; counts unused ones in the run's Counter."""

    def __init__(self, path: Path | str, unused: Counter[str]) -> None:
        self.path = str(path)
        self.unused = unused
        self._names: dict[str | None, str] = {}

    def map(
        self,
        provider: str | None,
        eid: Any,
        computer: Any,
        record_id: Any,
        time_created: Any,
        data: Any,
        offset: int | None,
    ) -> tuple[str, Row] | Reject | None:
        """(table, row) for a used Sysmon event, a Reject for a broken one, else None."""
        product = SYSMON_PROVIDERS.get(provider) if type(provider) is str else None
        number = eid if type(eid) is int else event_number(eid)
        if product is None and type(provider) is str:  # a pipeline may have changed the case
            product = _PROVIDERS_LOWER.get(provider.lower())
        if product is None:
            shown = number if number is not None else str(eid)[:20]
            self.unused[f"{source_label(provider)}:{shown}"] += 1
            return None
        if number is None:
            return Reject("sysmon", self.path, offset, f"Sysmon event without an EventID: {eid!r}")
        plan = _PLANS.get(number)
        if plan is None:
            self.unused[f"sysmon:{number}"] += 1
            return None
        table = plan.table
        if type(data) is not dict or not data:
            return Reject(table, self.path, offset, f"Sysmon event {number} without EventData")
        get = data.get
        utc = get("UtcTime")
        ts = timestamp(utc) or timestamp(time_created)
        if ts is None:
            why = f"Sysmon event {number} without a usable time: UtcTime {utc!r}"
            return Reject(table, self.path, offset, why[:200])
        row: Row = {column: convert(get(name)) for column, name, convert in plan.spec}
        for column in plan.needed:
            if row[column] is not None:
                break
        else:
            return Reject(table, self.path, offset, f"Sysmon event {number} with {plan.missing}")
        host = lower(computer)
        row["@timestamp"] = ts
        row["log.file.path"] = self.path
        row["log.offset"] = offset
        row["host.name"] = host
        image = row["process.executable"]
        name = self._names.get(image)
        if name is None:  # few images recur in millions of events: name each once
            name = self._names[image] = basename(image) or ""
            if len(self._names) > _NAME_CACHE:
                self._names.clear()
        row["process.name"] = name or None
        if table == "process":
            row["process.hash.sha256"] = sha256_of(row["process.hashes"])
        if table != "proc_dns":
            row["observer.product"] = product
        # Normalized values only, so every export of a record gives the same key.
        parts = (str(host), str(number), str(record_id), str(utc), *plan.identity(row))
        key = "\x1f".join(map(str, parts))
        row["event.id"] = content_id(table, key)  # as the store hashes bulk-mapped records
        return table, row
