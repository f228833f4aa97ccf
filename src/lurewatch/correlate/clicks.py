"""Clicks: a recipient's host reaching a mailed link's host after the message was delivered.

Evidence is proxy/Zeek http requests (host) and DNS queries (name) from the hosts of the
message's recipients, within assets.click_window_days after delivery. Which host belongs to
which mailbox comes from assets.mailbox_hosts_file ("mailbox,ip" lines); without it, any host
inside organization.internal_networks counts, and the click says so.
"""

from __future__ import annotations

import csv
import ipaddress
from pathlib import Path
from typing import Any

from lurewatch.config import Settings
from lurewatch.errors import ConfigError
from lurewatch.store import Store


def mailbox_hosts(path: str) -> dict[str, set[str]]:
    """ip -> mailboxes, from a "mailbox,ip" CSV (header optional, '#' comments)."""
    out: dict[str, set[str]] = {}
    if not path:
        return out
    try:
        with Path(path).open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(line for line in fh if not line.lstrip().startswith("#")):
                if len(row) < 2 or "@" not in row[0]:
                    continue
                out.setdefault(row[1].strip(), set()).add(row[0].strip().lower())
    except OSError as exc:
        raise ConfigError(
            f"cannot read assets.mailbox_hosts_file {path}: {exc.strerror or exc}"
        ) from None
    return out


def _internal(
    ip: str | None, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        addr = ipaddress.ip_address(ip or "")
    except ValueError:
        return False
    return any(addr in n for n in networks)


_CANDIDATES = """
WITH links AS (
  SELECT u."event.id" AS url_id, u."email.event_id" AS email_id, u."url.domain" AS host,
         u."@timestamp" AS delivered
  FROM url u WHERE u."url.domain" IS NOT NULL AND u."@timestamp" IS NOT NULL
)
SELECT l.url_id, l.email_id, l.host, h."@timestamp" AS t, h."source.ip" AS ip,
       'http_request' AS kind, h."event.id" AS eid, h."log.file.path" AS path
FROM links l JOIN http_request h ON h."url.domain" = l.host
 AND h."@timestamp" >= l.delivered AND h."@timestamp" <= l.delivered + to_days(CAST(? AS INTEGER))
UNION ALL
SELECT l.url_id, l.email_id, l.host, d."@timestamp", d."source.ip", 'dns_query', d."event.id", d."log.file.path"
FROM links l JOIN dns_query d ON d."dns.question.name" = l.host
 AND d."@timestamp" >= l.delivered AND d."@timestamp" <= l.delivered + to_days(CAST(? AS INTEGER))
"""


def find_clicks(store: Store, settings: Settings) -> int:
    """Recompute `url_click`. Returns the number of clicks found."""
    days = settings.assets.click_window_days
    owners = mailbox_hosts(settings.assets.mailbox_hosts_file)
    networks = [
        ipaddress.ip_network(n, strict=False) for n in settings.organization.internal_networks
    ]
    candidates = store.rows(_CANDIDATES, [days, days])
    recipients: dict[str, set[str]] = {}
    if owners and candidates:
        ids = sorted({r["email_id"] for r in candidates})
        marks = ", ".join("?" for _ in ids)
        for email_id, address in store.execute(
            'SELECT "email.event_id", "email.recipient.address" FROM email_recipient '
            f'WHERE "email.event_id" IN ({marks})',
            ids,
        ):
            recipients.setdefault(email_id, set()).add(address)
    rows: list[dict[str, Any]] = []
    for r in candidates:
        if owners:
            mine = owners.get(r["ip"] or "", set()) & recipients.get(r["email_id"], set())
            if not mine:
                continue
            who: str | None = sorted(mine)[0]
        elif _internal(r["ip"], networks):
            who = None
        else:
            continue
        rows.append(
            {
                "url.event_id": r["url_id"],
                "email.event_id": r["email_id"],
                "url.domain": r["host"],
                "@timestamp": r["t"],
                "source.ip": r["ip"],
                "click.recipient": who,
                "evidence.kind": r["kind"],
                "evidence.event_id": r["eid"],
                "log.file.path": r["path"],
            }
        )
    store.execute("DELETE FROM url_click")
    store.insert("url_click", rows)
    return len(rows)
