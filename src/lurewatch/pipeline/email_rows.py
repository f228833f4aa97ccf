"""Turning one message into store rows: the enriched `email` row and its `email_recipient` rows."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import orjson

from lurewatch.config import Settings
from lurewatch.enrich.auth import authenticate
from lurewatch.enrich.dns import Resolver
from lurewatch.errors import RecordError
from lurewatch.ids import event_id
from lurewatch.pipeline.url_rows import url_rows
from lurewatch.readers.email_parse import ParsedEmail, parse_email
from lurewatch.readers.header_fields import clean_text
from lurewatch.readers.records import RawMessage, Reject
from lurewatch.util.domains import domain_of, in_domains


@dataclass
class EmailRows:
    email: dict[str, Any]
    recipients: list[dict[str, Any]]
    urls: list[dict[str, Any]] = field(default_factory=list)


def json_text(value: Any) -> str:
    """JSON text of a value whose strings may still hold undecodable bytes from the message."""
    try:
        return orjson.dumps(value, default=str).decode()
    except TypeError:
        return clean_text(json.dumps(value, default=str, ensure_ascii=False))


def is_bulk(row: dict[str, Any]) -> bool:
    """List or bulk mail: the sender declares it (List-Id, List-Unsubscribe, Precedence)."""
    return bool(
        row.get("email.list_id")
        or row.get("email.list_unsubscribe")
        or row.get("email.precedence") in ("bulk", "list", "junk")
    )


def direction(row: dict[str, Any], recipients: list[str], org_domains: list[str]) -> str:
    if not org_domains:
        return "unknown"
    from_internal = in_domains(row.get("email.from.domain"), org_domains)
    to_internal = [in_domains(domain_of(r), org_domains) for r in recipients]
    if from_internal:
        return "internal" if to_internal and all(to_internal) else "outbound"
    return "inbound"


def recipient_is_internal(address: str, org_domains: list[str]) -> bool:
    # Without configured domains, the mailboxes being analysed are the organization's own.
    return in_domains(domain_of(address), org_domains) if org_domains else True


def recipient_rows(row: dict[str, Any], org_domains: list[str]) -> list[dict[str, Any]]:
    """One row per (recipient, role) of a message, for the cross-mailbox sender analytics."""
    bulk = is_bulk(row)
    out = []
    seen: set[tuple[str, str]] = set()
    for role, column in (
        ("to", "email.to.address"),
        ("cc", "email.cc.address"),
        ("delivered_to", "email.delivered_to"),
    ):
        for address in row.get(column) or []:
            if (address, role) in seen:
                continue
            seen.add((address, role))
            out.append(
                {
                    "event.id": event_id("email_recipient", row["event.id"], address, role),
                    "email.event_id": row["event.id"],
                    "@timestamp": row["@timestamp"],
                    "email.recipient.address": address,
                    "email.recipient.role": role,
                    "email.recipient.internal": recipient_is_internal(address, org_domains),
                    "email.from.address": row["email.from.address"],
                    "email.from.registered_domain": row["email.from.registered_domain"],
                    "email.direction": row["email.direction"],
                    "email.bulk": bulk,
                }
            )
    return out


def analyse(parsed: ParsedEmail, settings: Settings, resolver: Resolver) -> EmailRows:
    row = parsed.row
    verdict = authenticate(parsed, settings, resolver)
    row.update(
        {
            "lurewatch.auth.spf": verdict.spf,
            "lurewatch.auth.dkim": verdict.dkim,
            "lurewatch.auth.dmarc": verdict.dmarc,
            "lurewatch.auth.dmarc_policy": verdict.dmarc_policy,
            "lurewatch.auth.arc": verdict.arc,
            "lurewatch.auth.composite": verdict.composite,
            "lurewatch.auth.reason": verdict.reason,
            "lurewatch.auth.detail": json_text(verdict.detail),
        }
    )
    org = settings.organization.domains
    addresses = sorted({a for a, _ in parsed.recipients})
    row["email.direction"] = direction(row, addresses, org)
    row["event.ingested"] = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    recipients = recipient_rows(row, org)
    return EmailRows(row, recipients, url_rows(parsed, settings))


def process_message(raw: RawMessage, settings: Settings, resolver: Resolver) -> EmailRows | Reject:
    """Parse and enrich one message; a message that is not mail becomes a Reject."""
    try:
        parsed = parse_email(raw)
    except RecordError as exc:
        return Reject("email", raw.path, raw.offset, str(exc))
    return analyse(parsed, settings, resolver)
