"""E1 header analysis: the recipient's raw email address written into the subject line.

Mass phishing "personalizes" by pasting the target's address into the subject ("Password
expiry for bob@corp.example"); services that really know the recipient use a name.
"""

from __future__ import annotations

from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.evidence import email_recipients
from lurewatch.detections.examples import email_row


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    subject = (row.get("email.subject") or "").lower()
    if "@" not in subject:
        return None
    sender = row.get("email.from.address")
    list_id = _list_identifier(row.get("email.list_id"))
    for rcpt in email_recipients(row):
        if not rcpt or rcpt == sender or rcpt.lower().replace("@", ".", 1) == list_id:
            continue  # a list's own address in its traffic's subjects is no personalization
        if rcpt.lower() in subject:
            return Hit(
                f"The subject {row.get('email.subject')!r} contains the recipient's own address "
                f"{rcpt}: mass phishing personalizes this way; senders who know you use your name.",
                entities={"recipient": rcpt},
            )
    return None


def _list_identifier(list_id: str | None) -> str | None:
    """The identifier of a List-Id ("Users <users.lists.example.org>"): a list's address with
    its @ written as a dot (RFC 2919), as list servers name them."""
    if not list_id:
        return None
    inner = list_id.rpartition("<")[2].partition(">")[0] if "<" in list_id else list_id
    return inner.strip().lower() or None


DETECTIONS = [
    EventDetection(
        id="email_address_in_subject",
        title="Recipient's address in the subject",
        clause="E1",
        techniques=("T1566", "T1598"),
        severity="medium",
        evidence_kinds=("email",),
        description="The subject contains the full address of one of the message's recipients.",
        false_positives='Account services confirming an address change ("verify a@b.com"), '
        "ticketing systems quoting the requester.",
        playbook="Check the sender and links (inspect email); pivot on the subject pattern and "
        "sender for the rest of the campaign across mailboxes.",
        table="email",
        check=check,
        examples=(
            Example(
                "address in subject",
                True,
                email_row(
                    from__address="it@helpdesk-mail.example",
                    to__address=["bob@corp.example"],
                    subject="Password expiry notification for bob@corp.example",
                ),
            ),
            Example(
                "name in subject",
                False,
                email_row(
                    from__address="it@corp.example",
                    to__address=["bob@corp.example"],
                    subject="Bob, your laptop is ready",
                ),
            ),
            Example(
                "a mailing list's address in a subject on that list",
                False,
                email_row(
                    from__address="ann@example.org",
                    to__address=["users@lists.example.org"],
                    subject="Re: mail to users@lists.example.org bounces",
                    list_id="Users of the project <users.lists.example.org>",
                ),
            ),
        ),
    )
]
