"""The N3 baselines: where each internal host goes, over what, and how much it sends.

A host is a flow's originator (`source.ip`) inside `organization.internal_networks`; flows that
internal hosts merely answer (inbound scans, services they offer) say nothing about what the
host itself does, so they are left out. Destination scope (internal, internet) comes from the
same logic as the P2 baselines (enrich/process_identity.py), worked out once per distinct
address rather than once per flow.

Three tables:
- `baseline_flow_destination`: per host and org-wide, first/last seen, connections, bytes sent
  and (org rows) the number of distinct internal hosts of every internet destination, keyed by
  address and, where the flow names the server (SNI, HTTP Host, DNS), by domain too: CDNs
  rotate addresses, so a known service must not look new on every new address.
- `baseline_flow_service`: per host, first use of every (transport, port) and application
  protocol. Ports from 49152 up (the dynamic range) are one key, "dynamic".
- `baseline_flow_volume`: per host and UTC day, bytes sent to and received from the internet.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from lurewatch.config import Settings
from lurewatch.enrich.process_identity import INTERNAL, INTERNET, LOOPBACK, with_scope
from lurewatch.net.ports import TUNNEL_PROTOCOLS
from lurewatch.schema import column_names
from lurewatch.store import Store
from lurewatch.store.db import q

HOST, ORG = "host", "org"
DOMAIN, IP = "domain", "ip"
PORT, PROTOCOL = "port", "protocol"
DYNAMIC_PORTS_FROM = 49152
# Sensors name protocols differently; these are folded to one name (Zeek says ssl for TLS).
_PROTOCOL_ALIASES = {"ssl": "tls", "dtls": "tls", "krb": "kerberos", "krb_tcp": "kerberos"}


SCOPES_TABLE = "_lw_flow_scopes"


def _scopes(f: Any, settings: Settings) -> Any:
    """Scope of every distinct address among the flows' sources and destinations."""
    src = f.select(_k_ip=f["source.ip"].fill_null(""))
    dst = f.select(_k_ip=f["destination.ip"].fill_null(""))
    addrs = src.union(dst, distinct=True)
    scoped = with_scope(addrs, addrs._k_ip, settings.organization.internal_networks, "_k_scope")
    return scoped.select("_k_ip", "_k_scope")


def build_scope_table(store: Store, settings: Settings, name: str = SCOPES_TABLE) -> Any:
    """The scope of every address in `flow`, written once to a temporary table.

    Distinct addresses are few next to the flows, and every query over many flows joins them:
    computed inline, each such query (and each reference to its rows inside it) would read all
    the flows again for them.
    """
    sql = ibis.to_sql(_scopes(store.table("flow"), settings), dialect="duckdb")
    store.execute(f"CREATE OR REPLACE TEMP TABLE {q(name)} AS {sql}")
    return store.table(name)


def normalized_protocol(p: Any) -> Any:
    """Lower case, the first of a list ("ssl,http" -> ssl), sensor aliases folded, "" unknown."""
    p = p.fill_null("").lower().strip()
    # A plain split, not a regular expression: this runs once per flow.
    first = ibis.cases((p.contains(","), p.split(",")[0]), else_=p)
    cases = [(first == alias, name) for alias, name in _PROTOCOL_ALIASES.items()]
    return ibis.cases((first == "-", ""), *cases, else_=first)


def port_key(transport: Any, port: Any) -> Any:
    """tcp/443, udp/53, tcp/dynamic (49152 and up), tcp/none (no port)."""
    number = ibis.cases(
        (port.isnull(), "none"),
        (port >= DYNAMIC_PORTS_FROM, "dynamic"),
        else_=port.cast("string"),
    )
    return transport + "/" + number


def _scoped(f: Any, scopes: Any) -> Any:
    """Rows of `f` an internal host originated to anything but loopback, with `_d_scope`."""
    s = scopes.select(_s_ip=scopes._k_ip, _s_scope=scopes._k_scope)
    d = scopes.select(_d_ip=scopes._k_ip, _d_scope=scopes._k_scope)
    j = f.mutate(_s_ip=f["source.ip"].fill_null(""), _d_ip=f["destination.ip"].fill_null(""))
    j = j.join(s, "_s_ip").join(d, "_d_ip")
    return j.filter((j._s_scope == INTERNAL) & (j._d_scope != LOOPBACK))


def _normalized(j: Any) -> dict[str, Any]:
    """Transport, protocol and domain as the rules compare them, and the destination's scope."""
    name = j["destination.domain"].lower().strip()
    # The root's trailing dot goes; cheaper than a regular expression on every flow.
    name = ibis.cases((name.endswith("."), name.substr(0, name.length() - 1)), else_=name)
    return {
        "network.transport": j["network.transport"].fill_null("").lower(),
        "network.protocol": normalized_protocol(j["network.protocol"]),
        "destination.domain": name.nullif(""),
        "lurewatch.destination_scope": j._d_scope,
    }


def _with_key(out: Any) -> Any:
    return out.mutate(
        **{
            "destination.key": out["destination.domain"].fill_null(out["destination.ip"]),
            "destination.key_type": ibis.cases(
                (out["destination.domain"].notnull(), DOMAIN), else_=IP
            ),
        }
    )


def hosts_own(f: Any) -> Any:
    """The flows of `f` that are hosts' own traffic: all but tunnels that carry other hosts'
    packets (`TUNNEL_PROTOCOLS`), whose traffic the flows seen inside them stand for."""
    return f.filter(~f["network.protocol"].fill_null("").isin(sorted(TUNNEL_PROTOCOLS)))


def outbound(store: Store, settings: Settings, rows: Any = None, scopes: Any = None) -> Any:
    """Flows an internal host originated to anything but loopback, with normalized transport,
    protocol and domain, the destination's scope, and its key (domain when known, else address).

    `rows` narrows the work to some `flow` rows (a filter of `store.table("flow")`). `scopes`
    is a table of address scopes covering them (build_scope_table); by default the scopes of
    the rows' own addresses are worked out inline, which suits a few rows.
    """
    f = hosts_own(store.table("flow") if rows is None else rows)
    j = _scoped(f, _scopes(f, settings) if scopes is None else scopes)
    norm = _normalized(j)
    out = j.select(
        j["event.id"],
        j["@timestamp"],
        j["event.end"],
        j["log.file.path"],
        j["log.offset"],
        j["source.ip"],
        j["destination.ip"],
        j["destination.port"],
        norm["network.transport"].name("network.transport"),
        norm["network.protocol"].name("network.protocol"),
        norm["destination.domain"].name("destination.domain"),
        j["flow.duration"].fill_null(0.0).name("flow.duration"),
        j["source.bytes"].fill_null(0).name("source.bytes"),
        j["destination.bytes"].fill_null(0).name("destination.bytes"),
        j["flow.state"],
        norm["lurewatch.destination_scope"].name("lurewatch.destination_scope"),
    )
    return _with_key(out)


def internet(t: Any) -> Any:
    return t.filter(t["lurewatch.destination_scope"] == INTERNET)


def _earliest(time_col: Any, id_col: Any) -> Any:
    """The earliest (time, event id) in one pass: structs order field by field, so ties in time
    resolve by id and the answer is the same every run."""
    return ibis.struct({"t": time_col, "i": id_col}).min()


def _insert(store: Store, table: str, expr: Any) -> int:
    """Append the rows of `expr` to `table` inside DuckDB (no round trip through Python)."""
    cols = column_names(table)
    sql = ibis.to_sql(expr.select(*cols), dialect="duckdb")
    names = ", ".join(q(c) for c in cols)
    before = store.count(table)
    store.execute(f"INSERT INTO {q(table)} ({names}) SELECT {names} FROM ({sql})")
    return store.count(table) - before


PAIRS_TABLE = "_lw_flow_pairs"
# The flow columns whose values the normalization maps, one to one, to the summary's keys.
_RAW_KEYS = ["source.ip", "destination.ip", "destination.domain", "network.transport",
             "destination.port", "network.protocol"]  # fmt: skip


def _pairs(store: Store, scopes: Any) -> Any:
    """One row per (host, address, domain, transport, port, protocol, scope): the flows summed.

    Both learned tables are built from this summary, so the flows are read once for them, and
    far fewer rows are grouped again (a host reaches the same destination many times). The
    flows are grouped on their stored values first: the normalization and the scopes are then
    worked out once per distinct value, not once per flow, and the wide per-flow rows never
    reach a join.
    """
    f = hosts_own(store.table("flow"))
    raw = f.group_by(_RAW_KEYS).aggregate(
        first_seen=f["@timestamp"].min(),
        last_seen=f["@timestamp"].max(),
        connections=f.count(),
        bytes_sent=f["source.bytes"].fill_null(0).sum(),
        _first=_earliest(f["@timestamp"], f["event.id"]),
    )
    j = _scoped(raw, scopes)
    norm = _normalized(j)
    o = j.mutate(
        **{"service.port": port_key(norm["network.transport"], j["destination.port"])},
        **{k: v for k, v in norm.items() if k != "network.transport"},
    )
    keys = ["source.ip", "destination.ip", "destination.domain", "service.port",
            "network.protocol", "lurewatch.destination_scope"]  # fmt: skip
    stats = o.group_by(keys).aggregate(
        first_seen=o.first_seen.min(),
        last_seen=o.last_seen.max(),
        connections=o.connections.sum(),
        bytes_sent=o.bytes_sent.sum(),
        _first=o._first.min(),
    )
    return stats.mutate(first_event_id=stats._first["i"]).drop("_first")


def _destination_host_level(p: Any) -> Any:
    p = internet(p)
    by_ip = p.mutate(
        **{"destination.key_type": ibis.literal(IP), "destination.key": p["destination.ip"]}
    )
    named = p.filter(p["destination.domain"].notnull())
    by_domain = named.mutate(
        **{
            "destination.key_type": ibis.literal(DOMAIN),
            "destination.key": named["destination.domain"],
        }
    )
    u = by_ip.union(by_domain)
    stats = u.group_by(["source.ip", "destination.key_type", "destination.key"]).aggregate(
        first_seen=u.first_seen.min(),
        last_seen=u.last_seen.max(),
        connections=u.connections.sum(),
        _bytes=u.bytes_sent.sum(),
        _first=_earliest(u.first_seen, u.first_event_id),
    )
    return stats.mutate(
        **{"baseline.level": ibis.literal(HOST), "source.bytes": stats._bytes},
        hosts=ibis.literal(1, type="int64"),
        first_event_id=stats._first["i"],
    )


def _destination_org_level(store: Store) -> Any:
    b = destination_rows(store, HOST)
    stats = b.group_by(["destination.key_type", "destination.key"]).aggregate(
        first_seen=b.first_seen.min(),
        last_seen=b.last_seen.max(),
        connections=b.connections.sum(),
        _bytes=b["source.bytes"].sum(),
        # One host row per (host, destination): counting rows counts distinct hosts.
        hosts=b.count(),
        _first=_earliest(b.first_seen, b.first_event_id),
    )
    return stats.mutate(
        **{
            "baseline.level": ibis.literal(ORG),
            "source.ip": ibis.null("string"),
            "source.bytes": stats._bytes,
        },
        first_event_id=stats._first["i"],
    )


def _service_rows(p: Any) -> Any:
    ports = p.mutate(**{"service.kind": ibis.literal(PORT), "service.key": p["service.port"]})
    spoken = p.filter(p["network.protocol"] != "")
    protocols = spoken.mutate(
        **{"service.kind": ibis.literal(PROTOCOL), "service.key": spoken["network.protocol"]}
    )
    u = ports.union(protocols)
    stats = u.group_by(["source.ip", "service.kind", "service.key"]).aggregate(
        first_seen=u.first_seen.min(),
        last_seen=u.last_seen.max(),
        connections=u.connections.sum(),
        destinations=u["destination.ip"].nunique(),
        _first=_earliest(u.first_seen, u.first_event_id),
    )
    return stats.mutate(first_event_id=stats._first["i"])


def _volume_rows(store: Store, scopes: Any) -> Any:
    f = hosts_own(store.table("flow")).select(
        "source.ip", "destination.ip", "@timestamp", "source.bytes", "destination.bytes"
    )
    i = _scoped(f, scopes)
    i = i.filter(i._d_scope == INTERNET).mutate(day=i["@timestamp"].truncate("D"))
    return i.group_by(["source.ip", "day"]).aggregate(
        **{
            "source.bytes": i["source.bytes"].fill_null(0).sum(),
            "destination.bytes": i["destination.bytes"].fill_null(0).sum(),
        },
        connections=i.count(),
        destinations=i["destination.ip"].nunique(),
    )


def build_flow_baselines(store: Store, settings: Settings) -> int:
    """Recompute the three flow baselines from `flow`. Returns the number of rows written."""
    tables = ("baseline_flow_destination", "baseline_flow_service", "baseline_flow_volume")
    for table in tables:
        store.execute(f"DELETE FROM {q(table)}")
    if not store.scalar("SELECT count(*) FROM (SELECT 1 FROM flow LIMIT 1)"):
        return 0  # no flows: nothing to learn, and no query to compile
    scopes = build_scope_table(store, settings)
    try:
        pairs_sql = ibis.to_sql(_pairs(store, scopes), dialect="duckdb")
        store.execute(f"CREATE OR REPLACE TEMP TABLE {PAIRS_TABLE} AS {pairs_sql}")
        p = store.table(PAIRS_TABLE)
        n = _insert(store, "baseline_flow_destination", _destination_host_level(p))
        n += _insert(store, "baseline_flow_service", _service_rows(p))
        # The pairs go before the next queries: they need the memory more.
        store.execute(f"DROP TABLE IF EXISTS {PAIRS_TABLE}")
        n += _insert(store, "baseline_flow_destination", _destination_org_level(store))
        n += _insert(store, "baseline_flow_volume", _volume_rows(store, scopes))
    finally:
        store.execute(f"DROP TABLE IF EXISTS {PAIRS_TABLE}")
        store.execute(f"DROP TABLE IF EXISTS {SCOPES_TABLE}")
    return n


def destination_rows(store: Store, level: str) -> Any:
    b = store.table("baseline_flow_destination")
    return b.filter(b["baseline.level"] == level)


def flow_history_start(store: Store) -> dt.datetime | None:
    start = store.scalar('SELECT min("@timestamp") FROM flow')
    return start if isinstance(start, dt.datetime) else None


def org_learning_cutoff(store: Store, settings: Settings) -> dt.datetime | None:
    """When the org-wide learning period ends: the first flow on record plus learning_days."""
    start = flow_history_start(store)
    if start is None:
        return None
    return start + dt.timedelta(days=max(0, settings.network.learning_days))
