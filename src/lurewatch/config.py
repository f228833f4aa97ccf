"""The settings model: one TOML file (`lurewatch.toml` or `--config`), every setting with a safe default.

Each section is a dataclass; its field comments are the documentation of the setting.
Unknown keys are an error (a typo must not silently fall back to a default). The calls and chat
sections live in `config_channels`, the network section in `config_network`.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from lurewatch.config_channels import Calls, Chat
from lurewatch.config_network import Network
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
class StoreSettings:
    # Memory DuckDB may keep while ingest writes mail. Without a bound it keeps every block it
    # wrote, so the process grew with the store (1.2 GB at 100,000 messages); past the bound,
    # written blocks leave memory (they are on disk). Logs load with DuckDB's own bound: their
    # bulk inserts need more. 128 MB ingests as fast as 256 MB did.
    mail_memory_mb: int = 128
    # Memory DuckDB may keep while `detect` learns baselines and runs detections. Without a
    # bound it keeps every block it read: over 10 million Zeek flows the process reached 2.3
    # GB, most of it the flow table's ids read once. Past the bound, read blocks leave memory
    # and large aggregates spill to disk (1.5 GB: peak 1.7 GB, the N3 analytics 10-15% slower).
    analytics_memory_mb: int = 1536


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
    # Extra free-hosting / file-sharing host suffixes, added to the bundled list: links to
    # hosts under them, and senders whose domain is a name under them, are reported.
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
    # "ip,host[,from,until]" lines (ISO 8601 UTC times): which host held an address when, for
    # tying network findings to processes where DHCP or NAT make addresses move (P1).
    ip_hosts_file: str = ""
    # Days after delivery during which a visit to a link's host counts as a click on it.
    click_window_days: int = 7


@dataclass
class Allowlist:
    # Sender addresses or domains (a domain covers its subdomains) never alerted on for E1/E2,
    # unless a message's authentication fails (a forged trusted sender is still reported).
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
class Processes:
    # Days at the start of the endpoint network history (Sysmon event 3) that only teach the P2
    # baselines what is usual: the first-seen rules (proc_first_network_use, proc_new_protocol,
    # proc_user_writable_first_connection) report nothing inside them, org-wide or per host, so
    # a new deployment does not report every program once. 0 reports from the first event on.
    learning_days: int = 7
    # Executable names (e.g. "mytool.exe") added to the bundled list of programs that should not
    # initiate connections (data/never_network.toml); "name:internet" flags only connections to
    # the internet.
    never_network_extra: list[str] = field(default_factory=list)
    # Names dropped from that list, e.g. "msbuild.exe" on build servers that restore packages.
    never_network_drop: list[str] = field(default_factory=list)
    # Extra path fragments (matched anywhere in the lower-case path, per-user folders written
    # as "c:\\users\\*\\") that count as user-writable, besides profiles, Temp and Public.
    user_writable_paths: list[str] = field(default_factory=list)
    # Programs whose command line may carry a bare URL without it being suspicious: browsers and
    # mail clients are started with the link a user clicked.
    url_openers: list[str] = field(
        default_factory=lambda: [
            "chrome.exe", "msedge.exe", "firefox.exe", "iexplore.exe", "brave.exe",
            "opera.exe", "vivaldi.exe", "safari.exe", "outlook.exe", "teams.exe", "ms-teams.exe",
        ]
    )  # fmt: skip
    # Process names or identities (normalized paths, see enrich/process_identity.py) that the
    # first-seen rules never report: software distribution tools and updaters you trust.
    allow: list[str] = field(default_factory=list)
    # How far apart a network sensor's time and the host's Sysmon time may be for a connection
    # to be tied to the process that made it (P1): clocks of sensors and hosts drift.
    flow_match_seconds: int = 120


@dataclass
class Incidents:
    # Alerts that share an entity (mailbox, sender, domain, URL, IP, host, user, process, phone,
    # chat account) join one incident when each is at most this many hours from the previous one.
    window_hours: float = 24.0
    # An entity seen, inside one window, in alerts of more than this many unrelated origins
    # (sender domains, hosts, callers, chat accounts) is infrastructure or a popular target,
    # not a thread between them: it does not join their alerts into one incident.
    max_origins: int = 5
    # Domains that never join alerts (with their subdomains), besides organization.domains:
    # your mail gateway, CDN, SaaS suites everyone uses.
    ignore_domains: list[str] = field(default_factory=list)
    # Exact values that never join alerts: proxy and NAT addresses, shared mailboxes, scanners.
    ignore_values: list[str] = field(default_factory=list)
    # Address ranges (CIDR) whose IPs never join alerts: proxies, NAT gateways, resolvers.
    ignore_networks: list[str] = field(default_factory=list)

    def validate(self) -> None:
        if self.window_hours <= 0:
            raise ConfigError("incidents.window_hours must be above 0")
        if self.max_origins < 1:
            raise ConfigError("incidents.max_origins must be at least 1")


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
    processes: Processes = field(default_factory=Processes)
    calls: Calls = field(default_factory=Calls)
    chat: Chat = field(default_factory=Chat)
    network: Network = field(default_factory=Network)
    incidents: Incidents = field(default_factory=Incidents)
    store: StoreSettings = field(default_factory=StoreSettings)
    source: str = "defaults"

    def validate(self) -> None:
        self.chat.validate()
        if self.email_auth.mode not in ("verify", "upstream", "both"):
            raise ConfigError(
                f"email_auth.mode must be verify, upstream or both, not {self.email_auth.mode!r}"
            )
        if self.sender_fanout.min_recipients < 2:
            raise ConfigError("sender_fanout.min_recipients must be at least 2")
        if self.baseline.window_days < 1:
            raise ConfigError("baseline.window_days must be at least 1")
        if self.store.mail_memory_mb < 64:
            raise ConfigError("store.mail_memory_mb must be at least 64")
        if self.store.analytics_memory_mb < 256:
            raise ConfigError("store.analytics_memory_mb must be at least 256")
        if self.privacy.message_text not in ("keep", "snippets", "drop"):
            raise ConfigError("privacy.message_text must be keep, snippets or drop")
        for name in ("calls", "chat"):
            ch: ChannelScope = getattr(self.scope, name)
            if ch.monitored and not (ch.owner and ch.legal_basis):
                raise ConfigError(
                    f"scope.{name}: monitoring {name} needs an owner and a legal_basis recorded"
                )
        self.calls.validate()
        self.network.validate()
        self.incidents.validate()


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
