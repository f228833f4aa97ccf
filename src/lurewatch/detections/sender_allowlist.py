"""The sender allowlist (`allowlist.senders`): senders whose mail the E1 and E2 analytics leave
alone, because the organization knows and trusts them (a payroll provider, a newsletter).

An entry is an address, or a domain covering its subdomains. The allowlist never hides a
message whose authentication failed: a forged From of a trusted sender is exactly what E1
must still report.
"""

from __future__ import annotations

from typing import Any

from lurewatch.config import Settings
from lurewatch.util.domains import in_domains

ALLOWLISTED_CLAUSES = frozenset({"E1", "E2"})


def sender_allowlisted(sender: str | None, settings: Settings) -> bool:
    """True when `sender` (an address, or a fan-out key that is a domain) is allowlisted."""
    allow = settings.allowlist.senders
    if not sender or not allow:
        return False
    sender = sender.lower()
    domain = sender.rsplit("@", 1)[-1]
    return sender in (a.lower() for a in allow) or in_domains(
        domain, [a for a in allow if "@" not in a]
    )


def trusted_message(row: dict[str, Any], settings: Settings) -> bool:
    """True for an `email` row from an allowlisted sender whose authentication did not fail."""
    return row.get("lurewatch.auth.composite") != "fail" and sender_allowlisted(
        row.get("email.from.address"), settings
    )
