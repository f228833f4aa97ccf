"""Suricata application records: `http` as `http_request` rows; `tls`, `smtp`, `fileinfo` and
`ssh` as `net_app` rows that keep the whole record in `event.original`.

HTTP records are logged in the flow's direction, so `src_ip` is the client. The URL is rebuilt
as the Zeek reader rebuilds it (the same function): `http.hostname` plus `http.http_port` when
the Host header carried a port, and the request target `http.url`.

`fileinfo.magic` is libmagic's description of the content ("PE32 executable ..."), the nearest
Suricata logs to a content type; it fills `file.mime_type` as is. A file record's addresses are
those Suricata logged (for a download the packet direction: server first).
"""

from __future__ import annotations

from typing import Any

from lurewatch.readers.suricata_fields import (
    OBSERVER,
    Header,
    MissingField,
    Record,
    Row,
    integer,
    required_sub,
    row_id,
    sub,
    text,
)
from lurewatch.readers.zeek_web import url_parts


def http_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    http = required_sub(record, "http")
    method = text(http.get("http_method"))
    hostname = text(http.get("hostname"))
    port = integer(http.get("http_port"))
    host = f"{hostname}:{port}" if hostname and port is not None else hostname
    domain, full, path = url_parts(host, text(http.get("url")), method)
    row: Row = {
        "event.id": row_id("http_request", h.content),
        "@timestamp": h.time,
        "log.file.path": h.file,
        "log.offset": h.line,
        "observer.type": OBSERVER,
        "source.ip": h.src_ip,
        "destination.ip": h.dest_ip,
        "destination.port": h.dest_port,
        "url.domain": domain,
        "url.full": full,
        "url.path": path,
        "http.request.method": method,
        "http.response.status_code": integer(http.get("status")),
        "user_agent.original": text(http.get("http_user_agent")),
        "user.name": None,  # EVE logs no proxy-authenticated user
        "flow.id": h.flow_id,
    }
    return [("http_request", row)]


def _common_name(subject: str | None) -> str | None:
    """CN of an X.509 subject as Suricata writes it ("C=US, O=Example, CN=www.example.com")."""
    if not subject:
        return None
    for part in subject.split(","):
        key, _, value = part.strip().partition("=")
        if key == "CN" and value:
            return value.strip().lower()
    return None


def _app_row(
    h: Header,
    dataset: str,
    *,
    domain: str | None = None,
    file: dict[str, Any] | None = None,
) -> Row:
    f = file or {}
    return {
        "event.id": row_id("net_app", h.content, dataset),
        "@timestamp": h.time,
        "log.file.path": h.file,
        "log.offset": h.line,
        "observer.type": OBSERVER,
        "event.dataset": dataset,
        "flow.id": h.flow_id,
        "source.ip": h.src_ip,
        "source.port": h.src_port,
        "destination.ip": h.dest_ip,
        "destination.port": h.dest_port,
        "destination.domain": domain,
        "file.name": text(f.get("filename")),
        "file.mime_type": text(f.get("mimetype") or f.get("magic")),
        "file.size": integer(f.get("size")),
        "file.hash.sha256": text(f.get("sha256")),
        # The canonical content is the record itself, keys sorted: no second serialisation.
        "event.original": h.content.decode(),
    }


def tls_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    tls = required_sub(record, "tls")
    sni = text(tls.get("sni"))
    domain = sni.lower().rstrip(".") if sni else _common_name(text(tls.get("subject")))
    return [("net_app", _app_row(h, "tls", domain=domain))]


def smtp_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    """helo, mail_from, rcpt_to and any `email` object stay in `event.original`."""
    required_sub(record, "smtp")
    return [("net_app", _app_row(h, "smtp"))]


def fileinfo_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    info = required_sub(record, "fileinfo")
    if not isinstance(info.get("filename"), str) and info.get("size") is None:
        raise MissingField("fileinfo record without fileinfo.filename or fileinfo.size")
    # The server the file came from or went to, when the carrying protocol names it.
    host = text(sub(record, "http").get("hostname")) or text(sub(record, "tls").get("sni"))
    domain = host.lower().rstrip(".") if host else None
    return [("net_app", _app_row(h, "fileinfo", domain=domain, file=info))]


def ssh_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    required_sub(record, "ssh")
    return [("net_app", _app_row(h, "ssh"))]
