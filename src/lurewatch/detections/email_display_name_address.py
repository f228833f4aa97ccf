"""E1 header analysis: a display name that carries an address or domain other than the real sender's."""

from __future__ import annotations

import re
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit, Severity
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.util.domains import registrable_domain

_ADDR = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
_DOMAIN = re.compile(
    r"\b((?:[a-z0-9-]+\.)+(?:com|net|org|gov|edu|co|io|de|uk|fr|us|info|biz))\b", re.I
)


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    name = row.get("email.from.name") or ""
    sender_rd = row.get("email.from.registered_domain")
    if not name or not sender_rd:
        return None
    m = _ADDR.search(name) or _DOMAIN.search(name)
    if not m:
        return None
    shown = registrable_domain(m.group(1))
    if not shown or shown == sender_rd:
        return None
    # A bare domain as a name ("Shop.com") is an ordinary newsletter habit; an address is not.
    severity: Severity | None = None if "@" in m.group(0) else "low"
    return Hit(
        f'The display name "{name}" shows {m.group(0)}, but the message was sent from '
        f"{row.get('email.from.address')} ({sender_rd}): mail clients that show only the name "
        "make it look like it came from " + shown + ".",
        severity=severity,
        entities={"shown_domain": shown},
    )


DETECTIONS = [
    EventDetection(
        id="email_display_name_address",
        title="Display name shows another domain's address",
        clause="E1",
        techniques=("T1566", "T1656"),
        severity="medium",
        evidence_kinds=("email",),
        description="The From display name contains an email address or domain that is not the "
        "sender's registrable domain.",
        false_positives="Services that send on behalf of a person and put the person's address in "
        'the name ("alice@example.com via Service"); forwarding gateways.',
        playbook="Compare the shown address with the real one; pivot on the real sender domain "
        "for other recipients; if the shown domain is yours, treat as internal impersonation.",
        table="email",
        check=check,
        examples=(
            Example(
                "name holds a bank's address",
                True,
                email_row(
                    from__address="x7@mailer.badhost.example", from__name="security@bank.com"
                ),
            ),
            Example(
                "name holds the same domain",
                False,
                email_row(from__address="alerts@bank.com", from__name="alerts@bank.com"),
            ),
            Example(
                "plain person name",
                False,
                email_row(from__address="alice@example.org", from__name="Alice Example"),
            ),
        ),
    )
]
