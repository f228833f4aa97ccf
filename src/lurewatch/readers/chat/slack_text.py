"""Slack message text ("mrkdwn") as a person reads it, and the links it carries.

Slack stores `<https://x.example|click here>` for a link with a label, `<@U024BE7LH>` for a
mention, `<#C024BE7LR|general>` for a channel and escapes `&`, `<`, `>` as entities. Intent
rules must read "click here https://x.example", not markup, and link inspection needs the
URL whatever its label says.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["block_links", "plain_text"]

_ANGLE = re.compile(r"<([^<>|]{1,8192})(?:\|([^<>]{0,2000}))?>")
_LINK_SCHEMES = ("http://", "https://", "ftp://", "ftps://")
_MAX_BLOCK_DEPTH = 8


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def plain_text(text: str, name_of: Callable[[str], str | None]) -> tuple[str, list[str]]:
    """Readable text and the links of one message's `text`; `name_of` names a user id."""
    links: list[str] = []

    def sub(m: re.Match[str]) -> str:
        target, label = m.group(1), m.group(2)
        if target.startswith("@"):
            uid = target[1:]
            return "@" + (label or name_of(uid) or uid)
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^", 1)[0])
        url = _unescape(target)
        if url.lower().startswith(_LINK_SCHEMES):
            links.append(url)
            return f"{_unescape(label)} {url}" if label and _unescape(label) != url else url
        if url.lower().startswith("mailto:"):
            return _unescape(label) if label else url[7:]
        return _unescape(label) if label else url

    if "<" in text:
        text = _ANGLE.sub(sub, text)
    return _unescape(text), links


def block_links(blocks: Any) -> Iterator[str]:
    """URLs of `link` elements in rich-text blocks (also where the text field lacks them)."""
    stack: list[tuple[Any, int]] = [(blocks, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_BLOCK_DEPTH:
            continue
        if isinstance(node, list):
            stack.extend((n, depth + 1) for n in reversed(node))
        elif isinstance(node, dict):
            url = node.get("url")
            if node.get("type") == "link" and isinstance(url, str):
                yield url
            for key in ("elements", "text", "fields", "accessory"):
                child = node.get(key)
                if isinstance(child, list | dict):
                    stack.append((child, depth + 1))
