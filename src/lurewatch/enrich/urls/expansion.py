"""What a link expansion is asked to respect and what it reports: the policy, each hop, and
the chain's outcome (`STATUSES`). The fetching itself is in `expand`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lurewatch.enrich.urls.ssrf import AddressRules
from lurewatch.errors import ConfigError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
FETCHED_SCHEMES = ("http", "https")
STATUSES = (
    "expanded",
    "not-expanded",
    "refused",
    "loop",
    "too-many-hops",
    "timeout",
    "error",
    "offline",
)


@dataclass
class ExpansionPolicy:
    """Bounds and permissions of one expansion run; the defaults are safe for production."""

    max_hops: int = 10
    timeout: float = 5.0  # per request, seconds (connect + read)
    total_timeout: float = 20.0  # per chain, counting only the chain's own work
    max_body_bytes: int = 65536  # body read to look for meta refresh / script assignments
    per_host_concurrency: int = 2
    concurrency: int = 32  # requests in flight over all hosts
    allow_private: bool = False  # private, loopback, link-local, multicast, reserved, ...
    allowed_networks: tuple[str, ...] = ()  # CIDRs dialled even when not public
    user_agent: str = "lurewatch-url-inspector/0.1"
    verify_tls: bool = True  # False only for tests against self-signed loopback servers

    def __post_init__(self) -> None:
        positive = {
            "max_hops": self.max_hops,
            "timeout": self.timeout,
            "total_timeout": self.total_timeout,
            "per_host_concurrency": self.per_host_concurrency,
            "concurrency": self.concurrency,
        }
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"URL expansion: {name} must be positive, not {value}")
        if self.max_body_bytes < 0:
            raise ConfigError("URL expansion: max_body_bytes must not be negative")
        AddressRules(self.allow_private, self.allowed_networks)  # validates the CIDRs


@dataclass
class Hop:
    """One URL of a chain: what was asked, what came back, and where it pointed next."""

    url: str
    method: str | None  # the request that decided the hop (GET after a refused HEAD)
    status: int | None
    next_url: str | None
    via: str | None  # "location", "refresh-header", "meta-refresh", "script-assignment"
    address: str | None  # the IP actually connected to
    error: str | None


@dataclass
class Expansion:
    """Where a link leads. `final_url` is the last URL learned, even when it was not fetched."""

    url: str
    final_url: str
    status: str  # one of STATUSES
    reason: str
    hops: list[Hop] = field(default_factory=list)
