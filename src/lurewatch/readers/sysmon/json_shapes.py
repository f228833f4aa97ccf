"""The JSON shapes Windows events come in, each unpacked to the mapper's fields.

- Winlogbeat / Elastic Agent (ECS): `winlog.event_id`, `winlog.provider_name`,
  `winlog.computer_name`, `winlog.record_id`, `winlog.event_data.*`, `@timestamp`; nested or
  with dotted keys, raw or with the Sysmon fields moved into ECS names (see ecs.py).
- Flattened event dictionaries (NXLog, the OTRF Security-Datasets): EventData names at the top
  level beside `EventID`, `SourceName`/`Channel`, `Hostname` or `Computer`, `RecordNumber`.
  There `host` is the collector, not the endpoint, so it is never read as the computer.
- `{"Event": {"System": ..., "EventData": ...}}`, as `evtx_dump` writes it.
- Any of these under an Elasticsearch `_source`.
"""

from __future__ import annotations

from typing import Any

from lurewatch.readers.sysmon.ecs import ecs_get, restore_event_data
from lurewatch.readers.sysmon.event_json import Fields, event_fields
from lurewatch.readers.sysmon.fields import SYSMON_PROVIDERS
from lurewatch.readers.sysmon.rows import provider_of

_EVENT_DATA_PREFIX = "winlog.event_data."
_WINLOG_PREFIX = "winlog."
_SYSMON = "Microsoft-Windows-Sysmon"


def _first(doc: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = doc.get(key)
        if value is not None and value != "":
            return value
    return None


def _winlog(doc: dict[str, Any], winlog: dict[str, Any]) -> Fields:
    data = winlog.get("event_data")
    if not isinstance(data, dict):
        data = {}
    provider = provider_of(winlog.get("provider_name"), winlog.get("channel"))
    eid = winlog.get("event_id")
    if eid is None:
        eid = ecs_get(doc, ("event", "code"))
    if "ProcessGuid" not in data and provider in SYSMON_PROVIDERS:
        data = restore_event_data(doc, data)
    computer = winlog.get("computer_name") or ecs_get(doc, ("host", "name"))
    return provider, eid, computer, winlog.get("record_id"), doc.get("@timestamp"), data


def _undotted_winlog(doc: dict[str, Any]) -> dict[str, Any]:
    """The `winlog` object of a document whose keys are dotted ECS paths."""
    winlog: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for key, value in doc.items():
        if key.startswith(_EVENT_DATA_PREFIX):
            data[key[len(_EVENT_DATA_PREFIX) :]] = value
        elif key.startswith(_WINLOG_PREFIX):
            winlog[key[len(_WINLOG_PREFIX) :]] = value
    winlog["event_data"] = data
    return winlog


def _flat(doc: dict[str, Any]) -> Fields:
    provider = provider_of(
        _first(doc, "SourceName", "ProviderName", "Provider"), doc.get("Channel")
    )
    if provider is None and "ProcessGuid" in doc and "UtcTime" in doc:
        provider = _SYSMON  # only Sysmon writes both; a bare export left the provider out
    return (
        provider,
        doc.get("EventID"),
        _first(doc, "Hostname", "Computer", "ComputerName", "computer_name"),
        _first(doc, "RecordNumber", "EventRecordID", "RecordID", "record_id"),
        # Not NXLog's EventTime: that is the collector's local time, without a zone.
        _first(doc, "TimeCreated", "@timestamp"),
        doc,
    )


def unpack(doc: dict[str, Any]) -> Fields | None:
    """(provider, EventID, computer, record number, event time, EventData) or None."""
    winlog = doc.get("winlog")
    if isinstance(winlog, dict):
        return _winlog(doc, winlog)
    if "EventID" in doc:
        return _flat(doc)
    event = doc.get("Event")
    if isinstance(event, dict):
        return event_fields(event)
    source = doc.get("_source")
    if isinstance(source, dict):
        return unpack(source)
    if "winlog.event_id" in doc or "winlog.provider_name" in doc:
        return _winlog(doc, _undotted_winlog(doc))
    return None
