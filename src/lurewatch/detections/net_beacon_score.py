"""Scoring connection series for beaconing, in Ibis (quantiles and medians are SQL built-ins).

A series is every connection of one internal host to one internet destination (its domain
when known, else its address) on one (transport, port). An implant that sleeps and calls home
makes a series whose gaps are alike and whose requests are alike; people make neither.

The score (0..1) adds four parts, each 0..1:

- timing (weight 0.45), itself three measures of the gaps between connections:
  * regularity: 1 - (IQR/2)/median of the gaps, half the interquartile range standing for the
    median absolute deviation (the two agree on symmetric spreads, and quartiles come out
    of the same pass as the median; robust: a few odd gaps do not move it);
  * on-beat share: the share of gaps within 20% of one, two or three times the median gap.
    Jitter up to ±20% stays on the beat, and so do missed beats (a gap of two or three
    periods), which throw off measures of spread and skew alone;
  * symmetry: 1 - |Bowley skewness| of the gaps (quartile skew; 0 when a quartile equals the
    median, where it says nothing);
  weighted 0.4, 0.4 and 0.2.
- size (0.25): half regularity of the bytes sent (1 - (IQR/2)/median) and half the share of
  connections sending exactly the most common size.
- persistence (0.15): how long the series lasts, against 6 hours (or the whole capture when
  shorter): a tight loop for a minute is not a beacon.
- count (0.15): connections against 48; few connections prove little.

Work: one pass gives the quartiles of gaps and sizes, a second pass over the rows of the series
that could still reach the threshold (their score with perfect on-beat and mode shares) gives
those shares. Most series of people fail the first pass, so the second reads few rows.

Where gaps alternate (a call and its retry), the period is measured over two gaps instead of
one, whichever is the more regular: RITA-style scores see such a series as irregular.

Gaps under a second are one beat (an implant may open several connections per call), so they
are left out of the gap statistics but counted as connections.
"""

from __future__ import annotations

from typing import Any

import ibis

from lurewatch.baselines.flows import hosts_own, internet, outbound
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.net_evidence import scopes

SERIES = ("source.ip", "destination.key", "network.transport", "destination.port")
WEIGHTS = {"timing": 0.45, "size": 0.25, "persistence": 0.15, "count": 0.15}
TIMING_WEIGHTS = {"regularity": 0.4, "on_beat": 0.4, "symmetry": 0.2}
ON_BEAT_TOLERANCE = 0.2
MAX_MULTIPLE = 3
IDEAL_SPAN_HOURS = 6
FULL_COUNT = 48
SAME_BEAT_MS = 1000
GAPS_TABLE = "_lw_beacon_gaps"


def _capped_ratio(num: Any, den: Any) -> Any:
    """num/den clipped to [0, 1]; 1 (the worst) where den is not positive."""
    return ibis.cases((den <= 0, 1.0), else_=ibis.least(num.cast("float64") / den, 1.0))


def _gaps(ctx: DetectionContext, min_connections: int) -> Any:
    """Connections of series with enough connections, with `_gap` (ms to the previous one).

    Series too short to judge are dropped by a count on the raw flows first (a cheap hash
    aggregate), so only the rest is enriched and sorted for the gaps.
    """
    assert ctx.store is not None
    f = hosts_own(ctx.store.table("flow"))
    key = [
        f["source.ip"],
        f["destination.domain"].lower().strip().fill_null(f["destination.ip"]).name("_k"),
        f["network.transport"].fill_null("").lower().name("_t"),
        f["destination.port"],
    ]
    counts = f.group_by(key).aggregate(_n=f.count())
    big = counts.filter(counts._n >= min_connections).drop("_n")
    rows = f.mutate(_k=key[1], _t=key[2]).semi_join(
        big, ["source.ip", "_k", "_t", "destination.port"]
    )
    o = internet(outbound(ctx.store, ctx.settings, rows.drop("_k", "_t"), scopes(ctx)))
    o = o.select(*SERIES, "@timestamp", "event.id", "source.bytes", "destination.domain",
                 "destination.ip")  # fmt: skip
    w = ibis.window(group_by=[o[k] for k in SERIES], order_by=[o["@timestamp"], o["event.id"]])
    ts = o["@timestamp"]
    return o.mutate(
        _gap=ts.delta(ts.lag().over(w), unit="millisecond"),
        _gap2=ts.delta(ts.lag(2).over(w), unit="millisecond"),
    )


def _first_pass(g: Any) -> Any:
    """Counts, span and quartiles per series: the cheap screen every series goes through.
    Quartiles come as one list per column (one sort, not three)."""
    beat = g._gap >= SAME_BEAT_MS
    quartiles = [0.25, 0.5, 0.75]
    a = g.group_by(list(SERIES)).aggregate(
        connections=g.count(),
        first_seen=g["@timestamp"].min(),
        last_seen=g["@timestamp"].max(),
        gaps=beat.sum(),
        _gq=g._gap.quantile(quartiles, where=beat),
        _gq2=g._gap2.quantile(quartiles, where=beat),
        _sq=g["source.bytes"].quantile(quartiles),
    )
    # The period is one gap, or two where gaps alternate (a call and its retry, 9 s then 14 s):
    # whichever step is the more regular (smaller spread for its median) sets the beat.
    one = (a._gq[2] - a._gq[0]) / ibis.greatest(a._gq[1], 1.0)
    two = (a._gq2[2] - a._gq2[0]) / ibis.greatest(a._gq2[1], 1.0)
    # Two gaps halve the relative spread of mere jitter; alternation shrinks it far more.
    a = a.mutate(step=ibis.cases((two.notnull() & (two * 4 < one), 2), else_=1))
    pick = ibis.cases((a.step == 2, a._gq2), else_=a._gq)
    a = a.mutate(_p=pick)
    return a.mutate(
        gap_q1=a._p[0], gap_median=a._p[1], gap_q3=a._p[2],
        size_q1=a._sq[0], size_median=a._sq[1], size_q3=a._sq[2],
    ).drop("_gq", "_gq2", "_sq", "_p")  # fmt: skip


def _partial_scores(s: Any, capture_ms: float) -> Any:
    """Every part but the on-beat and mode shares, which need a second pass."""
    iqr = s.gap_q3 - s.gap_q1
    flat = (iqr <= s.gap_median * 0.01) | (s.gap_median == s.gap_q1) | (s.gap_median == s.gap_q3)
    bowley = ibis.cases((flat, 0.0), else_=(s.gap_q1 + s.gap_q3 - 2 * s.gap_median) / iqr)
    span_ms = s.last_seen.delta(s.first_seen, unit="millisecond").cast("float64")
    ideal_ms = min(max(capture_ms, 1.0), IDEAL_SPAN_HOURS * 3_600_000.0)
    return s.mutate(
        regularity=1 - _capped_ratio(iqr / 2, s.gap_median),
        symmetry=1 - ibis.least(bowley.abs(), 1.0),
        size_regularity=ibis.cases(
            (s.size_median < 1, 0.5),  # nothing sent: alike, but says little
            else_=1 - _capped_ratio((s.size_q3 - s.size_q1) / 2, s.size_median),
        ),
        persistence_score=ibis.least(span_ms / ideal_ms, 1.0),
        count_score=ibis.least(s.connections.cast("float64") / FULL_COUNT, 1.0),
    )


def _combined(s: Any, on_beat: Any, mode_share: Any) -> Any:
    t, w = TIMING_WEIGHTS, WEIGHTS
    timing = t["regularity"] * s.regularity + t["on_beat"] * on_beat + t["symmetry"] * s.symmetry
    size = 0.5 * s.size_regularity + 0.5 * mode_share
    return (
        w["timing"] * timing + w["size"] * size
        + w["persistence"] * s.persistence_score + w["count"] * s.count_score
    )  # fmt: skip


def _shares(g: Any, cands: Any) -> Any:
    """For the candidate series only: the on-beat share of gaps, the most common size and its
    share, and the destination's name and addresses."""
    keep = cands.select(*SERIES, "gap_median", "step")
    j = g.join(keep, list(SERIES))
    beat = j._gap >= SAME_BEAT_MS
    gap = ibis.cases((j.step == 2, j._gap2), else_=j._gap)
    ratio = gap.cast("float64") / ibis.greatest(j.gap_median, 1.0)
    multiple = ratio.round()
    on_beat = (
        (multiple >= 1)
        & (multiple <= MAX_MULTIPLE)
        & ((ratio - multiple).abs() <= ON_BEAT_TOLERANCE)
    )
    per_series = j.group_by(list(SERIES)).aggregate(
        on_beat=on_beat.cast("float64").mean(where=beat & gap.notnull()),
        domain=j["destination.domain"].max(),
        addresses=j["destination.ip"].nunique(),
        address=j["destination.ip"].max(),
        bytes_sent=j["source.bytes"].sum(),
    )
    sizes = j.group_by([*SERIES, "source.bytes"]).aggregate(_n=j.count())
    sizes = sizes.mutate(
        _rank=ibis.row_number().over(
            group_by=[sizes[k] for k in SERIES], order_by=[sizes._n.desc(), sizes["source.bytes"]]
        ),
        _all=sizes._n.sum().over(group_by=[sizes[k] for k in SERIES]),
    )
    mode = sizes.filter(sizes._rank == 0).select(
        *SERIES,
        size_mode=sizes["source.bytes"],
        size_mode_share=sizes._n.cast("float64") / sizes._all,
    )
    return per_series.join(mode, list(SERIES))


def beacon_series(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Every series that scores at least network.beacon_min_score, with its statistics."""
    assert ctx.store is not None
    n = ctx.settings.network
    span = ctx.store.execute('SELECT min("@timestamp"), max("@timestamp") FROM flow')[0]
    if span[0] is None:
        return []
    capture_ms = (span[1] - span[0]).total_seconds() * 1000
    # The gaps of the series worth scoring are few next to the flows, and both passes read
    # them: they are computed once into a temporary table.
    gaps_sql = ibis.to_sql(_gaps(ctx, n.beacon_min_connections), dialect="duckdb")
    ctx.store.execute(f"CREATE OR REPLACE TEMP TABLE {GAPS_TABLE} AS {gaps_sql}")
    try:
        return _scored(ctx, ctx.store.table(GAPS_TABLE), capture_ms)
    finally:
        ctx.store.execute(f"DROP TABLE IF EXISTS {GAPS_TABLE}")


def _scored(ctx: DetectionContext, g: Any, capture_ms: float) -> list[dict[str, Any]]:
    assert ctx.store is not None
    n = ctx.settings.network
    first = _partial_scores(_first_pass(g), capture_ms)
    cands = first.filter(
        (first.gaps >= 3)
        & (first.gap_median >= n.beacon_min_interval_seconds * 1000)
        & (first.gap_median <= n.beacon_max_interval_seconds * 1000)
        & (_combined(first, 1.0, 1.0) >= n.beacon_min_score)
    )
    # The few candidates are read out, so the second pass joins a small table.
    found = ctx.store.ibis.to_pyarrow(cands)
    if not found.num_rows:
        return []
    cands = ibis.memtable(found)
    s = cands.join(_shares(g, cands), list(SERIES))
    s = s.mutate(on_beat=s.on_beat.fill_null(0.0))
    t = TIMING_WEIGHTS
    s = s.mutate(
        timing_score=t["regularity"] * s.regularity + t["on_beat"] * s.on_beat
        + t["symmetry"] * s.symmetry,
        size_score=0.5 * s.size_regularity + 0.5 * s.size_mode_share,
        score=_combined(s, s.on_beat, s.size_mode_share),
    )  # fmt: skip
    s = s.filter(s.score >= n.beacon_min_score)
    return list(ctx.store.ibis.to_pyarrow(s).to_pylist())
