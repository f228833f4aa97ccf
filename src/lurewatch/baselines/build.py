"""Learning every baseline (and the click correlation) before detections run."""

from __future__ import annotations

from lurewatch.baselines.calls import build_call_baseline
from lurewatch.baselines.flows import build_flow_baselines
from lurewatch.baselines.proc_net import build_proc_net_baseline
from lurewatch.baselines.senders import build_sender_baseline
from lurewatch.baselines.transfers import build_transfer_baselines
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
        "chat_transfers": build_transfer_baselines(store),
        "proc_net": build_proc_net_baseline(store, settings),
        "calls": build_call_baseline(store),
        "flows": build_flow_baselines(store, settings),
    }
