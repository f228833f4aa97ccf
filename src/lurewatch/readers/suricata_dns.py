"""Suricata `dns` records as `dns_query` rows, in each of the shapes EVE has used.

- Version 1 (and version 2 queries): one record per query (`"type": "query"`, `rrname`,
  `rrtype`) and, in version 1, one record per answer resource record (`"type": "answer"`,
  `rrname`, `rdata`).
- Version 2 answers (Suricata 5 to 7): `"type": "answer"` with the question in `rrname`/`rrtype`
  and the answers in `answers` (detailed) and/or `grouped` (by record type).
- Version 3 (Suricata 8): `"type": "request"`/`"response"` with a `queries` array, and
  `answers`/`grouped` in responses.

One row per question: a request gives rows without answers, a response gives rows with its
answers and response code. A lookup whose request and response are both logged therefore has
two rows (Suricata logs them as two records; pairing them would need state across records).
A version 1 answer record holds a single resource record, named by its owner, which for the
records after a CNAME is the alias target rather than the question.

`source.ip` is the client. Suricata logs a DNS record with the addresses of the packet it came
from, so for a response the client is `dest_ip`; the DNS ports (53, 5353, 5355) decide when
they show which side is the server.
"""

from __future__ import annotations

from typing import Any

from lurewatch.readers.suricata_fields import (
    OBSERVER,
    Header,
    MissingField,
    Record,
    Row,
    required_sub,
    row_id,
    text,
)

TABLE = "dns_query"
DNS_PORTS = frozenset({53, 5353, 5355})
_RESPONSE_TYPES = frozenset({"answer", "response"})


def _client(h: Header, is_response: bool) -> str | None:
    if h.dest_port in DNS_PORTS and h.src_port not in DNS_PORTS:
        return h.src_ip
    if h.src_port in DNS_PORTS and h.dest_port not in DNS_PORTS:
        return h.dest_ip
    return h.dest_ip if is_response else h.src_ip


def _questions(dns: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(name, type) of each question the record names."""
    queries = dns.get("queries")
    if isinstance(queries, list):
        found = [
            (q["rrname"], text(q.get("rrtype")))
            for q in queries
            if isinstance(q, dict) and isinstance(q.get("rrname"), str)
        ]
        if found:
            return found
    name = dns.get("rrname")
    return [(name, text(dns.get("rrtype")))] if isinstance(name, str) else []


def _answers(dns: dict[str, Any]) -> list[str]:
    """Answer data: from `answers` when logged, else `grouped`, else a version 1 `rdata`."""
    detailed = dns.get("answers")
    if isinstance(detailed, list):
        return [
            a["rdata"] for a in detailed if isinstance(a, dict) and isinstance(a.get("rdata"), str)
        ]
    grouped = dns.get("grouped")
    if isinstance(grouped, dict):
        # Values are strings (addresses, names); SOA, SRV and the like are objects, left out.
        return [
            v
            for values in grouped.values()
            if isinstance(values, list)
            for v in values
            if isinstance(v, str)
        ]
    rdata = dns.get("rdata")
    return [rdata] if isinstance(rdata, str) else []


def dns_rows(record: Record, h: Header) -> list[tuple[str, Row]]:
    dns = required_sub(record, "dns")
    questions = _questions(dns)
    if not questions:
        raise MissingField("dns record without a question name (rrname or queries)")
    is_response = dns.get("type") in _RESPONSE_TYPES
    answers = _answers(dns) if is_response else []
    rcode = text(dns.get("rcode")) if is_response else None
    client = _client(h, is_response)
    rows: list[tuple[str, Row]] = []
    for index, (name, qtype) in enumerate(questions):
        rows.append(
            (
                TABLE,
                {
                    "event.id": row_id(TABLE, h.content, str(index)),
                    "@timestamp": h.time,
                    "log.file.path": h.file,
                    "log.offset": h.line,
                    "observer.type": OBSERVER,
                    "source.ip": client,
                    "dns.question.name": name.strip().lower().rstrip("."),
                    "dns.question.type": qtype,
                    "dns.response_code": rcode,
                    "dns.answers": answers,
                    "flow.id": h.flow_id,
                },
            )
        )
    return rows
