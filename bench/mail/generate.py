#!/usr/bin/env python3
"""Realistic mail at scale for the benchmark, built on the demo's MailWorld.

Every message is a real message as it sits in a mailbox of the organization: DKIM-signed where
its domain signs, received by the organization's relay from the sender's (or a forger's) address,
so ingesting it exercises the real SPF, DKIM and DMARC checks against the DNS zone written beside
it (`zone.json`). The mix: business partners, SaaS notifications, newsletters, mailing lists,
unsigned small businesses, free-mail, the organization's own mail, forwarded mail, forged senders
and lookalike-domain phishing, with multipart text+HTML bodies, 2-15 links, attachments of
realistic types and sizes, and list headers.

The output is deterministic for a seed: the DKIM key, the Message-IDs and the signature
timestamps are derived from it, and each message from its own index, so two runs write the same
bytes whatever the number of jobs.

    python bench/mail/generate.py --count 100000 --out bench/out/mail-100k --format mbox
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import json
import math
import multiprocessing as mp
import os
import random
import re
import struct
import sys
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from lurewatch.demo import mailworld
from lurewatch.demo.mailworld import Domain, MailWorld

GENERATOR_VERSION = 1
MBOX_PER_FILE = 5000  # messages per mbox shard: shards are the unit of parallel generation
EML_PER_DIR = 1000
START = dt.datetime(2024, 11, 1)
SPAN_DAYS = 365

# --------------------------------------------------------------------------------------------
# A DKIM key derived from the seed. MailWorld makes a fresh random key per process, which would
# make the output differ between runs and, with several generating processes, between shards.


def _probable_prime(n: int, rng: random.Random, rounds: int = 40) -> bool:
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p**0.5) + 1))]


def seeded_rsa_key(seed: int, bits: int = 2048) -> tuple[bytes, str]:
    """A private key (PEM) and its DKIM key record value, the same for the same seed."""
    rng = random.Random(f"dkim-key:{seed}")
    e = 65537

    def prime(nbits: int) -> int:
        while True:
            # The two top bits set make the product exactly `bits` long.
            c = rng.getrandbits(nbits) | (3 << (nbits - 2)) | 1
            if c % e == 1 or any(c % p == 0 for p in _SMALL_PRIMES):
                continue
            if _probable_prime(c, rng):
                return c

    p = prime(bits // 2)
    q = prime(bits // 2)
    while q == p:
        q = prime(bits // 2)
    d = pow(e, -1, (p - 1) * (q - 1))
    key = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, p * q)
    ).private_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


class BenchWorld(MailWorld):
    """MailWorld with the seeded key instead of a random one (same records, same signing)."""

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.private_key, self.public_record = seeded_rsa_key(self.seed)
        self.add_domain(Domain(self.org_domain, "198.18.0.10", dmarc="v=DMARC1; p=reject"))


class _Clock:
    """Stands in for the `time` module inside dkimpy so that t= is the message's own send time."""

    now = 0.0

    def time(self) -> float:
        return self.now


_CLOCK = _Clock()


def _patch_libraries(private_pem: bytes) -> None:
    # MailWorld's Message-ID comes from email.utils.make_msgid (wall clock, pid, global random)
    # and dkimpy stamps t= with the wall clock; both are pinned to the message being built.
    mailworld.make_msgid = _msgid  # type: ignore[attr-defined]
    dkim.time = _CLOCK  # type: ignore[attr-defined]
    # dkimpy signs with pure-Python modular exponentiation (about 12 ms a message, half of the
    # generation time); OpenSSL makes the same PKCS#1 v1.5 signature, which is deterministic.
    key = serialization.load_pem_private_key(private_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    modulus = key.public_key().public_numbers().n

    def sign(digest: Any, pk: dict[str, int]) -> bytes:
        if pk["modulus"] != modulus or digest.name not in _HASHES:
            return _DKIM_SIGN(digest, pk)
        return key.sign(digest.digest(), padding.PKCS1v15(), Prehashed(_HASHES[digest.name]))

    dkim.RSASSA_PKCS1_v1_5_sign = sign  # type: ignore[attr-defined]


_DKIM_SIGN = dkim.RSASSA_PKCS1_v1_5_sign
_HASHES: dict[str, hashes.HashAlgorithm] = {"sha256": hashes.SHA256(), "sha1": hashes.SHA1()}


_MSGID_STATE: dict[str, Any] = {"rng": random.Random(0), "when": START}


def _msgid(idstring: str | None = None, domain: str | None = None) -> str:
    rng: random.Random = _MSGID_STATE["rng"]
    when: dt.datetime = _MSGID_STATE["when"]
    style = rng.randrange(3)
    if style == 0:  # Outlook-like
        local = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(24))
        return f"<{local}@{domain}>"
    if style == 1:  # ESP-like: time-based
        return f"<{int(when.timestamp() * 1000)}.{rng.getrandbits(40):x}.{idstring}@{domain}>"
    return f"<{rng.getrandbits(128):032x}@{domain}>"


# --------------------------------------------------------------------------------------------
# Who sends: the domains of the world and their people.


def _words(text: str) -> list[str]:
    return text.split()


FIRST = _words(
    "alex blake casey dana eli frankie gale harper indy jordan kai logan morgan noel oakley "
    "parker quinn reese sage taylor amira bruno chen diego emma fatima georg hana ivan jana "
    "kenji lena mateo nadia omar priya rafael sofia tomas uma viktor wei yara zoe jürgen "
    "renée søren zoë andrés chloé"
)
LAST = _words(
    "ng ortiz patel quist rossi schmidt tanaka ueda varga weber nakamura oconnor petrov "
    "kowalski dubois fischer garcia haddad ivanova jensen kim larsen moreau novak okafor "
    "pereira rahman silva torres urban vogel wagner yilmaz zimmermann brown clarke davies "
    "evans foster gupta hughes iqbal jones khan lopez müller nguyen owens park reyes"
)
CITIES = _words(
    "Berlin Lisbon Austin Toronto Singapore Nairobi Lyon Osaka Warsaw Denver Manchester "
    "Bogotá Sydney Helsinki"
)
PARTNERS = _words(
    "acme-supplies globex-logistics initech-legal umbrella-insurance hooli-cloud "
    "vandelay-import stark-industrial wayne-facilities wonka-catering cyberdyne-systems "
    "soylent-foods tyrell-robotics oscorp-labs massive-dynamic aperture-science "
    "bluesun-energy gringotts-bank monarch-travel piedpiper-data dunder-paper "
    "kruger-consulting nakatomi-trading sterling-ads bluth-construction"
)
SAAS = [
    ("notify.cloudcrm", "CloudCRM"),
    ("alerts.payrollhub", "PayrollHub"),
    ("noreply.ticketdesk", "TicketDesk"),
    ("calendar.meetly", "Meetly"),
    ("git.codeforge", "CodeForge"),
    ("billing.paystream", "PayStream"),
    ("share.docuvault", "DocuVault"),
    ("expense.spendwise", "Spendwise"),
]
NEWSLETTERS = [
    ("news.officemart", "OfficeMart"),
    ("email.travelnest", "TravelNest"),
    ("mail.techdaily", "Tech Daily"),
    ("news.bizinsider-weekly", "BizInsider Weekly"),
    ("promo.gearshop", "GearShop"),
    ("updates.learnhub", "LearnHub"),
]
LISTS = [
    ("lists.opensource-hub", ["dev", "users", "announce"]),
    ("lists.industry-forum", ["logistics", "procurement"]),
    ("groups.userclub", ["general", "meetups"]),
]
UNSIGNED = _words("corner-bakery smith-plumbing village-dental riverside-school oldtown-hardware")
FREEMAIL = [
    ("gmail.com", "v=DMARC1; p=none"),
    ("outlook.com", "v=DMARC1; p=none"),
    ("yahoo.com", "v=DMARC1; p=reject"),
]
LOOKALIKES = [
    ("northwlnd.example", "Northwind IT Service Desk"),
    ("micros0ft-account.example", "Microsoft 365"),
    ("acme-suppiies.example", "Acme Supplies Accounts"),
    ("docu-sign-secure.example", "DocuSign"),
]
FORWARDER = "alumni-forward.example"
ESP_HOST = "mailhost-esp.example"  # the e-mail service provider the newsletters send through
SPF_INCLUDE = "spf.mailprotect.example"  # a hosted mail filter some partners include in SPF
SHORTENERS = [("bit.ly", 7), ("t.co", 10), ("tinyurl.com", 8), ("lnkd.in", 8), ("ow.ly", 6)]


@dataclass
class Sender:
    domain: str
    kind: str
    people: list[tuple[str, str]] = field(default_factory=list)  # (display name, local part)
    brand: str = ""
    bounce: str | None = None  # envelope domain when it differs from the From domain
    lists: list[str] = field(default_factory=list)


def _person(rng: random.Random) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    # Addresses are ASCII even where names are not, as at nearly every provider.
    return f"{first.capitalize()} {last.capitalize()}", _ascii(f"{first}.{last}")


def _ascii(s: str) -> str:
    table = str.maketrans(
        {
            "ü": "ue",
            "ö": "oe",
            "ä": "ae",
            "é": "e",
            "è": "e",
            "ø": "o",
            "ë": "e",
            "á": "a",
            "í": "i",
        }
    )
    return s.translate(table).encode("ascii", "ignore").decode()


@dataclass
class Catalogue:
    world: BenchWorld
    senders: dict[str, list[Sender]]
    employees: list[tuple[str, str]]  # (display name, address)
    executives: list[tuple[str, str]]


def build_world(seed: int, employees: int = 2500) -> Catalogue:
    """The world's domains and records, and the people who send and receive. Deterministic."""
    world = BenchWorld(seed=seed)
    rng = random.Random(f"world:{seed}")
    z = world.resolver
    z.add(SPF_INCLUDE, "TXT", "v=spf1 ip4:40.92.0.0/15 ip4:52.100.0.0/14 -all")
    z.add(f"_spf.{ESP_HOST}", "TXT", "v=spf1 ip4:167.89.0.0/17 ip4:198.37.144.0/20 ~all")
    senders: dict[str, list[Sender]] = {
        k: []
        for k in ("partner", "saas", "newsletter", "list", "unsigned", "freemail", "lookalike")
    }

    def people(n: int) -> list[tuple[str, str]]:
        return sorted({_person(rng) for _ in range(n)})

    policies = (
        ["v=DMARC1; p=reject; rua=mailto:dmarc@{d}"] * 10
        + ["v=DMARC1; p=quarantine; pct=100"] * 6
        + ["v=DMARC1; p=none; rua=mailto:dmarc-reports@{d}"] * 5
        + [None] * 3
    )
    for i, name in enumerate(PARTNERS):
        d = f"{name}.example"
        ip = world.public_ip()
        policy = policies[i % len(policies)]
        spf = f"v=spf1 ip4:{ip} include:{SPF_INCLUDE} -all" if i % 4 == 0 else None
        world.add_domain(
            Domain(
                d,
                ip,
                dmarc=policy.format(d=d) if policy else None,
                spf=spf,
                selector=rng.choice(["s1", "selector1", "google", "k1"]),
            )
        )
        senders["partner"].append(
            Sender(d, "partner", people(rng.randint(6, 25)), brand=name.replace("-", " ").title())
        )
    for sub, brand in SAAS:
        d = f"{sub}.example"
        world.add_domain(Domain(d, world.public_ip(), dmarc="v=DMARC1; p=reject"))
        senders["saas"].append(
            Sender(d, "saas", [(brand, "noreply"), (brand, "notifications")], brand=brand)
        )
    for sub, brand in NEWSLETTERS:
        d = f"{sub}.example"
        org = d.split(".", 1)[1]
        bounce = f"bounce.{org}"
        ip = world.public_ip()
        # The From domain has no DMARC record of its own: discovery falls back to the
        # organizational domain, and SPF passes for the ESP's bounce domain (relaxed alignment).
        world.add_domain(Domain(d, ip, dmarc=None))
        world.add_domain(
            Domain(
                bounce,
                ip,
                dmarc=None,
                signs=False,
                spf=f"v=spf1 ip4:{ip} include:_spf.{ESP_HOST} ~all",
            )
        )
        z.add(f"_dmarc.{org}", "TXT", "v=DMARC1; p=quarantine; adkim=r; aspf=r")
        senders["newsletter"].append(
            Sender(d, "newsletter", [(brand, "news"), (brand, "hello")], brand=brand, bounce=bounce)
        )
    for sub, names in LISTS:
        d = f"{sub}.example"
        world.add_domain(Domain(d, world.public_ip(), dmarc="v=DMARC1; p=none"))
        senders["list"].append(Sender(d, "list", people(40), lists=names))
    for name in UNSIGNED:
        d = f"{name}.example"
        world.add_domain(
            Domain(d, world.public_ip(), signs=False, dmarc=rng.choice([None, "v=DMARC1; p=none"]))
        )
        senders["unsigned"].append(
            Sender(d, "unsigned", people(3), brand=name.replace("-", " ").title())
        )
    for d, policy in FREEMAIL:
        world.add_domain(Domain(d, world.public_ip(), dmarc=policy))
        senders["freemail"].append(Sender(d, "freemail", people(60)))
    for d, brand in LOOKALIKES:
        world.add_domain(Domain(d, world.public_ip(), dmarc=None))
        senders["lookalike"].append(
            Sender(
                d,
                "lookalike",
                [(brand, "support"), (brand, "no-reply"), (brand, "security")],
                brand=brand,
            )
        )
    world.add_domain(Domain(FORWARDER, world.public_ip(), dmarc="v=DMARC1; p=none"))
    staff: set[tuple[str, str]] = set()
    while len(staff) < employees:
        display, local = _person(rng)
        if rng.random() < 0.05:
            local += str(rng.randint(2, 9))
        staff.add((display, f"{local}@{world.org_domain}"))
    staff_list = sorted(staff)
    executives = staff_list[:: max(1, len(staff_list) // 12)][:12]
    return Catalogue(world, senders, staff_list, executives)


# --------------------------------------------------------------------------------------------
# What they write.

PROJECTS = _words(
    "Atlas Borealis Cobalt Delta Everest Falcon Granite Horizon Ion Juniper Keystone "
    "Lighthouse Meridian Nimbus Orion Pioneer"
)
PRODUCTS = [
    "pallet racks",
    "thermal labels",
    "fibre switches",
    "ergonomic chairs",
    "toner",
    "server rails",
    "safety gloves",
    "conference kits",
    "LED panels",
    "cold-chain boxes",
]
MONTHS = _words(
    "January February March April May June July August September October November December"
)
WEEKDAYS = _words("Monday Tuesday Wednesday Thursday Friday")
TOPICS = [
    "supply chain resilience",
    "cloud cost control",
    "quarterly planning",
    "hybrid work policies",
    "data retention",
    "vendor onboarding",
    "carbon reporting",
    "zero trust rollout",
    "warehouse automation",
    "customer retention",
]
DOCS = [
    "Q3 forecast.xlsx",
    "Board deck v4.pptx",
    "Master services agreement.docx",
    "Onboarding checklist",
    "Price list 2025.pdf",
    "Site survey photos",
    "Roadmap draft",
]

SUBJECTS: dict[str, list[str]] = {
    "partner": [
        "Invoice {inv} for {month}",
        "Re: Purchase order {po}",
        "Delivery schedule week {week}",
        "Contract draft v{v} – {project}",
        "Meeting notes: {project} kickoff",
        "Updated quote for {product}",
        "Re: Re: {project} timeline",
        "Fwd: Shipping confirmation {ref}",
        "Question about order {po}",
        "Signed NDA",
        "Monthly report {month}",
        "Payment reminder: invoice {inv}",
        "Agenda for {weekday}'s call",
        "{project}: revised specifications",
        "Re: {product} availability",
        "Credit note {inv}",
        "Site visit on {weekday}",
    ],
    "saas": [
        "[{brand}] New sign-in from {city}",
        "Your {brand} invoice {inv} is available",
        "{name} shared “{doc}” with you",
        "Reminder: {project} sync at {hour}:00",
        "[{brand}] Pull request #{n}: fix {product} import",
        "Your password expires in {n} days",
        "Expense report {ref} was approved",
        "New ticket #{n}: {product} not delivered",
        "Weekly activity summary",
        "Action needed: approve {n} timesheets",
    ],
    "newsletter": [
        "{brand} Weekly: {topic}",
        "{pct}% off {product} this weekend",
        "Your {month} digest from {brand}",
        "Webinar: {topic} in practice",
        "Last chance: free shipping ends tonight",
        "Top stories in {topic}",
        "New course: {topic} for teams",
        "{brand} product update – {month}",
    ],
    "list": [
        "[{list}] {topic}",
        "Re: [{list}] {topic}",
        "[{list}] Meetup in {city} on {weekday}",
        "Re: [{list}] Release {v}.{n} candidate",
        "[{list}] Proposal: {topic} working group",
    ],
    "unsigned": [
        "Your appointment on {weekday}",
        "Quote for repairs",
        "Invoice {inv}",
        "School newsletter – {month}",
        "Order ready for pickup",
    ],
    "freemail": [
        "Hi",
        "Quick question",
        "Re: lunch {weekday}?",
        "Photos from the event",
        "CV for the {project} role",
        "Following up",
        "Re: Re: introduction",
    ],
    "outbound": [
        "Re: Invoice {inv} for {month}",
        "RE: Purchase order {po}",
        "Proposal for {project}",
        "Re: Delivery schedule week {week}",
        "Signed contract attached",
        "Follow-up from today",
    ],
    "internal": [
        "{project} status",
        "Re: {project} status",
        "Team offsite in {city}",
        "Reminder: timesheets due {weekday}",
        "Draft budget {month}",
        "Lunch & learn: {topic}",
        "FW: {doc}",
        "Out of office {weekday}",
        "IT maintenance window {weekday} night",
    ],
    "phish": [
        "Action required: verify your account",
        "Your mailbox is almost full",
        "Payment failed – update billing details",
        "{name} shared “{doc}” with you",
        "Urgent: wire transfer request",
        "Voicemail from +1 (555) 01{n}",
        "Unusual sign-in activity",
        "Invoice {inv} overdue – final notice",
        "Password expires today",
    ],
}

SENTENCES: dict[str, list[str]] = {
    "business": [
        "Please find attached the documents we discussed on {weekday}.",
        "Could you confirm the delivery address for purchase order {po}?",
        "We have updated the pricing for {product} as agreed in the last review.",
        "The {project} timeline moves by one week because of a customs delay.",
        "Let me know if the proposed slot on {weekday} at {hour}:00 works for your team.",
        "Our accounts team will process invoice {inv} within the usual 30 days.",
        "I have copied my colleague who handles the logistics side.",
        "The revised specifications include the changes from your comments.",
        "We expect the shipment to arrive in {city} by the end of the month.",
        "Thanks again for the quick turnaround on the last order.",
        "Attached is the signed version; please countersign and return a copy.",
        "There is a small discrepancy in line {n} of the delivery note.",
        "As discussed, we will hold the current rates until {month}.",
        "Could you share an updated forecast for the next quarter?",
        "The quality report for batch {ref} is now available.",
        "We would like to schedule a short call to align on the next steps.",
    ],
    "notice": [
        "This is an automated message, please do not reply.",
        "You can review the details in your dashboard at any time.",
        "If this wasn't you, reset your password and contact your administrator.",
        "Your report {ref} has been processed and is ready to download.",
        "You are receiving this because you are a member of the {project} workspace.",
        "The change was made by {name} on {weekday}.",
        "Manage your notification settings in your account preferences.",
    ],
    "marketing": [
        "Discover what's new this season across our whole range.",
        "Our experts share five practical tips on {topic}.",
        "Members save an extra {pct}% on selected items until Sunday.",
        "Join thousands of professionals who already use our platform every day.",
        "Read the full story on our blog and tell us what you think.",
        "Register now: places are limited and filling up fast.",
        "This month we look at how leading teams approach {topic}.",
        "Free delivery on all orders over 50 EUR.",
    ],
    "casual": [
        "Hope you are doing well.",
        "Are you free for a coffee next week?",
        "I just wanted to follow up on my last message.",
        "Sorry for the late reply!",
        "Here are the photos I promised.",
        "Let me know what you think.",
        "It was great catching up in {city}.",
    ],
    "phish": [
        "We detected unusual activity on your account and temporarily limited access.",
        "To avoid interruption of service, verify your details within 24 hours.",
        "Your mailbox has exceeded its storage limit and new messages will be rejected.",
        "A payment to your account could not be completed.",
        "Please review the secure document shared with you before it expires.",
        "I need you to handle a confidential payment today. Reply to me directly.",
        "Failure to confirm will result in permanent suspension of your account.",
    ],
}

DISCLAIMER = (
    "This e-mail and any attachments are confidential and may be privileged. If you are "
    "not the intended recipient, please notify the sender immediately and delete it. Any "
    "unauthorised copying, disclosure or distribution of the material is forbidden."
)
MAILERS = [
    "Microsoft Outlook 16.0",
    "Apple Mail (2.3774.500.171.1.1)",
    "Mozilla Thunderbird 115.12.2",
    "Microsoft Outlook 16.0 for Mac",
]


def _fill(template: str, rng: random.Random, **extra: str) -> str:
    values = {
        "inv": f"INV-{rng.randint(2024000, 2025999)}",
        "po": f"PO-{rng.randint(10000, 99999)}",
        "month": rng.choice(MONTHS),
        "week": str(rng.randint(1, 52)),
        "v": str(rng.randint(1, 9)),
        "project": rng.choice(PROJECTS),
        "product": rng.choice(PRODUCTS),
        "ref": f"{rng.choice('ABCDEFGH')}{rng.randint(100000, 999999)}",
        "weekday": rng.choice(WEEKDAYS),
        "city": rng.choice(CITIES),
        "hour": str(rng.randint(8, 17)),
        "n": str(rng.randint(2, 99)),
        "pct": str(rng.choice([10, 15, 20, 25, 30, 40, 50])),
        "topic": rng.choice(TOPICS),
        "doc": rng.choice(DOCS),
        "name": f"{rng.choice(FIRST).capitalize()} {rng.choice(LAST).capitalize()}",
        "brand": "",
        "list": "",
    }
    values.update(extra)
    return template.format(**values)


def _paragraphs(rng: random.Random, pool: str, n: tuple[int, int], **extra: str) -> list[str]:
    out = []
    for _ in range(rng.randint(*n)):
        k = rng.randint(2, 5)
        out.append(" ".join(_fill(s, rng, **extra) for s in rng.sample(SENTENCES[pool], k)))
    return out


# --------------------------------------------------------------------------------------------
# Links: the sender's own site with tracking parameters, ESP click-tracking redirects, URL
# shorteners, document shares, unsubscribe links; phishing adds raw IPs and lookalike hosts.


def _token(rng: random.Random, n: int, alphabet: str = "") -> str:
    alphabet = alphabet or "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(alphabet) for _ in range(n))


def _link(rng: random.Random, site: str, kind: str) -> str:
    roll = rng.random()
    words = "-".join(
        rng.sample(
            [
                "spring",
                "sale",
                "report",
                "guide",
                "news",
                "event",
                "update",
                "product",
                "team",
                "pricing",
                "tips",
                "case-study",
            ],
            2,
        )
    )
    if kind == "phish":
        return rng.choice(
            [
                f"http://{rng.randint(31, 217)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}/owa/login.php?u={_token(rng, 12)}",
                f"https://{site}/secure/verify?session={_token(rng, 32)}",
                f"https://storage.cloudfiles.example/o/{_token(rng, 16, '0123456789abcdef')}/index.html#{_token(rng, 10)}",
                f"https://{rng.choice(SHORTENERS)[0]}/{_token(rng, 7)}",
            ]
        )
    if roll < 0.12:
        host, n = rng.choice(SHORTENERS)
        return f"https://{host}/{_token(rng, n)}"
    if kind in ("newsletter", "saas") and roll < 0.55:
        upn = base64.urlsafe_b64encode(rng.randbytes(rng.randint(60, 150))).decode().rstrip("=")
        return f"https://click.{ESP_HOST}/ls/click?upn={upn}"
    if roll < 0.75:
        return (
            f"https://www.{site}/{words}/{rng.randint(100, 99999)}?utm_source={kind}"
            f"&utm_medium=email&utm_campaign={rng.choice(MONTHS).lower()}_{rng.randint(1, 40)}"
            f"&utm_content={_token(rng, 6)}"
        )
    if roll < 0.88:
        return f"https://docs.{site}/d/{_token(rng, 44)}/view?usp=sharing"
    return f"https://{site}/{words}"


# --------------------------------------------------------------------------------------------
# Attachments with the right magic bytes and structure, of realistic sizes (log-uniform 5-500 KB).


def _size(rng: random.Random, lo: int = 5_000, hi: int = 500_000) -> int:
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _pdf(rng: random.Random, size: int) -> bytes:
    head = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n"
    )
    body = rng.randbytes(max(0, size - 400))
    stream = b"4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body
    return head + stream + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _zip(files: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 9, 0, 0))
            # Already-random payloads do not compress; text parts do, like real Office files.
            info.compress_type = (
                zipfile.ZIP_DEFLATED if name.endswith(".xml") else zipfile.ZIP_STORED
            )
            zf.writestr(info, data)
    return buf.getvalue()


def _office(rng: random.Random, size: int, kind: str) -> bytes:
    main = "word/document.xml" if kind == "docx" else "xl/worksheets/sheet1.xml"
    text = " ".join(_fill(s, rng) for s in rng.sample(SENTENCES["business"], 6))
    return _zip(
        [
            (
                "[Content_Types].xml",
                b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
            ),
            ("_rels/.rels", b'<?xml version="1.0" encoding="UTF-8"?><Relationships/>'),
            (
                main,
                f'<?xml version="1.0"?><document><body><p>{text}</p></body></document>'.encode(),
            ),
            ("media/image1.png", _png(rng, max(1000, size - 2000))),
        ]
    )


def _png(rng: random.Random, size: int) -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    ihdr = struct.pack(">IIBBBBB", rng.randint(200, 1600), rng.randint(200, 1200), 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", rng.randbytes(size))
        + chunk(b"IEND", b"")
    )


def _jpeg(rng: random.Random, size: int) -> bytes:
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00H\x00H\x00\x00"
        + rng.randbytes(size)
        + b"\xff\xd9"
    )


def _html_page(rng: random.Random, phish: bool) -> bytes:
    if phish:
        action = f"https://collect-{_token(rng, 6).lower()}.example/p.php"
        form = (
            f'<form method="post" action="{action}"><input name="email"><input type="password" '
            f'name="password"><button>Sign in</button></form>'
        )
        return (
            f"<!DOCTYPE html><html><head><title>Secure Document</title></head><body>"
            f"<h2>Sign in to view the document</h2>{form}"
            f"<script>var t='{_token(rng, rng.randint(2000, 12000))}';</script></body></html>"
        ).encode()
    rows = "".join(
        f"<tr><td>{rng.choice(PRODUCTS)}</td><td>{rng.randint(1, 40)}</td>"
        f"<td>{rng.randint(5, 900)}.00</td></tr>"
        for _ in range(rng.randint(5, 60))
    )
    return (
        f"<!DOCTYPE html><html><body><h1>Receipt</h1><table>{rows}</table></body></html>".encode()
    )


def _ics(rng: random.Random, when: dt.datetime, organizer: str) -> bytes:
    start = (when + dt.timedelta(days=rng.randint(1, 14))).strftime("%Y%m%dT%H0000Z")
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Meetly//EN\r\nMETHOD:REQUEST\r\n"
        f"BEGIN:VEVENT\r\nUID:{_token(rng, 24)}\r\nDTSTART:{start}\r\nORGANIZER:mailto:{organizer}\r\n"
        f"SUMMARY:{rng.choice(PROJECTS)} sync\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def attachment(
    rng: random.Random, kind: str, when: dt.datetime, sender: str
) -> tuple[str, str, bytes]:
    """One attachment as (file name, content type, bytes)."""
    stem = (
        rng.choice(
            [
                "Invoice",
                "Quote",
                "Report",
                "Scan",
                "Contract",
                "Statement",
                "Delivery_note",
                "Specs",
                "Minutes",
                "Photo",
                "Order",
            ]
        )
        + f"_{rng.randint(1000, 99999)}"
    )
    if kind == "phish":
        pick = rng.choices(["html", "zip", "pdf"], weights=[5, 2, 3])[0]
    elif kind == "saas":
        pick = rng.choice(["ics", "pdf"])
    else:
        pick = rng.choices(
            ["pdf", "docx", "xlsx", "png", "jpg", "zip", "html"], weights=[45, 15, 8, 10, 8, 10, 1]
        )[0]
    size = _size(rng)
    if pick == "pdf":
        return f"{stem}.pdf", "application/pdf", _pdf(rng, size)
    if pick == "docx":
        return (
            f"{stem}.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            _office(rng, size, "docx"),
        )
    if pick == "xlsx":
        return (
            f"{stem}.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _office(rng, size, "xlsx"),
        )
    if pick == "png":
        return f"IMG_{rng.randint(1000, 9999)}.png", "image/png", _png(rng, size)
    if pick == "jpg":
        return f"IMG_{rng.randint(1000, 9999)}.jpg", "image/jpeg", _jpeg(rng, size)
    if pick == "zip":
        return f"{stem}.zip", "application/zip", _zip([(f"{stem}.pdf", _pdf(rng, size))])
    if pick == "ics":
        return "invite.ics", "text/calendar", _ics(rng, when, sender)
    return f"{stem}.html", "text/html", _html_page(rng, kind == "phish")


# --------------------------------------------------------------------------------------------
# One message.

KIND_WEIGHTS = {
    "partner": 40,
    "saas": 14,
    "newsletter": 14,
    "list": 6,
    "unsigned": 5,
    "freemail": 4,
    "outbound": 6,
    "internal": 5,
    "forwarded": 2,
    "spoof": 2,
    "phish": 2,
}
ATTACH_RATE = {
    "partner": 0.18,
    "saas": 0.08,
    "newsletter": 0.0,
    "list": 0.02,
    "unsigned": 0.15,
    "freemail": 0.10,
    "outbound": 0.15,
    "internal": 0.15,
    "forwarded": 0.15,
    "spoof": 0.2,
    "phish": 0.4,
}
LINKS = {
    "partner": (2, 5),
    "saas": (3, 6),
    "newsletter": (8, 15),
    "list": (2, 4),
    "unsigned": (2, 3),
    "freemail": (2, 3),
    "outbound": (2, 4),
    "internal": (2, 5),
    "forwarded": (2, 5),
    "spoof": (2, 3),
    "phish": (2, 4),
}


@dataclass
class Built:
    raw: bytes
    kind: str
    envelope_from: str
    when: dt.datetime


def _when(i: int, count: int, rng: random.Random) -> dt.datetime:
    day = i * SPAN_DAYS // max(1, count)
    # Office hours dominate; a little mail arrives at night.
    hour = rng.choices(
        range(24),
        weights=[1, 1, 1, 1, 1, 2, 4, 8, 12, 12, 11, 10, 8, 10, 11, 11, 10, 8, 5, 3, 2, 2, 1, 1],
    )[0]
    return START + dt.timedelta(
        days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60)
    )


def _recipients(rng: random.Random, cat: Catalogue, kind: str) -> tuple[list[str], list[str]]:
    staff = cat.employees
    roll = rng.random()
    if kind in ("newsletter", "saas", "list"):
        n = 1
    elif kind == "phish":
        n = rng.choice([1, 1, 1, 3, 25])
    elif roll < 0.72:
        n = 1
    elif roll < 0.93:
        n = rng.randint(2, 4)
    else:
        n = rng.randint(5, 40)  # announcements and distribution lists
    to = [a for _, a in rng.sample(staff, n)]
    cc = [a for _, a in rng.sample(staff, rng.randint(1, 3))] if rng.random() < 0.2 else []
    return to, cc


def _html(
    paragraphs: list[str], links: list[tuple[str, str]], kind: str, brand: str, signature: list[str]
) -> str:
    anchors = "".join(f'<p><a href="{u}" style="color:#0a58ca">{t}</a></p>' for u, t in links)
    body = "".join(f'<p style="margin:0 0 12px 0">{p}</p>' for p in paragraphs)
    sig = "<br>".join(signature)
    if kind == "newsletter":
        cells = "".join(
            f'<tr><td style="padding:16px;border-bottom:1px solid #eee"><img src="https://cdn.{ESP_HOST}/i/{zlib.crc32(u.encode()) % 10**8}.jpg" '
            f'width="560" alt=""><h3 style="font-family:Arial">{t}</h3><p>{p}</p><a href="{u}">Read more</a></td></tr>'
            for (u, t), p in zip(links, paragraphs * 5, strict=False)
        )
        return (
            '<!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0;background:#f4f4f4}'
            ".wrap{max-width:600px;margin:auto;background:#fff}</style></head><body>"
            f'<table class="wrap" role="presentation" width="600"><tr><td><h1>{brand}</h1></td></tr>'
            f'{cells}<tr><td style="font-size:11px;color:#888">{sig}</td></tr></table></body></html>'
        )
    return (
        f'<html><head><meta charset="utf-8"></head><body><div style="font-family:Calibri,sans-serif;'
        f'font-size:11pt">{body}{anchors}<p>{sig}</p></div></body></html>'
    )


def build_message(cat: Catalogue, i: int, count: int, seed: int) -> Built:
    """Message number `i` of `count`: the same bytes for the same (seed, i, count)."""
    rng = random.Random(f"msg:{seed}:{i}")
    world = cat.world
    world.rng = rng  # Message-ID, relay queue id and forged source IPs come from it
    when = _when(i, count, rng)
    late = i >= count * 0.85  # phishing campaigns come from new domains, late in the timeline
    kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
    if kind == "phish" and not late:
        kind = "partner"
    to, cc = _recipients(rng, cat, kind)
    extra: dict[str, str] = {}
    reply_to = envelope = connecting_ip = sign_as = None
    site = ""
    brand = ""
    pool, paras = "business", (1, 4)
    subject_kind = kind
    if kind in ("partner", "forwarded", "spoof"):
        s = rng.choice(cat.senders["partner"])
        display, local = rng.choice(s.people)
        sender, site, brand = f"{local}@{s.domain}", s.domain, s.brand
        extra["X-Mailer"] = rng.choice(MAILERS)
        subject_kind = "partner"
        if kind == "forwarded":
            # Relayed by a forwarding service: SPF fails for the partner, its DKIM still passes.
            connecting_ip = world.domains[FORWARDER].ip
            to = [f"{to[0].split('@')[0]}@{world.org_domain}"]
        if kind == "spoof":
            if rng.random() < 0.4:
                display, sender = rng.choice(cat.executives)
                subject_kind, pool = "phish", "phish"
            connecting_ip, sign_as = world.public_ip(), ""
            if rng.random() < 0.5:
                free = rng.choice(cat.senders["freemail"])
                reply_to = f"{_ascii(display.lower().replace(' ', '.'))}.office@{free.domain}"
    elif kind in ("outbound", "internal"):
        display, sender = rng.choice(cat.employees)
        site = world.org_domain
        extra["X-Mailer"] = rng.choice(MAILERS)
        if kind == "outbound":
            p = rng.choice(cat.senders["partner"])
            to = [f"{rng.choice(p.people)[1]}@{p.domain}" for _ in range(rng.randint(1, 3))]
            cc = []
    elif kind in ("saas", "newsletter", "unsigned", "freemail", "phish"):
        key = "lookalike" if kind == "phish" else kind
        s = rng.choice(cat.senders[key])
        display, local = rng.choice(s.people)
        sender, site, brand = f"{local}@{s.domain}", s.domain, s.brand
        pool = {
            "saas": "notice",
            "newsletter": "marketing",
            "unsigned": "business",
            "freemail": "casual",
            "phish": "phish",
        }[kind]
        paras = {"newsletter": (3, 6), "saas": (1, 2), "phish": (1, 2)}.get(kind, (1, 3))
        if kind == "saas":
            extra["Auto-Submitted"] = "auto-generated"
            extra["X-Auto-Response-Suppress"] = "All"
        if kind == "newsletter":
            assert s.bounce
            envelope = f"bounces+{rng.getrandbits(48):x}@{s.bounce}"
            campaign = f"{rng.getrandbits(32):08x}"
            extra["List-Unsubscribe"] = (
                f"<https://unsub.{ESP_HOST}/u?c={campaign}&r={rng.getrandbits(64):x}>, "
                f"<mailto:unsubscribe-{campaign}@{s.bounce}>"
            )
            extra["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            extra["Precedence"] = "bulk"
            extra["Feedback-ID"] = f"{campaign}:{s.domain}:esp"
            reply_to = f"support@{s.domain.split('.', 1)[1]}"
        if kind == "freemail":
            extra["User-Agent"] = "Mozilla/5.0 webmail"
    else:  # list
        s = rng.choice(cat.senders["list"])
        lst = rng.choice(s.lists)
        author, local = rng.choice(s.people)
        display, sender = f"{author} via {lst}", f"{lst}@{s.domain}"
        site, brand = s.domain, lst
        reply_to = f"{local}@{rng.choice(cat.senders['freemail']).domain}"
        extra.update(
            {
                "List-Id": f"{lst.title()} discussion <{lst}.{s.domain}>",
                "List-Post": f"<mailto:{lst}@{s.domain}>",
                "List-Archive": f"<https://{s.domain}/archives/{lst}>",
                "List-Unsubscribe": f"<mailto:{lst}-leave@{s.domain}>",
                "Precedence": "list",
                "X-BeenThere": f"{lst}@{s.domain}",
            }
        )
    subject = _fill(rng.choice(SUBJECTS[subject_kind]), rng, brand=brand, list=brand)
    if subject.lower().startswith(("re:", "fw")):
        ref = f"<{rng.getrandbits(96):024x}@{site or world.org_domain}>"
        extra["In-Reply-To"] = ref
        extra["References"] = ref
    first_name = to[0].split(".")[0].capitalize()
    paragraphs = _paragraphs(rng, pool, paras, brand=brand)
    links: list[tuple[str, str]] = []
    for _ in range(rng.randint(*LINKS[kind])):
        url = _link(rng, site or world.org_domain, "phish" if pool == "phish" else kind)
        links.append(
            (
                url,
                rng.choice(
                    [
                        "View online",
                        "Open the document",
                        "Details",
                        "Sign in",
                        "Read more",
                        "Download",
                        "Track your order",
                        "Unsubscribe",
                    ]
                ),
            )
        )
    signature = [
        display,
        brand or "Northwind",
        f"+{rng.randint(1, 49)} {rng.randint(100, 999)} "
        f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}",
    ]
    if kind in ("partner", "outbound", "unsigned") and rng.random() < 0.6:
        signature.append(DISCLAIMER)
    text = "\n\n".join(
        [f"Hi {first_name}," if pool != "marketing" else f"Hello from {brand},"]
        + paragraphs
        + [f"{t}: {u}" for u, t in links]
        + ["Best regards,"]
        + signature
    )
    if subject.lower().startswith("re:") and pool in ("business", "casual"):
        quoted = "\n".join("> " + line for line in _paragraphs(rng, pool, (1, 2))[0].split(". "))
        text += f"\n\nOn {format_datetime(when - dt.timedelta(days=1))}, someone wrote:\n{quoted}"
    html = _html(paragraphs, links, kind, brand, signature)
    attachments = []
    if rng.random() < ATTACH_RATE[kind]:
        attachments.append(attachment(rng, "phish" if pool == "phish" else kind, when, sender))
        if rng.random() < 0.15:
            attachments.append(attachment(rng, kind, when, sender))
    _MSGID_STATE["rng"], _MSGID_STATE["when"] = rng, when
    # The email package draws MIME boundaries from the global generator.
    random.seed(f"boundary:{seed}:{i}")
    _CLOCK.now = when.replace(tzinfo=dt.UTC).timestamp()
    raw = world.message(
        sender,
        to,
        subject,
        when,
        text,
        html=html,
        display_name=display,
        reply_to=reply_to,
        envelope_from=envelope,
        connecting_ip=connecting_ip,
        sign_as=sign_as,
        attachments=attachments,
        extra_headers=extra,
        cc=cc,
    )
    return Built(raw, kind, envelope or sender, when)


# --------------------------------------------------------------------------------------------
# Writing: mbox shards or .eml files, generated in parallel by forked processes that share the
# world built once in the parent.

_CAT: Catalogue | None = None
_MBOX_ESCAPE = re.compile(rb"^(>*From )", re.MULTILINE)


def _shard(args: tuple[int, int, int, int, str, str]) -> dict[str, Any]:
    shard, start, end, count, fmt, out = args
    assert _CAT is not None
    seed = _CAT.world.seed
    kinds: Counter[str] = Counter()
    size = 0
    if fmt == "mbox":
        path = Path(out) / "mbox" / f"mail-{shard:04d}.mbox"
        with path.open("wb") as fh:
            for i in range(start, end):
                b = build_message(_CAT, i, count, seed)
                # Unix mbox: LF line ends, mboxrd quoting of body lines that start with "From ".
                data = _MBOX_ESCAPE.sub(rb">\1", b.raw.replace(b"\r\n", b"\n"))
                stamp = b.when.strftime("%a %b %d %H:%M:%S %Y")
                fh.write(
                    f"From {b.envelope_from} {stamp}\n".encode() + data.rstrip(b"\n") + b"\n\n"
                )
                kinds[b.kind] += 1
                size += len(b.raw)
    else:
        folder = Path(out) / "eml" / f"{shard:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(start, end):
            b = build_message(_CAT, i, count, seed)
            (folder / f"{i:07d}.eml").write_bytes(b.raw)
            kinds[b.kind] += 1
            size += len(b.raw)
    return {"shard": shard, "kinds": dict(kinds), "bytes": size}


def generate(
    count: int,
    out: Path,
    fmt: str = "mbox",
    seed: int = 7,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Write `count` messages under `out` with zone.json and manifest.json. Returns the manifest."""
    global _CAT
    out.mkdir(parents=True, exist_ok=True)
    (out / fmt).mkdir(exist_ok=True)
    started = time.perf_counter()
    _CAT = build_world(seed)
    _patch_libraries(_CAT.world.private_key)
    per = MBOX_PER_FILE if fmt == "mbox" else EML_PER_DIR
    tasks = [
        (n, s, min(s + per, count), count, fmt, str(out))
        for n, s in enumerate(range(0, count, per))
    ]
    jobs = jobs or os.cpu_count() or 1
    kinds: Counter[str] = Counter()
    size = 0
    done = 0
    if jobs > 1 and len(tasks) > 1:
        # Fork so the workers inherit the world (and its key) instead of rebuilding it.
        with mp.get_context("fork").Pool(jobs) as pool:
            results = pool.imap_unordered(_shard, tasks)
            for r in results:
                kinds.update(r["kinds"])
                size += r["bytes"]
                done += sum(r["kinds"].values())
                if progress:
                    progress(done, count)
    else:
        for t in tasks:
            r = _shard(t)
            kinds.update(r["kinds"])
            size += r["bytes"]
            done += sum(r["kinds"].values())
            if progress:
                progress(done, count)
    zone = _CAT.world.resolver.zone
    (out / "zone.json").write_text(json.dumps(zone, indent=1, sort_keys=True), encoding="utf-8")
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "count": count,
        "format": fmt,
        "org_domain": _CAT.world.org_domain,
        "relay": _CAT.world.relay,
        "sender_domains": sum(len(v) for v in _CAT.senders.values()),
        "dns_names": len(zone),
        "employees": len(_CAT.employees),
        "kinds": dict(sorted(kinds.items())),
        "message_bytes": size,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def load_zone(folder: Path) -> dict[str, dict[str, list[str]]]:
    """The DNS zone a generated corpus was written with, for a StubResolver."""
    zone: dict[str, dict[str, list[str]]] = json.loads(
        (folder / "zone.json").read_text(encoding="utf-8")
    )
    return zone


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=5000, help="messages to write")
    ap.add_argument("--out", type=Path, required=True, help="folder to write into")
    ap.add_argument("--format", choices=["mbox", "eml"], default="mbox")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--jobs", type=int, default=None, help="generating processes (default: all cores)"
    )
    args = ap.parse_args(argv)

    def show(done: int, total: int) -> None:
        print(f"\r{done}/{total} messages", end="", file=sys.stderr, flush=True)

    manifest = generate(args.count, args.out, args.format, args.seed, args.jobs, show)
    print(file=sys.stderr)
    print(json.dumps(manifest, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
