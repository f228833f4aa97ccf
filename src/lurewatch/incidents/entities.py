"""The entities an alert names, normalized so that the same thing is written the same way.

Detections name what they fired on in an `entities` object with keys of their own (sender,
recipients, url_domains, host, source_ip, phone, account, ...). Incidents and `pivot` need one
vocabulary: an entity is a (kind, value) pair, values lower-cased where case means nothing,
domains reduced to their registrable domain, IPs written canonically.

Some values never join alerts: the organization's own domains (every internal mailbox and
host sits under them), free-mail providers and link shorteners (anyone can have an address or
a short link there), well-known service accounts that exist on every Windows host, and what the
`incidents` settings list. They are still shown on the incident; they only do not link.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lurewatch.config import Settings
from lurewatch.enrich.freemail import is_freemail
from lurewatch.enrich.urls.shorteners import is_shortener
from lurewatch.util.domains import in_domains, registrable_domain

# Entity kinds, in the order they are shown.
KINDS = (
    "mailbox",
    "domain",
    "url",
    "ip",
    "host",
    "user",
    "process",
    "phone",
    "account",
    "employee",
    "message",
)

# Which alert entity keys hold which kind of value.
_KEYS: dict[str, tuple[str, ...]] = {
    "mailbox": ("sender", "recipients", "recipient", "reply_to", "clicked_by"),
    "domain": ("sender_domain", "domain", "url_domains", "lookalike_domain"),
    "url": ("url", "urls"),
    "ip": ("ip", "host_ip", "source_ip", "destination_ip", "destinations"),
    "host": ("host",),
    "user": ("user", "users"),
    "phone": ("phone", "presented_number"),
    "account": ("account", "internal_accounts", "outside_accounts"),
    "employee": ("employees",),
    "message": ("message_id",),
}

# Accounts every Windows or Unix host has: the same name on two hosts is not the same actor.
_SHARED_USERS = frozenset(
    {
        "system",
        "nt authority\\system",
        "nt authority\\local service",
        "nt authority\\network service",
        "local service",
        "network service",
        "root",
        "-",
    }
)


@dataclass(frozen=True, order=True)
class Entity:
    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


def _values(raw: Any) -> Iterator[str]:
    if raw is None:
        return
    if isinstance(raw, str | int):
        text = str(raw).strip()
        if text:
            yield text
    elif isinstance(raw, list | tuple | set):
        for item in raw:
            yield from _values(item)


def normalize(kind: str, value: str) -> str | None:
    """The canonical spelling of `value` as a `kind`, or None when it is not one."""
    v = value.strip()
    if kind == "mailbox":
        v = v.strip("<>").lower()
        return v if "@" in v else None
    if kind == "domain":
        return registrable_domain(v.rstrip("."))
    if kind == "ip":
        try:
            return ipaddress.ip_address(v.strip("[]")).compressed
        except ValueError:
            return None
    if kind == "host":
        return v.rstrip(".").lower() or None
    if kind in ("user", "process"):
        return v.lower() or None
    if kind == "phone":
        # Written numbers lose their spacing; pseudonyms (keyed hashes) are kept as they are.
        if v and all(c.isdigit() or c in "+-(). " for c in v):
            digits = "".join(c for c in v if c.isdigit())
            return "+" + digits if v.startswith("+") else digits
        return v or None
    return v or None


def _process_entities(ents: dict[str, Any]) -> Iterator[Entity]:
    """A process is named with its host: mshta.exe on two hosts is two processes."""
    proc = ents.get("process")
    host = ents.get("host")
    guid = ents.get("process_guid")
    if isinstance(proc, dict):  # network findings name the process behind them as an object
        host = proc.get("host") or host
        guid = proc.get("entity_id") or guid
        if proc.get("user"):
            yield Entity("user", str(proc["user"]).lower())
        if host:
            yield Entity("host", str(host).lower())
        proc = proc.get("executable")
    if guid:
        yield Entity("process", str(guid).strip("{}").lower())
    if isinstance(proc, str) and proc and host:
        yield Entity("process", f"{str(host).lower()}|{proc.lower()}")


def alert_entities(ents: dict[str, Any]) -> set[Entity]:
    """Every entity an alert's `entities` object names, normalized (excluded ones too)."""
    out: set[Entity] = set()
    for kind, keys in _KEYS.items():
        for key in keys:
            for raw in _values(ents.get(key)):
                v = normalize(kind, raw)
                if v:
                    out.add(Entity(kind, v))
    for e in list(out):
        if e.kind == "url":  # a link names its site too
            host = urlsplit(e.value).hostname if "//" in e.value else None
            rd = registrable_domain(host) if host else None
            if rd:
                out.add(Entity("domain", rd))
    out.update(_process_entities(ents))
    return out


@dataclass(frozen=True)
class LinkPolicy:
    """Which entities may join alerts into one incident (see the module's notes)."""

    org_domains: tuple[str, ...]
    ignore_domains: tuple[str, ...]
    ignore_values: frozenset[str]
    ignore_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def from_settings(cls, settings: Settings) -> LinkPolicy:
        inc = settings.incidents
        return cls(
            org_domains=tuple(settings.organization.domains),
            ignore_domains=tuple(inc.ignore_domains),
            ignore_values=frozenset(v.strip().lower() for v in inc.ignore_values),
            ignore_networks=tuple(
                ipaddress.ip_network(n, strict=False) for n in inc.ignore_networks
            ),
        )

    def links(self, e: Entity) -> bool:
        if e.value.lower() in self.ignore_values:
            return False
        if e.kind == "domain":
            return not (
                in_domains(e.value, self.org_domains)
                or in_domains(e.value, self.ignore_domains)
                or is_freemail(e.value)
                or is_shortener(e.value)
            )
        if e.kind == "url":
            host = urlsplit(e.value).hostname if "//" in e.value else None
            return not (host and in_domains(host, self.ignore_domains))
        if e.kind == "ip":
            ip = ipaddress.ip_address(e.value)
            if ip.is_loopback or ip.is_unspecified or ip.is_multicast:
                return False
            return not any(ip in n for n in self.ignore_networks)
        if e.kind == "user":
            return e.value not in _SHARED_USERS
        return True


def origin(ents: dict[str, Any], fallback: str, org_domains: tuple[str, ...] = ()) -> str:
    """Who or what an alert comes from: its sender's domain, chat account, caller or host.

    An entity seen from many origins inside one window is a common meeting point (a popular
    site, a resolver, a much-targeted mailbox), so it does not link their alerts.
    """
    for raw in _values(ents.get("sender")):
        address = raw.lower()
        domain = address.rsplit("@", 1)[-1]
        # At a free-mail provider or inside the organization the address is the actor (two
        # colleagues are two people); elsewhere the sending organization is.
        personal = is_freemail(domain) or in_domains(domain, org_domains)
        return "sender:" + (address if personal else registrable_domain(domain) or address)
    for key, kind in (("sender_domain", "sender"), ("account", "account"), ("phone", "phone")):
        for raw in _values(ents.get(key)):
            return f"{kind}:{raw.lower()}"
    proc = ents.get("process")
    host = ents.get("host") or (proc.get("host") if isinstance(proc, dict) else None)
    if host:
        return f"host:{str(host).lower()}"
    for raw in _values(ents.get("source_ip")):
        return f"ip:{raw}"
    return f"alert:{fallback}"


def by_kind(entities: Iterable[Entity]) -> dict[str, list[str]]:
    """Entities grouped by kind, kinds in display order, values sorted."""
    grouped: dict[str, set[str]] = {}
    for e in entities:
        grouped.setdefault(e.kind, set()).add(e.value)
    return {k: sorted(grouped[k]) for k in KINDS if k in grouped}
