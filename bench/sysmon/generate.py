#!/usr/bin/env python3
"""Realistic Sysmon events at scale, as JSON lines in the Winlogbeat and flattened shapes.

A fleet of workstations and a few servers runs a day's usual software: browsers, Outlook,
Teams, OneDrive, Office, service hosts, the odd PowerShell, cmd, rundll32 or mshta. Each host
keeps its own process table, so every network connection (EID 3) and DNS query (EID 22) comes
from a process that was created (EID 1) on that host, with its ProcessGuid, and ends (EID 5) in
time. Destinations follow the software: Microsoft 365 and Teams address ranges for Office
clients, CDNs for browsers, the domain controller for DNS and LDAP, file servers over SMB, and a
few connections from script hosts to addresses nobody else talks to. The mix is about 10% EID 1,
50% EID 3, 35% EID 22 and 5% EID 5. Deterministic for a seed.

    python bench/sysmon/generate.py --count 200000 --shape winlogbeat --out /tmp/sysmon.ndjson
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from catalog import DC, DOMAIN, FILE_SERVERS, FIRST_NAMES, SITES, SOFTWARE

SHAPES = ("winlogbeat", "flattened")


@dataclass
class Process:
    guid: str
    pid: int
    image: str
    command_line: str
    user: str
    parent_guid: str
    parent_pid: int
    parent_image: str
    targets: list[str]
    sha256: str


@dataclass
class Host:
    name: str
    ip: str
    user: str
    record: int
    running: list[Process]
    boot_guid: str


def _guid(rng: random.Random, host_part: str) -> str:
    return "{" + host_part + str(uuid.UUID(int=rng.getrandbits(128)))[8:].upper() + "}"


class Fleet:
    def __init__(self, seed: int, hosts: int = 250) -> None:
        self.rng = random.Random(seed)
        self.time = dt.datetime(2024, 6, 11, 7, 30, tzinfo=dt.UTC)
        self.weights = [s[5] for s in SOFTWARE]
        self.hashes = {s[0]: f"{self.rng.getrandbits(256):064X}" for s in SOFTWARE}
        self.hosts = []
        for n in range(hosts):
            name = f"WS{n:04d}.{DOMAIN}" if n >= 4 else f"SRV{n:02d}.{DOMAIN}"
            user = f"CORP\\{FIRST_NAMES[n % len(FIRST_NAMES)]}{n}"
            host_part = f"{self.rng.getrandbits(32):08X}"
            ip = f"10.20.{n // 250}.{n % 250 + 2}"
            self.hosts.append(Host(name, ip, user, self.rng.randint(1000, 900000), [], host_part))

    def _tick(self) -> str:
        self.time += dt.timedelta(microseconds=self.rng.randint(50, 4000))
        return self.time.strftime("%Y-%m-%d %H:%M:%S.") + f"{self.time.microsecond // 1000:03d}"

    def events(self) -> Iterator[tuple[Host, int, dict[str, Any]]]:
        rng = self.rng
        while True:
            host = rng.choice(self.hosts)
            roll = rng.random()
            if not host.running or roll < 0.10:
                yield host, 1, self._create(host)
            elif roll < 0.60:
                yield host, 3, self._connect(host, rng.choice(host.running))
            elif roll < 0.95:
                yield host, 22, self._query(host, rng.choice(host.running))
            else:
                yield host, 5, self._end(host)

    def _create(self, host: Host) -> dict[str, Any]:
        rng = self.rng
        image, parent, cmd, kind, targets, _ = rng.choices(SOFTWARE, self.weights)[0]
        user = host.user if kind == "user" else "NT AUTHORITY\\SYSTEM"
        short = user.split("\\")[1]
        n = rng.randint(1, 99999)
        proc = Process(
            guid=_guid(rng, host.boot_guid),
            pid=rng.randrange(1000, 30000, 4),
            image=image.replace("{user}", short),
            command_line=cmd.replace("{user}", short)
            .replace("{n}", str(n))
            .replace("{t}", str(n * 7)),
            user=user,
            parent_guid=_guid(rng, host.boot_guid),
            parent_pid=rng.randrange(500, 9000, 4),
            parent_image=parent,
            targets=targets,
            sha256=self.hashes[image],
        )
        host.running.append(proc)
        if len(host.running) > 40:
            host.running.pop(0)
        return {
            "RuleName": "-",
            "UtcTime": self._tick(),
            "ProcessGuid": proc.guid,
            "ProcessId": str(proc.pid),
            "Image": proc.image,
            "FileVersion": "10.0.19041.1 (WinBuild.160101.0800)",
            "Description": proc.image.rsplit("\\", 1)[1],
            "Product": "Microsoft® Windows® Operating System",
            "Company": "Microsoft Corporation",
            "OriginalFileName": proc.image.rsplit("\\", 1)[1],
            "CommandLine": proc.command_line,
            "CurrentDirectory": f"C:\\Users\\{short}\\",
            "User": user,
            "LogonGuid": _guid(rng, host.boot_guid),
            "LogonId": hex(rng.getrandbits(24)),
            "TerminalSessionId": "1",
            "IntegrityLevel": "Medium" if kind == "user" else "System",
            "Hashes": f"SHA1={proc.sha256[:40]},MD5={proc.sha256[:32]},SHA256={proc.sha256},"
            f"IMPHASH={proc.sha256[32:]}",
            "ParentProcessGuid": proc.parent_guid,
            "ParentProcessId": str(proc.parent_pid),
            "ParentImage": proc.parent_image,
            "ParentCommandLine": proc.parent_image,
            "ParentUser": user,
        }

    def _destination(self, proc: Process) -> tuple[str, str, int, str]:
        target = self.rng.choice(proc.targets)
        if target == "dc":
            return (
                DC[0],
                DC[1],
                self.rng.choice([53, 389, 88]),
                "udp" if self.rng.random() < 0.5 else "tcp",
            )
        if target == "smb":
            ip, name = self.rng.choice(FILE_SERVERS)
            return ip, name, 445, "tcp"
        pattern, _ = SITES[target]
        return pattern.format(self.rng.randint(0, 255), self.rng.randint(1, 254)), "-", 443, "tcp"

    def _connect(self, host: Host, proc: Process) -> dict[str, Any]:
        ip, name, port, transport = self._destination(proc)
        return {
            "RuleName": "-",
            "UtcTime": self._tick(),
            "ProcessGuid": proc.guid,
            "ProcessId": str(proc.pid),
            "Image": proc.image,
            "User": proc.user,
            "Protocol": transport,
            "Initiated": "true",
            "SourceIsIpv6": "false",
            "SourceIp": host.ip,
            "SourceHostname": host.name,
            "SourcePort": str(self.rng.randint(49152, 65535)),
            "SourcePortName": "-",
            "DestinationIsIpv6": "false",
            "DestinationIp": ip,
            "DestinationHostname": name,
            "DestinationPort": str(port),
            "DestinationPortName": {443: "https", 445: "microsoft-ds", 53: "domain"}.get(port, "-"),
        }

    def _query(self, host: Host, proc: Process) -> dict[str, Any]:
        names = [t for t in proc.targets if t in SITES] or ["login.microsoftonline.com"]
        name = self.rng.choice(names)
        pattern, cname = SITES[name]
        addresses = [
            pattern.format(self.rng.randint(0, 255), self.rng.randint(1, 254)) for _ in range(2)
        ]
        results = (f"type:  5 {cname};" if cname else "") + "".join(
            f"::ffff:{a};" for a in addresses
        )
        return {
            "RuleName": "-",
            "UtcTime": self._tick(),
            "ProcessGuid": proc.guid,
            "ProcessId": str(proc.pid),
            "QueryName": name,
            "QueryStatus": "0",
            "QueryResults": results,
            "Image": proc.image,
            "User": proc.user,
        }

    def _end(self, host: Host) -> dict[str, Any]:
        proc = host.running.pop(self.rng.randrange(len(host.running)))
        return {
            "RuleName": "-",
            "UtcTime": self._tick(),
            "ProcessGuid": proc.guid,
            "ProcessId": str(proc.pid),
            "Image": proc.image,
            "User": proc.user,
        }


TASKS = {
    1: "Process Create (rule: ProcessCreate)",
    3: "Network connection detected (rule: NetworkConnect)",
    5: "Process terminated (rule: ProcessTerminate)",
    22: "Dns query (rule: DnsQuery)",
}


def _message(eid: int, data: dict[str, Any]) -> str:
    """Sysmon's rendered message, which both shapes carry and which makes their lines long."""
    title = TASKS[eid].split(" (")[0]
    return f"{title}:\n" + "\n".join(f"{k}: {v}" for k, v in data.items())


def winlogbeat(host: Host, eid: int, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "@timestamp": data["UtcTime"].replace(" ", "T") + "Z",
        "@metadata": {"beat": "winlogbeat", "type": "_doc", "version": "8.12.0"},
        "agent": {"type": "winlogbeat", "version": "8.12.0", "name": host.name.split(".")[0]},
        "ecs": {"version": "8.0.0"},
        "host": {"name": host.name.split(".")[0].lower()},
        "event": {"code": str(eid), "kind": "event", "provider": "Microsoft-Windows-Sysmon"},
        "log": {"level": "information"},
        "message": _message(eid, data),
        "winlog": {
            "api": "wineventlog",
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "computer_name": host.name,
            "event_data": data,
            "event_id": str(eid),
            "opcode": "Info",
            "process": {"pid": 3016, "thread": {"id": 4104}},
            "provider_guid": "{5770385f-c22a-43e0-bf4c-06f5698ffbd9}",
            "provider_name": "Microsoft-Windows-Sysmon",
            "record_id": host.record,
            "task": TASKS[eid],
            "user": {"identifier": "S-1-5-18", "domain": "NT AUTHORITY", "name": "SYSTEM"},
            "version": 5,
        },
    }


def flattened(host: Host, eid: int, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "@timestamp": data["UtcTime"].replace(" ", "T") + "Z",
        "@version": "1",
        "host": "wec.corp.example.com",
        "port": 61286,
        "Hostname": host.name,
        "Keywords": -9223372036854775808,
        "EventType": "INFO",
        "SeverityValue": 2,
        "Severity": "INFO",
        "EventID": eid,
        "SourceName": "Microsoft-Windows-Sysmon",
        "ProviderGuid": "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}",
        "Version": 5,
        "Task": eid,
        "OpcodeValue": 0,
        "RecordNumber": host.record,
        "ExecutionProcessID": 3016,
        "ThreadID": 4104,
        "Channel": "Microsoft-Windows-Sysmon/Operational",
        "Domain": "NT AUTHORITY",
        "AccountName": "SYSTEM",
        "UserID": "S-1-5-18",
        "AccountType": "User",
        "Message": _message(eid, data),
        "Category": TASKS[eid],
        "Opcode": "Info",
        "SourceModuleName": "eventlog",
        "SourceModuleType": "im_msvistalog",
        **data,
    }


def generate(count: int, shape: str, seed: int = 7) -> Iterator[bytes]:
    """`count` JSON lines (without their newline) of one shape."""
    to_doc = winlogbeat if shape == "winlogbeat" else flattened
    fleet = Fleet(seed)
    events = fleet.events()
    for _ in range(count):
        host, eid, data = next(events)
        host.record += 1
        yield orjson.dumps(to_doc(host, eid, data))


def write(path: Path, count: int, shape: str, seed: int = 7) -> Path:
    with path.open("wb") as fh:
        for line in generate(count, shape, seed):
            fh.write(line + b"\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=200_000)
    ap.add_argument("--shape", choices=SHAPES, default="winlogbeat")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    write(args.out, args.count, args.shape, args.seed)
    print(f"{args.count:,} {args.shape} events in {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
