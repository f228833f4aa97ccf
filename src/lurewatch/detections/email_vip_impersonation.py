"""E1 header analysis: an outside sender using the display name of a configured VIP or employee."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.util.domains import in_domains

_WORD = re.compile(r"[^\W\d_]+")


def name_tokens(name: str) -> frozenset[str]:
    """Lower-case letters-only words of a name, accents removed: "Dana  Whitfield-Ó" -> {dana, whitfield, o}."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return frozenset(_WORD.findall(folded))


@lru_cache(maxsize=8)
def _vip_tokens(vips: tuple[str, ...]) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((v, name_tokens(v)) for v in vips if len(name_tokens(v)) >= 2)


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    name = row.get("email.from.name")
    org = ctx.settings.organization.domains
    if not name or not ctx.settings.organization.vip_names:
        return None
    if (
        in_domains(row.get("email.from.domain"), org)
        and row.get("lurewatch.auth.composite") != "fail"
    ):
        return None  # the VIP's own, authenticated mail
    shown = name_tokens(name)
    for vip, tokens in _vip_tokens(tuple(ctx.settings.organization.vip_names)):
        if tokens <= shown:
            where = (
                "from outside the organization"
                if not in_domains(row.get("email.from.domain"), org)
                else "without authenticating"
            )
            return Hit(
                f'The display name "{name}" is that of {vip}, but the message was sent {where} '
                f"by {row.get('email.from.address')}.",
                severity="high",
                entities={"impersonated": vip},
            )
    return None


DETECTIONS = [
    EventDetection(
        id="email_vip_impersonation",
        title="Outside sender uses a VIP's name",
        clause="E1",
        techniques=("T1566", "T1656", "T1534"),
        severity="high",
        evidence_kinds=("email",),
        description="The From display name contains every word of a name in organization.vip_names "
        "while the address is outside organization.domains (or inside, but failing authentication).",
        false_positives="The VIP writing from a personal account; namesakes at partner companies.",
        playbook="Confirm with the VIP by another channel; pivot on the sender address for other "
        "recipients; warn finance and assistants; block the address.",
        table="email",
        check=check,
        examples=(
            Example(
                "free-mail account with the CEO's name",
                True,
                email_row(from__address="dana.w.office@gmail.com", from__name="Dana Whitfield"),
            ),
            Example(
                "the CEO's own mail",
                False,
                email_row(
                    from__address="dana.whitfield@corp.example",
                    from__name="Dana Whitfield",
                    **{"lurewatch.auth.composite": "pass"},
                ),
            ),
            Example(
                "someone else",
                False,
                email_row(from__address="dana@partner.example", from__name="Dana Smith"),
            ),
        ),
    )
]
