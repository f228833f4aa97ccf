"""Who is inside: internal, guest, external or unknown, from an export's own fields and the config.

Each platform says it differently. Slack marks guests (`is_restricted`, `is_ultra_restricted`),
people of other organizations (`is_stranger`, a `team_id` of another workspace) and leaves out
of users.json people it never knew. Teams names an identity type (`userIdentityType`) and a
tenant. A generic export may state the kind, or give an e-mail-like handle whose domain tells.
What cannot be decided is "unknown", which the detections treat as outside: an attacker's
account is most often exactly the one nobody can place.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from lurewatch.config import Settings
from lurewatch.util.domains import in_domains

__all__ = [
    "KINDS",
    "OUTSIDE",
    "handle_kind",
    "home_slack_teams",
    "slack_kind",
    "teams_kind",
]

KINDS = ("internal", "external", "guest", "unknown")
# Kinds of account that are not plainly the organization's own.
OUTSIDE = frozenset({"external", "guest", "unknown"})

# Teams identity types of people outside the tenant by construction.
_TEAMS_EXTERNAL = frozenset(
    {
        "federateduser",
        "personalmicrosoftaccountuser",
        "skypeuser",
        "phoneuser",
        "emailuser",
        "azurecommunicationservicesuser",
    }
)
_TEAMS_DIRECTORY = frozenset({"aaduser", "onpremiseaaduser"})


def internal_domains(settings: Settings) -> list[str]:
    return list(settings.organization.domains) + list(settings.chat.internal_domains)


def handle_kind(handle: str, settings: Settings, stated: str | None = None) -> str:
    """The kind of a generic handle: as stated when valid, else by its e-mail domain."""
    if stated and stated.lower() in KINDS:
        return stated.lower()
    if "@" in handle:
        domain = handle.rsplit("@", 1)[1].lower()
        return "internal" if in_domains(domain, internal_domains(settings)) else "external"
    return "unknown"


def home_slack_teams(users: Iterable[Mapping[str, Any]], settings: Settings) -> frozenset[str]:
    """The organization's Slack workspaces: configured, else the team of most full members."""
    if settings.chat.slack_team_ids:
        return frozenset(settings.chat.slack_team_ids)
    teams: Counter[str] = Counter()
    for u in users:
        if u.get("is_restricted") or u.get("is_ultra_restricted") or u.get("is_stranger"):
            continue
        if u.get("is_bot") or u.get("id") == "USLACKBOT":
            continue
        team = u.get("team_id")
        if isinstance(team, str) and team:
            teams[team] += 1
    return frozenset([teams.most_common(1)[0][0]]) if teams else frozenset()


def slack_kind(user: Mapping[str, Any], home: frozenset[str], settings: Settings) -> str:
    """A users.json entry's kind. Guests of the workspace are "guest"; Slack Connect members
    of other organizations are "external"."""
    if user.get("is_stranger"):
        return "external"
    team = user.get("team_id")
    if home and isinstance(team, str) and team and team not in home:
        return "external"
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return "guest"
    if home or user.get("is_bot"):
        return "internal"
    # Without a known home workspace only the e-mail domain can tell.
    email = (user.get("profile") or {}).get("email")
    return handle_kind(email, settings) if isinstance(email, str) and "@" in email else "unknown"


def teams_kind(identity: Mapping[str, Any], settings: Settings) -> str:
    """A Microsoft Graph `teamworkUserIdentity`'s kind."""
    itype = str(identity.get("userIdentityType") or "").lower()
    if itype == "anonymousguest":
        return "guest"
    if itype in _TEAMS_EXTERNAL:
        return "external"
    tenant = identity.get("tenantId")
    tenants = settings.chat.teams_tenant_ids
    if itype in _TEAMS_DIRECTORY or not itype:
        if not tenants or not isinstance(tenant, str) or not tenant:
            return "unknown"
        return "internal" if tenant.lower() in {t.lower() for t in tenants} else "external"
    return "unknown"
