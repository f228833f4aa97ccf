"""What a detection may read: the settings, the store and its baselines, and the time of the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lurewatch.config import Settings

if TYPE_CHECKING:
    from lurewatch.store import Store


@dataclass
class DetectionContext:
    settings: Settings
    store: Store | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    # Work shared by several detections in one run (the judged links of every message, ...).
    cache: dict[str, Any] = field(default_factory=dict)
