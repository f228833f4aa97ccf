"""The catalogue: every detection module in this package, found by its channel prefix."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from lurewatch import detections as _pkg
from lurewatch.detections.base import Detection
from lurewatch.errors import DetectionError

CHANNEL_PREFIXES = ("email_", "url_", "net_", "proc_", "voice_", "chat_")


@lru_cache(maxsize=1)
def all_detections() -> tuple[Detection, ...]:
    found: list[Detection] = []
    for mod in sorted(pkgutil.iter_modules(_pkg.__path__), key=lambda m: m.name):
        if not mod.name.startswith(CHANNEL_PREFIXES):
            continue
        module = importlib.import_module(f"{_pkg.__name__}.{mod.name}")
        for det in getattr(module, "DETECTIONS", []):
            det.validate()
            found.append(det)
    ids = [d.id for d in found]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise DetectionError(f"duplicate detection ids: {', '.join(sorted(dupes))}")
    return tuple(found)


def by_id(detection_id: str) -> Detection:
    for d in all_detections():
        if d.id == detection_id:
            return d
    raise DetectionError(f"no detection with id {detection_id!r}")
