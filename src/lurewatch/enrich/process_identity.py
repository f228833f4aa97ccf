"""Who is talking, over what, to where: process identity, port class and destination scope.

A process identity is what a network baseline is keyed on. It is the executable path, lower
case, with the parts that differ per user or per version folded away (so one program installed
in every profile, or updated in place, stays one identity), plus the PE original file name when
it disagrees with the image name. A renamed or relocated binary is therefore a different
identity: `svchost.exe` in `\\users\\public\\` or `notepad.exe` whose original name is
`mshta.exe` must not inherit the baseline of the real one.

Every rule exists twice: as a plain function (for messages and tests) and as an Ibis expression
(for the set-based analytics). Both are built from the same patterns below, and a unit test
holds them to the same answers. The expressions use Ibis built-ins only (no UDFs), and regular
expressions stick to the subset shared by RE2 (DuckDB) and Java (Spark): no back-references,
no look-arounds.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

import ibis

LOOPBACK, INTERNAL, INTERNET = "loopback", "internal", "internet"

# OriginalFileName values Sysmon writes when the PE header has none.
_UNKNOWN_OFN = ("", "?", "-")

# (pattern, length of the prefix kept) of per-user folders in a lower-cased path. The user's
# folder is replaced by position rather than with a back-reference, which Spark and DuckDB
# spell differently.
_USER_PREFIXES = (
    (r"^[a-z]:\\users\\[^\\]+\\", 9),  # c:\users\<name>\ -> c:\users\*\
    (r"^/home/[^/]+/", 6),
    (r"^/users/[^/]+/", 7),
)
_FOLDS = (
    # Version folders of self-updating programs (app-4.33.90, 120.0.6099.130, 4.18.23110.3-0).
    (r"\\[a-z_-]*[0-9]+(\.[0-9]+)+(-[0-9]+)?\\", "\\*\\"),
    # Store packages carry their version in the folder name.
    (r"_[0-9]+(\.[0-9]+)+_", "_*_"),
    # Per-install GUID folders.
    (r"\\\{[0-9a-f-]{36}\}\\", "\\{*}\\"),
)

# Where an ordinary user can drop and run a program: profile folders (Downloads, Desktop,
# AppData, Temp under AppData, Public), world-writable Windows folders, and Unix scratch space.
USER_WRITABLE_PATTERNS = (
    r"^[a-z]:\\users\\",
    r"^[a-z]:\\windows\\temp\\",
    r"^[a-z]:\\windows\\tasks\\",
    r"^[a-z]:\\windows\\tracing\\",
    r"^[a-z]:\\windows\\system32\\spool\\drivers\\color\\",
    r"^[a-z]:\\perflogs\\",
    r"^[a-z]:\\\$recycle\.bin\\",
    r"^[a-z]:\\programdata\\[^\\]+$",  # loose files in the ProgramData root
    r"^/tmp/",
    r"^/var/tmp/",
    r"^/dev/shm/",
    r"^/run/user/",
    r"^/home/",
    r"^/users/",
    r"^/private/tmp/",
)

# Service names of well-known destination ports; any other port is "<transport>/<port>" below
# 1024 and "ephemeral" above.
PORT_NAMES: dict[int, str] = {
    20: "ftp", 21: "ftp", 22: "ssh", 23: "telnet",
    25: "smtp", 465: "smtp", 587: "smtp",
    53: "dns", 853: "dns-over-tls",
    67: "dhcp", 68: "dhcp", 123: "ntp",
    80: "http", 8080: "http", 443: "https", 8443: "https",
    88: "kerberos", 464: "kerberos",
    110: "pop3", 995: "pop3", 143: "imap", 993: "imap",
    135: "rpc", 137: "netbios", 138: "netbios",
    139: "smb", 445: "smb",
    161: "snmp", 162: "snmp", 514: "syslog",
    389: "ldap", 636: "ldap", 3268: "ldap", 3269: "ldap",
    1433: "mssql", 3306: "mysql", 5432: "postgres",
    1900: "ssdp", 3702: "ws-discovery", 5357: "wsd", 5353: "mdns", 5355: "llmnr",
    3389: "rdp", 5985: "winrm", 5986: "winrm",
}  # fmt: skip

# Never leave the local segment, so never "internet": link-local, multicast, broadcast.
LOCAL_SEGMENT = ("169.254.0.0/16", "224.0.0.0/4", "255.255.255.255/32", "fe80::/10", "ff00::/8")
_LOOPBACK_NETS = ("127.0.0.0/8", "0.0.0.0/32", "::1/128", "::/128")
# The IPv6 loopback and unspecified addresses in the spellings logs use (Sysmon writes every
# group); matched as text, which spares the analytics a full 128-bit comparison.
_LOOPBACK_V6 = ("::1", "0:0:0:0:0:0:0:1", "::", "0:0:0:0:0:0:0:0")


# -- plain functions ----------------------------------------------------------------------------


def _escaped(replacement: str) -> str:
    """A literal replacement text: Python, RE2 and Java all read a doubled backslash as one."""
    return replacement.replace("\\", "\\\\")


def _stem(name: str) -> str:
    return re.sub(r"(\.[a-z0-9]{1,4})*$", "", name.lower().strip())


def normalize_path(path: str | None) -> str:
    p = (path or "").strip().lower()
    for pattern, keep in _USER_PREFIXES:
        if re.search(pattern, p):
            p = p[:keep] + "*" + p[keep - 1] + re.sub(pattern, "", p)
            break
    for pattern, repl in _FOLDS:
        p = re.sub(pattern, _escaped(repl), p)
    return p


def image_name(path: str | None) -> str:
    return re.sub(r"^.*[\\/]", "", (path or "").strip().lower())


def process_identity(executable: str | None, original_file_name: str | None = None) -> str:
    """The normalized path, plus `|original name` when the PE original file name is known and
    is not the image's own name (a renamed binary)."""
    norm = normalize_path(executable)
    ofn = (original_file_name or "").strip().lower()
    if ofn in _UNKNOWN_OFN or _stem(ofn) == _stem(image_name(executable)):
        return norm
    return f"{norm}|{ofn}"


def identity_path(identity: str) -> str:
    return identity.split("|", 1)[0]


def port_class(transport: str | None, port: int | None) -> str:
    if port is None:
        return "unknown"
    name = PORT_NAMES.get(port)
    if name:
        return name
    return f"{(transport or 'ip').lower()}/{port}" if port < 1024 else "ephemeral"


def destination_scope(ip: str | None, internal_networks: Iterable[str]) -> str:
    """loopback, internal (organization networks, link-local, multicast) or internet.

    An address that cannot be read counts as internet: nothing shows that it stays inside.
    """
    text = (ip or "").strip().lower()
    if text.startswith("::ffff:") and "." in text:
        text = text[7:]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return INTERNET

    def within(nets: Iterable[str]) -> bool:
        for n in nets:
            net = ipaddress.ip_network(n, strict=False)
            if net.version == addr.version and addr in net:
                return True
        return False

    if within(_LOOPBACK_NETS):
        return LOOPBACK
    if within(list(internal_networks) + list(LOCAL_SEGMENT)):
        return INTERNAL
    return INTERNET


def _writable_regex(extra: Iterable[str]) -> str:
    return "|".join([*USER_WRITABLE_PATTERNS, *(re.escape(e.lower()) for e in extra if e)])


def is_user_writable(identity_or_path: str, extra: Iterable[str] = ()) -> bool:
    """Whether the program lives where an ordinary user can write (matched on the normalized
    path, so it works on identities and raw paths alike)."""
    return (
        re.search(_writable_regex(extra), normalize_path(identity_path(identity_or_path)))
        is not None
    )


# -- Ibis expressions ---------------------------------------------------------------------------
# Built in steps (one mutate each) so that an intermediate value is computed once and named,
# instead of being repeated inside every expression that uses it. Intermediate columns start
# with "_lw_".


def _drop_intermediate(t: Any) -> Any:
    return t.drop(*[c for c in t.columns if c.startswith("_lw_")])


def image_name_expr(path: Any) -> Any:
    return path.fill_null("").strip().lower().re_replace(r"^.*[\\/]", "")


def _stem_expr(name: Any) -> Any:
    return name.re_replace(r"(\.[a-z0-9]{1,4})*$", "")


def with_path_parts(t: Any, executable: Any) -> Any:
    """`t` with `_lw_norm` (the normalized path) and `_lw_img_stem` (the image name without its
    extension) of the executable column."""
    t = t.mutate(_lw_p=executable.fill_null("").strip().lower())
    p = t._lw_p
    per_user = [
        (
            p.re_search(pattern),
            p.substr(0, keep) + "*" + p.substr(keep - 1, 1) + p.re_replace(pattern, ""),
        )
        for pattern, keep in _USER_PREFIXES
    ]
    t = t.mutate(_lw_f=ibis.cases(*per_user, else_=p), _lw_img=p.re_replace(r"^.*[\\/]", ""))
    norm = t._lw_f
    for pattern, repl in _FOLDS:
        norm = norm.re_replace(pattern, _escaped(repl))
    return t.mutate(_lw_norm=norm, _lw_img_stem=_stem_expr(t._lw_img)).drop(
        "_lw_p", "_lw_f", "_lw_img"
    )


def with_ofn_parts(t: Any, original_file_name: Any) -> Any:
    """`t` with `_lw_ofn` (the original file name, lower case, "" when unknown) and
    `_lw_ofn_stem`."""
    o = original_file_name.fill_null("").strip().lower()
    t = t.mutate(_lw_ofn=ibis.cases((o.isin(_UNKNOWN_OFN), ""), else_=o))
    return t.mutate(_lw_ofn_stem=_stem_expr(t._lw_ofn))


def identity_from_parts(t: Any) -> Any:
    """The identity from the columns the two functions above add."""
    renamed = (t._lw_ofn != "") & (t._lw_ofn_stem != t._lw_img_stem)
    return ibis.cases((renamed, t._lw_norm + "|" + t._lw_ofn), else_=t._lw_norm)


def with_identity(
    t: Any, executable: Any, original_file_name: Any, name: str = "process.identity"
) -> Any:
    """`t` with a process identity column computed from the two given columns of `t`."""
    t = with_ofn_parts(with_path_parts(t, executable), original_file_name)
    return _drop_intermediate(t.mutate(**{name: identity_from_parts(t)}))


def identity_path_expr(identity: Any) -> Any:
    return identity.re_replace(r"\|.*$", "")


def port_class_expr(transport: Any, port: Any) -> Any:
    by_name: dict[str, list[int]] = {}
    for p, name in PORT_NAMES.items():
        by_name.setdefault(name, []).append(p)
    known = [(port.isin(ports), name) for name, ports in by_name.items()]
    other = transport.fill_null("ip").lower() + "/" + port.cast("string")
    return ibis.cases(
        (port.isnull(), "unknown"),
        *known,
        (port < 1024, other),
        else_="ephemeral",
    )


def _v6_groups(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> int:
    return max(1, -(-net.prefixlen // 16))


def _v6_prefix(x: Any, groups: int) -> Any:
    """The first `groups` 16-bit groups of an IPv6 address as zero-padded hex (so that string
    order is numeric order), with "::" expanded."""
    if groups == 1:  # the usual case (fc00::/7, fe80::/10, ff00::/8): only the first group
        return ibis.cases((x._lw_ip.startswith("::"), "0"), else_=x._lw_h0).lpad(4, "0")
    head = x._lw_h0.split(":")
    tail = x._lw_h1.split(":")
    n_head = ibis.cases((x._lw_h0 == "", 0), else_=head.length())
    n_tail = ibis.cases((~x._lw_gap | (x._lw_h1 == ""), 0), else_=tail.length())
    out = ibis.literal("")
    for i in range(groups):
        group = ibis.cases(
            (~x._lw_gap, head[i]),
            (n_head > i, head[i]),
            (8 - n_tail <= i, tail[i - 8 + n_tail]),
            else_="0",
        )
        out = out + group.fill_null("0").lpad(4, "0")
    return out


def _in_networks(x: Any, nets: Iterable[str]) -> Any:
    """Whether the address is in one of `nets`. Unknown (null) parts compare as false: a CASE
    condition that is null does not hold."""
    v4, v6 = [], []
    for n in nets:
        net = ipaddress.ip_network(n, strict=False)
        if net.version == 4:
            v4.append(x._lw_v4.between(int(net.network_address), int(net.broadcast_address)))
        else:
            g = _v6_groups(net)
            lo6 = f"{int(net.network_address):032x}"[: g * 4]
            hi6 = f"{int(net.broadcast_address):032x}"[: g * 4]
            v6.append(x._lw_v6.substr(0, g * 4).between(lo6, hi6))
    cond = ibis.literal(False)
    if v4:
        cond = cond | (x._lw_is4 & ibis.or_(*v4))
    if v6:
        cond = cond | (~x._lw_is4 & ibis.or_(*v6))
    return cond


def with_scope(
    t: Any, ip: Any, internal_networks: Iterable[str], name: str = "lurewatch.destination_scope"
) -> Any:
    """`t` with the destination scope (loopback, internal, internet) of the address column `ip`."""
    inside = [*internal_networks, *LOCAL_SEGMENT]
    nets = [ipaddress.ip_network(n, strict=False) for n in inside]
    groups = max([_v6_groups(n) for n in nets if n.version == 6], default=1)
    loopback4 = [n for n in _LOOPBACK_NETS if ipaddress.ip_network(n).version == 4]
    a = ip.fill_null("").strip().lower()
    t = t.mutate(
        _lw_ip=ibis.cases((a.startswith("::ffff:") & a.contains("."), a.substr(7)), else_=a)
    )
    octets = t._lw_ip.split(".")
    halves = t._lw_ip.split("::")
    t = t.mutate(
        _lw_is4=t._lw_ip.re_search(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$"),
        _lw_is6=t._lw_ip.re_search(r"^[0-9a-f:]+$") & t._lw_ip.contains(":"),
        _lw_v4=(
            octets[0].try_cast("int64") * 16777216
            + octets[1].try_cast("int64") * 65536
            + octets[2].try_cast("int64") * 256
            + octets[3].try_cast("int64")
        ),
        _lw_gap=t._lw_ip.contains("::"),
        _lw_h0=halves[0].split(":")[0] if groups == 1 else halves[0],
        _lw_h1=halves[1].fill_null(""),
    )
    t = t.mutate(_lw_v6=_v6_prefix(t, groups))
    t = t.mutate(
        **{
            name: ibis.cases(
                (~t._lw_is4 & ~t._lw_is6, INTERNET),
                (_in_networks(t, loopback4) | t._lw_ip.isin(_LOOPBACK_V6), LOOPBACK),
                (_in_networks(t, inside), INTERNAL),
                else_=INTERNET,
            )
        }
    )
    return _drop_intermediate(t)


def user_writable_expr(identity: Any, extra: Iterable[str] = ()) -> Any:
    return identity_path_expr(identity).re_search(_writable_regex(extra))
