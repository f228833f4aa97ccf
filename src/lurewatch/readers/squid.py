"""Squid `access.log` in its native format as `http_request` rows.

A line is `time elapsed remotehost code/status bytes method URL rfc931 peerstatus/peerhost
type`, time in epoch seconds with milliseconds, columns padded with spaces. CONNECT lines
carry `host:port` instead of a URL. Fields a site appends after the ten native ones are
ignored. The rfc931 column holds whatever user name Squid knew (proxy authentication,
ident), URL-encoded.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lurewatch.ids import event_id
from lurewatch.readers.log_stream import (
    STREAM_ERRORS,
    open_text_log,
    stream_error_reason,
    text_head,
)
from lurewatch.readers.records import Reject
from lurewatch.readers.zeek_web import split_host
from lurewatch.schema import column_names
from lurewatch.util.ip_text import canonical_ip

KIND = "squid"
_EPOCH = dt.datetime(1970, 1, 1)
_DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443}
# The first fields of a native line: enough to tell the format apart from other logs.
_NATIVE = re.compile(rb"^\s*\d{9,11}\.\d{3}\s+-?\d+\s+\S+\s+[A-Z_]+/\d{3}\s+\d+\s+\S+\s+\S+")
_CODE_STATUS = re.compile(r"[A-Z_]+/(\d{3})\Z")

Row = dict[str, Any]
_COLUMNS = column_names("http_request")


def looks_like_squid(head: bytes) -> bool:
    """True when the first line of a file (plain or gzip) is a native Squid access.log line."""
    first = text_head(head).lstrip(b"\r\n").split(b"\n", 1)[0]
    return bool(_NATIVE.match(first))


def _url_fields(method: str, url: str) -> tuple[str | None, int | None, str | None, str | None]:
    """(url.domain, destination.port, url.full, url.path) of the request target."""
    if method == "CONNECT":
        host, port = split_host(url)
        return host or None, port, None, None
    if url.startswith("/"):  # an origin-form target: Squid as an accelerator
        return None, None, None, url.split("?", 1)[0]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None, None, None, None
    if not parts.scheme or not parts.hostname:
        return None, None, None, None  # e.g. "error:invalid-request"
    domain = parts.hostname.rstrip(".") or None
    return domain, port or _DEFAULT_PORTS.get(parts.scheme.lower()), url, parts.path or "/"


def parse_squid_line(line: str) -> Row:
    """One native access.log line as an `http_request` row (without file and line);
    raises ValueError saying why the line is not one."""
    parts = line.split()
    if len(parts) < 10:
        raise ValueError(f"{len(parts)} fields where the native format has 10")
    stamp, elapsed, client, code, size, method, url, user, hier, _mime = parts[:10]
    try:
        when = _EPOCH + dt.timedelta(0, float(stamp))
    except (ValueError, OverflowError):
        raise ValueError(f"time {stamp[:40]!r} is not epoch seconds") from None
    status = _CODE_STATUS.match(code)
    if status is None:
        raise ValueError(f"result {code[:40]!r} is not CODE/status")
    if not (elapsed.lstrip("-").isdigit() and size.isdigit()):
        raise ValueError(f"elapsed {elapsed[:20]!r} or bytes {size[:20]!r} is not a number")
    domain, port, full, path = _url_fields(method, url)
    return {
        "event.id": event_id("http_request", "squid", " ".join(parts)),
        "@timestamp": when,
        "observer.type": "squid",
        "source.ip": client,
        # None for a parent proxy's name, or "-" when no server was reached.
        "destination.ip": canonical_ip(hier.partition("/")[2]),
        "destination.port": port,
        "url.domain": domain.lower() if domain else None,
        "url.full": full,
        "url.path": path,
        "http.request.method": method,
        # 000: Squid sent no status (the client went away, the request was refused early)
        "http.response.status_code": int(status.group(1)) or None,
        "user_agent.original": None,
        "user.name": unquote(user) if user != "-" else None,
    }


def rows_from_squid(path: Path | str) -> Iterator[tuple[str, Row] | Reject]:
    """("http_request", row) for every line of a Squid access.log (plain or gzip), a Reject
    with its line number for every line that is not a native access.log line."""
    file = str(path)
    try:
        fh = open_text_log(path)
    except OSError as exc:
        yield Reject(KIND, file, None, f"cannot open: {exc.strerror or exc}")
        return
    lineno = 0
    with fh:
        try:
            for line in fh:
                lineno += 1
                if not line.strip():
                    continue  # blank lines hold no request
                try:
                    row = parse_squid_line(line)
                except ValueError as exc:
                    yield Reject(KIND, file, lineno, str(exc))
                    continue
                row["log.file.path"], row["log.offset"] = file, lineno
                yield "http_request", {c: row.get(c) for c in _COLUMNS}
        except STREAM_ERRORS as exc:
            yield Reject(KIND, file, lineno + 1, stream_error_reason(exc, lineno))
