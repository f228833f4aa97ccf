"""Where each kind of entity can appear in the store: the map `pivot` searches.

How a column is matched:
- exact:    equal, ignoring case
- domain:   the domain itself or any host under it (a pivot on a domain finds its subdomains)
- host:     the host name, or the host name with its domain added (ws-14 finds ws-14.corp.example)
- user:     the account, with or without its DOMAIN\\ prefix
- list:     a list column holding the value (ignoring case)
- list_has: a list column with an item containing the value (links in chat messages)
- contains: the text contains the value (command lines that name a site or a link)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Columns that describe an event in one line, per table (the first few present are shown).
SUMMARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "email": ("email.from.address", "email.to.address", "email.subject"),
    "url": ("url.full", "url.source"),
    "http_request": ("source.ip", "http.request.method", "url.full", "url.domain", "user.name"),
    "dns_query": ("source.ip", "dns.question.name", "dns.answers"),
    "process": ("host.name", "user.name", "process.command_line", "process.parent.executable"),
    "proc_net": (
        "host.name",
        "process.executable",
        "destination.ip",
        "destination.port",
        "destination.domain",
    ),
    "proc_dns": ("host.name", "process.name", "dns.question.name"),
    "call": ("call.direction", "call.caller", "call.callee", "call.duration"),
    "message": ("chat.channel", "chat.sender", "message.urls", "message.snippets"),
    "transfer": ("chat.sender", "transfer.counterpart", "file.name", "file.size"),
    "flow": (
        "source.ip",
        "destination.ip",
        "destination.port",
        "network.protocol",
        "destination.domain",
    ),
    "net_anomaly": ("source.ip", "destination.ip", "destination.port", "anomaly.name"),
    "net_app": ("event.dataset", "source.ip", "destination.ip", "destination.domain"),
    "url_click": ("source.ip", "url.domain", "click.recipient", "evidence.kind"),
}


def describe(table: str, row: dict[str, Any]) -> str:
    """One line about a stored record, from its table's summary columns."""
    parts = []
    for c in SUMMARY_COLUMNS.get(table, ()):
        v = row.get(c)
        if v in (None, "", []):
            continue
        text = ", ".join(map(str, v[:3])) if isinstance(v, list) else str(v)
        parts.append(f"{c}={text}")
    return "; ".join(parts)[:300]


# The id of a row: events have event.id; a click is known by the log record behind it.
ID_COLUMN = {"url_click": "evidence.event_id"}


@dataclass(frozen=True)
class Field:
    table: str
    column: str
    how: str


def _f(table: str, how: str, *columns: str) -> tuple[Field, ...]:
    return tuple(Field(table, c, how) for c in columns)


_IPS = (
    _f("http_request", "exact", "source.ip", "destination.ip")
    + _f("dns_query", "exact", "source.ip")
    + _f("dns_query", "list", "dns.answers")
    + _f("proc_net", "exact", "source.ip", "destination.ip")
    + _f("flow", "exact", "source.ip", "destination.ip")
    + _f("net_anomaly", "exact", "source.ip", "destination.ip")
    + _f("net_app", "exact", "source.ip", "destination.ip")
    + _f("url_click", "exact", "source.ip")
)

_HOSTS_BY_NAME = (
    _f("process", "host", "host.name")
    + _f("proc_net", "host", "host.name")
    + _f("proc_dns", "host", "host.name")
)

_DOMAINS = (
    _f("email", "domain", "email.from.domain")
    + _f("url", "domain", "url.domain")
    + _f("http_request", "domain", "url.domain")
    + _f("dns_query", "domain", "dns.question.name")
    + _f("proc_net", "domain", "destination.domain", "host.name")
    + _f("proc_dns", "domain", "dns.question.name", "host.name")
    + _f("process", "domain", "host.name")
    + _f("process", "contains", "process.command_line")
    + _f("flow", "domain", "destination.domain")
    + _f("net_app", "domain", "destination.domain")
    + _f("url_click", "domain", "url.domain")
    + _f("message", "list_has", "message.urls")
)

_USERS = (
    _f("process", "user", "user.name")
    + _f("proc_net", "user", "user.name")
    + _f("http_request", "user", "user.name")
    + _f("call", "user", "user.name")
)

_ACCOUNTS = (
    _f("message", "exact", "chat.sender")
    + _f("transfer", "exact", "chat.sender", "transfer.counterpart")
    + _f("call", "exact", "call.internal")
)

FIELDS: dict[str, tuple[Field, ...]] = {
    "email": (
        _f(
            "email",
            "exact",
            "email.from.address",
            "email.sender.address",
            "email.reply_to.address",
            "email.return_path",
        )
        + _f("email", "list", "email.to.address", "email.cc.address", "email.delivered_to")
        + _f("url_click", "exact", "click.recipient")
    ),
    "domain": _DOMAINS,
    "url": (
        _f("url", "exact", "url.full", "url.original")
        + _f("http_request", "exact", "url.full")
        + _f("message", "list", "message.urls")
        + _f("process", "contains", "process.command_line")
    ),
    "ip": _IPS,
    "host": _HOSTS_BY_NAME,
    "user": _USERS,
    "process": (
        _f("process", "exact", "process.name", "process.executable", "process.entity_id")
        + _f("proc_net", "exact", "process.name", "process.executable", "process.entity_id")
        + _f("proc_dns", "exact", "process.name", "process.executable", "process.entity_id")
    ),
    "phone": _f("call", "exact", "call.caller", "call.callee", "call.external"),
    "account": _ACCOUNTS,
    # A bare name could be a host, an account or an extension: look everywhere one can be.
    "name": _HOSTS_BY_NAME + _USERS + _ACCOUNTS,
}

KINDS = tuple(FIELDS)
