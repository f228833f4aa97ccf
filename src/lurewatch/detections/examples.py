"""Building example events for detections: a full row from the few columns an example cares about."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.ids import event_id
from lurewatch.schema import TABLES
from lurewatch.util.domains import domain_of, registrable_domain

_EMPTY_BY_TYPE: dict[str, Any] = {"VARCHAR[]": []}


def blank_row(table: str) -> dict[str, Any]:
    return {c.name: _EMPTY_BY_TYPE.get(c.type) for c in TABLES[table]}


def email_row(**columns: Any) -> dict[str, Any]:
    """An `email` row. Keyword names use `__` for dots: from__address="a@b.c" -> email.from.address.

    Keys that already contain a dot are taken as they are.
    """
    row = blank_row("email")
    row.update(
        {
            "@timestamp": dt.datetime(2026, 1, 5, 9, 0),
            "email.received": "[]",
            "email.attachments": "[]",
        }
    )
    for key, value in columns.items():
        name = key if "." in key or key.startswith("@") else "email." + key.replace("__", ".")
        row[name] = value
    addr = row.get("email.from.address")
    if addr and not row.get("email.from.domain"):
        row["email.from.domain"] = domain_of(addr)
        row["email.from.registered_domain"] = registrable_domain(domain_of(addr))
        row["email.from.count"] = 1
    if not row.get("event.id"):
        row["event.id"] = event_id("email", repr(sorted((k, str(v)) for k, v in row.items())))
    row.setdefault("log.file.path", "example.eml")
    return row
