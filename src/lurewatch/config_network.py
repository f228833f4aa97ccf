"""The `[network]` settings: thresholds and allowlists of the N3 flow analytics (net_* rules).

Kept beside config.py, which loads it like every other section (unknown keys are errors).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from lurewatch.errors import ConfigError

# The N3 rules a host role can be exempted from.
NET_RULES = (
    "net_new_destination",
    "net_beaconing",
    "net_long_connection",
    "net_volume_outlier",
    "net_new_port_protocol",
    "net_protocol_port_mismatch",
    "net_malformed_protocol",
    "net_out_of_flow_packets",
    "net_sensor_alert",
    "net_arp_spoofing",
)


def default_exemptions() -> dict[str, list[str]]:
    # Why each role is noisy: a scanner touches every address and port by design; monitoring
    # polls on a timer and keeps sessions open; a proxy or NAT gateway carries everyone's
    # traffic under one address; a DNS server asks new name servers all day on a schedule. A
    # scanner's probes (FIN/XMAS/NULL scans, half-open SYNs) are packets outside any flow.
    return {
        "scanner": ["net_new_destination", "net_new_port_protocol", "net_out_of_flow_packets"],
        "monitoring": ["net_beaconing", "net_long_connection", "net_new_port_protocol"],
        "proxy": [
            "net_new_destination", "net_beaconing", "net_long_connection",
            "net_volume_outlier", "net_new_port_protocol",
        ],
        "dns-server": ["net_new_destination", "net_beaconing", "net_new_port_protocol"],
        "backup": ["net_volume_outlier", "net_long_connection"],
    }  # fmt: skip


@dataclass
class Network:
    # Days at the start of the flow history that only teach the N3 baselines what is usual:
    # net_new_destination is quiet until the organization's first flow plus this many days,
    # net_new_port_protocol until each host's first flow plus this many days.
    learning_days: int = 7
    # A new destination reached by at most this many internal hosts is reported; one that many
    # hosts reach at once is a rollout, not an intrusion.
    rare_max_hosts: int = 2
    # How many further signs a new destination needs before it is reported: a non-standard
    # port, at least 1 MB sent, a bare address where the sensor names most destinations.
    # People reach dozens of new sites a day, so 0 (every new destination, at low severity)
    # suits only small or locked-down networks.
    new_destination_min_signals: int = 1
    # Beaconing: score (0..1) from which a (host, destination, port) series is reported ...
    beacon_min_score: float = 0.8
    # ... when it has at least this many connections ...
    beacon_min_connections: int = 12
    # ... and its median gap between connections is at least this many seconds (faster series
    # are streaming or polling sessions, not a sleeping implant).
    beacon_min_interval_seconds: float = 5.0
    # ... and at most this many seconds: people's own daily rhythm (mail every morning) is
    # regular at the scale of a day, so periods beyond a few hours are mostly human.
    beacon_max_interval_seconds: float = 21600.0
    # One connection lasting at least this many seconds is long ...
    long_connection_seconds: int = 3600
    # ... and so is a (host, destination, port) pair connected at least this long in one day,
    # added over its connections (a long session cut into pieces by the sensor).
    long_connection_total_seconds: int = 14400
    # A host's bytes sent to the internet in one day are an outlier when they exceed its usual
    # day (median of its days) by volume_mad_k median absolute deviations ...
    volume_mad_k: float = 6.0
    # ... and are at least volume_factor times the usual day ...
    volume_factor: float = 5.0
    # ... and at least this many bytes (the floor: small hosts' doublings are no exfiltration) ...
    volume_min_bytes: int = 104857600
    # ... and the host has at least this many other days to compare with.
    volume_min_days: int = 5
    # Destination domains never reported (a domain covers its subdomains), matched on the
    # flow's server name (TLS SNI, HTTP Host, DNS answer). Addresses of CDNs rotate, so name
    # the service here rather than its addresses.
    allow_domains: list[str] = field(default_factory=list)
    # Destination networks (CIDR or single addresses) never reported.
    allow_networks: list[str] = field(default_factory=list)
    # Internal hosts with a role, "CIDR or address" = "role": scanner, monitoring, proxy,
    # dns-server, backup, or a role of your own named in role_exemptions.
    host_roles: dict[str, str] = field(default_factory=dict)
    # The rules each role's traffic is exempt from (role = [rule ids]).
    role_exemptions: dict[str, list[str]] = field(default_factory=default_exemptions)
    # A file of benign services (domain suffixes and CIDRs, one per line, "#" comments) that
    # replaces the bundled list (data/benign_services.txt: NTP, OCSP/CRL, OS and browser
    # updates, connectivity checks). Empty: the bundled list.
    benign_services_file: str = ""

    def validate(self) -> None:
        for name in (
            "learning_days",
            "rare_max_hosts",
            "volume_min_bytes",
            "new_destination_min_signals",
        ):
            if getattr(self, name) < 0:
                raise ConfigError(f"network.{name} must not be negative")
        if not 0 < self.beacon_min_score <= 1:
            raise ConfigError("network.beacon_min_score must be above 0 and at most 1")
        if not 0 < self.beacon_min_interval_seconds < self.beacon_max_interval_seconds:
            raise ConfigError(
                "network.beacon_min_interval_seconds must be above 0 and below "
                "beacon_max_interval_seconds"
            )
        if self.beacon_min_connections < 4:
            raise ConfigError("network.beacon_min_connections must be at least 4")
        if self.long_connection_seconds < 1 or self.long_connection_total_seconds < 1:
            raise ConfigError("network.long_connection_*seconds must be at least 1")
        if self.volume_factor <= 1 or self.volume_mad_k <= 0 or self.volume_min_days < 1:
            raise ConfigError(
                "network.volume_factor must be above 1, volume_mad_k above 0 and "
                "volume_min_days at least 1"
            )
        for net in self.allow_networks:
            _network(net, "network.allow_networks")
        if not isinstance(self.host_roles, dict):
            raise ConfigError('network.host_roles must be a table of "CIDR" = "role"')
        for net, role in self.host_roles.items():
            _network(net, "network.host_roles")
            if not isinstance(role, str) or not role.strip():
                raise ConfigError(f"network.host_roles.{net} must name a role")
        if not isinstance(self.role_exemptions, dict):
            raise ConfigError("network.role_exemptions must be a table of role = [rule ids]")
        for role, rules in self.role_exemptions.items():
            if not isinstance(rules, list) or not all(r in NET_RULES for r in rules):
                raise ConfigError(
                    f"network.role_exemptions.{role} must list rule ids among "
                    f"{', '.join(NET_RULES)}"
                )


def _network(text: str, where: str) -> None:
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ConfigError(f"{where}: {text!r} is not an address or CIDR network") from None
