"""Every detection in the catalogue fires on its positive examples and stays quiet on the others."""

from __future__ import annotations

import pytest

from lurewatch.detections.base import Detection
from lurewatch.detections.registry import all_detections
from lurewatch.detections.testing import example_fires

CASES = [(d, ex) for d in all_detections() for ex in d.examples]


@pytest.mark.parametrize(("det", "example"), CASES, ids=[f"{d.id}:{ex.name}" for d, ex in CASES])
def test_example(det: Detection, example) -> None:  # type: ignore[no-untyped-def]
    assert example_fires(det, example) == example.fires


def test_catalogue_metadata() -> None:
    dets = all_detections()
    assert len(dets) >= 5
    for d in dets:
        assert d.title and d.description and d.playbook and d.false_positives
        assert d.techniques and all(t.startswith("T") for t in d.techniques)
