"""The baselines' tables: what each channel's history says is usual, recomputed from the event
tables by `lurewatch baseline` (baselines/). "New", "rare" and "first seen" are read here."""

from __future__ import annotations

from lurewatch.schema_column import Column, cols

BASELINE_SENDER = cols(
    ("sender.key", "VARCHAR", "an address, or a registrable domain"),
    ("sender.key_type", "VARCHAR", "address or domain"),
    ("first_seen", "TIMESTAMP", ""),
    ("last_seen", "TIMESTAMP", ""),
    ("messages", "BIGINT", ""),
    ("recipients", "BIGINT", "distinct internal recipients"),
    ("written_to", "BOOLEAN", "someone in the organization has sent mail to it"),
    ("prevalence", "VARCHAR", "new, rare or common"),
)

BASELINE_URL_DOMAIN = cols(
    ("url.registered_domain", "VARCHAR", ""),
    ("first_seen", "TIMESTAMP", "first message that linked to it"),
    ("last_seen", "TIMESTAMP", ""),
    ("messages", "BIGINT", ""),
    ("senders", "BIGINT", "distinct sender domains that linked to it"),
)

BASELINE_PROC_NET = cols(
    ("baseline.level", "VARCHAR", "host (one host's history) or org (every host together)"),
    ("host.name", "VARCHAR", "the host, on host rows; null on org rows"),
    ("process.identity", "VARCHAR", "normalized path, plus |original file name when renamed"),
    ("process.name", "VARCHAR", "image file name, lower case"),
    ("network.transport", "VARCHAR", "tcp, udp"),
    ("lurewatch.port_class", "VARCHAR", "service name of the port, tcp/<port> or ephemeral"),
    ("lurewatch.destination_scope", "VARCHAR", "loopback, internal or internet"),
    ("first_seen", "TIMESTAMP", "first connection initiated with this key"),
    ("last_seen", "TIMESTAMP", ""),
    ("connections", "BIGINT", ""),
    ("hosts", "BIGINT", "distinct hosts"),
    ("first_event_id", "VARCHAR", "the first connection (proc_net event.id)"),
)

# -- N3 flow baselines (baselines/flows.py): what each internal host usually reaches, over what,
# and how much it sends. Hosts are flow originators (source.ip) inside organization.internal_networks.

BASELINE_FLOW_DESTINATION = cols(
    ("baseline.level", "VARCHAR", "host (one host's history) or org (every host together)"),
    ("source.ip", "VARCHAR", "the internal host, on host rows; null on org rows"),
    ("destination.key_type", "VARCHAR", "domain (server name known) or ip"),
    ("destination.key", "VARCHAR", "the domain, lower case, or the address"),
    ("first_seen", "TIMESTAMP", "first flow to it"),
    ("last_seen", "TIMESTAMP", ""),
    ("connections", "BIGINT", ""),
    ("source.bytes", "BIGINT", "bytes sent to it"),
    ("hosts", "BIGINT", "distinct internal hosts that reached it (org-wide prevalence)"),
    ("first_event_id", "VARCHAR", "the first flow (flow event.id)"),
)

BASELINE_FLOW_SERVICE = cols(
    ("source.ip", "VARCHAR", "the internal host"),
    ("service.kind", "VARCHAR", "port (transport/port) or protocol (application protocol)"),
    ("service.key", "VARCHAR", "tcp/443, udp/dynamic, ... or tls, http, ssh, ..."),
    ("first_seen", "TIMESTAMP", ""),
    ("last_seen", "TIMESTAMP", ""),
    ("connections", "BIGINT", ""),
    ("destinations", "BIGINT", "distinct destination addresses"),
    ("first_event_id", "VARCHAR", "the first flow (flow event.id)"),
)

BASELINE_FLOW_VOLUME = cols(
    ("source.ip", "VARCHAR", "the internal host"),
    ("day", "TIMESTAMP", "UTC day"),
    ("source.bytes", "BIGINT", "bytes the host sent to internet destinations that day"),
    ("destination.bytes", "BIGINT", "bytes it received from them"),
    ("connections", "BIGINT", ""),
    ("destinations", "BIGINT", "distinct destination addresses"),
)


# -- V1 (baselines/calls.py): one row per outside number, country or number type.
BASELINE_CALL = cols(
    ("key", "VARCHAR", "outside number, ISO country, or number type"),
    ("key_type", "VARCHAR", "number, country or type"),
    ("first_seen", "TIMESTAMP", "first call involving it"),
    ("last_seen", "TIMESTAMP", ""),
    ("calls", "BIGINT", ""),
    ("inbound", "BIGINT", "calls from it"),
    ("outbound", "BIGINT", "calls the organization made to it"),
    ("first_outbound", "TIMESTAMP", "first call the organization made to it"),
)

# -- S1 (baselines/transfers.py): file sharing per sender, and the outside accounts.
BASELINE_CHAT_VOLUME = cols(
    ("chat.sender", "VARCHAR", "the account that shared"),
    ("first_seen", "TIMESTAMP", "first file shared"),
    ("last_seen", "TIMESTAMP", ""),
    ("days", "BIGINT", "days with at least one file shared"),
    ("files", "BIGINT", ""),
    ("bytes", "BIGINT", "bytes of files whose size is known"),
    ("daily_sum_sq", "DOUBLE", "sum over days of the day's bytes squared"),
    ("daily_max", "BIGINT", "bytes of the largest day"),
)

BASELINE_CHAT_ACCOUNT = cols(
    ("account", "VARCHAR", "an outside handle (or pseudonym)"),
    ("account.kind", "VARCHAR", "external, guest or unknown"),
    ("first_seen", "TIMESTAMP", "first message or file share"),
    ("messages", "BIGINT", "messages it sent"),
    ("first_share", "TIMESTAMP", "first file share it took part in"),
    ("shares", "BIGINT", "file-share rows it took part in"),
    ("messages_before_share", "BIGINT", "messages it sent before its first share"),
)

BASELINE_TABLES: dict[str, tuple[Column, ...]] = {
    "baseline_sender": BASELINE_SENDER,
    "baseline_url_domain": BASELINE_URL_DOMAIN,
    "baseline_proc_net": BASELINE_PROC_NET,
    "baseline_flow_destination": BASELINE_FLOW_DESTINATION,
    "baseline_flow_service": BASELINE_FLOW_SERVICE,
    "baseline_flow_volume": BASELINE_FLOW_VOLUME,
    "baseline_call": BASELINE_CALL,
    "baseline_chat_volume": BASELINE_CHAT_VOLUME,
    "baseline_chat_account": BASELINE_CHAT_ACCOUNT,
}
