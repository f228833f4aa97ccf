"""Scoring connection series for beaconing, in Ibis (quantiles and medians are SQL built-ins).

A series is every connection of one internal host to one internet destination (its domain
when known, else its address) on one (transport, port). An implant that sleeps and calls home
makes a series whose gaps are alike and whose requests are alike; people make neither.

The score (0..1) adds four parts, each 0..1:

- timing (weight 0.45), itself three measures of the gaps between connections:
  * regularity: 1 - MAD/median of the gaps (robust: a few odd gaps do not move it);
  * on-beat share: the share of gaps within 20% of one, two or three times the median gap.
    Jitter up to ±20% stays on the beat, and so do missed beats (a gap of two or three
    periods), which throw off measures of spread and skew alone;
  * symmetry: 1 - |Bowley skewness| of the gaps (quartile skew; 0 when a quartile equals the
    median, where it says nothing);
  weighted 0.4, 0.4 and 0.2.
- size (0.25): half regularity of the bytes sent (1 - MAD/median) and half the share of
  connections sending exactly the most common size.
- persistence (0.15): how long the series lasts, against 6 hours (or the whole capture when
  shorter): a tight loop for a minute is not a beacon.
- count (0.15): connections against 48; few connections prove little.

Gaps under a second are one beat (an implant may open several connections per call), so they
are left out of the gap statistics but counted as connections.
"""

from __future__ import annotations

from typing import Any

import ibis

from lurewatch.baselines.flows import internet, outbound
from lurewatch.detections.context import DetectionContext

SERIES = ("source.ip", "destination.key", "network.transport", "destination.port")
WEIGHTS = {"timing": 0.45, "size": 0.25, "persistence": 0.15, "count": 0.15}
TIMING_WEIGHTS = {"regularity": 0.4, "on_beat": 0.4, "symmetry": 0.2}
ON_BEAT_TOLERANCE = 0.2
MAX_MULTIPLE = 3
IDEAL_SPAN_HOURS = 6
FULL_COUNT = 48
SAME_BEAT_MS = 1000


def _capped_ratio(num: Any, den: Any) -> Any:
    """num/den clipped to [0, 1]; 1 (the worst) where den is not positive."""
    return ibis.cases((den <= 0, 1.0), else_=ibis.least(num.cast("float64") / den, 1.0))


def _gaps(ctx: DetectionContext, min_connections: int) -> Any:
    """Connections of series with enough connections, with `_gap` (ms to the previous one)."""
    assert ctx.store is not None
    o = internet(outbound(ctx.store, ctx.settings))
    o = o.select(*SERIES, "@timestamp", "event.id", "source.bytes", "destination.domain",
                 "destination.ip")  # fmt: skip
    counts = o.group_by(list(SERIES)).aggregate(_n=o.count())
    big = counts.filter(counts._n >= min_connections).drop("_n")
    c = o.semi_join(big, list(SERIES))
    w = ibis.window(group_by=[c[k] for k in SERIES], order_by=[c["@timestamp"], c["event.id"]])
    return c.mutate(_gap=c["@timestamp"].delta(c["@timestamp"].lag().over(w), unit="millisecond"))


def _first_pass(g: Any) -> Any:
    beat = g._gap >= SAME_BEAT_MS
    return g.group_by(list(SERIES)).aggregate(
        connections=g.count(),
        first_seen=g["@timestamp"].min(),
        last_seen=g["@timestamp"].max(),
        domain=g["destination.domain"].max(),
        addresses=g["destination.ip"].nunique(),
        address=g["destination.ip"].max(),
        gaps=beat.sum(),
        gap_q1=g._gap.quantile(0.25, where=beat),
        gap_median=g._gap.quantile(0.5, where=beat),
        gap_q3=g._gap.quantile(0.75, where=beat),
        size_median=g["source.bytes"].quantile(0.5),
        size_mode=g["source.bytes"].mode(),
        bytes_sent=g["source.bytes"].sum(),
    )


def _second_pass(g: Any, first: Any) -> Any:
    """Spread around the medians, the on-beat share and the mode share (need pass one)."""
    j = g.join(first, list(SERIES))
    beat = j._gap >= SAME_BEAT_MS
    ratio = j._gap.cast("float64") / ibis.greatest(j.gap_median, 1.0)
    multiple = ratio.round()
    on_beat = (
        (multiple >= 1)
        & (multiple <= MAX_MULTIPLE)
        & ((ratio - multiple).abs() <= ON_BEAT_TOLERANCE)
    )
    stats = j.group_by(list(SERIES)).aggregate(
        gap_mad=(j._gap - j.gap_median).abs().quantile(0.5, where=beat),
        on_beat=on_beat.cast("float64").mean(where=beat),
        size_mad=(j["source.bytes"] - j.size_median).abs().quantile(0.5),
        size_mode_share=(j["source.bytes"] == j.size_mode).cast("float64").mean(),
    )
    return first.join(stats, list(SERIES))


def _scores(s: Any, capture_ms: float) -> Any:
    iqr = s.gap_q3 - s.gap_q1
    flat = (iqr <= s.gap_median * 0.01) | (s.gap_median == s.gap_q1) | (s.gap_median == s.gap_q3)
    bowley = ibis.cases((flat, 0.0), else_=(s.gap_q1 + s.gap_q3 - 2 * s.gap_median) / iqr)
    s = s.mutate(
        regularity=1 - _capped_ratio(s.gap_mad, s.gap_median),
        on_beat=s.on_beat.fill_null(0.0),
        symmetry=1 - ibis.least(bowley.abs(), 1.0),
        size_regularity=ibis.cases(
            (s.size_median < 1, 0.5),  # nothing sent: alike, but says little
            else_=1 - _capped_ratio(s.size_mad, s.size_median),
        ),
    )
    span_ms = s.last_seen.delta(s.first_seen, unit="millisecond").cast("float64")
    ideal_ms = min(max(capture_ms, 1.0), IDEAL_SPAN_HOURS * 3_600_000.0)
    t = TIMING_WEIGHTS
    s = s.mutate(
        timing_score=t["regularity"] * s.regularity
        + t["on_beat"] * s.on_beat
        + t["symmetry"] * s.symmetry,
        size_score=0.5 * s.size_regularity + 0.5 * s.size_mode_share,
        persistence_score=ibis.least(span_ms / ideal_ms, 1.0),
        count_score=ibis.least(s.connections.cast("float64") / FULL_COUNT, 1.0),
    )
    w = WEIGHTS
    return s.mutate(
        score=w["timing"] * s.timing_score + w["size"] * s.size_score
        + w["persistence"] * s.persistence_score + w["count"] * s.count_score
    )  # fmt: skip


def beacon_series(ctx: DetectionContext) -> list[dict[str, Any]]:
    """Every series that scores at least network.beacon_min_score, with its statistics."""
    assert ctx.store is not None
    n = ctx.settings.network
    span = ctx.store.execute('SELECT min("@timestamp"), max("@timestamp") FROM flow')[0]
    if span[0] is None:
        return []
    capture_ms = (span[1] - span[0]).total_seconds() * 1000
    g = _gaps(ctx, n.beacon_min_connections)
    s = _scores(_second_pass(g, _first_pass(g)), capture_ms)
    s = s.filter(
        (s.score >= n.beacon_min_score)
        & (s.gaps >= 3)
        & (s.gap_median >= n.beacon_min_interval_seconds * 1000)
        & (s.gap_median <= n.beacon_max_interval_seconds * 1000)
    )
    return list(ctx.store.ibis.to_pyarrow(s).to_pylist())
