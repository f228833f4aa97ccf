"""Counting the lines of Sysmon events no table uses without parsing them.

Image loads, registry and file events make up much of a real Sysmon stream; not parsing
them makes reading such a stream several times faster. A file holds one shape, so the key that
carries the event ID is learnt from its first event: Winlogbeat writes `"event_id":` near the
end of a line, flattened and evtx_dump lines `"EventID":` near the start. A quote inside a JSON
string is escaped, so these bytes can only be real keys. Anything unusual (spaces after colons,
dotted keys, no Sysmon provider mark, a line that does not end in "}") takes the full path, so a
damaged line is still rejected.
"""

from __future__ import annotations

from typing import Any

from lurewatch.readers.sysmon.fields import TABLES

USED_IDS = frozenset(TABLES)
_SYSMON_MARKS = (
    b'"provider_name":"Microsoft-Windows-Sysmon"',
    b'"SourceName":"Microsoft-Windows-Sysmon"',
    b'"Name":"Microsoft-Windows-Sysmon"',
)
_DIGITS = b"0123456789"


class UnusedLines:
    def __init__(self) -> None:
        self.learnt = False
        self.key = b""  # empty: no skipping (not learnt yet, or a shape without the key)
        self.from_end = False

    def learn(self, doc: dict[str, Any]) -> None:
        """Take the key from the file's first event."""
        self.learnt = True
        if "winlog" in doc:
            self.key, self.from_end = b'"event_id":', True
        elif "EventID" in doc or "Event" in doc:
            self.key, self.from_end = b'"EventID":', False

    def check(self, line: bytes) -> str | None:
        """The unused key ("sysmon:N") of a whole line of an unused Sysmon ID, else None."""
        key = self.key
        at = line.rfind(key) if self.from_end else line.find(key)
        if at < 0:
            return None
        value = line[at + len(key) : at + len(key) + 8].lstrip(b'"')
        digits = value[: len(value) - len(value.lstrip(_DIGITS))]
        if not digits or int(digits) in USED_IDS or not line.rstrip().endswith(b"}"):
            return None
        if not any(mark in line for mark in _SYSMON_MARKS):
            return None
        return f"sysmon:{int(digits)}"
