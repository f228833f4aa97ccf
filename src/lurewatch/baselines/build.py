"""Learning every baseline (and the click correlation) before detections run."""

from __future__ import annotations

from lurewatch.baselines.senders import build_sender_baseline
from lurewatch.baselines.url_domains import build_url_domain_baseline
from lurewatch.config import Settings
from lurewatch.correlate.clicks import find_clicks
from lurewatch.store import Store


def build_baselines(store: Store, settings: Settings) -> dict[str, int]:
    """Recompute all baselines from the store; returns the size of each."""
    return {
        "senders": build_sender_baseline(store, settings),
        "url_domains": build_url_domain_baseline(store),
        "url_clicks": find_clicks(store, settings),
    }
