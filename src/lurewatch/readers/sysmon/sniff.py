"""Recognising Windows event logs by their first bytes: EVTX, event XML, event JSON lines
(the last two plain or gzip).

Any Windows event log goes to the Sysmon readers, not only one that starts with a Sysmon
event: the readers count the other providers' events as unused, which tells the user what the
file held, where "unknown format" would tell them nothing.
"""

from __future__ import annotations

from lurewatch.readers.log_stream import text_head
from lurewatch.readers.sysmon.evtx_damage import EVTX_MAGIC
from lurewatch.readers.sysmon.xml_split import detect_encoding

EVENT_NAMESPACE = "schemas.microsoft.com/win/2004/08/events/event"
_SYSMON_NAMES = ("Microsoft-Windows-Sysmon", "Linux-Sysmon")
# Strings that make a JSON line a Windows event of one of the shapes json_shapes.py reads.
_WINLOG_MARKS = (b'"winlog"', b'"winlog.', b"winlogbeat", *(n.encode() for n in _SYSMON_NAMES))
_FLAT_MARKS = (b'"SourceName"', b'"Channel"', b'"Image"', b'"ProcessGuid"', b'"System"')


def _xml_text(head: bytes) -> str:
    encoding, bom = detect_encoding(head)
    data = head[bom:]
    if encoding.startswith("utf-16") and len(data) % 2:
        data = data[:-1]
    return data.decode(encoding, errors="replace")


def looks_like_event_xml(head: bytes) -> bool:
    """Exported event XML (begins with "<"), or syslog lines that carry Sysmon for Linux XML."""
    text = _xml_text(head)
    if "<Event" not in text:
        return False
    if text.lstrip().startswith("<"):
        return EVENT_NAMESPACE in text or any(n in text for n in _SYSMON_NAMES)
    # Syslog: some line holds a Sysmon event after its syslog prefix.
    return any("<Event>" in line and "Linux-Sysmon" in line for line in text.splitlines())


def looks_like_event_json(head: bytes) -> bool:
    """JSON lines of Windows events: Winlogbeat/ECS, flattened (EventID + ...), evtx_dump."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not first.startswith(b"{"):
        return False
    if any(mark in first for mark in _WINLOG_MARKS):
        return True
    return b'"EventID"' in first and any(mark in first for mark in _FLAT_MARKS)


def sniff_sysmon(head: bytes) -> str | None:
    """The reader for a file's first bytes: sysmon-evtx, sysmon-xml, sysmon-json, or None."""
    if head.startswith(EVTX_MAGIC):
        return "sysmon-evtx"
    head = text_head(head)  # the readers open gzip too
    if looks_like_event_json(head):
        return "sysmon-json"
    if looks_like_event_xml(head):
        return "sysmon-xml"
    return None
