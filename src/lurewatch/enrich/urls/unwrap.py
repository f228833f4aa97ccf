"""Links rewritten by mail gateways and redirectors, unwrapped to the URL a person would reach.

A gateway that rewrites every link (Microsoft Safe Links, Proofpoint URL Defense) makes each
URL in a mailbox look alike, and an open redirector (google.com/url, l.facebook.com) lends a
trusted name to any target; both hide the host that must be judged. Unwrapping is decoding
only: nothing here reaches the network.

Rewriters live in a registry. Add one with the decorator, naming the registrable domains it
lives on so that other URLs never pay for it:

    @register_rewriter("acme-gateway", domains={"acme-mailsec.example"})
    def _acme(url: NormalUrl) -> str | None:
        return query_param(url.query, "target") if url.path == "/click" else None

The function returns the inner URL as a string, or None when the URL is not its kind; one
that raises is taken as not applying. A URL meets only the rewriters of its registrable domain
(in registration order), then those registered without domains, then a call's `extra` ones.
`unwrap_normal` applies rewriters until none matches (nested wrappers are common: Safe Links
around Proofpoint), at most `MAX_UNWRAP_DEPTH` times.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import unquote

from lurewatch.enrich.urls.normalize import NormalUrl, try_normalize_url

__all__ = [
    "MAX_UNWRAP_DEPTH",
    "Rewriter",
    "Unwrapped",
    "query_param",
    "register_rewriter",
    "rewriters",
    "unwrap_normal",
    "unwrap_url",
]

MAX_UNWRAP_DEPTH = 5  # wrappers seen in real mail nest two or three deep; more is a loop or a trap

UnwrapFn = Callable[[NormalUrl], "str | None"]


@dataclass(frozen=True, slots=True)
class Rewriter:
    name: str
    unwrap: UnwrapFn
    # Registrable domains it lives on; "google.*" stands for every registrable domain whose
    # first label is "google" (google.com, google.co.uk, ...); None: tried on every URL.
    domains: frozenset[str] | None = None

    def applies_to(self, registered_domain: str | None) -> bool:
        if self.domains is None:
            return True
        rd = registered_domain or ""
        return rd in self.domains or rd.partition(".")[0] + ".*" in self.domains


class Unwrapped(NamedTuple):
    url: NormalUrl  # the innermost URL (the given one when nothing was unwrapped)
    rewriters: tuple[str, ...]  # names of the rewriters removed, outermost first


_REGISTRY: list[Rewriter] = []
_BY_DOMAIN: dict[str, list[Rewriter]] = {}
_BY_LABEL: dict[str, list[Rewriter]] = {}  # "google.*" entries, by their first label
_ANYWHERE: list[Rewriter] = []
_NONE: list[Rewriter] = []


def _index() -> None:
    """Rebuild the lookup tables, so that a URL only meets the rewriters of its own domain."""
    _BY_DOMAIN.clear()
    _BY_LABEL.clear()
    _ANYWHERE.clear()
    for rw in _REGISTRY:
        if rw.domains is None:
            _ANYWHERE.append(rw)
            continue
        for d in rw.domains:
            d = d.lower()
            table, key = (_BY_LABEL, d[:-2]) if d.endswith(".*") else (_BY_DOMAIN, d)
            table.setdefault(key, []).append(rw)


def register_rewriter(
    name: str, domains: Iterable[str] | None = None
) -> Callable[[UnwrapFn], UnwrapFn]:
    """Decorator adding an unwrap function to the registry (replacing one of the same name)."""

    def add(fn: UnwrapFn) -> UnwrapFn:
        _REGISTRY[:] = [rw for rw in _REGISTRY if rw.name != name]
        _REGISTRY.append(Rewriter(name, fn, frozenset(domains) if domains is not None else None))
        _index()
        return fn

    return add


def rewriters() -> tuple[Rewriter, ...]:
    """The registered rewriters, in the order they are tried."""
    return tuple(_REGISTRY)


def query_param(query: str, *names: str) -> str | None:
    """The percent-decoded value of the first of `names` present in a query string."""
    for pair in query.split("&"):
        key, eq, value = pair.partition("=")
        if eq and key in names:
            return unquote(value)
    return None


def _candidates(url: NormalUrl, extra: tuple[Rewriter, ...]) -> list[Rewriter]:
    rd = url.registered_domain or ""
    found = _BY_DOMAIN.get(rd, _NONE)
    by_label = _BY_LABEL.get(rd.partition(".")[0], _NONE) if _BY_LABEL else _NONE
    if not (by_label or _ANYWHERE or extra):
        return found
    return [*found, *by_label, *_ANYWHERE, *extra]


def unwrap_normal(
    url: NormalUrl, *, extra: Iterable[Rewriter] = (), max_depth: int = MAX_UNWRAP_DEPTH
) -> Unwrapped:
    """The URL inside any rewriting wrappers of `url`, and the names of those wrappers.

    `extra` rewriters are tried after the registered ones. An inner value that is not a URL
    stops unwrapping at the last good one.
    """
    more = tuple(extra)
    if not more and not _ANYWHERE:  # the usual URL: no rewriter lives on its domain
        rd = url.registered_domain or ""
        if rd not in _BY_DOMAIN and rd.partition(".")[0] not in _BY_LABEL:
            return Unwrapped(url, ())
    names: list[str] = []
    current = url
    for _ in range(max_depth):
        if not current.host:
            break
        for rw in _candidates(current, more):
            if rw.domains is not None and not rw.applies_to(current.registered_domain):
                continue  # an extra rewriter bound to other domains
            try:
                inner_raw = rw.unwrap(current)
            except Exception:  # a rewriter that fails on odd input does not apply to it
                continue
            if not inner_raw:
                continue
            inner = try_normalize_url(inner_raw)
            if inner is not None and inner.full != current.full:
                names.append(rw.name)
                current = inner
                break
        else:
            break
    return Unwrapped(current, tuple(names))


def unwrap_url(raw: str) -> Unwrapped | None:
    """`unwrap_normal` for a URL string; None when the string is not a URL."""
    url = try_normalize_url(raw)
    return None if url is None else unwrap_normal(url)


def _rest(url: NormalUrl) -> str:
    """Path, query and fragment as one string, for wrappers that carry a URL in the path."""
    rest = url.path
    if url.query:
        rest += "?" + url.query
    if url.fragment:
        rest += "#" + url.fragment
    return rest


# --- Microsoft Defender for Office 365 Safe Links ------------------------------------------

_SAFELINKS_SUFFIXES = (".safelinks.protection.outlook.com", ".safelinks.protection.office365.us")


@register_rewriter("safelinks", domains={"outlook.com", "office365.us", "office.net"})
def _safelinks(url: NormalUrl) -> str | None:
    # Teams and newer Outlook clients use a static page on the Office CDN with the same query.
    if url.host.endswith(_SAFELINKS_SUFFIXES) or (
        url.host == "statics.teams.cdn.office.net" and "safelinks" in url.path
    ):
        return query_param(url.query, "url")
    return None


# --- Proofpoint URL Defense ----------------------------------------------------------------

_PROOFPOINT_HOSTS = frozenset({"urldefense.proofpoint.com", "urldefense.com", "urldefense.us"})
_V2_TRANSLATE = str.maketrans("-_", "%/")
_V3 = re.compile(r"/v3/__(?P<url>.+?)__;(?P<bytes>[A-Za-z0-9_\-]*)", re.DOTALL)
_V3_TOKEN = re.compile(r"\*(\*.)?")
# In v3, "**X" stands for a run of characters whose length is the index of X here plus two.
_V3_RUN_CODES = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _proofpoint_v3(rest: str) -> str | None:
    """Version 3 keeps the URL readable and swaps each character it must hide for '*'; the
    hidden characters follow after "__;" as URL-safe base64 of their UTF-8 text. A run of
    hidden characters is written "**" plus one letter giving its length."""
    m = _V3.match(rest)
    if m is None:
        return None
    encoded = m.group("bytes")
    try:
        hidden = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
    except (binascii.Error, ValueError):
        return None
    chars = hidden.decode("utf-8", "replace")
    pos = 0
    failed = False

    def fill(token: re.Match[str]) -> str:
        nonlocal pos, failed
        run = token.group(1)
        length = 1 if run is None else _V3_RUN_CODES.find(run[1]) + 2
        if length < 1 or pos + length > len(chars):
            failed = True
            return token.group(0)
        out = chars[pos : pos + length]
        pos += length
        return out

    inner = _V3_TOKEN.sub(fill, m.group("url"))
    return None if failed else inner


_PROOFPOINT_DOMAINS = {"proofpoint.com", "urldefense.com", "urldefense.us"}


@register_rewriter("proofpoint-v1", domains=_PROOFPOINT_DOMAINS)
def _proofpoint_v1_link(url: NormalUrl) -> str | None:
    if url.host in _PROOFPOINT_HOSTS and url.path == "/v1/url":
        return query_param(url.query, "u")
    return None


@register_rewriter("proofpoint-v2", domains=_PROOFPOINT_DOMAINS)
def _proofpoint_v2_link(url: NormalUrl) -> str | None:
    if url.host not in _PROOFPOINT_HOSTS or url.path != "/v2/url":
        return None
    # v2 hides '%' as '-' and '/' as '_' so the encoded URL survives as one query value.
    for pair in url.query.split("&"):
        key, _, value = pair.partition("=")
        if key == "u":
            return unquote(value.translate(_V2_TRANSLATE))
    return None


@register_rewriter("proofpoint-v3", domains=_PROOFPOINT_DOMAINS)
def _proofpoint_v3_link(url: NormalUrl) -> str | None:
    if url.host in _PROOFPOINT_HOSTS and url.path.startswith("/v3/"):
        return _proofpoint_v3(_rest(url))
    return None


# --- Open redirectors that phishing borrows trusted names from -----------------------------


def _is_google(url: NormalUrl) -> bool:
    rd = url.registered_domain
    if rd is None or not rd.startswith("google."):
        return False
    return url.host in (rd, "www." + rd)


@register_rewriter("google-redirect", domains={"google.*"})
def _google_redirect(url: NormalUrl) -> str | None:
    if url.path == "/url" and _is_google(url):
        return query_param(url.query, "q", "url")
    return None


@register_rewriter("google-amp", domains={"google.*"})
def _google_amp(url: NormalUrl) -> str | None:
    # AMP viewer links carry the target host in the path: /amp/s/ means https.
    if url.path.startswith("/amp/") and _is_google(url):
        tail = _rest(url)[len("/amp/") :]
        return "https://" + tail[2:] if tail.startswith("s/") else "http://" + tail
    return None


def _param_redirect(hosts: frozenset[str], path: str, *names: str) -> UnwrapFn:
    def unwrap_fn(url: NormalUrl) -> str | None:
        if url.host in hosts and url.path == path:
            return query_param(url.query, *names)
        return None

    return unwrap_fn


register_rewriter("barracuda-linkprotect", domains={"cudasvc.com"})(
    _param_redirect(frozenset({"linkprotect.cudasvc.com"}), "/url", "a")
)
register_rewriter("facebook-redirect", domains={"facebook.com"})(
    _param_redirect(frozenset({"l.facebook.com", "lm.facebook.com"}), "/l.php", "u")
)
register_rewriter("linkedin-redirect", domains={"linkedin.com"})(
    _param_redirect(frozenset({"www.linkedin.com", "linkedin.com"}), "/redir/redirect", "url")
)
register_rewriter("youtube-redirect", domains={"youtube.com"})(
    _param_redirect(frozenset({"www.youtube.com", "youtube.com"}), "/redirect", "q")
)
register_rewriter("slack-redirect", domains={"slack.com"})(
    _param_redirect(frozenset({"slack-redirect.slack.com"}), "/", "url")
)
