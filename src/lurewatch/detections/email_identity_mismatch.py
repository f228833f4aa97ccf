"""E1 header analysis, weak signals: identities in one message that belong to different domains.

Each is common in legitimate mail too (mail services bounce to their own domain, write their
own Message-IDs, route replies to a help desk), so they are low-severity context an analyst
reads beside stronger alerts, and they are skipped where authentication already vouches for
the From domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.enrich.brands import brand_for_domain
from lurewatch.enrich.freemail import is_freemail
from lurewatch.pipeline.email_rows import is_bulk
from lurewatch.util.domains import domain_of, in_domains, registrable_domain


def _vouched(row: dict[str, Any]) -> bool:
    return row.get("lurewatch.auth.composite") == "pass" or is_bulk(row)


def _other(row: dict[str, Any], address: str | None) -> str | None:
    """The registrable domain of `address` when it differs from the From domain's."""
    sender_rd = row.get("email.from.registered_domain")
    rd = registrable_domain(domain_of(address))
    return rd if rd and sender_rd and rd != sender_rd else None


def return_path(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    other = _other(row, row.get("email.return_path"))
    if not other or _vouched(row):
        return None
    return Hit(
        f"Bounces go to {row.get('email.return_path')} ({other}), not to the From domain "
        f"{row.get('email.from.registered_domain')}, and nothing authenticates the From domain."
    )


def reply_to(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    other = _other(row, row.get("email.reply_to.address"))
    if not other or _vouched(row) or is_freemail(other):  # free-mail has its own detection
        return None
    return Hit(
        f"Replies go to {row.get('email.reply_to.address')} ({other}), another organization than "
        f"the From domain {row.get('email.from.registered_domain')}."
    )


def message_id(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    # Only meaningful for senders whose own systems write their Message-IDs: the organization
    # and the big brands. Elsewhere a third-party mailer's ID is the normal case.
    sender = row.get("email.from.registered_domain")
    if not (
        in_domains(sender, ctx.settings.organization.domains) or brand_for_domain(sender or "")
    ):
        return None
    mid = (row.get("email.message_id") or "").strip("<> ")
    other = _other(row, mid if "@" in mid else None)
    if not other or _vouched(row):
        return None
    return Hit(
        f"The Message-ID {row.get('email.message_id')} was written at {other}, not at the "
        f"From domain {row.get('email.from.registered_domain')}."
    )


def _low(
    id: str,
    title: str,
    check: Callable[[dict[str, Any], DetectionContext], Hit | None],
    description: str,
    fires: dict[str, Any],
    quiet: dict[str, Any],
) -> EventDetection:
    return EventDetection(
        id=id,
        title=title,
        clause="E1",
        techniques=("T1566",),
        severity="low",
        evidence_kinds=("email",),
        description=description + " Skipped for authenticated (composite pass) and list/bulk mail.",
        false_positives="Mail sent through service providers (newsletters, ticketing, CRM) that "
        "use their own domains for bounces, replies or Message-IDs.",
        playbook="Context for other alerts on the same message; alone it needs no action.",
        table="email",
        check=check,
        examples=(
            Example("mismatch", True, email_row(**fires)),
            Example("same domain", False, email_row(**quiet)),
            Example(
                "authenticated", False, email_row(**fires, **{"lurewatch.auth.composite": "pass"})
            ),
        ),
    )


DETECTIONS = [
    _low(
        "email_return_path_mismatch",
        "Return-Path outside the From domain",
        return_path,
        "The envelope sender's organizational domain differs from the From's.",
        {"from__address": "ceo@bank.example", "return_path": "x@bulkmailer.example"},
        {"from__address": "ceo@bank.example", "return_path": "bounce@mail.bank.example"},
    ),
    _low(
        "email_reply_to_other_domain",
        "Reply-To at another organization",
        reply_to,
        "Reply-To's organizational domain differs from the From's (and is not free-mail).",
        {"from__address": "ceo@bank.example", "reply_to__address": "ceo@bank-support.example"},
        {"from__address": "ceo@bank.example", "reply_to__address": "help@bank.example"},
    ),
    _low(
        "email_message_id_mismatch",
        "Message-ID written elsewhere",
        message_id,
        "Mail from the organization's own domains or a catalogue brand whose Message-ID's "
        "domain part is another organizational domain.",
        {"from__address": "ceo@corp.example", "message_id": "<1@mailer.example>"},
        {"from__address": "ceo@corp.example", "message_id": "<1@mx.corp.example>"},
    ),
]
