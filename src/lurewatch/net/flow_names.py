"""Give flows the server name they went to, so allowlists and baselines can speak of names.

CDNs and clouds rotate addresses; "new destination 151.101.2.133" says little, and an
allowlist of CIDRs cannot follow them. A flow's name comes from, in order of trust:

1. the TLS SNI or HTTP Host the sensor logged for that very connection (same flow id),
2. the newest DNS answer that gave the host this address before the flow began,
3. the newest DNS answer any host received for this address (clients behind a resolver
   appear in DNS logs as the resolver, not themselves), within the same window.

Runs in the store after ingest over flows that have no name yet; a flow named once keeps
its name.
"""

from __future__ import annotations

from lurewatch.store.db import Store

# How old a DNS answer may be and still name a flow: resolvers cache for hours, clients too.
DNS_WINDOW_HOURS = 24


def _update_from_sessions(store: Store) -> None:
    store.execute(
        """
        UPDATE flow SET "destination.domain" = s.name
        FROM (
            SELECT "flow.id" AS fid, "observer.type" AS sensor, min(name) AS name FROM (
                SELECT "flow.id", "observer.type", "destination.domain" AS name FROM net_app
                WHERE "destination.domain" IS NOT NULL AND "flow.id" IS NOT NULL
                UNION ALL
                SELECT "flow.id", "observer.type", "url.domain" FROM http_request
                WHERE "url.domain" IS NOT NULL AND "flow.id" IS NOT NULL
            ) GROUP BY ALL
        ) s
        WHERE flow."destination.domain" IS NULL AND flow."flow.id" = s.fid
          AND flow."observer.type" = s.sensor
        """
    )


def _update_from_dns(store: Store, per_host: bool) -> None:
    host_match = 'AND f."source.ip" = a.client' if per_host else ""
    store.execute(
        f"""
        UPDATE flow SET "destination.domain" = m.name
        FROM (
            SELECT f."event.id" AS eid, a.name, a.ts AS answered
            FROM (SELECT "event.id", "source.ip", "destination.ip", "@timestamp"
                  FROM flow WHERE "destination.domain" IS NULL) f
            ASOF JOIN (
                SELECT "source.ip" AS client, "dns.question.name" AS name,
                       "@timestamp" AS ts, unnest("dns.answers") AS addr
                FROM dns_query WHERE "dns.question.name" IS NOT NULL
            ) a ON f."destination.ip" = a.addr {host_match} AND f."@timestamp" >= a.ts
        ) m
        WHERE flow."event.id" = m.eid
          AND m.answered >= flow."@timestamp" - INTERVAL {DNS_WINDOW_HOURS} HOUR
        """
    )


def name_flows(store: Store) -> None:
    """Fill `destination.domain` on flows that have none, from sessions and DNS answers."""
    if not store.scalar('SELECT count(*) FROM flow WHERE "destination.domain" IS NULL'):
        return
    _update_from_sessions(store)
    if store.scalar("SELECT count(*) FROM dns_query"):
        _update_from_dns(store, per_host=True)
        _update_from_dns(store, per_host=False)
