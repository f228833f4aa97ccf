"""What every V1 alert says about calls: the calls in words, the entities an analyst pivots on,
and the evidence records; and the organization's configured numbers as the store holds them.

Shared by the voice_* detections; it holds no rule of its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ibis

from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import source_of
from lurewatch.enrich.phone import NumberPlan
from lurewatch.privacy import pseudonym_key, pseudonymize

Row = Mapping[str, Any]
# Calls quoted as evidence per alert at most; the message gives the full counts.
MAX_EVIDENCE = 20
EXTERNAL = ("inbound", "outbound")


def calls_present(ctx: DetectionContext) -> bool:
    assert ctx.store is not None
    return ctx.store.count("call") > 0


def call_table(ctx: DetectionContext) -> Any:
    assert ctx.store is not None
    return ctx.store.table("call")


def history_start(ctx: DetectionContext) -> dt.datetime | None:
    """The first call in the store: "first seen" is judged against the history after it."""
    assert ctx.store is not None
    value = ctx.store.scalar('SELECT min("@timestamp") FROM call')
    return value if isinstance(value, dt.datetime) else None


def learned_until(ctx: DetectionContext) -> dt.datetime | None:
    """The end of the learning period: before it, first sightings are learned, not reported."""
    start = history_start(ctx)
    return None if start is None else start + dt.timedelta(days=ctx.settings.calls.min_history_days)


def configured(ctx: DetectionContext, name: str) -> set[str]:
    """A list of numbers from the calls settings, normalized and pseudonymized like the store."""
    cache_key = f"voice:{name}"
    if cache_key not in ctx.cache:
        calls = ctx.settings.calls
        key = pseudonym_key(ctx.settings)
        plain = NumberPlan(calls).values(getattr(calls, name))
        ctx.cache[cache_key] = {pseudonymize(v, key, "phone") for v in plain}
    found: set[str] = ctx.cache[cache_key]
    return found


def first_rows(table: Any, keys: Sequence[str], limit: int = MAX_EVIDENCE) -> Any:
    """The first `limit` rows (by time) of each group of `keys`: bounded evidence, set-based."""
    w = ibis.window(
        group_by=[table[k] for k in keys], order_by=[table["@timestamp"], table["event.id"]]
    )
    return table.mutate(_rank=ibis.row_number().over(w)).filter(lambda t: t._rank < limit)


def evidence_by(
    ctx: DetectionContext, table: Any, keys: Sequence[str]
) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    """The first calls of each group, as rows keyed by the group's values."""
    assert ctx.store is not None
    rows = ctx.store.ibis.to_pyarrow(first_rows(table, keys)).to_pylist()
    out: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: (r["@timestamp"], r["event.id"])):
        out[tuple(r[k] for k in keys)].append(r)
    return out


def evidence(rows: Iterable[Row]) -> list[dict[str, Any]]:
    return [{"event_id": r["event.id"], "kind": "call", "source": source_of(dict(r))} for r in rows]


def duration_words(seconds: float | None) -> str:
    s = int(seconds or 0)
    return f"{s // 60} min {s % 60} s" if s >= 60 else f"{s} s"


def call_words(r: Row) -> str:
    """`2026-03-30 18:03 UTC inbound +18336317911 -> 2010 (answered, 4 min 0 s)`."""
    ts = r.get("@timestamp")
    when = f"{ts:%Y-%m-%d %H:%M} UTC" if isinstance(ts, dt.datetime) else "unknown time"
    caller = r.get("call.caller") or "withheld"
    talk = duration_words(r.get("call.duration")) if r.get("call.answered") else "not answered"
    return f"{when} {r.get('call.direction')} {caller} -> {r.get('call.callee')} ({talk})"


def employees_of(rows: Iterable[Row]) -> list[str]:
    return sorted({r["call.internal"] for r in rows if r.get("call.internal")})


def entities(rows: Sequence[Row], phone: str | None, **extra: Any) -> dict[str, Any]:
    users = sorted({r["user.name"] for r in rows if r.get("user.name")})
    found: dict[str, Any] = {"phone": phone, "employees": employees_of(rows), "users": users}
    found.update(extra)
    return found
