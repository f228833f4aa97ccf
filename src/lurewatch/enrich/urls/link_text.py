"""Link text that names one site while the link goes to another."""

from __future__ import annotations

import re

from lurewatch.util.domains import registrable_domain

# A URL or a bare host name shown as the link's visible text.
_SHOWN = re.compile(
    r"(?:(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}))(?=[/:?#\s]|$)",
    re.I,
)


def shown_domain(link_text: str | None) -> str | None:
    """The registrable domain the visible text presents, if it presents one."""
    if not link_text:
        return None
    text = link_text.strip()
    if len(text) > 300 or " " in text.strip(" /"):
        return None  # a sentence, not an address
    m = _SHOWN.match(text)
    if not m:
        return None
    return registrable_domain(m.group(1))


def text_mismatch(link_text: str | None, target_registered_domain: str | None) -> str | None:
    """The domain the text shows when it differs from where the link really goes."""
    shown = shown_domain(link_text)
    if not shown or not target_registered_domain or shown == target_registered_domain:
        return None
    return shown
