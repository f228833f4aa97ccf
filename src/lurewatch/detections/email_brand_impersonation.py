"""E1 header analysis: a display name that names a well-known brand the sending domain is not.

"Microsoft 365 <no-reply@storage-alerts.example>" is how most credential phishing introduces
itself. The brand catalogue (data/brands.toml) knows each brand's names and the domains that
really send its mail; matching folds homoglyphs, spacing and accents.
"""

from __future__ import annotations

import re
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.enrich.brands import (
    Brand,
    brand_for_domain,
    brand_named_alone,
    brands_named_in,
    compact,
    is_brand_domain,
)
from lurewatch.enrich.folding import fold
from lurewatch.enrich.freemail import is_freemail
from lurewatch.util.domains import in_domains


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    name = row.get("email.from.name")
    sender_rd = row.get("email.from.registered_domain")
    if not name or not sender_rd:
        return None
    if in_domains(sender_rd, ctx.settings.organization.domains):
        return None  # naming a vendor in your own staff's display names is ordinary
    claimed = brands_named_in(name)
    if not claimed:  # "Ledger": the one word that is the brand's name, and nothing else
        alone = brand_named_alone(name)
        claimed = [alone] if alone else []
    named = [b for b in claimed if not is_brand_domain(b, sender_rd)]
    if not named or _names_itself(name, sender_rd, named):
        return None
    owner = brand_for_domain(sender_rd)
    if owner is not None and not is_freemail(sender_rd):
        return None  # one known brand's mail mentioning another ("Teams via Outlook")
    brand = named[0]
    freemail = is_freemail(sender_rd)
    where = f"a free-mail account at {sender_rd}" if freemail else sender_rd
    return Hit(
        f'The display name "{name}" claims to be {brand.name}, but the message comes from '
        f"{row.get('email.from.address')} ({where}), which is not one of {brand.name}'s domains.",
        severity="high" if freemail else None,
        entities={"brand": brand.name},
    )


def _names_itself(name: str, sender_rd: str, brands: list[Brand]) -> bool:
    """True when the display name also holds the sender's own domain name as a word, one that
    is no brand's: "Lockergnome Apple Core" from lockergnome.com introduces itself and names
    Apple as its topic. Kit domains built around the brand ("apple-id-help.com") do not count,
    since their name holds the brand."""
    label = sender_rd.partition(".")[0].lower()
    if len(label) < 4 or any(
        key and key in label for b in brands for key in map(compact, (b.name, *b.keywords))
    ):
        return False
    words = re.split(r"[^\w-]+", fold(name).lower())
    return label in words


DETECTIONS = [
    EventDetection(
        id="email_brand_impersonation",
        title="Display name claims a brand the sender is not",
        clause="E1",
        techniques=("T1566", "T1656"),
        severity="medium",
        evidence_kinds=("email",),
        description="The From display name names a brand from the catalogue while the sender's "
        "registrable domain is not one of that brand's sending domains; high when the sender is "
        "a free-mail account.",
        false_positives="Resellers, partners and user groups that put a brand in their name "
        '("Contoso Microsoft Partner Team"); brand mail sent through a service whose domain '
        "the catalogue does not list yet.",
        playbook="Look at the links and attachments of the message (inspect email); pivot on the "
        "sender domain for other recipients; if credentials may have been entered, reset them "
        "and review sign-ins.",
        table="email",
        check=check,
        examples=(
            Example(
                "Microsoft from a random domain",
                True,
                email_row(
                    from__address="no-reply@storage-alerts.example", from__name="Microsoft 365"
                ),
            ),
            Example(
                "PayPal from gmail",
                True,
                email_row(
                    from__address="paypal.billing.team@gmail.com", from__name="PayPal Service"
                ),
            ),
            Example(
                "real Microsoft mail",
                False,
                email_row(
                    from__address="account-security-noreply@accountprotection.microsoft.com",
                    from__name="Microsoft account team",
                ),
            ),
            Example(
                "a brand's one-word name as the whole display name",
                True,
                email_row(from__address="noreply@claims-portal.example", from__name="Ledger"),
            ),
            Example(
                "the same word inside a name",
                False,
                email_row(from__address="reports@books.example", from__name="General Ledger Bot"),
            ),
            Example(
                "a newsletter that names itself and the brand it writes about",
                False,
                email_row(
                    from__address="subscriptions@lockergnome.example",
                    from__name="Lockergnome Apple Core",
                ),
            ),
            Example(
                "a domain built around the brand's name",
                True,
                email_row(
                    from__address="help@apple-id-help.example", from__name="Apple-ID-Help Apple"
                ),
            ),
            Example(
                "a person", False, email_row(from__address="ann@example.org", from__name="Ann Lee")
            ),
        ),
    )
]
