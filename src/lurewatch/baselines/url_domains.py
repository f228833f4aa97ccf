"""The org-wide link baseline (U2): every registrable domain the organization's mail linked to,
since when, and how widely. "Newly seen" means a link's domain had never appeared in the
organization's mail before the message that carries it.
"""

from __future__ import annotations

from lurewatch.store import Store


def build_url_domain_baseline(store: Store) -> int:
    """Recompute `baseline_url_domain` from the `url` table. Returns the number of domains."""
    u = store.table("url")
    e = store.table("email")
    joined = u.join(e, u["email.event_id"] == e["event.id"])
    stats = (
        joined.filter(joined["url.registered_domain"].notnull())
        .group_by(joined["url.registered_domain"])
        .aggregate(
            first_seen=joined["@timestamp"].min(),
            last_seen=joined["@timestamp"].max(),
            messages=joined["email.event_id"].nunique(),
            senders=joined["email.from.registered_domain"].nunique(),
        )
    )
    arrow = store.ibis.to_pyarrow(stats)
    store.execute("DELETE FROM baseline_url_domain")
    with store.registered("_lw_url_baseline", arrow):
        store.execute(
            'INSERT INTO baseline_url_domain SELECT "url.registered_domain", first_seen, last_seen, '
            "messages, senders FROM _lw_url_baseline"
        )
    return arrow.num_rows
