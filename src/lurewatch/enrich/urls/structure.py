"""Structural signals of a link: what its shape alone says, before any reputation.

Each signal has an id, a severity and a sentence. Reputation (intel, popularity, history) and
look-alikes are judged elsewhere; these are the tricks visible in the URL itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from lurewatch.util.domains import registrable_domain

Severity = Literal["low", "medium", "high", "critical"]

# Words of credential-harvest and payment paths (matched as path/query tokens).
CREDENTIAL_WORDS = frozenset(
    [
        "login",
        "logon",
        "signin",
        "sign-in",
        "verify",
        "verification",
        "validate",
        "account",
        "accounts",
        "secure",
        "security",
        "update",
        "confirm",
        "unlock",
        "unlocked",
        "suspend",
        "suspended",
        "password",
        "passwd",
        "credential",
        "credentials",
        "webscr",
        "auth",
        "authenticate",
        "billing",
        "invoice",
        "payment",
        "wallet",
        "recover",
        "recovery",
        "restore",
        "mfa",
        "2fa",
        "otp",
        "session",
        "reset",
        "kyc",
    ]
)
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)?")


@dataclass(frozen=True)
class Signal:
    id: str
    severity: Severity
    why: str


@cache
def free_hosting() -> dict[str, str]:
    """Bundled suffix -> kind (page, file, form) of hosts where anyone can publish."""
    text = resources.files("lurewatch").joinpath("data/free_hosting.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if parts:
            out[parts[0].lower()] = parts[1] if len(parts) > 1 else "page"
    return out


def hosting_of(host: str, extra: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """(suffix, kind) when `host` is on a free hosting or file-sharing service."""
    host = host.lower().rstrip(".")
    table = free_hosting()
    labels = host.split(".")
    for i in range(len(labels) - 1):
        suffix = ".".join(labels[i:])
        if suffix in table:
            return suffix, table[suffix]
        if suffix in extra:
            return suffix, "page"
    return None


def host_signals(host: str, is_ip: bool, extra_hosting: tuple[str, ...] = ()) -> list[Signal]:
    """Signals of the host alone (the same for every link to it, so callers may cache them)."""
    out: list[Signal] = []
    if is_ip:
        out.append(
            Signal(
                "ip-host",
                "medium",
                f"the link goes to a bare IP address ({host}), not a named site",
            )
        )
        return out
    if not host:
        return out
    rd = registrable_domain(host) or host
    extra_labels = [x for x in host[: -len(rd)].strip(".").split(".") if x] if host != rd else []
    if len(extra_labels) >= 4:
        out.append(
            Signal(
                "deep-subdomains",
                "low",
                f"{host} stacks {len(extra_labels)} labels in front of {rd}",
            )
        )
    if "xn--" in host:
        out.append(
            Signal("punycode-host", "low", f"{host} is an internationalized (punycode) name")
        )
    hosted = hosting_of(host, extra_hosting)
    if hosted:
        suffix, kind = hosted
        what = {"file": "a file-sharing service", "form": "a form service"}.get(
            kind, "a free hosting service"
        )
        out.append(
            Signal(
                f"free-hosting-{kind}",
                "low" if kind == "file" else "medium",
                f"{host} is on {what} ({suffix}) where anyone can publish",
            )
        )
    return out


def link_signals(
    scheme: str, host: str, path: str, query: str, userinfo: str | None
) -> list[Signal]:
    """Signals of the rest of the link: its scheme, user-info and path."""
    if scheme in ("data", "javascript", "vbscript"):
        # data: pages render a whole phishing form from the link itself; javascript: links
        # are stripped by most mail clients and were common in old newsletters.
        severity: Severity = "low" if scheme == "javascript" else "medium"
        return [
            Signal(
                f"{scheme}-uri",
                severity,
                f"a {scheme}: link runs or renders content inside the mail client or browser",
            )
        ]
    out: list[Signal] = []
    if userinfo:
        shown = userinfo.split(":", 1)[0]
        out.append(
            Signal(
                "userinfo",
                "high",
                f'the link starts with "{shown}@", which browsers ignore: it really goes to {host}',
            )
        )
    tokens = _TOKEN.findall((path + " " + query).lower())
    if not CREDENTIAL_WORDS.isdisjoint(tokens):  # most links hold none: no set is built
        words = CREDENTIAL_WORDS.intersection(tokens)
        out.append(
            Signal("credential-path", "low", "the path asks for " + ", ".join(sorted(words)[:4]))
        )
    return out


def structural_signals(
    scheme: str,
    host: str,
    path: str,
    query: str,
    userinfo: str | None,
    is_ip: bool,
    extra_hosting: tuple[str, ...] = (),
) -> list[Signal]:
    """Every structural signal of one link."""
    first = link_signals(scheme, host, path, query, userinfo)
    if first and first[0].id.endswith("-uri"):
        return first
    return (
        first[:1] + host_signals(host, is_ip, extra_hosting) + first[1:]
        if first and first[0].id == "userinfo"
        else host_signals(host, is_ip, extra_hosting) + first
    )
