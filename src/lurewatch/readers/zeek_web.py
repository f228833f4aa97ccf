"""Zeek http and dns records as `http_request` and `dns_query` rows, and the entry point that
turns any Zeek log into rows (network logs are mapped in `zeek_net`).

Log types lurewatch does not use are read (so damage in them is still reported) and counted per type, for a
summary such as "conn: 1,234 records not used by this version". A row's `event.id` hashes
the record's content, not the file it came from: the same log read twice, from any path,
adds nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lurewatch.ids import event_id
from lurewatch.readers.records import Reject
from lurewatch.readers.zeek import ZeekRecord, read_zeek
from lurewatch.readers.zeek_net import NET_MAPPERS
from lurewatch.readers.zeek_values import integer, record_identity, text, time_value

Row = dict[str, Any]


def split_host(host: str) -> tuple[str, int | None]:
    """A Host header or CONNECT target as (lower-case name without a trailing dot, port)."""
    host = host.strip().lower()
    port: int | None = None
    if host.startswith("["):  # [IPv6]:port
        name, _, rest = host[1:].partition("]")
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
        return name, port
    if host.count(":") == 1:
        name, _, tail = host.partition(":")
        if tail.isdigit():
            host, port = name, int(tail)
    return host.rstrip("."), port


def url_parts(
    host: str | None, uri: str | None, method: str | None
) -> tuple[str | None, str | None, str | None]:
    """(url.domain, url.full, url.path) from the Host header and the request target."""
    if method == "CONNECT" and (uri or host):
        return split_host(uri or host or "")[0] or None, None, None
    if uri and uri.lower().startswith(("http://", "https://", "ftp://")):
        # An absolute target: the client talked to a proxy, and the URL says it all.
        try:
            parts = urlsplit(uri)
            domain = (parts.hostname or "").rstrip(".") or None
            return domain or (split_host(host)[0] if host else None), uri, parts.path or "/"
        except ValueError:
            pass
    path = uri.split("?", 1)[0].split("#", 1)[0] if uri else None
    domain = (split_host(host)[0] or None) if host else None
    # http.log sees cleartext only, so the scheme is http; "OPTIONS *" and the like are no URL.
    full = (
        f"http://{host.strip().lower()}{uri}" if host and domain and uri and uri[0] == "/" else None
    )
    return domain, full, path


def http_row(rec: ZeekRecord) -> Row:
    """One http.log record as an `http_request` row."""
    f = rec.fields
    method = text(f.get("method"))
    domain, full, path = url_parts(text(f.get("host")), text(f.get("uri")), method)
    return {
        "event.id": event_id("http_request", "zeek", rec.path, record_identity(rec)),
        "@timestamp": time_value(f.get("ts")),
        "log.file.path": rec.file,
        "log.offset": rec.line,
        "observer.type": "zeek",
        "source.ip": text(f.get("id.orig_h")),
        "destination.ip": text(f.get("id.resp_h")),
        "destination.port": integer(f.get("id.resp_p")),
        "url.domain": domain,
        "url.full": full,
        "url.path": path,
        "http.request.method": method,
        "http.response.status_code": integer(f.get("status_code")),
        "user_agent.original": text(f.get("user_agent")),
        "user.name": text(f.get("username")),
        "flow.id": text(f.get("uid")),
    }


def _code_name(name: Any, number: Any, prefix: str) -> str | None:
    """The mnemonic Zeek logged, else the RFC 3597 style number (TYPE65, RCODE23)."""
    if name is not None:
        return text(name)
    n = integer(number)
    return None if n is None else f"{prefix}{n}"


def dns_row(rec: ZeekRecord) -> Row:
    """One dns.log record as a `dns_query` row."""
    f = rec.fields
    query = text(f.get("query"))
    return {
        "event.id": event_id("dns_query", "zeek", rec.path, record_identity(rec)),
        "@timestamp": time_value(f.get("ts")),
        "log.file.path": rec.file,
        "log.offset": rec.line,
        "observer.type": "zeek",
        "source.ip": text(f.get("id.orig_h")),
        "dns.question.name": query.strip().lower().rstrip(".") if query is not None else None,
        "dns.question.type": _code_name(f.get("qtype_name"), f.get("qtype"), "TYPE"),
        "dns.response_code": _code_name(f.get("rcode_name"), f.get("rcode"), "RCODE"),
        "dns.answers": _answers(f.get("answers")),
        "flow.id": text(f.get("uid")),
    }


def _answers(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(a) for a in value if a is not None]
    return [value] if isinstance(value, str) else []


MAPPERS: dict[str, tuple[str, Callable[[ZeekRecord], Row]]] = {
    "http": ("http_request", http_row),
    "dns": ("dns_query", dns_row),
}


def rows_from_zeek(
    path: Path | str, skipped: Counter[str] | None = None
) -> Iterator[tuple[str, Row] | Reject]:
    """(table, row) for every record of one Zeek log that lurewatch uses, and its Rejects.

    Records of other log types yield nothing; when `skipped` is given, they are counted in it
    by log type, so one Counter can total a whole run.
    """
    for item in read_zeek(path):
        if isinstance(item, Reject):
            yield item
            continue
        mapper = MAPPERS.get(item.path)
        if mapper is None:
            net = NET_MAPPERS.get(item.path)
            if net is None or not net[2](item):
                if skipped is not None:
                    skipped[item.path if net is None else f"{item.path} (not a violation)"] += 1
                continue
            mapper = net[0], net[1]
        table, to_row = mapper
        if time_value(item.fields.get("ts")) is None:
            yield Reject(table, item.file, item.line, f"{item.path} record without a ts time")
            continue
        yield table, to_row(item)
