"""The detection unit: typed metadata + logic + examples that must fire and must not fire.

Two kinds of logic:
- EventDetection: a pure function of one enriched event (a row of one table).
- QueryDetection: an Ibis query over the store and its baselines (aggregations, windows).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from lurewatch.errors import DetectionError

if TYPE_CHECKING:
    from lurewatch.detections.context import DetectionContext

Severity = Literal["low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
CLAUSES = ("N1", "N2", "N3", "P1", "P2", "E1", "E2", "U1", "U2", "S1", "V1", "C1", "R1")


def severity_rank(s: str) -> int:
    return list(SEVERITIES).index(s)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Hit:
    """What an event detection returns when it fires: why, and optionally a stronger severity."""

    message: str
    severity: Severity | None = None
    entities: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One alert's content before it is stored."""

    key: str  # what it fired on; with the rule id it makes the alert id deterministic
    message: str
    timestamp: dt.datetime | None
    entities: Mapping[str, Any]
    evidence: list[dict[str, Any]]
    severity: Severity | None = None


@dataclass(frozen=True)
class Example:
    """Events that must make the detection fire (fires=True) or must not (fires=False).

    For an EventDetection, `events` is one row (missing columns are empty).
    For a QueryDetection, `events` maps table names to rows.

    The events may be given as a function that builds them: every command loads every
    detection, and some examples take a classifier or a month of traffic to build, which only
    the commands that use examples (tests, `rules`) should pay for.
    """

    name: str
    fires: bool
    given: Mapping[str, Any] | Callable[[], Mapping[str, Any]]

    @functools.cached_property
    def events(self) -> Mapping[str, Any]:
        return self.given() if callable(self.given) else self.given


@dataclass(frozen=True)
class Detection:
    id: str
    title: str
    clause: str
    techniques: tuple[str, ...]
    severity: Severity
    evidence_kinds: tuple[str, ...]  # tables it reads
    description: str
    false_positives: str
    playbook: str
    examples: tuple[Example, ...]

    def validate(self) -> None:
        if self.clause not in CLAUSES:
            raise DetectionError(f"{self.id}: unknown clause {self.clause!r}")
        if self.severity not in SEVERITIES:
            raise DetectionError(f"{self.id}: unknown severity {self.severity!r}")
        if not any(e.fires for e in self.examples) or all(e.fires for e in self.examples):
            raise DetectionError(f"{self.id}: needs examples that fire and examples that do not")


@dataclass(frozen=True)
class EventDetection(Detection):
    table: str = "email"
    check: Callable[[dict[str, Any], DetectionContext], Hit | None] = field(
        default=lambda r, c: None
    )


@dataclass(frozen=True)
class QueryDetection(Detection):
    run: Callable[[DetectionContext], list[Finding]] = field(default=lambda c: [])
    # Tables without whose rows it cannot fire: while one of them is empty it is not run, so
    # a store of mail alone does not pay for the endpoint and network queries.
    requires: tuple[str, ...] = ()

    def validate(self) -> None:
        super().validate()
        unread = [t for t in self.requires if t not in self.evidence_kinds]
        if unread:
            raise DetectionError(f"{self.id}: requires tables it does not read: {unread}")
