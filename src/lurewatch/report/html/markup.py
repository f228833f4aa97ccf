"""Building HTML where every value is escaped unless it is markup this package built itself.

Mail subjects, sender names, log fields and alert messages are attacker-controlled: they reach
the page only through `esc` or `el`, which escape them. Only `Markup` (made here, from constant
tags and escaped values) passes through unchanged.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

# Elements that have no content and no end tag.
_VOID = frozenset({"br", "hr", "input", "link", "meta"})


class Markup(str):
    """HTML that is safe to insert as is: built by this module, never taken from data."""

    __slots__ = ()


def esc(value: object) -> Markup:
    """The value as HTML text: escaped (quotes too, so it is safe in attributes as well)."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    if isinstance(value, dt.datetime):
        value = f"{value:%Y-%m-%d %H:%M:%S}"
    elif isinstance(value, float):
        value = f"{value:g}"
    return Markup(html.escape(str(value), quote=True))


def _attr_name(name: str) -> str:
    # Python keywords take a trailing underscore (class_); data_x and aria_x become data-x, aria-x.
    return name.rstrip("_").replace("_", "-")


def _children(children: Iterable[object]) -> Iterable[Markup]:
    for child in children:
        if isinstance(child, list | tuple):
            yield from _children(child)
        else:
            yield esc(child)


def el(tag: str, *children: object, **attrs: object) -> Markup:
    """One element. `tag` and attribute names come from code; children and values are escaped.

    An attribute set to None or False is left out; True writes it bare (`open`, `hidden`).
    """
    parts = [tag]
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(_attr_name(name))
        else:
            parts.append(f'{_attr_name(name)}="{esc(value)}"')
    if tag in _VOID:
        return Markup(f"<{' '.join(parts)}>")
    return Markup(f"<{' '.join(parts)}>{''.join(_children(children))}</{tag}>")


def join(parts: Iterable[object], sep: str = "") -> Markup:
    """Several pieces side by side; plain strings among them are escaped."""
    return Markup(esc(sep).join(esc(p) for p in parts))


def table(headers: Iterable[str], rows: Iterable[Iterable[object]], **attrs: object) -> Markup:
    """A table with a header row; cells are escaped unless they are Markup."""
    head = el("thead", el("tr", [el("th", h) for h in headers]))
    body = el("tbody", [el("tr", [el("td", c) for c in r]) for r in rows])
    return el("table", head, body, **attrs)
