"""`pivot`: every event and alert that mentions one entity, across all tables, newest first.

The kind of entity is read from how it is written (an address has an @, a link a scheme, ...)
unless the caller says. Each table is asked for at most `limit` rows, newest first, so the
answer stays bounded however much the store holds; the merged list is cut to `limit`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from lurewatch.detections.evidence import source_of
from lurewatch.errors import LurewatchError
from lurewatch.incidents.entities import Entity, alert_entities, normalize
from lurewatch.incidents.pivot_fields import (
    FIELDS,
    ID_COLUMN,
    KINDS,
    SUMMARY_COLUMNS,
    Field,
    describe,
)
from lurewatch.schema import TABLES
from lurewatch.store import Store
from lurewatch.store.db import q

_EXECUTABLE = re.compile(r"\.(exe|dll|scr|com|bat|cmd|ps1|vbs|js|hta|msi|sh|py)$", re.I)
_PHONE = re.compile(r"^\+?[\d\s().-]{6,}$")


@dataclass
class PivotHit:
    table: str
    id: str
    timestamp: dt.datetime | None
    summary: str
    source: str = ""
    matched: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "id": self.id,
            "@timestamp": self.timestamp,
            "summary": self.summary,
            "source": self.source,
            "matched": self.matched,
            **self.extra,
        }


@dataclass
class PivotResult:
    entity: str
    kind: str
    hits: list[PivotHit]
    more: bool  # more rows matched than were shown


def guess_kind(value: str) -> str:
    """What an entity written like `value` is most likely to be."""
    v = value.strip()
    if "://" in v:
        return "url"
    if "@" in v:
        return "email"
    try:
        ipaddress.ip_address(v.strip("[]"))
        return "ip"
    except ValueError:
        pass
    if _PHONE.match(v):
        return "phone"
    if _EXECUTABLE.search(v) or "/" in v or (":\\" in v):
        return "process"
    if "\\" in v:
        return "user"
    if "." in v:
        return "domain"
    return "name"


def _condition(f: Field) -> tuple[str, int]:
    """SQL that is true when column `f` matches the value, and how many times it uses it."""
    col = (
        f"lower(CAST({q(f.column)} AS VARCHAR))"
        if f.how not in ("list", "list_has")
        else q(f.column)
    )
    return {
        "exact": (f"{col} = ?", 1),
        "domain": (f"({col} = ? OR ends_with({col}, '.' || ?))", 2),
        "host": (f"({col} = ? OR starts_with({col}, ? || '.'))", 2),
        "user": (f"({col} = ? OR ends_with({col}, '\\' || ?))", 2),
        "list": (f"list_contains(list_transform({col}, lambda x: lower(x)), ?)", 1),
        "list_has": (f"len(list_filter({col}, lambda x: contains(lower(x), ?))) > 0", 1),
        "contains": (f"contains({col}, ?)", 1),
    }[f.how]


def _event_hits(store: Store, kind: str, value: str, limit: int) -> list[PivotHit]:
    by_table: dict[str, list[Field]] = {}
    for f in FIELDS[kind]:
        if f.table in TABLES and f.column in {c.name for c in TABLES[f.table]}:
            by_table.setdefault(f.table, []).append(f)
    hits: list[PivotHit] = []
    for table, fields in by_table.items():
        if not store.has_table(table) or not store.count(table):
            continue
        names = {c.name for c in TABLES[table]}
        conds: list[str] = []
        uses = 0
        for f in fields:
            sql, n = _condition(f)
            conds.append(sql)
            uses += n
        # Each condition is asked twice: in the select list (which column matched) and in WHERE.
        flags = [f"({c}) AS {q('match:' + f.column)}" for c, f in zip(conds, fields, strict=True)]
        params = [value] * (2 * uses)
        id_col = ID_COLUMN.get(table, "event.id")
        wanted = [c for c in (id_col, "@timestamp", "log.file.path", "log.offset") if c in names]
        wanted += [c for c in SUMMARY_COLUMNS.get(table, ()) if c in names and c not in wanted]
        select = ", ".join(q(c) for c in wanted)
        sql = (
            f"SELECT {select}, {', '.join(flags)} FROM {q(table)} WHERE {' OR '.join(conds)} "
            f'ORDER BY "@timestamp" DESC NULLS LAST, {q(id_col)} LIMIT {int(limit) + 1}'
        )
        for r in store.rows(sql, params):
            matched = sorted(
                {k.split(":", 1)[1] for k, v in r.items() if k.startswith("match:") and v}
            )
            hits.append(
                PivotHit(
                    table,
                    str(r.get(id_col)),
                    r.get("@timestamp"),
                    describe(table, r),
                    source_of(r),
                    matched,
                )
            )
    return hits


def _mentions(value: str) -> re.Pattern[str]:
    """The value as a whole token: a domain matches its subdomains, not longer names."""
    return re.compile(r"(?<![\w-])" + re.escape(value) + r"(?![\w-]|\.[\w-])", re.I)


def _alert_hits(
    store: Store, kind: str, value: str, raw: str, limit: int
) -> tuple[list[PivotHit], bool]:
    pattern = _mentions(value)
    alt = _mentions(raw) if raw.lower() != value else None
    if kind == "phone":
        # Numbers are written many ways: read every alert that names one, compare them normalized.
        where, params = (
            "contains(entities, '\"phone\"') OR contains(entities, '\"presented_number\"')",
            [],
        )
    else:
        where = "contains(lower(entities), ?) OR contains(lower(message), ?) OR contains(lower(entities), ?)"
        params = [value, value, raw.lower()]
    rows = store.rows(
        'SELECT "alert.id", "rule.id", severity, "@timestamp", message, entities, evidence, '
        f'"alert.state" FROM alerts WHERE {where} '
        'ORDER BY "@timestamp" DESC NULLS LAST, "alert.id"',
        params,
    )
    hits: list[PivotHit] = []
    for r in rows:
        text = r["entities"] + " " + (r["message"] or "")
        # JSON writes a backslash twice; a user named DOMAIN\name must still be found.
        text = text.replace("\\\\", "\\")
        named = kind == "phone" and Entity("phone", value) in alert_entities(
            orjson.loads(r["entities"])
        )
        if not (named or pattern.search(text) or (alt and alt.search(text))):
            continue
        sources = sorted(
            {str(e.get("source")) for e in orjson.loads(r["evidence"] or "[]") if e.get("source")}
        )
        hits.append(
            PivotHit(
                "alerts",
                r["alert.id"],
                r["@timestamp"],
                f"[{r['severity']}] {r['rule.id']}: {r['message']}"[:300],
                "; ".join(sources[:3]) + (f" (+{len(sources) - 3})" if len(sources) > 3 else ""),
                ["entities"],
                {
                    "rule_id": r["rule.id"],
                    "severity": r["severity"],
                    "state": r["alert.state"],
                },
            )
        )
        if len(hits) > limit:
            break
    # Which incident each alert belongs to, asked only for the alerts found.
    ids = [h.id for h in hits]
    incident_of = (
        {
            r["aid"]: r["iid"]
            for r in store.rows(
                'SELECT aid, "incident.id" AS iid FROM '
                '(SELECT unnest("incident.alert_ids") AS aid, "incident.id" FROM incidents) '
                "WHERE list_contains(?, aid)",
                [ids],
            )
        }
        if ids
        else {}
    )
    for h in hits:
        h.extra["incident_id"] = incident_of.get(h.id)
    return hits, len(hits) > limit


def pivot(store: Store, entity: str, kind: str | None = None, limit: int = 100) -> PivotResult:
    """Every event and alert mentioning `entity`, newest first, at most `limit` of them."""
    raw = entity.strip()
    if not raw:
        raise LurewatchError(
            "pivot needs an entity: an address, domain, URL, IP, host, user, process or phone"
        )
    kind = kind or guess_kind(raw)
    if kind not in KINDS:
        raise LurewatchError(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if limit < 1:
        raise LurewatchError("--limit must be at least 1")
    norm = {"email": "mailbox", "ip": "ip", "phone": "phone"}.get(kind)
    value = (normalize(norm, raw) if norm else None) or raw
    value = value.lower().rstrip(".") if kind != "url" else value.lower()
    hits = _event_hits(store, kind, value, limit)
    alert_hits, more_alerts = _alert_hits(store, kind, value, raw, limit)
    hits += alert_hits
    hits.sort(key=lambda h: (h.timestamp or dt.datetime.min, h.table, h.id), reverse=True)
    return PivotResult(raw, kind, hits[:limit], more_alerts or len(hits) > limit)
