"""S1: an account outside the organization asks, in chat, for credentials, an MFA code, a payment
or sensitive data.

Reads the evidence the intent classifier stored with each message (`message.snippets`), so it
fires the same whichever text-retention mode was in force: with the matched words when they
were kept, with the rules' reasons when only the rule names were.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit, Severity
from lurewatch.detections.chat_common import OUTSIDE
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_chat import chat_message
from lurewatch.enrich.intent import REQUEST_CATEGORIES, parse_snippet
from lurewatch.enrich.intent.rules import default_rules
from lurewatch.enrich.intent.verdict import MODEL

# Asks that hand over an account or money at once; with pressure they are high.
_TAKEOVER = ("credentials", "mfa", "payment")
_WORDS = {
    "credentials": "credentials",
    "mfa": "an MFA code",
    "payment": "a payment or gift cards",
    "sensitive": "sensitive data",
    "pressure": "pressure",
}
MAX_QUOTES = 3


def _quotes(items: list[tuple[str, str | None]], ctx: DetectionContext) -> str:
    """'"send me your password"' for kept text, else the rule's reason."""
    rules = default_rules(ctx.settings.chat.intent_rules_file)
    out: list[str] = []
    for rule, text in items[:MAX_QUOTES]:
        if text:
            out.append(f'"{text}"')
        else:
            found = rules.by_id(rule)
            out.append(found.why if found else rule)
    return "; ".join(out)


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    kind = row.get("chat.sender.kind")
    if kind not in OUTSIDE:
        return None
    found: dict[str, list[tuple[str, str | None]]] = {}
    model: tuple[str, str | None] | None = None
    for snippet in row.get("message.snippets") or []:
        category, rule, text = parse_snippet(snippet)
        if category == MODEL:
            model = (rule, text)
        else:
            found.setdefault(category, []).append((rule, text))
    asks = [c for c in REQUEST_CATEGORIES if c in found]
    who = f"{kind.capitalize()} account {row.get('chat.sender')} in {row.get('chat.channel')}"
    entities = {
        "account": row.get("chat.sender"),
        "account_kind": kind,
        "channel": row.get("chat.channel"),
        "platform": row.get("chat.platform"),
    }
    if not asks:
        if model is None:
            return None
        terms = f" (words weighing most: {model[1]})" if model[1] else ""
        return Hit(
            f"{who} sent a message the intent model scores {model[0]} as social engineering"
            f"{terms}; no rule names what it asks for, so read it before acting.",
            severity="low",
            entities={**entities, "categories": [], "model_score": model[0]},
        )
    pressure = "pressure" in found
    severity: Severity = "high" if pressure and any(c in _TAKEOVER for c in asks) else "medium"
    parts = [f"{_WORDS[c]} ({_quotes(found[c], ctx)})" for c in asks]
    message = f"{who} asks for " + ", ".join(parts)
    if pressure:
        message += f", with pressure ({_quotes(found['pressure'], ctx)})"
    if model is not None:
        message += f"; the intent model agrees ({model[0]})"
    return Hit(
        message + ".",
        severity=severity,
        entities={
            **entities,
            "categories": asks + (["pressure"] if pressure else []),
            "evidence": [t for c in found for _, t in found[c] if t][:10],
        },
    )


DETECTIONS = [
    EventDetection(
        id="chat_information_request",
        title="Outside chat account asks for credentials, codes, money or data",
        clause="S1",
        techniques=("T1598", "T1534", "T1656"),
        severity="medium",
        evidence_kinds=("message",),
        description="A chat or social message from an external, guest or unknown account asks "
        "for credentials (passwords, logins, 'verify your account'), an MFA code or approval, a "
        "payment (wire, new bank details, gift cards, crypto) or sensitive data (SSN, bank "
        "details, payroll, tax forms), per the transparent rules in data/intent_rules.toml. "
        "High when credentials, codes or payment are asked for under pressure (urgency, "
        "authority, secrecy, deadlines). With an intent model configured, a message only the "
        "model flags is reported at low severity.",
        false_positives="Partners' genuine requests for invoices to be paid or forms filled; "
        "guests asked by the organization to collect data. Read the quoted evidence; verify a "
        "request by a channel the requester did not choose (a known phone number).",
        playbook="Warn the recipient not to answer; verify the requester out of band; if "
        "credentials or a code were given, reset them and revoke sessions; block the account "
        "in the workspace; pivot on the account for other messages and file shares.",
        table="message",
        check=check,
        examples=(
            Example(
                "fake help desk wants password and code, now",
                True,
                partial(
                    chat_message,
                    "IT service desk here. Your mailbox will be disabled today. Send me your "
                    "password and the 6-digit code we just sent you.",
                ),
            ),
            Example(
                "gift cards for the 'CEO'",
                True,
                partial(
                    chat_message,
                    "Are you at your desk? I need you to buy 5 Apple gift cards for a client. "
                    "Keep this between us.",
                    sender="dana.whitfield@northwind-exec.example",
                ),
            ),
            Example(
                "guest wants W-2s",
                True,
                partial(chat_message, "Can you send me the W-2s for all employees?", kind="guest"),
            ),
            Example(
                "colleague asks the same",
                False,
                partial(
                    chat_message,
                    "Send me your password and the code",
                    sender="bob@corp.example",
                    kind="internal",
                ),
            ),
            Example(
                "partner's ordinary message",
                False,
                partial(
                    chat_message, "Shipment 4471 left the warehouse this morning, invoice attached."
                ),
            ),
            Example(
                "pressure without an ask",
                False,
                partial(chat_message, "Urgent: the deadline for the proposal is today."),
            ),
        ),
    )
]
