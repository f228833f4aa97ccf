"""What the N3 rules must not report: allowlisted destinations and hosts whose role exempts them.

Destinations are allowed by name (suffix match on the flow's server name: SNI, HTTP Host, DNS
answer) or by network (CIDR). Names matter more: CDNs rotate addresses, so a CIDR list cannot
follow them. The allowlist is the settings' own entries plus the benign-services list (the
bundled data/benign_services.txt, or the file `network.benign_services_file` names instead).

Host roles map internal addresses or networks to roles ("scanner", "proxy", ...); each role is
exempt from some rules (`network.role_exemptions`, over defaults in config_network.py).

The rules judge few candidates after aggregation, so matching runs in Python on those; the
analytics themselves stay plain Ibis.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from lurewatch.config import Settings
from lurewatch.config_network import default_exemptions
from lurewatch.errors import ConfigError

Net = ipaddress.IPv4Network | ipaddress.IPv6Network
BUNDLED = "data/benign_services.txt"


@dataclass(frozen=True)
class BenignServices:
    domains: frozenset[str]
    networks: tuple[Net, ...]


def parse_benign_services(text: str, where: str = BUNDLED) -> BenignServices:
    """Domain suffixes and networks from a one-a-line list with "#" comments."""
    domains: set[str] = set()
    networks: list[Net] = []
    for number, line in enumerate(text.splitlines(), 1):
        item = line.split("#", 1)[0].strip().strip(".").lower()
        if not item:
            continue
        if item[0].isdigit() or ":" in item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ConfigError(f"{where} line {number}: {item!r} is no network") from None
        elif " " in item or "/" in item:
            raise ConfigError(f"{where} line {number}: {item!r} is no domain")
        else:
            domains.add(item.removeprefix("*."))
    return BenignServices(frozenset(domains), tuple(networks))


@cache
def bundled_benign_services() -> BenignServices:
    text = resources.files("lurewatch").joinpath(BUNDLED).read_text(encoding="utf-8")
    return parse_benign_services(text)


def load_benign_services(path: str = "") -> BenignServices:
    """The list `path` names (replacing the bundled one), or the bundled list when empty."""
    if not path:
        return bundled_benign_services()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"network.benign_services_file {path}: {exc.strerror or exc}") from None
    return parse_benign_services(text, path)


@lru_cache(maxsize=65536)
def _address(ip: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = (ip or "").strip().lower()
    if text.startswith("::ffff:") and "." in text:
        text = text[7:]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _in_any(ip: str | None, networks: Iterable[Net]) -> Net | None:
    addr = _address(ip)
    if addr is None:
        return None
    for net in networks:
        if net.version == addr.version and addr in net:
            return net
    return None


def domain_suffix_match(domain: str | None, suffixes: frozenset[str]) -> str | None:
    """The suffix in `suffixes` that covers `domain` (itself or a parent), if any."""
    name = (domain or "").strip().strip(".").lower()
    while name:
        if name in suffixes:
            return name
        _, _, name = name.partition(".")
    return None


@dataclass(frozen=True)
class NetworkPolicy:
    allow_domains: frozenset[str]
    allow_networks: tuple[Net, ...]
    roles: tuple[tuple[Net, str], ...]
    exemptions: dict[str, frozenset[str]]

    def allowed(self, ip: str | None, domain: str | None) -> str | None:
        """Why the destination is allowlisted ("domain x", "network n"), or None."""
        suffix = domain_suffix_match(domain, self.allow_domains)
        if suffix:
            return f"domain {suffix}"
        net = _in_any(ip, self.allow_networks)
        return f"network {net}" if net else None

    def roles_of(self, host_ip: str | None) -> list[str]:
        addr = _address(host_ip)
        if addr is None:
            return []
        return [role for net, role in self.roles if net.version == addr.version and addr in net]

    def exempt_role(self, host_ip: str | None, rule: str) -> str | None:
        """The host's role that exempts it from `rule`, if any."""
        for role in self.roles_of(host_ip):
            if rule in self.exemptions.get(role, frozenset()):
                return role
        return None

    def skips(self, rule: str, host_ip: str | None, ip: str | None, domain: str | None) -> bool:
        """Whether `rule` must stay quiet about this host reaching this destination."""
        return self.exempt_role(host_ip, rule) is not None or self.allowed(ip, domain) is not None


def network_policy(settings: Settings) -> NetworkPolicy:
    n = settings.network
    benign = load_benign_services(n.benign_services_file)
    own = {d.strip().strip(".").lower().removeprefix("*.") for d in n.allow_domains if d.strip()}
    networks = tuple(ipaddress.ip_network(x.strip(), strict=False) for x in n.allow_networks)
    roles = tuple(
        (ipaddress.ip_network(net.strip(), strict=False), role.strip().lower())
        for net, role in n.host_roles.items()
    )
    exemptions = {**default_exemptions(), **n.role_exemptions}
    return NetworkPolicy(
        allow_domains=benign.domains | own,
        allow_networks=benign.networks + networks,
        roles=roles,
        exemptions={r.lower(): frozenset(rules) for r, rules in exemptions.items()},
    )
