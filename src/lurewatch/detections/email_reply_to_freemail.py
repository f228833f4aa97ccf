"""E1 header analysis: replies diverted to a free-mail mailbox the sender's domain does not own."""

from __future__ import annotations

from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.enrich.freemail import is_freemail
from lurewatch.util.domains import domain_of, registrable_domain


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    reply_to = row.get("email.reply_to.address")
    sender_rd = row.get("email.from.registered_domain")
    if not reply_to or not sender_rd:
        return None
    reply_rd = registrable_domain(domain_of(reply_to))
    if not reply_rd or reply_rd == sender_rd or not is_freemail(reply_rd):
        return None
    if is_freemail(sender_rd) and reply_to == row.get("email.from.address"):
        return None
    return Hit(
        f"Replies to this message from {row.get('email.from.address')} go to {reply_to}, "
        f"a free-mail mailbox outside the sender's domain {sender_rd}: a common way to take the "
        "conversation away from the spoofed or borrowed sender.",
        entities={"reply_to": reply_to},
    )


DETECTIONS = [
    EventDetection(
        id="email_reply_to_freemail",
        title="Reply-To diverted to a free-mail mailbox",
        clause="E1",
        techniques=("T1566", "T1534"),
        severity="medium",
        evidence_kinds=("email",),
        description="Reply-To points to a free-mail provider while From is another domain.",
        false_positives="Small businesses that send from a web host but read replies in Gmail; "
        "allowlist the sender domain.",
        playbook="Check whether the sender's organization really uses that mailbox; look for "
        "other messages with the same Reply-To (pivot on it); warn recipients who replied.",
        table="email",
        check=check,
        examples=(
            Example(
                "corporate From, gmail Reply-To",
                True,
                email_row(
                    from__address="ceo@acme-corp.com", reply_to__address="acme.ceo.office@gmail.com"
                ),
            ),
            Example(
                "Reply-To on the same domain",
                False,
                email_row(
                    from__address="news@shop.example", reply_to__address="support@shop.example"
                ),
            ),
            Example(
                "free-mail sender replying to itself",
                False,
                email_row(from__address="friend@gmail.com", reply_to__address="friend@gmail.com"),
            ),
            Example(
                "list Reply-To",
                False,
                email_row(
                    from__address="alice@uni.example", reply_to__address="list@lists.example.org"
                ),
            ),
        ),
    )
]
