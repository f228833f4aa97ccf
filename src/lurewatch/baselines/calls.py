"""The organization's call baseline (V1): which outside numbers, countries and number types its
calls involve, since when, and how widely.

One row per key: an outside number (as stored: E.164 or its pseudonym), a country, or a number
type. `first_seen` is what makes "first-seen number" and "a country the organization never
deals with" mean something local; `first_outbound` tells a number the organization itself has
called (a supplier, a customer) from one that only ever calls in. Recomputed from the whole
`call` table on every run, so a historic export works as well as a live feed. Distinct counts
(employees per number) are left to the detections that report a number: over every number of a
large log they cost more than all the rest of the baseline.
"""

from __future__ import annotations

from typing import Any

import ibis

from lurewatch.schema_baselines import BASELINE_CALL
from lurewatch.store import Store

TABLE = "baseline_call"
COLUMNS = BASELINE_CALL
_KEYS = {
    "number": "call.external",
    "country": "call.external.country",
    "type": "call.external.type",
}


def external_calls(store: Store) -> Any:
    """Calls with an outside party (inbound and outbound), with their time."""
    c = store.table("call")
    return c.filter(c["call.direction"].isin(["inbound", "outbound"]), c["@timestamp"].notnull())


def key_stats(store: Store, key_type: str) -> Any:
    col = _KEYS[key_type]
    all_calls = external_calls(store)
    c = all_calls.filter(all_calls[col].notnull())
    out = c["call.direction"] == "outbound"
    return (
        c.group_by(c[col].name("key"))
        .aggregate(
            first_seen=c["@timestamp"].min(),
            last_seen=c["@timestamp"].max(),
            calls=c.count(),
            inbound=(~out).sum().cast("int64"),
            outbound=out.sum().cast("int64"),
            first_outbound=c["@timestamp"].min(where=out),
        )
        .mutate(key_type=ibis.literal(key_type))
    )


def build_call_baseline(store: Store) -> int:
    """Recompute `baseline_call`; returns its number of rows."""
    store.ensure_table(TABLE, COLUMNS)
    store.execute(f"DELETE FROM {TABLE}")
    if not store.count("call"):
        return 0
    parts = [key_stats(store, k) for k in _KEYS]
    table = parts[0].union(parts[1]).union(parts[2]).select(*(c.name for c in COLUMNS))
    arrow = store.ibis.to_pyarrow(table)
    with store.registered("_lw_call_baseline", arrow):
        store.execute(f"INSERT INTO {TABLE} SELECT * FROM _lw_call_baseline")
    return arrow.num_rows
