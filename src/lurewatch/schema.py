"""Event kinds and their columns: the shared vocabulary of readers, store and detections.

Column names follow the Elastic Common Schema where ECS has a name (`email.from.address`,
`log.file.path`, ...); lurewatch's own results live under `lurewatch.`. Timestamps are UTC.
JSON columns hold JSON text, so every engine can read them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type: VARCHAR, BIGINT, INTEGER, DOUBLE, BOOLEAN, TIMESTAMP, VARCHAR[]
    doc: str = ""


def _cols(*spec: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(n, t, d) for n, t, d in spec)


EMAIL = _cols(
    ("event.id", "VARCHAR", "hash of the raw message bytes"),
    ("@timestamp", "TIMESTAMP", "Date header, else the newest Received time, in UTC"),
    ("event.ingested", "TIMESTAMP", "when lurewatch read it"),
    ("log.file.path", "VARCHAR", "the file the message came from"),
    ("log.offset", "BIGINT", "byte offset of the message in an mbox file"),
    ("email.message_id", "VARCHAR", ""),
    ("email.subject", "VARCHAR", ""),
    ("email.from.address", "VARCHAR", "first From address, lower case"),
    ("email.from.name", "VARCHAR", "display name of the first From address"),
    ("email.from.domain", "VARCHAR", ""),
    ("email.from.registered_domain", "VARCHAR", "organizational domain (Public Suffix List)"),
    ("email.from.count", "INTEGER", "number of addresses in From"),
    ("email.sender.address", "VARCHAR", ""),
    ("email.reply_to.address", "VARCHAR", ""),
    ("email.return_path", "VARCHAR", "envelope sender (Return-Path)"),
    ("email.to.address", "VARCHAR[]", ""),
    ("email.cc.address", "VARCHAR[]", ""),
    ("email.delivered_to", "VARCHAR[]", "Delivered-To / X-Original-To mailboxes"),
    ("email.x_mailer", "VARCHAR", ""),
    ("email.direction", "VARCHAR", "inbound, outbound, internal or unknown"),
    ("email.list_id", "VARCHAR", ""),
    ("email.list_unsubscribe", "VARCHAR", ""),
    ("email.precedence", "VARCHAR", ""),
    ("email.received", "VARCHAR", "JSON: the Received chain, newest first, parsed into hops"),
    ("email.authentication_results", "VARCHAR", "JSON: raw Authentication-Results headers"),
    ("email.arc_headers", "INTEGER", "number of ARC-Seal headers"),
    ("email.dkim_signatures", "VARCHAR", "JSON: d=, s=, a= of each DKIM-Signature"),
    ("email.attachments", "VARCHAR", "JSON: name, declared and sniffed type, size, sha256"),
    ("email.body.text", "VARCHAR", ""),
    ("email.body.html", "VARCHAR", ""),
    ("email.defects", "VARCHAR[]", "what the parser found wrong with the message"),
    ("email.size", "BIGINT", "bytes"),
    ("lurewatch.auth.spf", "VARCHAR", "pass, fail, softfail, neutral, none, temperror, permerror"),
    ("lurewatch.auth.dkim", "VARCHAR", "best DKIM result over all signatures"),
    ("lurewatch.auth.dmarc", "VARCHAR", "pass, fail, none, temperror, permerror"),
    ("lurewatch.auth.dmarc_policy", "VARCHAR", "the policy that applied: none, quarantine, reject"),
    ("lurewatch.auth.arc", "VARCHAR", "pass, fail, none"),
    ("lurewatch.auth.composite", "VARCHAR", "pass, softpass, fail or none"),
    ("lurewatch.auth.reason", "VARCHAR", "reason code of the composite verdict"),
    ("lurewatch.auth.detail", "VARCHAR", "JSON: every check, its evidence and where it came from"),
)

EMAIL_RECIPIENT = _cols(
    ("event.id", "VARCHAR", "hash of message id + recipient + role"),
    ("email.event_id", "VARCHAR", "the message (email.event.id)"),
    ("@timestamp", "TIMESTAMP", ""),
    ("email.recipient.address", "VARCHAR", "lower case"),
    ("email.recipient.role", "VARCHAR", "to, cc, delivered_to"),
    ("email.recipient.internal", "BOOLEAN", "address in an organization domain"),
    ("email.from.address", "VARCHAR", ""),
    ("email.from.registered_domain", "VARCHAR", ""),
    ("email.direction", "VARCHAR", ""),
    ("email.bulk", "BOOLEAN", "list or bulk mail (List-Id, List-Unsubscribe, Precedence)"),
)

REJECTS = _cols(
    ("event.id", "VARCHAR", "hash of file + offset + reason"),
    ("ingest.run_id", "VARCHAR", ""),
    ("@timestamp", "TIMESTAMP", "when it was rejected"),
    ("event.kind", "VARCHAR", "the kind the record would have become"),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "byte offset or line number"),
    ("error.message", "VARCHAR", "why, in one line"),
)

INGEST_RUNS = _cols(
    ("ingest.run_id", "VARCHAR", ""),
    ("ingest.started", "TIMESTAMP", ""),
    ("ingest.finished", "TIMESTAMP", ""),
    ("ingest.paths", "VARCHAR[]", ""),
    ("ingest.read", "VARCHAR", "JSON: records read per kind"),
    ("ingest.added", "VARCHAR", "JSON: rows added per table"),
    ("ingest.duplicates", "BIGINT", "records already in the store"),
    ("ingest.rejected", "BIGINT", ""),
    ("ingest.config", "VARCHAR", "the settings file used"),
)

ALERTS = _cols(
    ("alert.id", "VARCHAR", "hash of rule id + the key of what it fired on"),
    ("rule.id", "VARCHAR", ""),
    ("rule.name", "VARCHAR", ""),
    ("clause", "VARCHAR", "AN1955 capability id (E1, E2, ...)"),
    ("threat.technique.id", "VARCHAR[]", "ATT&CK technique ids"),
    ("severity", "VARCHAR", "low, medium, high, critical"),
    ("@timestamp", "TIMESTAMP", "time of the evidence"),
    ("message", "VARCHAR", "why it fired, in words"),
    ("entities", "VARCHAR", "JSON object: sender, recipients, domain, ..."),
    ("evidence", "VARCHAR", "JSON list of {event_id, kind, source}"),
    ("alert.state", "VARCHAR", "new, acknowledged, closed"),
    ("alert.state_reason", "VARCHAR", ""),
    ("alert.created", "TIMESTAMP", ""),
    ("alert.updated", "TIMESTAMP", ""),
)

BASELINE_SENDER = _cols(
    ("sender.key", "VARCHAR", "an address, or a registrable domain"),
    ("sender.key_type", "VARCHAR", "address or domain"),
    ("first_seen", "TIMESTAMP", ""),
    ("last_seen", "TIMESTAMP", ""),
    ("messages", "BIGINT", ""),
    ("recipients", "BIGINT", "distinct internal recipients"),
    ("written_to", "BOOLEAN", "someone in the organization has sent mail to it"),
    ("prevalence", "VARCHAR", "new, rare or common"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "email": EMAIL,
    "email_recipient": EMAIL_RECIPIENT,
    "rejects": REJECTS,
    "ingest_runs": INGEST_RUNS,
    "alerts": ALERTS,
    "baseline_sender": BASELINE_SENDER,
}

# Tables whose rows are events: they are deduplicated on `event.id`.
EVENT_TABLES = ("email", "email_recipient", "rejects")


def column_names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]
