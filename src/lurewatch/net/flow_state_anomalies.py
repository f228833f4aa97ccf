"""N1 and N2 findings that a sensor's connection summary implies, without its packets.

Zeek writes every connection's state (`conn_state`), the TCP events it saw in order
(`history`: S SYN, h SYN-ACK, A ACK, D data, F FIN, R RST, Q multi-flag, I inconsistent
flags; upper case from the originator, lower case from the responder) and the application
protocols its analyzers confirmed (`service`). From those alone:

- N2: midstream traffic with no handshake (data or ACKs, no SYN seen), a SYN-ACK nobody
  asked for (h with no S, and no conversation after it: a full conversation whose SYN is
  missing is a lost packet, reported as no handshake), a lone RST or FIN for a connection that never existed, flag
  combinations TCP forbids (Q/I), UDP answers with no question;
- N1: a protocol on a port registered to another (SSH on tcp/80, HTTP on tcp/443), a
  registered port whose two-way conversation no analyzer recognised, a connection whose
  protocol changed (HTTP then SSH; STARTTLS and CONNECT tunnels are normal upgrades).

This runs in the store after ingest, over `flow` rows of sensors that summarise connections
(Zeek), and adds `net_anomaly` rows whose `event.id` derives from the flow's: running it again
adds nothing. lurewatch's own packet analysis reports these findings itself, with packet
numbers, so its flows are not read here.
"""

from __future__ import annotations

from lurewatch.net.anomalies import ANOMALIES
from lurewatch.net.ports import REGISTERED, UPGRADES
from lurewatch.schema import column_names
from lurewatch.store.db import Store, lit, q

SENSORS = ("zeek",)
# Bytes the originator must send on a registered port before "no protocol recognised" means
# something: a probe's few bytes or an empty connection say nothing about the protocol.
UNIDENTIFIED_MIN_BYTES = 20


def _expected_sql() -> str:
    cases = " ".join(
        f"WHEN f.tr = '{t}' AND f.dport = {p} THEN '{proto}'"
        for (t, p), proto in sorted(REGISTERED.items())
    )
    return f"CASE {cases} ELSE NULL END"


def _upgrade_sql() -> str:
    """True when every protocol in `protos` is the expected one or an upgrade it allows."""
    cases = " ".join(
        f"WHEN '{base}' THEN list_has_all({list(sorted(ups | {base}))}, f.protos)"
        for base, ups in sorted(UPGRADES.items())
    )
    return f"CASE f.expected {cases} ELSE list_has_all([f.expected], f.protos) END"


# (anomaly name, condition over the prepared columns, detail expression)
_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "tcp_no_handshake",
        "f.tr = 'tcp' AND NOT f.hist LIKE '%S%' AND regexp_matches(f.hist, '[DdAa]') "
        "AND NOT (f.hist LIKE '%h%' AND NOT (f.hist LIKE '%D%' AND f.hist LIKE '%d%'))",
        "'TCP traffic with no handshake seen (Zeek ' || f.state || ', history ' || f.hist || ')'",
    ),
    (
        "tcp_synack_without_syn",
        "f.tr = 'tcp' AND f.hist LIKE '%h%' AND f.hist NOT LIKE '%S%' "
        "AND NOT (f.hist LIKE '%D%' AND f.hist LIKE '%d%')",
        "'the responder sent a SYN-ACK with no SYN seen (Zeek ' || f.state || ', history ' || f.hist || ')'",
    ),
    (
        "tcp_rst_without_connection",
        "f.tr = 'tcp' AND regexp_full_match(f.hist, '\\^?[Rr]+')",
        "'a RST for a connection never seen open (history ' || f.hist || ')'",
    ),
    (
        "tcp_fin_without_connection",
        "f.tr = 'tcp' AND regexp_full_match(f.hist, '\\^?[FfRr]*[Ff][FfRr]*')",
        "'a FIN for a connection never seen open (history ' || f.hist || ')'",
    ),
    (
        "tcp_invalid_flags",
        "f.tr = 'tcp' AND regexp_matches(f.hist, '[QqIi]')",
        "'a packet with a forbidden flag combination (SYN+FIN, SYN+RST or FIN+RST; history ' || f.hist || ')'",
    ),
    (
        "udp_reply_without_request",
        "f.tr = 'udp' AND f.hist LIKE '%d%' AND f.hist NOT LIKE '%D%'",
        "'UDP data from the responder with none from the originator (history ' || f.hist || ')'",
    ),
    (
        "protocol_port_mismatch",
        "f.expected IS NOT NULL AND len(f.protos) > 0 AND NOT list_contains(f.protos, f.expected)",
        "upper(array_to_string(f.protos, ', ')) || ' on ' || f.tr || '/' || f.dport || ', registered to ' || upper(f.expected)",
    ),
    (
        "protocol_change",
        "len(list_filter(f.protos, lambda x: x IN ('http', 'tls', 'ssh', 'dns', 'smtp', 'ftp'))) > 1 "
        "AND NOT (f.expected IS NOT NULL AND list_contains(f.protos, f.expected) AND {upgrade})",
        "'the protocol changed within the connection: ' || upper(array_to_string(f.protos, ' then '))",
    ),
    (
        "port_protocol_unidentified",
        f"f.tr = 'tcp' AND f.expected IS NOT NULL AND len(f.protos) = 0 "
        f"AND f.hist LIKE 'S%' AND f.hist LIKE '%h%' AND f.hist LIKE '%D%' AND f.hist LIKE '%d%' "
        f"AND coalesce(f.obytes, 0) >= {UNIDENTIFIED_MIN_BYTES} "
        # (rows stored before missed_bytes had a column of its own keep it in the JSON)
        "AND coalesce(f.missed, "
        "TRY_CAST(json_extract_string(f.extra, '$.missed_bytes') AS BIGINT), 0) = 0",
        "'a two-way conversation on ' || f.tr || '/' || f.dport || ' (registered to ' || upper(f.expected) || ') that no protocol analyzer recognised'",
    ),
)


# A flow that no rule above can tag: TCP with a SYN seen and no forbidden flags, UDP not
# answered out of nowhere, and one protocol at most, the one its port is registered to (or an
# unregistered port). Nearly every flow is one. The test reads the stored columns as they are
# (`np` is the protocol text, a comma between protocols), so the rest of the pass, lists
# included, is worked out for the few flows left. Every rule's condition implies this one.
_CANDIDATE = (
    "(f.tr = 'tcp' AND (NOT contains(f.hist, 'S') OR "
    + " OR ".join(f"contains(f.hist, '{c}')" for c in "QqIi")  # 20x cheaper than a regex
    + ")) "
    "OR (f.tr = 'udp' AND contains(f.hist, 'd') AND NOT contains(f.hist, 'D')) "
    "OR contains(f.np, ',') "
    "OR (f.expected IS NOT NULL AND f.np <> f.expected)"
)


def _prepared(sensors: tuple[str, ...], files: list[str] | None) -> str:
    """The flows some rule may tag (`_CANDIDATE`), with the columns the rules read."""
    listed = ", ".join(f"'{s}'" for s in sensors)
    only = ""
    if files is not None:
        only = ' AND "log.file.path" IN (' + ", ".join(lit(f) for f in files) + ")"
    return f"""
        SELECT *, list_filter(string_split(f.np, ','), lambda x: x <> '') AS protos FROM (
            SELECT *, {_expected_sql()} AS expected FROM (
                SELECT "event.id" AS fid, "@timestamp" AS ts, "log.file.path" AS file,
                       "log.offset" AS off, "observer.type" AS sensor, "flow.id" AS uid,
                       lower("network.transport") AS tr, "source.ip" AS sip,
                       "source.port" AS sport, "destination.ip" AS dip,
                       "destination.port" AS dport, coalesce("flow.state", '') AS state,
                       coalesce("flow.history", '') AS hist, "source.bytes" AS obytes,
                       "flow.missed_bytes" AS missed, "event.extra" AS extra,
                       coalesce("network.protocol", '') AS np
                FROM flow WHERE "observer.type" IN ({listed}){only}
            ) f
        ) f WHERE {_CANDIDATE}
    """


def derive_flow_state_anomalies(
    store: Store, sensors: tuple[str, ...] = SENSORS, files: list[str] | None = None
) -> int:
    """Add the anomalies the stored connection summaries imply (of flows read from `files`,
    or all). One pass over the flows tags each with the names its state implies. Returns the
    rows added."""
    tags = ", ".join(
        f"CASE WHEN {cond.replace('{upgrade}', _upgrade_sql())} THEN '{name}' END"
        for name, cond, _ in _RULES
    )
    details = " ".join(f"WHEN '{name}' THEN {detail}" for name, _, detail in _RULES)
    n1 = ", ".join(f"'{n}'" for n, _, _ in _RULES if ANOMALIES[n].clause == "N1")
    clauses = " ".join(f"WHEN '{n}' THEN '{ANOMALIES[n].clause}'" for n, _, _ in _RULES)
    select = f"""
        SELECT 'derived:' || f.fid || ':' || f.name AS "event.id", f.ts AS "@timestamp",
               f.file AS "log.file.path", f.off AS "log.offset", f.sensor AS "observer.type",
               f.uid AS "flow.id", f.tr AS "network.transport", f.sip AS "source.ip",
               f.sport AS "source.port", f.dip AS "destination.ip",
               f.dport AS "destination.port", f.name AS "anomaly.name",
               CASE f.name {clauses} END AS "anomaly.clause",
               'conn:' || f.state || ':' || f.hist AS "anomaly.sensor_name",
               CASE f.name {details} END AS "anomaly.detail",
               CASE WHEN f.name IN ({n1}) THEN nullif(array_to_string(f.protos, ','), '') END
                   AS "network.protocol",
               CASE WHEN f.name IN ({n1}) THEN f.expected END AS "anomaly.expected_protocol"
        FROM (
            SELECT f.*, unnest(list_filter([{tags}], lambda x: x IS NOT NULL)) AS name
            FROM prepared f
        ) f"""
    cols = ", ".join(q(c) for c in column_names("net_anomaly"))
    before = store.count("net_anomaly")
    store.execute(
        f"INSERT INTO net_anomaly ({cols}) WITH prepared AS ({_prepared(sensors, files)}) "
        f"SELECT {cols} FROM ({select}) b "
        'WHERE NOT EXISTS (SELECT 1 FROM net_anomaly t WHERE t."event.id" = b."event.id")'
    )
    return store.count("net_anomaly") - before
