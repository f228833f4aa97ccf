"""Running a detection against its own examples: the proof that ships beside every rule."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings
from lurewatch.detections.base import Detection, EventDetection, Example, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import empty_requirements, evaluate_event
from lurewatch.detections.examples import blank_row
from lurewatch.pipeline.email_rows import direction, recipient_rows
from lurewatch.store import Store


def example_settings() -> Settings:
    """The organization every example is written for: corp.example and northwind.example, whose
    CEO is Dana Whitfield."""
    s = Settings()
    s.organization.domains = ["corp.example", "northwind.example"]
    s.organization.vip_names = ["Dana Whitfield"]
    return s


def load_example(store: Store, example: Example, settings: Settings) -> None:
    """Write an example's events into a store; email rows also get their recipient rows.

    The pseudo-table "intel_feed" lists indicator values, written to a plain feed file that the
    settings then name, so link examples can show a known-bad match.
    """
    for table, rows in example.events.items():
        if table == "intel_feed":
            feed = Path(tempfile.mkdtemp(prefix="lurewatch-example-")) / "feed.txt"
            feed.write_text("\n".join(rows) + "\n")
            settings.intel.feeds = [str(feed)]
            continue
        full: list[dict[str, Any]] = []
        for r in rows:
            row = blank_row(table)
            row.update(r)
            full.append(row)
        if table == "email":
            for row in full:
                if not row.get("email.direction"):
                    addrs = list(row.get("email.to.address") or []) + list(
                        row.get("email.cc.address") or []
                    )
                    row["email.direction"] = direction(row, addrs, settings.organization.domains)
                store.insert("email_recipient", recipient_rows(row, settings.organization.domains))
        store.insert(table, full)


def example_fires(det: Detection, example: Example, settings: Settings | None = None) -> bool:
    settings = copy.deepcopy(settings or example_settings())
    if isinstance(det, EventDetection):
        ctx = DetectionContext(settings=settings)
        return evaluate_event(det, dict(example.events), ctx) is not None
    assert isinstance(det, QueryDetection)
    with Store(":memory:") as store:
        load_example(store, example, settings)
        build_baselines(store, settings)
        if empty_requirements(det, store, {}):
            return False  # as `detect` would: not run
        return bool(det.run(DetectionContext(settings=settings, store=store)))


def failing_examples(det: Detection, settings: Settings | None = None) -> list[str]:
    """Names of the examples whose outcome differs from what they promise."""
    return [
        f"{ex.name}: expected {'fire' if ex.fires else 'no alert'}"
        for ex in det.examples
        if example_fires(det, ex, settings) != ex.fires
    ]
