"""Event kinds and their columns: the shared vocabulary of readers, store and detections.

Column names follow the Elastic Common Schema where ECS has a name (`email.from.address`,
`log.file.path`, ...); lurewatch's own results live under `lurewatch.`. Timestamps are UTC.
JSON columns hold JSON text, so every engine can read them.
"""

from __future__ import annotations

from lurewatch.schema_baselines import BASELINE_TABLES
from lurewatch.schema_column import Column, cols
from lurewatch.schema_network import DNS_QUERY, FLOW, HTTP_REQUEST, NET_ANOMALY, NET_APP

EMAIL = cols(
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

EMAIL_RECIPIENT = cols(
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

URL = cols(
    ("event.id", "VARCHAR", "hash of message id + position + URL as found"),
    ("email.event_id", "VARCHAR", "the message the link came from"),
    ("@timestamp", "TIMESTAMP", "the message's time"),
    ("log.file.path", "VARCHAR", "the message's file"),
    ("url.original", "VARCHAR", "as found (entities decoded), before unwrapping"),
    ("url.full", "VARCHAR", "normalized, after unwrapping rewriters"),
    ("url.scheme", "VARCHAR", ""),
    ("url.domain", "VARCHAR", "host name (ASCII/punycode) or IP literal"),
    ("url.registered_domain", "VARCHAR", "organizational domain (Public Suffix List)"),
    ("url.port", "INTEGER", ""),
    ("url.path", "VARCHAR", ""),
    ("url.query", "VARCHAR", ""),
    (
        "url.source",
        "VARCHAR",
        "where it was found: text, html:href, html:form, attachment:NAME, qr:NAME, ...",
    ),
    ("url.link_text", "VARCHAR", "visible text of the link, when it has one"),
    (
        "lurewatch.url.rewriter",
        "VARCHAR",
        "rewriting service unwrapped (safelinks, urldefense, ...)",
    ),
    ("lurewatch.url.shortened", "BOOLEAN", "host is a known shortener or redirector"),
    ("lurewatch.url.position", "INTEGER", "order of the link in the message"),
)

URL_EXPANSION = cols(
    ("url.full", "VARCHAR", "the shortened link expanded"),
    (
        "lurewatch.expansion.status",
        "VARCHAR",
        "expanded, not-expanded, refused, loop, too-many-hops, timeout, error",
    ),
    ("lurewatch.expansion.reason", "VARCHAR", "why, in words"),
    ("lurewatch.expansion.final", "VARCHAR", "last URL reached"),
    ("lurewatch.expansion.final_domain", "VARCHAR", "its registrable domain"),
    (
        "lurewatch.expansion.hops",
        "VARCHAR",
        "JSON: every hop with status, location and how it was found",
    ),
    (
        "lurewatch.expansion.fetched",
        "TIMESTAMP",
        "when; results are reused for url_expansion_ttl_hours",
    ),
)

PROCESS = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", "process start (UtcTime)"),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "record number (EVTX) or line number"),
    ("observer.product", "VARCHAR", "sysmon or sysmon-linux"),
    ("host.name", "VARCHAR", "Computer, lower case"),
    ("process.entity_id", "VARCHAR", "ProcessGuid, lower case without braces"),
    ("process.pid", "BIGINT", ""),
    ("process.executable", "VARCHAR", "Image, full path"),
    ("process.name", "VARCHAR", "file name of Image, lower case"),
    ("process.pe.original_file_name", "VARCHAR", "OriginalFileName"),
    ("process.command_line", "VARCHAR", ""),
    ("process.working_directory", "VARCHAR", "CurrentDirectory"),
    ("user.name", "VARCHAR", "User (DOMAIN\\name)"),
    ("process.integrity_level", "VARCHAR", "IntegrityLevel"),
    ("process.hash.sha256", "VARCHAR", ""),
    ("process.hashes", "VARCHAR", "Hashes as logged (MD5=...,SHA256=...)"),
    ("process.parent.entity_id", "VARCHAR", "ParentProcessGuid"),
    ("process.parent.pid", "BIGINT", ""),
    ("process.parent.executable", "VARCHAR", "ParentImage"),
    ("process.parent.command_line", "VARCHAR", "ParentCommandLine"),
)

PROC_NET = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", "UtcTime of the connection"),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "record number (EVTX) or line number"),
    ("observer.product", "VARCHAR", "sysmon or sysmon-linux"),
    ("host.name", "VARCHAR", "Computer, lower case"),
    ("process.entity_id", "VARCHAR", "ProcessGuid, lower case without braces"),
    ("process.pid", "BIGINT", ""),
    ("process.executable", "VARCHAR", "Image"),
    ("process.name", "VARCHAR", "file name of Image, lower case"),
    ("user.name", "VARCHAR", ""),
    ("network.transport", "VARCHAR", "tcp, udp"),
    ("network.initiated", "BOOLEAN", "Initiated: the process opened the connection"),
    ("source.ip", "VARCHAR", ""),
    ("source.port", "INTEGER", ""),
    ("source.domain", "VARCHAR", "SourceHostname"),
    ("destination.ip", "VARCHAR", ""),
    ("destination.port", "INTEGER", ""),
    ("destination.domain", "VARCHAR", "DestinationHostname"),
)

PROC_DNS = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", "UtcTime of the query"),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", ""),
    ("host.name", "VARCHAR", ""),
    ("process.entity_id", "VARCHAR", ""),
    ("process.pid", "BIGINT", ""),
    ("process.executable", "VARCHAR", ""),
    ("process.name", "VARCHAR", ""),
    ("dns.question.name", "VARCHAR", "QueryName, lower case"),
    ("dns.response_code", "VARCHAR", "QueryStatus"),
    ("dns.answers", "VARCHAR[]", "QueryResults split"),
)

CALL = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", "call start, UTC"),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "line number"),
    ("call.direction", "VARCHAR", "inbound, outbound, internal"),
    ("call.caller", "VARCHAR", "E.164, an internal extension, or a pseudonym"),
    ("call.callee", "VARCHAR", "E.164, an internal extension, or a pseudonym"),
    ("call.external", "VARCHAR", "the party outside the organization (E.164 or pseudonym)"),
    ("call.internal", "VARCHAR", "the employee side: extension, DID or user"),
    ("call.external.country", "VARCHAR", "ISO country of the external number"),
    ("call.external.type", "VARCHAR", "mobile, fixed, voip, toll_free, premium_rate, ..."),
    (
        "call.presented_internal",
        "BOOLEAN",
        "inbound from an external trunk showing an internal number",
    ),
    ("call.duration", "DOUBLE", "seconds"),
    ("call.answered", "BOOLEAN", ""),
    ("call.trunk", "VARCHAR", "trunk or gateway"),
    ("user.name", "VARCHAR", "device or user of the employee side"),
)

MESSAGE = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", ""),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", ""),
    ("chat.platform", "VARCHAR", "slack, teams, jsonl"),
    ("chat.channel", "VARCHAR", "channel or chat id/name"),
    ("chat.sender", "VARCHAR", "handle/id or pseudonym"),
    ("chat.sender.kind", "VARCHAR", "internal, external, guest, unknown"),
    ("message.text", "VARCHAR", "kept per privacy.message_text"),
    ("message.snippets", "VARCHAR[]", "the parts a classifier matched"),
    ("message.urls", "VARCHAR[]", "links in the message"),
    ("message.files", "INTEGER", "files attached"),
)

TRANSFER = cols(
    ("event.id", "VARCHAR", "hash of the record's content"),
    ("@timestamp", "TIMESTAMP", ""),
    ("log.file.path", "VARCHAR", ""),
    ("chat.platform", "VARCHAR", ""),
    ("chat.channel", "VARCHAR", ""),
    ("chat.sender", "VARCHAR", "who shared"),
    ("chat.sender.kind", "VARCHAR", ""),
    (
        "transfer.counterpart",
        "VARCHAR",
        "the other account (recipient, or channel's external member)",
    ),
    ("transfer.counterpart.kind", "VARCHAR", "internal, external, guest, unknown"),
    ("file.name", "VARCHAR", ""),
    ("file.size", "BIGINT", "bytes"),
    ("file.mime_type", "VARCHAR", ""),
)

REJECTS = cols(
    ("event.id", "VARCHAR", "hash of file + offset + reason"),
    ("ingest.run_id", "VARCHAR", ""),
    ("@timestamp", "TIMESTAMP", "when it was rejected"),
    ("event.kind", "VARCHAR", "the kind the record would have become"),
    ("log.file.path", "VARCHAR", ""),
    ("log.offset", "BIGINT", "byte offset or line number"),
    ("error.message", "VARCHAR", "why, in one line"),
)

INGEST_RUNS = cols(
    ("ingest.run_id", "VARCHAR", ""),
    ("ingest.started", "TIMESTAMP", ""),
    ("ingest.finished", "TIMESTAMP", ""),
    ("ingest.paths", "VARCHAR[]", ""),
    ("ingest.read", "VARCHAR", "JSON: records read per kind"),
    ("ingest.added", "VARCHAR", "JSON: rows added per table"),
    ("ingest.duplicates", "BIGINT", "records already in the store"),
    ("ingest.rejected", "BIGINT", ""),
    ("ingest.config", "VARCHAR", "the settings file used"),
    ("ingest.formats", "VARCHAR", "JSON: files read per sniffed format (zeek, pcap, mbox, ...)"),
)

ALERTS = cols(
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

URL_CLICK = cols(
    ("url.event_id", "VARCHAR", "the link (url.event.id)"),
    ("email.event_id", "VARCHAR", "the message that carried it"),
    ("url.domain", "VARCHAR", "the host reached"),
    ("@timestamp", "TIMESTAMP", "when the host was reached"),
    ("source.ip", "VARCHAR", "the host that reached it"),
    ("click.recipient", "VARCHAR", "the recipient whose host it is, when the mapping says so"),
    ("evidence.kind", "VARCHAR", "http_request or dns_query"),
    ("evidence.event_id", "VARCHAR", "the proxy or DNS record"),
    ("log.file.path", "VARCHAR", "the log it came from"),
)

INCIDENTS = cols(
    ("incident.id", "VARCHAR", "hash of the earliest alert's id: stable while the incident grows"),
    ("incident.title", "VARCHAR", "what happened, in words"),
    (
        "incident.score",
        "DOUBLE",
        "rises with severity, channels and the delivery-to-traffic sequence",
    ),
    ("incident.score_reasons", "VARCHAR[]", "how the score was reached"),
    ("incident.severity", "VARCHAR", "the most severe alert's severity"),
    ("incident.channels", "VARCHAR[]", "email, url, network, endpoint, voice, chat"),
    ("incident.stages", "VARCHAR[]", "delivery, click, process, traffic: the ones seen, in order"),
    ("incident.entities", "VARCHAR", "JSON object: entity type -> values, over all its alerts"),
    ("incident.linked_by", "VARCHAR", "JSON list of the entities that joined its alerts"),
    ("incident.alert_ids", "VARCHAR[]", "its alerts, oldest first"),
    ("incident.alert_count", "INTEGER", ""),
    ("incident.first_seen", "TIMESTAMP", "the earliest alert's time"),
    ("incident.last_seen", "TIMESTAMP", "the latest alert's time"),
    ("incident.state", "VARCHAR", "new, acknowledged, closed"),
    ("incident.state_reason", "VARCHAR", ""),
    ("incident.created", "TIMESTAMP", ""),
    ("incident.updated", "TIMESTAMP", "last time it was rebuilt or triaged"),
)

TABLES: dict[str, tuple[Column, ...]] = {
    "email": EMAIL,
    "email_recipient": EMAIL_RECIPIENT,
    "url": URL,
    "url_expansion": URL_EXPANSION,
    "http_request": HTTP_REQUEST,
    "dns_query": DNS_QUERY,
    "process": PROCESS,
    "proc_net": PROC_NET,
    "proc_dns": PROC_DNS,
    "call": CALL,
    "message": MESSAGE,
    "transfer": TRANSFER,
    "flow": FLOW,
    "net_anomaly": NET_ANOMALY,
    "net_app": NET_APP,
    "rejects": REJECTS,
    "ingest_runs": INGEST_RUNS,
    "alerts": ALERTS,
    "url_click": URL_CLICK,
    "incidents": INCIDENTS,
    **BASELINE_TABLES,
}

# Tables whose rows are events: they are deduplicated on `event.id`.
EVENT_TABLES = (
    "email",
    "email_recipient",
    "url",
    "http_request",
    "dns_query",
    "process",
    "proc_net",
    "proc_dns",
    "call",
    "message",
    "transfer",
    "flow",
    "net_anomaly",
    "net_app",
    "rejects",
)


def column_names(table: str) -> list[str]:
    return [c.name for c in TABLES[table]]
