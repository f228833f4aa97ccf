"""E1 header analysis: a subject or display name written in disguised letters.

"Your Amаzon.cоm accоunt is on hоld" with Cyrillic а and о, or "𝗡𝗲𝘁𝗳𝗹𝗶𝘅: Account On-Hold!" in
mathematical bold, reads as plain text to a person and as unknown words to a filter: that
difference is the only reason to write it so. Legitimate senders type their subjects and
names on ordinary keyboards. When the disguised text names a brand the sender is not, the
message is impersonating it.
"""

from __future__ import annotations

from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.enrich.brands import brands_named_in, is_brand_domain
from lurewatch.enrich.disguised_text import Disguise, disguised_words

_KIND = {
    "mixed-script": "Latin words with lookalike letters from other scripts",
    "styled-letters": "letters from Unicode's styled alphabets",
}
_SHOWN = 3  # disguised words quoted in the message
_LISTED = 20  # disguised words looked for: enough to tell both kinds apart in long text
_QUOTED = 200  # characters of the subject or name quoted in the message
_READ = 2000  # characters read for brand names: subjects are short unless hostile


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    fields = (("display name", row.get("email.from.name")), ("subject", row.get("email.subject")))
    found: list[tuple[str, str, list[Disguise]]] = []
    for label, text in fields:
        words = disguised_words(text, limit=_LISTED)
        if words:
            found.append((label, text or "", words))
    if not found:
        return None
    sender_rd = row.get("email.from.registered_domain") or ""
    parts: list[str] = []
    brands: list[str] = []
    for label, text, words in found:
        kinds = " and ".join(dict.fromkeys(_KIND[w.kind] for w in words))
        shown = ", ".join(f'"{w.word}" (reads "{w.plain}")' for w in words[:_SHOWN])
        quoted = text if len(text) <= _QUOTED else text[:_QUOTED] + "…"
        parts.append(f"the {label} {quoted!r} is written in {kinds}: {shown}")
        named = brands_named_in(text[:_READ])  # a brand is named near the start, if at all
        brands += [b.name for b in named if not is_brand_domain(b, sender_rd)]
    brands = list(dict.fromkeys(brands))
    joined = "; ".join(parts)
    message = joined[0].upper() + joined[1:] + ". People type subjects and names on ordinary "
    message += "keyboards; these characters are chosen to get past filters that read words."
    if brands:
        message += (
            f" The disguised text names {', '.join(brands)}, and the message comes from "
            f"{row.get('email.from.address')}, which is not theirs."
        )
    return Hit(
        message,
        severity="high" if brands else None,
        entities={"brand": brands[0]} if brands else {},
    )


DETECTIONS = [
    EventDetection(
        id="email_disguised_text",
        title="Subject or display name in disguised letters",
        clause="E1",
        techniques=("T1566", "T1027"),
        severity="medium",
        evidence_kinds=("email",),
        description="A word of the subject or the From display name mixes Latin letters with "
        "lookalikes from another script (Cyrillic, Greek, Armenian, ...), or uses Latin "
        "letters from Unicode's mathematical, enclosed or fullwidth forms. High when the "
        "text, read plainly, names a brand the sender's domain is not.",
        false_positives="Marketing mail that styles a subject with bold or italic Unicode "
        "letters; a name typed with a keyboard layout left on another script by mistake.",
        playbook="Read the message as the recipient saw it (inspect email); check its links "
        "and sender; pivot on the sender and subject for the rest of the campaign.",
        table="email",
        check=check,
        examples=(
            Example(
                "Amazon spelt with Cyrillic letters",
                True,
                email_row(
                    from__address="noreply@delivery-notice.example",
                    subject="Your Am\u0430zon.c\u043em acc\u043eunt is on h\u043eld",
                ),
            ),
            Example(
                "mathematical bold subject",
                True,
                email_row(
                    from__address="news@offers.example",
                    subject="\U0001d5e1\U0001d5f2\U0001d601 \U0001d5ea\U0001d5ee\U0001d606 "
                    "to sell your home",
                ),
            ),
            Example(
                "a Russian subject",
                False,
                email_row(
                    from__address="ivan@partner.example",
                    subject="\u041e\u0442\u0447\u0451\u0442 \u0437\u0430 \u043c\u0430\u0440\u0442",
                ),
            ),
            Example(
                "fullwidth letters in Japanese text",
                False,
                email_row(
                    from__address="info@shop.example",
                    subject="\uff29\uff24\u306e\u304a\u77e5\u3089\u305b",
                ),
            ),
            Example(
                "accented names",
                False,
                email_row(
                    from__address="zoe@partner.example",
                    from__name="Zo\u00eb Kadık\u00f6y",
                    subject="Café meeting",
                ),
            ),
        ),
    )
]
