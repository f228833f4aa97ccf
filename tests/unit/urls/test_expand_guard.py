"""The expansion guard: browser-style host parsing, address rules, pinned resolution."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable
from typing import Any

import httpcore
import pytest

from lurewatch.enrich.urls.expand import ExpansionPolicy
from lurewatch.enrich.urls.netguard import Guard, GuardBlocked, GuardedBackend
from lurewatch.enrich.urls.ssrf import AddressRules, InvalidHost, parse_host, special_reason
from lurewatch.errors import ConfigError


@pytest.mark.parametrize(
    ("host", "address", "obfuscated"),
    [
        ("127.0.0.1", "127.0.0.1", False),
        ("127.0.0.1.", "127.0.0.1", False),
        ("2130706433", "127.0.0.1", True),
        ("0x7f000001", "127.0.0.1", True),
        ("0x7f.1", "127.0.0.1", True),
        ("0177.0.0.1", "127.0.0.1", True),
        ("0177.0.0.01", "127.0.0.1", True),
        ("127.1", "127.0.0.1", True),
        ("10.1", "10.0.0.1", True),
        ("0", "0.0.0.0", True),
        ("%31%32%37.0.0.1", "127.0.0.1", True),
        ("0XA9.0xFE.0251.0376", "169.254.169.254", True),
        ("::1", "::1", False),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1", False),
        ("fe80::1%25eth0", "fe80::1%eth0", False),
    ],
)
def test_ip_literals_are_read_as_browsers_read_them(
    host: str, address: str, obfuscated: bool
) -> None:
    parsed = parse_host(host)
    assert parsed.address == ipaddress.ip_address(address)
    assert parsed.obfuscated is obfuscated


@pytest.mark.parametrize("host", ["1.2.3.4.5", "foo.0x1", "256.1.1.1", "1.16777216", "09.1.1.1"])
def test_malformed_ipv4_lookalikes_are_invalid(host: str) -> None:
    with pytest.raises(InvalidHost):
        parse_host(host)


def test_names_are_lower_cased_and_checked() -> None:
    assert parse_host("Bit.LY").name == "bit.ly"
    assert parse_host("xn--bcher-kva.de").name == "xn--bcher-kva.de"
    for bad in ("exa%20mple.com", "a..b", "", "ex$ample.com"):
        with pytest.raises(InvalidHost):
            parse_host(bad)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "192.0.2.1",
        "198.18.0.1",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:8.8.8.8",
        "::7f00:1",
        "64:ff9b::a00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::1",
        "2002:a00:1::",
        "2001:db8::1",
        "2001::1",
    ],
)
def test_non_public_addresses_have_a_reason(address: str) -> None:
    assert special_reason(ipaddress.ip_address(address)) is not None
    assert AddressRules().refusal(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "2002:808:808::1"])
def test_public_addresses_pass(address: str) -> None:
    assert AddressRules().refusal(ipaddress.ip_address(address)) is None


def test_allowed_networks_allow_exactly_themselves() -> None:
    rules = AddressRules(allowed_networks=("127.0.0.0/8",))
    ip = ipaddress.ip_address
    assert rules.refusal(ip("127.0.0.1")) is None
    assert rules.refusal(ip("127.255.255.254")) is None
    for other in ("10.0.0.1", "::1", "::ffff:127.0.0.1", "169.254.1.1", "0.0.0.0"):
        assert rules.refusal(ip(other)) is not None, other
    # The same address written in an obfuscated spelling is never exempt.
    assert rules.refusal(ip("127.0.0.1"), obfuscated=True) is not None
    assert AddressRules(allow_private=True).refusal(ip("10.0.0.1")) is None
    assert AddressRules(allow_private=True).refusal(ip("10.0.0.1"), obfuscated=True) is not None
    # An obfuscated spelling of a public address is merely odd: it may be fetched.
    assert rules.refusal(ip("8.8.8.8"), obfuscated=True) is None


def test_bad_policy_values_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        ExpansionPolicy(allowed_networks=("not-a-cidr",))
    with pytest.raises(ConfigError):
        ExpansionPolicy(timeout=0)
    with pytest.raises(ConfigError):
        ExpansionPolicy(max_hops=-1)


def check(guard: Guard, *hosts: str) -> list[Any]:
    async def run() -> list[Any]:
        try:
            return list(await asyncio.gather(*(guard.check(h) for h in hosts)))
        finally:
            guard.close()

    return asyncio.run(run())


def test_each_name_is_resolved_once_and_any_bad_answer_refuses() -> None:
    calls: list[str] = []
    zone = {"a.test": ["8.8.8.8"], "mixed.test": ["8.8.8.8", "192.168.0.1"], "none.test": []}

    async def resolve(host: str) -> list[str]:
        calls.append(host)
        await asyncio.sleep(0.01)
        return zone[host]

    guard = Guard(AddressRules(), resolve, timeout=1.0)
    a1, a2, mixed, none = check(guard, "a.test", "a.test", "mixed.test", "none.test")
    assert a1 == a2 and a1.kind == "ok" and a1.addresses == ("8.8.8.8",)
    assert mixed.kind == "refused" and "192.168.0.1" in mixed.reason
    assert none.kind == "error"
    assert sorted(calls) == ["a.test", "mixed.test", "none.test"]


def test_resolver_failures_and_slowness_are_reported() -> None:
    async def resolve(host: str) -> list[str]:
        if host == "slow.test":
            await asyncio.sleep(5)
        if host == "junk.test":
            return ["2130706433"]  # a resolver must answer with addresses, not spellings
        raise OSError("no such host")

    guard = Guard(AddressRules(), resolve, timeout=0.1)
    slow, junk, broken, literal = check(guard, "slow.test", "junk.test", "gone.test", "0x0a.1")
    assert slow.kind == "timeout"
    assert junk.kind == "error"
    assert broken.kind == "error" and "no such host" in broken.reason
    assert literal.kind == "refused" and "10.0.0.1" in literal.reason


class RecordingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.dialled: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.dialled.append((host, port))
        return httpcore.AsyncMockStream([])


def test_backend_dials_the_checked_address_never_the_name() -> None:
    async def resolve(host: str) -> list[str]:
        return {"good.test": ["8.8.4.4"], "inside.test": ["10.9.8.7"]}[host]

    async def run() -> tuple[RecordingBackend, list[str]]:
        inner = RecordingBackend()
        backend = GuardedBackend(Guard(AddressRules(), resolve, 1.0), inner)
        await backend.connect_tcp("good.test", 443)
        refused = []
        for host in ("inside.test", "2130706433", "localhost.localdomain..", "[::1]"):
            with pytest.raises(GuardBlocked) as blocked:
                await backend.connect_tcp(host, 80)
            refused.append(blocked.value.verdict.reason)
        with pytest.raises(GuardBlocked):
            await backend.connect_unix_socket("/var/run/docker.sock")
        return inner, refused

    inner, refused = asyncio.run(run())
    assert inner.dialled == [("8.8.4.4", 443)]
    assert len(refused) == 4 and all(refused)
