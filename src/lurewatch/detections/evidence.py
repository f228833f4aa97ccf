"""Evidence and entity shapes shared by detections: links back to the original source."""

from __future__ import annotations

from typing import Any


def source_of(row: dict[str, Any]) -> str:
    path = row.get("log.file.path") or ""
    offset = row.get("log.offset")
    return f"{path}@{offset}" if offset is not None else path


def email_evidence(row: dict[str, Any]) -> dict[str, Any]:
    return {"event_id": row["event.id"], "kind": "email", "source": source_of(row)}


def email_recipients(row: dict[str, Any]) -> list[str]:
    seen: dict[str, None] = {}
    for col in ("email.delivered_to", "email.to.address", "email.cc.address"):
        for a in row.get(col) or []:
            seen.setdefault(a, None)
    return list(seen)


def email_entities(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "sender": row.get("email.from.address"),
        "sender_domain": row.get("email.from.registered_domain"),
        "recipients": email_recipients(row),
        "subject": row.get("email.subject"),
        "message_id": row.get("email.message_id"),
    }
