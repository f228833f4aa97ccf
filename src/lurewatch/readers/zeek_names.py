"""Zeek's names in lurewatch's vocabulary: weird names → anomaly names, services → protocols.

Weird names are matched by ordered rules (first match wins), so names a Zeek release adds
later still land somewhere sensible. Protocol rules come before TCP ones: `DNS_truncated_len`
is a DNS problem, not a truncated IP packet.
"""

from __future__ import annotations

import re
from functools import lru_cache

_WEIRD_RULES: tuple[tuple[str, str], ...] = (
    # replies no request explains
    (r"^dns_unmatched_reply$|^unmatched_dns_reply", "udp_reply_without_request"),
    (r"unsolicited_syn_response|^bad_syn_ack|connection_originator_syn_ack", "tcp_synack_without_syn"),
    # protocol syntax, by the protocol the name starts with or mentions
    (r"^dns_|_dns_|^dns$", "dns_malformed"),
    (r"http|_uri|^unknown_http_method|unescaped|illegal_encoding|bad_url|url_", "http_malformed"),
    (r"ssl|tls|x509|dtls", "tls_malformed"),
    (r"smtp|mime", "smtp_malformed"),
    (r"ssh|ftp|irc|pop3|imap|rpc|smb|ntlm|kerberos|krb|ldap|sip|rdp|dhcp|ntp|snmp|line_terminated", "protocol_malformed"),
    # IP layer
    (r"fragment", "ip_fragment_anomaly"),
    (r"truncated|too_short|too_small|_len_|length", "ip_truncated"),
    # TCP state and flags
    (r"syn_with_data", "tcp_syn_with_data"),
    (r"christmas|baroque_syn|syn_fin|fin_rst|flags", "tcp_invalid_flags"),
    (r"data_after_reset|syn_after_close|fin_after_reset|data_after_close|after_fin", "tcp_data_after_close"),
    (r"spontaneous_rst|rst_with_data|rst_storm", "tcp_rst_without_connection"),
    (r"spontaneous_fin|inappropriate_fin|fin_storm", "tcp_fin_without_connection"),
    (r"data_before_established|above_hole_data_without_any_acks|partial_connection", "tcp_no_handshake"),
    (r"seq_jump|underflow|misorder|window_recision|fin_advanced_last_seq|ack_above_hole", "tcp_seq_jump"),
    (r"syn|handshake|connection_reuse", "tcp_handshake_anomaly"),
    # headers and checksums
    (r"checksum|ip_hdr|ipv6|ip_|hdr|header|ttl|option|non_ip|unknown_protocol", "ip_header_anomaly"),
)  # fmt: skip

_COMPILED = tuple((re.compile(p, re.IGNORECASE), name) for p, name in _WEIRD_RULES)


@lru_cache(maxsize=4096)
def weird_anomaly(weird: str) -> str:
    """The anomaly name for a Zeek weird name; unknown ones count as malformed protocol."""
    for pattern, name in _COMPILED:
        if pattern.search(weird):
            return name
    return "protocol_malformed"


# Zeek service / analyzer names → the protocol names payload identification uses.
_SERVICES = {
    "http": "http",
    "ssl": "tls",
    "tls": "tls",
    "ssh": "ssh",
    "dns": "dns",
    "smtp": "smtp",
    "ftp": "ftp",
}


def service_protocols(service: str | None) -> list[str]:
    """Distinct protocols in a conn.log `service` (comma-separated, sometimes negated as `-ssl`) or an
    analyzer name (HTTP, SSL, ...), as lurewatch's names; services lurewatch does not compare
    (krb, smb, ...) are left out."""
    if not service:
        return []
    out = []
    for part in service.lower().split(","):
        part = part.strip()
        if part.startswith("-"):
            continue  # Zeek 6 marks a service whose analyzer later failed with a leading "-"
        name = _SERVICES.get(part)
        if name and name not in out:
            out.append(name)
    return out


def normalize_service(service: str | None) -> str | None:
    """A conn.log `service` in lurewatch's protocol names, parts kept in order: "ssl" → "tls",
    "http,ssl" → "http,tls"; names lurewatch does not know stay as Zeek wrote them, lower case;
    parts Zeek negated (a failed analyzer, "-ssl") are left out."""
    if not service:
        return None
    parts: list[str] = []
    for part in service.lower().split(","):
        part = part.strip()
        if not part or part.startswith("-"):
            continue
        parts.append(_SERVICES.get(part, part))
    return ",".join(parts) or None


# Service names Zeek's analyzers write, each already as `normalize_service` leaves it (one lower
# case name: no comma, space or leading "-"). Nearly every record holds one of them, and a
# lookup in this set spares it the trimming and lowering the general case does.
_CLEAN_SERVICES = tuple(dict.fromkeys([
    *_SERVICES, "krb", "krb_tcp", "smb", "dce_rpc", "ntp", "dhcp", "gssapi", "ntlm", "quic",
    "rdp", "rfb", "sip", "snmp", "mysql", "ldap", "radius", "syslog", "socks", "irc", "ftp-data",
    "dnp3", "modbus", "mqtt", "postgresql", "imap", "pop3", "xmpp",
]))  # fmt: skip


def normalize_service_sql(column: str) -> str:
    """`normalize_service` as a DuckDB expression over a text column.

    Nearly every service is one name Zeek writes (looked up as it is) or none; the rest skip
    the split into a list unless they hold a comma, as it costs more than the rest of a conn
    record's conversion."""
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _SERVICES.items() if k != v)
    clean = ", ".join(f"'{name}'" for name in _CLEAN_SERVICES)
    parts = f"list_transform(string_split(lower({column}), ','), lambda x: trim(x))"
    kept = f"list_filter({parts}, lambda x: x <> '' AND x[1] <> '-')"
    mapped = f"list_transform({kept}, lambda x: CASE x {cases} ELSE x END)"
    one = f"trim(lower({column}))"
    single = f"CASE WHEN {one} = '' OR {one}[1] = '-' THEN NULL ELSE CASE {one} {cases} ELSE {one} END END"
    several = f"nullif(array_to_string({mapped}, ','), '')"
    return (
        f"CASE WHEN {column} IN ({clean}) THEN CASE {column} {cases} ELSE {column} END "
        f"WHEN NOT contains({column}, ',') THEN {single} ELSE {several} END"
    )
