"""The `{"Event": {"System": ..., "EventData": ...}}` form of a record.

It is what the `evtx` parser yields for each EVTX record, and what `evtx_dump -o jsonl` writes,
so the EVTX reader and the JSON-lines reader share it. Attributes sit under "#attributes"
(`"Provider": {"#attributes": {"Name": ...}}`); an EventID with qualifiers is
`{"#attributes": {...}, "#text": 4688}`, which `rows.event_number` reads.
"""

from __future__ import annotations

from typing import Any

from lurewatch.readers.sysmon.rows import provider_of

# (provider, EventID, Computer, EventRecordID, SystemTime, EventData)
Fields = tuple[str | None, Any, Any, Any, Any, Any]


def _attribute(element: Any, name: str) -> Any:
    if isinstance(element, dict):
        attributes = element.get("#attributes")
        if isinstance(attributes, dict):
            return attributes.get(name)
    return None


def event_fields(event: dict[str, Any]) -> Fields | None:
    """The parts of one record the mapper needs, or None when it has no System part."""
    system = event.get("System")
    if not isinstance(system, dict):
        return None
    return (
        provider_of(_attribute(system.get("Provider"), "Name"), system.get("Channel")),
        system.get("EventID"),
        system.get("Computer"),
        system.get("EventRecordID"),
        _attribute(system.get("TimeCreated"), "SystemTime"),
        event.get("EventData"),
    )
