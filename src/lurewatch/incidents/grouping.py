"""Grouping alerts into incidents: alerts that share an entity within a window belong together.

For each linking entity, the alerts that name it are put in time order and cut wherever two
neighbours are further apart than the window; every run of alerts left is joined (union-find),
so the window bounds the gap between consecutive alerts, not the length of an incident.

Giant incidents come from entities that everybody shares. Besides the fixed exclusions of
`LinkPolicy`, a run of alerts is not joined when its alerts come from more than `max_origins`
different origins (sender domains, hosts, callers, chat accounts): a campaign domain is named by
thirty alerts of one sender and one host, a popular site by alerts of many unrelated senders.
Alerts without a time link to nothing: a window cannot be judged without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from lurewatch.incidents.entities import Entity, LinkPolicy


@dataclass
class AlertFacts:
    """What grouping and scoring need of one alert."""

    id: str
    rule_id: str
    rule_name: str
    clause: str
    severity: str
    timestamp: dt.datetime | None
    entities: set[Entity]
    origin: str
    evidence_kinds: frozenset[str] = frozenset()


@dataclass
class Group:
    alerts: list[AlertFacts]  # oldest first
    linked_by: list[Entity] = field(default_factory=list)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller index wins, so the result does not depend on the order of unions.
            self.parent[max(ra, rb)] = min(ra, rb)


def time_order(a: AlertFacts) -> tuple[dt.datetime, str]:
    return (a.timestamp or dt.datetime.max, a.id)


def _runs(
    members: list[int], alerts: Sequence[AlertFacts], window: dt.timedelta
) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in members:
        ts = alerts[i].timestamp
        assert ts is not None
        if runs and ts - alerts[runs[-1][-1]].timestamp <= window:  # type: ignore[operator]
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


def group_alerts(
    alerts: Sequence[AlertFacts], window: dt.timedelta, max_origins: int, policy: LinkPolicy
) -> list[Group]:
    """Incidents as groups of alerts; every alert is in exactly one group."""
    ordered = sorted(alerts, key=time_order)
    uf = _UnionFind(len(ordered))
    naming: dict[Entity, list[int]] = {}
    for i, a in enumerate(ordered):
        if a.timestamp is None:
            continue
        for e in a.entities:
            if policy.links(e):
                naming.setdefault(e, []).append(i)
    joined_by: dict[int, list[tuple[int, Entity]]] = {}
    for e in sorted(naming):
        for run in _runs(naming[e], ordered, window):
            if len(run) < 2 or len({ordered[i].origin for i in run}) > max_origins:
                continue
            for i in run[1:]:
                uf.union(run[0], i)
            joined_by.setdefault(run[0], []).append((len(run), e))
    members: dict[int, list[int]] = {}
    for i in range(len(ordered)):
        members.setdefault(uf.find(i), []).append(i)
    groups: list[Group] = []
    for root in sorted(members):
        idx = members[root]
        linked: dict[Entity, int] = {}
        for i in idx:
            for n, e in joined_by.get(i, []):
                linked[e] = linked.get(e, 0) + n
        # The entities that joined the most alerts first: they are what the incident is about.
        by_weight = sorted(linked, key=lambda e: (-linked[e], e))
        groups.append(Group([ordered[i] for i in idx], by_weight))
    return groups
