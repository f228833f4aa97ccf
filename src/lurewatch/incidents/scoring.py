"""How much an incident matters: severity, the channels it spans, and the attack's sequence.

score = points of the most severe alert            (low 10, medium 20, high 30, critical 40)
      + 2 per other distinct detection that fired   (at most 10: corroboration, not volume)
      + 15 per channel beyond the first             (email, url, network, endpoint, voice, chat)
      + 10 per step beyond the first of the longest chain delivery -> click -> process ->
        traffic whose steps happened in that order

Thirty copies of one alert add nothing over one; a second channel outweighs a second rule; a
message that was clicked and then started a process outranks each of those parts alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from lurewatch.incidents.grouping import AlertFacts

SEVERITY_POINTS = {"low": 10, "medium": 20, "high": 30, "critical": 40}
PER_OTHER_RULE = 2
MAX_FOR_RULES = 10
PER_EXTRA_CHANNEL = 15
PER_SEQUENCE_STEP = 10

CHANNELS = ("email", "url", "network", "endpoint", "voice", "chat")
STAGES = ("delivery", "click", "process", "traffic")

# Evidence that shows a person reached a link: the proxy or DNS record of the visit.
_CLICK_EVIDENCE = frozenset({"http_request", "dns_query", "url_click"})


def channel_of(clause: str) -> str:
    """The channel of an AN1955 clause: E* email, U* url, N* network, P* endpoint, V voice, S chat."""
    return {
        "E": "email",
        "U": "url",
        "N": "network",
        "P": "endpoint",
        "V": "voice",
        "S": "chat",
    }.get(clause[:1], "other")


def stage_of(a: AlertFacts) -> str | None:
    """Where an alert sits in the phishing sequence, if it does."""
    channel = channel_of(a.clause)
    if channel == "url" and a.evidence_kinds & _CLICK_EVIDENCE:
        return "click"
    if channel in ("email", "url", "chat", "voice"):
        return "delivery"
    if channel == "endpoint":
        return "process"
    if channel == "network":
        return "traffic"
    return None


def sequence(alerts: Sequence[AlertFacts]) -> list[str]:
    """The longest chain of stages, in STAGES order, whose first occurrences are in time order."""
    first: dict[str, dt.datetime] = {}
    for a in alerts:
        stage = stage_of(a)
        if stage and a.timestamp and (stage not in first or a.timestamp < first[stage]):
            first[stage] = a.timestamp
    present = [s for s in STAGES if s in first]
    # Longest non-decreasing subsequence over at most four stages.
    best: dict[str, list[str]] = {}
    for i, s in enumerate(present):
        chain = [s]
        for p in present[:i]:
            if first[p] <= first[s] and len(best[p]) + 1 > len(chain):
                chain = best[p] + [s]
        best[s] = chain
    return max(best.values(), key=len, default=[])


@dataclass(frozen=True)
class Score:
    value: float
    severity: str
    channels: list[str]
    stages: list[str]
    reasons: list[str]


def score(alerts: Sequence[AlertFacts]) -> Score:
    top = max(alerts, key=lambda a: SEVERITY_POINTS.get(a.severity, 0))
    severity = top.severity
    reasons = [f"{severity} alert: {SEVERITY_POINTS.get(severity, 0)}"]
    value = float(SEVERITY_POINTS.get(severity, 0))
    rules = {a.rule_id for a in alerts}
    if len(rules) > 1:
        extra = min(PER_OTHER_RULE * (len(rules) - 1), MAX_FOR_RULES)
        value += extra
        reasons.append(f"{len(rules)} detections: +{extra}")
    channels = [c for c in CHANNELS if any(channel_of(a.clause) == c for a in alerts)]
    if len(channels) > 1:
        extra = PER_EXTRA_CHANNEL * (len(channels) - 1)
        value += extra
        reasons.append(f"{len(channels)} channels ({', '.join(channels)}): +{extra}")
    stages = sequence(alerts)
    if len(stages) > 1:
        extra = PER_SEQUENCE_STEP * (len(stages) - 1)
        value += extra
        reasons.append(f"sequence {' -> '.join(stages)}: +{extra}")
    return Score(value, severity, channels, stages, reasons)
