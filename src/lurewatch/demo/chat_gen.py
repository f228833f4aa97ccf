"""A month of workplace chat for a small organization, with social engineering injected.

Northwind (corp.example, Slack team T0NORTHWIND, Entra tenant NORTHWIND_TENANT) talks in its
channels, shares files every day and works with a supplier over a Slack Connect channel.
Two guests help in a support channel. On the last day: a fake help desk asks for a password
and the MFA code; a fake CEO wants gift cards; the supplier's account announces new bank
details; a guest asks for employees' tax forms; a look-alike login link is posted; an unknown
account sends an archive; an employee ships gigabytes to a brand-new outside contact.

`write_slack_export` writes it as a Slack export (folder or ZIP); the tests write the same
posts as Graph chatMessage pages and JSON lines for the other readers. Lures are
this module's own texts; callers may pass others (the benchmark passes real smishing texts
when the corpus is present, at run time only). `synthetic_labelled` gives labelled texts for
training a model on nothing but generated data.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lurewatch.config import Settings

HOME_TEAM, PARTNER_TEAM, ATTACKER_TEAM = "T0NORTHWIND", "T0ACME", "T0ZEPHYR"
NORTHWIND_TENANT = "7b1f3c9e-0000-4000-8000-00000000a001"
PARTNER_TENANT = "7b1f3c9e-0000-4000-8000-00000000b002"
LAST_DAY = dt.datetime(2026, 3, 2, 8, 0)
_FIRST = ["alex", "blake", "casey", "dana", "eli", "frankie", "gale", "harper", "indy", "jordan"]
_LAST = ["ng", "ortiz", "patel", "quist", "rossi", "schmidt", "tanaka", "varga"]
_SERVICES = ["billing", "search", "checkout", "auth", "reports", "mobile"]
BENIGN = [
    "morning all, standup in 5",
    "PR {n} is ready for review when someone has a minute",
    "deploying {svc} to staging now",
    "lunch at the usual place?",
    "thanks, looks good to me",
    "can you share the slides from yesterday's meeting?",
    "the build on main is green again",
    "I'll be out tomorrow afternoon, dentist",
    "who owns the {svc} dashboard?",
    "moved the retro to Thursday",
    "can we move our sync to 3pm?",
    "here is the updated spec for the {svc} integration",
    "please review the contract draft when you can",
    "the VPN was slow this morning, anyone else?",
    "reminder: never share your password, IT will never ask for it",
    "I reset my password and now Outlook keeps asking me to sign in",
    "please send me the code review notes from {svc}",
    "ticket {n} is fixed, can you verify on staging?",
    "docs for {svc}: https://wiki.corp.example/{svc}/runbook",
    "the quarterly report is on https://sharepoint.corp.example/finance/q{q}",
]
PARTNER = [
    "invoice {n} for this month is attached, due in 30 days as usual",
    "shipment {n} left the warehouse this morning",
    "could you confirm the delivery address for order {n}?",
    "our team is off on Friday for the holiday",
    "tracking for order {n}: https://www.ups.com/track?num=1Z{n}",
]
LURES = {
    "credentials": "Hi, this is the IT service desk. Your mailbox will be disabled today. "
    "Please send me your password and the 6-digit code we just sent you so I can migrate it.",
    "payment": "Are you at your desk? I'm in a meeting and can't talk. I need you to buy 5 Apple "
    "gift cards for a client, scratch the back and send me pictures of the codes. Keep this "
    "between us, it's urgent.",
    "bank_change": "Hello, please note our new bank details for invoice {n}. The outstanding "
    "payment must be made to the new account today, our old account is closed.",
    "sensitive": "Hi, HR asked me to collect the W-2s for all employees for the audit. Can you "
    "send me them before end of day?",
    "link": "Your password expires today, keep your access here: "
    "<https://login.micros0ft-support.example/owa/auth|Microsoft 365 sign-in>",
}


@dataclass
class Account:
    uid: str
    name: str
    email: str | None
    team: str
    guest: bool = False
    listed: bool = True  # in users.json


@dataclass
class Post:
    time: dt.datetime
    channel: str
    sender: Account
    text: str
    files: list[tuple[str, int, str]] = field(default_factory=list)  # name, size, mime
    truth: str | None = None  # what was injected, for tests


@dataclass
class Conversation:
    name: str
    cid: str
    members: list[Account]
    direct: bool = False


@dataclass
class ChatWorld:
    accounts: list[Account]
    conversations: dict[str, Conversation]
    posts: list[Post]

    def settings(self) -> Settings:
        """Settings of the organization, with chat declared in monitoring scope."""
        s = Settings()
        s.organization.domains = ["corp.example", "northwind.example"]
        s.organization.vip_names = ["Dana Whitfield"]
        s.scope.chat.monitored = True
        s.scope.chat.owner, s.scope.chat.legal_basis = "SOC", "works council agreement 2026-03"
        s.chat.slack_team_ids = [HOME_TEAM]
        s.chat.teams_tenant_ids = [NORTHWIND_TENANT]
        return s

    def injected(self) -> dict[str, Post]:
        return {p.truth: p for p in self.posts if p.truth}


def _staff(rng: random.Random) -> list[Account]:
    out = []
    for i, (f, la) in enumerate((f, la) for la in _LAST for f in _FIRST):
        if i >= 24:
            break
        out.append(Account(f"U0{i:03d}NW", f"{f}.{la}", f"{f}.{la}@corp.example", HOME_TEAM))
    return out


def build_world(
    days: int = 30, per_day: int = 40, seed: int = 7, lures: list[str] | None = None
) -> ChatWorld:
    """The organization, its conversations and every post, in time order."""
    rng = random.Random(seed)
    staff = _staff(rng)
    partner = [
        Account(f"U0P{i}ACME", f"{n}.acme", f"{n}@acme-supplies.example", PARTNER_TEAM)
        for i, n in enumerate(("lee", "kim", "sam"))
    ]
    guests = [
        Account(f"U0G{i}GST", f"{n}.contractor", f"{n}@freelance.example", HOME_TEAM, guest=True)
        for i, n in enumerate(("robin", "jamie"))
    ]
    helpdesk = Account("U0X1HELP", "it-servicedesk", None, ATTACKER_TEAM, listed=False)
    fake_ceo = Account(
        "U0X2DANA", "dana.whitfield.ceo", "dana.whitfield@northwind-exec.example", ATTACKER_TEAM
    )
    stranger = Account("U0X3ZZZZ", "U0X3ZZZZ", None, "", listed=False)
    dropbox = Account(
        "U0X4DROP", "archive.partner", "files@quickshare-partner.example", ATTACKER_TEAM
    )
    accounts = staff + partner + guests + [fake_ceo, dropbox, helpdesk, stranger]
    convs = {
        name: Conversation(name, f"C0{i:03d}", members)
        for i, (name, members) in enumerate(
            [
                ("general", staff),
                ("engineering", staff[:12]),
                ("finance", staff[12:18]),
                ("vendor-acme", staff[12:18] + partner),
                ("ext-support", staff[18:] + guests),
            ]
        )
    }
    end = LAST_DAY
    posts: list[Post] = []
    for d in range(days):
        day = end - dt.timedelta(days=days - 1 - d)
        for _ in range(per_day):
            conv = rng.choice(list(convs.values()))
            sender = rng.choice(conv.members)
            pool = PARTNER if sender in partner else BENIGN
            text = rng.choice(pool).format(
                n=rng.randint(1000, 9999), svc=rng.choice(_SERVICES), q=rng.randint(1, 4)
            )
            post = Post(day + dt.timedelta(minutes=rng.randint(0, 600)), conv.name, sender, text)
            if rng.random() < 0.15:
                post.files.append(
                    (
                        f"{rng.choice(_SERVICES)}-notes-{d}.pdf",
                        rng.randint(50_000, 3_000_000),
                        "application/pdf",
                    )
                )
            posts.append(post)
    insider = staff[4]
    for d in range(days - 1):  # the insider's ordinary sharing, a few MB a day
        when = end - dt.timedelta(days=days - 1 - d) + dt.timedelta(hours=3)
        posts.append(
            Post(
                when,
                "engineering",
                insider,
                "latest build logs",
                [(f"build-{d}.log", rng.randint(400_000, 2_000_000), "text/plain")],
            )
        )
    at = end + dt.timedelta(hours=2)

    def dm(a: Account, b: Account) -> str:
        name = f"D0{a.uid[-5:]}{b.uid[-5:]}"
        convs[name] = Conversation(name, name, [a, b], direct=True)
        return name

    inject = [
        Post(at, dm(helpdesk, staff[1]), helpdesk, LURES["credentials"], truth="credentials"),
        Post(
            at + dt.timedelta(minutes=5),
            dm(fake_ceo, staff[13]),
            fake_ceo,
            LURES["payment"],
            truth="payment",
        ),
        Post(
            at + dt.timedelta(minutes=9),
            "vendor-acme",
            partner[0],
            LURES["bank_change"].format(n=4471),
            truth="bank_change",
        ),
        Post(
            at + dt.timedelta(minutes=12),
            "ext-support",
            guests[0],
            LURES["sensitive"],
            truth="sensitive",
        ),
        Post(
            at + dt.timedelta(minutes=15),
            dm(stranger, staff[2]),
            stranger,
            LURES["link"],
            truth="link",
        ),
        Post(
            at + dt.timedelta(minutes=20),
            dm(stranger, staff[3]),
            stranger,
            "here are the documents you asked for",
            [("Invoice_2291.zip", 184_322, "application/zip")],
            truth="first_share",
        ),
        Post(
            at + dt.timedelta(minutes=30),
            dm(insider, dropbox),
            insider,
            "as discussed",
            [
                (f"customer-db-part{i}.csv", 90_000_000 + i * 1_000_000, "text/csv")
                for i in range(20)
            ],
            truth="volume",
        ),
    ]
    for i, text in enumerate(lures or []):
        inject.append(
            Post(
                at + dt.timedelta(minutes=40 + i),
                dm(stranger, staff[i % len(staff)]),
                stranger,
                text,
                truth=f"lure-{i}",
            )
        )
    posts += inject
    posts.sort(key=lambda p: p.time)
    return ChatWorld(accounts, convs, posts)


def _ts(t: dt.datetime, i: int) -> str:
    return f"{int(t.replace(tzinfo=dt.UTC).timestamp())}.{i % 1_000_000:06d}"


def _slack_user(a: Account) -> dict[str, Any]:
    first, _, last = a.name.partition(".")
    return {
        "id": a.uid,
        "team_id": a.team,
        "name": a.name,
        "deleted": False,
        "real_name": f"{first.title()} {last.title()}".strip(),
        "is_bot": False,
        "is_restricted": a.guest,
        "is_ultra_restricted": False,
        "profile": {"email": a.email, "display_name": first}
        if a.email
        else {"display_name": first},
    }


def _slack_message(p: Post, i: int) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "type": "message",
        "user": p.sender.uid,
        "text": p.text,
        "ts": _ts(p.time, i),
    }
    if p.sender.team:
        msg["user_team"] = msg["source_team"] = p.sender.team
    if p.files:
        msg["upload"] = True
        msg["files"] = [
            {
                "id": f"F{i:06d}{k}",
                "name": n,
                "title": n,
                "mimetype": m,
                "size": s,
                "mode": "hosted",
            }
            for k, (n, s, m) in enumerate(p.files)
        ]
    return msg


def write_slack_export(world: ChatWorld, out: Path, as_zip: bool = False) -> Path:
    """The export as Slack writes it: a folder, or `out`.zip when as_zip."""
    files: dict[str, bytes] = {}
    listed = [a for a in world.accounts if a.listed]
    files["users.json"] = json.dumps([_slack_user(a) for a in listed], indent=1).encode()
    chans = [c for c in world.conversations.values() if not c.direct]
    dms = [c for c in world.conversations.values() if c.direct]
    meta = [
        {"id": c.cid, "name": c.name, "created": 1767225600, "members": [m.uid for m in c.members]}
        for c in chans
    ]
    files["channels.json"] = json.dumps(meta, indent=1).encode()
    files["dms.json"] = json.dumps(
        [{"id": c.cid, "members": [m.uid for m in c.members]} for c in dms]
    ).encode()
    by_day: dict[str, list[dict[str, Any]]] = {}
    for c in chans:  # everyone joined on the first day, as exports record it
        first = f"{c.name}/{world.posts[0].time:%Y-%m-%d}.json"
        by_day[first] = [
            {
                "type": "message",
                "subtype": "channel_join",
                "user": m.uid,
                "text": "joined",
                "ts": _ts(world.posts[0].time, j),
            }
            for j, m in enumerate(c.members)
        ]
    for i, p in enumerate(world.posts):
        folder = (
            world.conversations[p.channel].cid
            if world.conversations[p.channel].direct
            else p.channel
        )
        by_day.setdefault(f"{folder}/{p.time:%Y-%m-%d}.json", []).append(_slack_message(p, i))
    for name, msgs in by_day.items():
        files[name] = json.dumps(msgs, indent=1).encode()
    if as_zip:
        target = out.with_suffix(".zip")
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in sorted(files.items()):
                zf.writestr(name, data)
        return target
    for name, data in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    return out


def synthetic_labelled(n: int = 2000, seed: int = 11) -> list[tuple[str, bool]]:
    """Generated chat texts labelled True for social engineering, for a model trained on
    nothing but this module's own writing."""
    rng = random.Random(seed)
    greet = ["", "Hi, ", "Hello, ", "hey ", "Good morning, ", "Dear colleague, "]
    tail = ["", " Thanks.", " It's urgent.", " Please do it now.", " thx", " asap"]
    out = []
    for _ in range(n):
        if rng.random() < 0.4:
            text = rng.choice(list(LURES.values())).format(n=rng.randint(1000, 9999))
            out.append((rng.choice(greet) + text + rng.choice(tail), True))
        else:
            pool = BENIGN + PARTNER
            text = rng.choice(pool).format(
                n=rng.randint(1000, 9999), svc=rng.choice(_SERVICES), q=1
            )
            out.append((rng.choice(greet) + text + rng.choice(tail[:2]), False))
    return out
