"""The settings model: one TOML file (`lurewatch.toml` or `--config`), every setting with a safe default.

Each section is a dataclass; its field comments are the documentation of the setting.
Unknown keys are an error (a typo must not silently fall back to a default).
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from lurewatch.errors import ConfigError


@dataclass
class Organization:
    # The organization's own mail domains; subdomains count as the organization's too.
    domains: list[str] = field(default_factory=list)
    # Display names that attackers impersonate: executives, finance, help desk.
    vip_names: list[str] = field(default_factory=list)
    # Address ranges of the organization's own hosts (CIDR).
    internal_networks: list[str] = field(
        default_factory=lambda: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
    )


@dataclass
class EmailAuth:
    # "verify": check SPF/DKIM/DMARC/ARC live with DNS; "upstream": use only Authentication-Results
    # written by a trusted server; "both": verify, and use trusted upstream results where live
    # verification cannot decide (mail read long after delivery, when keys have rotated).
    mode: str = "both"
    # authserv-ids whose Authentication-Results headers are believed (anyone can write the header).
    trusted_authserv_ids: list[str] = field(default_factory=list)
    # Host names (or ".suffix" patterns) of the organization's own mail relays. The first Received
    # hop added by one of them marks the trust boundary: its connecting IP is the one SPF checks,
    # and Authentication-Results above it (also ones without an authserv-id, as Microsoft 365
    # writes them) are believed.
    trusted_relays: list[str] = field(default_factory=list)
    # Mailing lists and forwarders whose ARC seals are believed (domains of the ARC-Seal d= tag).
    trusted_arc_sealers: list[str] = field(default_factory=list)


@dataclass
class Dns:
    # No DNS at all: every lookup is a temporary error at once. Use where there is no network.
    offline: bool = False
    # Seconds one lookup may take.
    timeout: float = 2.0
    # After this many consecutive network failures the resolver stops trying (answers temperror).
    give_up_after: int = 5
    # Name servers to ask instead of the system's (IP addresses).
    nameservers: list[str] = field(default_factory=list)


@dataclass
class Baseline:
    # Days of history that define "usual": a sender first seen inside the window is "new".
    window_days: int = 90
    # A sender seen in at most this many messages before the one judged is "rare".
    rare_max_messages: int = 3


@dataclass
class SenderFanout:
    # A new or rare sender reaching at least this many distinct internal recipients ...
    min_recipients: int = 10
    # ... within this many hours raises the E2 alert.
    window_hours: int = 24


@dataclass
class Urls:
    # Extra shortener/redirector domains, one per line ("#" comments), added to the bundled list.
    shorteners_file: str = ""
    # Expand shortened links over the network (never in offline mode).
    expand: bool = True
    max_hops: int = 10
    # Seconds per request; a whole chain gets four times this.
    timeout: float = 5.0
    max_body_bytes: int = 65536
    concurrency: int = 32
    per_host_concurrency: int = 2
    # Let expansion reach private, loopback and link-local addresses. Keep false: true makes
    # lurewatch a way into your internal network for anyone who mails you a link.
    allow_private: bool = False
    # Networks reachable even though private (CIDR), when allow_private is false.
    allowed_networks: list[str] = field(default_factory=list)
    # Hours an expansion result is reused before the link is expanded again.
    expansion_ttl_hours: int = 168
    # Extra free-hosting / file-sharing host suffixes, added to the bundled list.
    free_hosting: list[str] = field(default_factory=list)


@dataclass
class Intel:
    # Threat-intel files: OpenPhish (text/JSON), PhishTank (JSON/CSV), URLhaus CSV, MISP event
    # JSON, STIX 2.1 bundles, plain lists; gzip allowed. The format is detected from content.
    feeds: list[str] = field(default_factory=list)
    # Popularity or category lists: npm top-sites JSON, Tranco CSV (rank,domain), plain lists.
    # A registrable domain in none of them, and never seen in the organization's mail before,
    # is "uncategorized".
    popular: list[str] = field(default_factory=list)


@dataclass
class Assets:
    # CSV file "mailbox,ip" mapping mailboxes to the addresses of their users' hosts, used to
    # decide that a recipient (not just someone) reached a link. Without it, any internal host
    # reaching a link after delivery counts as a click, reported as such.
    mailbox_hosts_file: str = ""
    # Days after delivery during which a visit to a link's host counts as a click on it.
    click_window_days: int = 7


@dataclass
class Allowlist:
    # Sender addresses or domains (a domain covers its subdomains) never alerted on for E1/E2.
    senders: list[str] = field(default_factory=list)
    # Link domains (covering subdomains) never alerted on for URL inspection: your own web
    # properties, trusted CDNs and mail-tracking services.
    url_domains: list[str] = field(default_factory=list)


@dataclass
class ChannelScope:
    # Whether lurewatch may read this channel's telemetry at all.
    monitored: bool = True
    # Who answers for monitoring this channel (a team or role).
    owner: str = ""
    # The legal basis recorded for reading it (e.g. "legitimate interest, works council
    # agreement 2026-03"); required before calls or chat are enabled.
    legal_basis: str = ""
    # What is deliberately not monitored, in words (shown in the readiness report).
    exclusions: list[str] = field(default_factory=list)


def _off() -> ChannelScope:
    return ChannelScope(monitored=False)


@dataclass
class Scope:
    # Calls and chat carry personal data: off until the organization declares otherwise.
    email: ChannelScope = field(default_factory=ChannelScope)
    network: ChannelScope = field(default_factory=ChannelScope)
    endpoint: ChannelScope = field(default_factory=ChannelScope)
    calls: ChannelScope = field(default_factory=_off)
    chat: ChannelScope = field(default_factory=_off)


@dataclass
class Privacy:
    # Replace phone numbers and chat handles by keyed hashes at ingest; detections work on the
    # pseudonyms. The key comes from the environment variable or the file, never the database.
    pseudonymize: bool = False
    key_env: str = "LUREWATCH_PSEUDONYM_KEY"
    key_file: str = ""
    # Chat message text kept in the store: "keep", "snippets" (only what a detection matched),
    # or "drop" (analysed at ingest, then discarded).
    message_text: str = "keep"


@dataclass
class Settings:
    organization: Organization = field(default_factory=Organization)
    email_auth: EmailAuth = field(default_factory=EmailAuth)
    dns: Dns = field(default_factory=Dns)
    baseline: Baseline = field(default_factory=Baseline)
    sender_fanout: SenderFanout = field(default_factory=SenderFanout)
    allowlist: Allowlist = field(default_factory=Allowlist)
    urls: Urls = field(default_factory=Urls)
    intel: Intel = field(default_factory=Intel)
    assets: Assets = field(default_factory=Assets)
    scope: Scope = field(default_factory=Scope)
    privacy: Privacy = field(default_factory=Privacy)
    source: str = "defaults"

    def validate(self) -> None:
        if self.email_auth.mode not in ("verify", "upstream", "both"):
            raise ConfigError(
                f"email_auth.mode must be verify, upstream or both, not {self.email_auth.mode!r}"
            )
        if self.sender_fanout.min_recipients < 2:
            raise ConfigError("sender_fanout.min_recipients must be at least 2")
        if self.baseline.window_days < 1:
            raise ConfigError("baseline.window_days must be at least 1")
        if self.privacy.message_text not in ("keep", "snippets", "drop"):
            raise ConfigError("privacy.message_text must be keep, snippets or drop")
        for name in ("calls", "chat"):
            ch: ChannelScope = getattr(self.scope, name)
            if ch.monitored and not (ch.owner and ch.legal_basis):
                raise ConfigError(
                    f"scope.{name}: monitoring {name} needs an owner and a legal_basis recorded"
                )


def _build(cls: type, data: dict[str, Any], where: str) -> Any:
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in names or key == "source":
            raise ConfigError(
                f"{where}: unknown setting {key!r} (known: {', '.join(sorted(names - {'source'}))})"
            )
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}.{key} must be a table")
            kwargs[key] = _build(hint, value, f"{where}.{key}" if where else key)  # type: ignore[arg-type]
        else:
            kwargs[key] = _coerce(value, hint, f"{where}.{key}" if where else key)
    return cls(**kwargs)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = getattr(hint, "__origin__", None)
    if origin is list:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where} must be a list of strings")
        return list(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string")
        return value
    return value


def load_settings(path: str | Path | None = None) -> Settings:
    """Read settings from `path`, or from ./lurewatch.toml when present, else the defaults."""
    if path is None:
        default = Path("lurewatch.toml")
        if not default.exists():
            settings = Settings()
            settings.validate()
            return settings
        path = default
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {p}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {p}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {p} is not valid TOML: {exc}") from None
    settings = _build(Settings, data, "")
    settings.source = str(p)
    settings.validate()
    assert isinstance(settings, Settings)
    return settings
