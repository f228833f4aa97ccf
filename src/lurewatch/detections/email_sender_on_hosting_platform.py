"""E1 header analysis: a sender address at a project of a free hosting platform.

Platforms such as Firebase (`<project>.firebaseapp.com`), Cloudflare Pages or Netlify give every
project a name under their own domain, and Firebase sends mail from it; Microsoft 365 gives
every tenant, free trials too, a name under onmicrosoft.com that sends mail. Anyone can
create such a project in minutes and borrow the platform's reputation, which phishing and
prize scams do; organizations write from domains of their own. The organization's own tenant
name counts as its own when it is listed in `organization.domains`.

The platforms are the page hosts of the bundled free-hosting list (`data/free_hosting.txt`)
that the Public Suffix List also marks as suffixes under which customers get names, plus any
the configuration adds (`urls.free_hosting`). Sites such as wix.com, which send their own
mail from that domain, are in the first list and not in the second, so their mail is left
alone.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lurewatch.detections.base import EventDetection, Example, Hit
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples import email_row
from lurewatch.enrich.urls.structure import free_hosting
from lurewatch.util.domains import in_domains, public_suffix

# Cloud services whose every tenant gets a sending name under the service's domain.
TENANT_SUFFIXES = frozenset({"onmicrosoft.com"})


@cache
def _platforms() -> frozenset[str]:
    return frozenset(
        suffix
        for suffix, kind in free_hosting().items()
        if kind == "page" and public_suffix("project." + suffix) == suffix
    )


def platform_of(domain: str, extra: tuple[str, ...] = ()) -> str | None:
    """The hosting platform suffix `domain` is a project name under, if any."""
    domain = domain.lower().rstrip(".")
    suffix = public_suffix(domain)
    if suffix and suffix != domain and suffix in _platforms():
        return suffix
    for s in (*TENANT_SUFFIXES, *extra):
        s = s.lower().strip(".")
        if domain.endswith("." + s):
            return s
    return None


def check(row: dict[str, Any], ctx: DetectionContext) -> Hit | None:
    domain = row.get("email.from.domain")
    if not domain or in_domains(domain, ctx.settings.organization.domains):
        return None
    platform = platform_of(domain, tuple(ctx.settings.urls.free_hosting))
    if platform is None:
        return None
    return Hit(
        f"The sender {row.get('email.from.address')} writes from {domain}, a project name on "
        f"{platform}, a hosting platform where anyone can create a project and send mail "
        "from it in minutes. Organizations send from domains of their own.",
        entities={"platform": platform},
    )


DETECTIONS = [
    EventDetection(
        id="email_sender_on_hosting_platform",
        title="Sender at a free hosting platform's project name",
        clause="E1",
        techniques=("T1566", "T1583.006"),
        severity="medium",
        evidence_kinds=("email",),
        description="The From domain is a name under a free hosting platform's domain "
        "(firebaseapp.com, web.app, netlify.app, ...) or a Microsoft 365 tenant name "
        "(onmicrosoft.com): a project anyone can create, not an organization's own domain.",
        false_positives="Sign-up and password-reset mail of small applications that keep "
        "Firebase's default sender; put the projects you trust under allowlist.senders.",
        playbook="Look at the links and the claim of the message (inspect email); pivot on "
        "the platform for other projects writing to your users; report the project to the "
        "platform's abuse desk.",
        table="email",
        check=check,
        examples=(
            Example(
                "a prize mail from a Firebase project",
                True,
                email_row(
                    from__address="noreply@prize-desk-4f2a1.firebaseapp.com",
                    subject="You have won",
                ),
            ),
            Example(
                "a trial tenant writing as a bank",
                True,
                email_row(from__address="alerts@x7qk2.onmicrosoft.com", from__name="Card Services"),
            ),
            Example(
                "a site builder's own mail",
                False,
                email_row(from__address="no-reply@wix.com", subject="Your site is live"),
            ),
            Example(
                "an organization's own domain",
                False,
                email_row(from__address="billing@vendor.example", subject="Invoice 42"),
            ),
        ),
    )
]
