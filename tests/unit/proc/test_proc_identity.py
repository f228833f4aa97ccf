"""Process identity, port class, destination scope and user-writable paths, as plain functions
and as the Ibis expressions the analytics run: both must give the same answers."""

from __future__ import annotations

import ibis
import pytest

from lurewatch.config import Settings
from lurewatch.enrich.process_identity import (
    destination_scope,
    image_name,
    is_user_writable,
    port_class,
    port_class_expr,
    process_identity,
    user_writable_expr,
    with_identity,
    with_scope,
)
from lurewatch.store.memtable import key_table

NETS = Settings().organization.internal_networks

IDENTITIES = [
    ("C:\\Windows\\System32\\svchost.exe", "svchost.exe", "c:\\windows\\system32\\svchost.exe"),
    ("C:\\Users\\Public\\svchost.exe", "svchost.exe", "c:\\users\\*\\svchost.exe"),
    ("C:\\Users\\Bob\\Downloads\\x.exe", None, "c:\\users\\*\\downloads\\x.exe"),
    ("C:\\Users\\Alice\\Downloads\\x.exe", "?", "c:\\users\\*\\downloads\\x.exe"),
    (
        "C:\\Windows\\System32\\notepad.exe",
        "mshta.exe",
        "c:\\windows\\system32\\notepad.exe|mshta.exe",
    ),
    ("C:\\Windows\\System32\\notepad.exe", "NOTEPAD.EXE", "c:\\windows\\system32\\notepad.exe"),
    ("C:\\Windows\\System32\\UsoClient.exe", "UsoClient", "c:\\windows\\system32\\usoclient.exe"),
    ("C:\\Windows\\System32\\mspaint.exe", "MSPAINT.EXE.MUI", "c:\\windows\\system32\\mspaint.exe"),
    ("/home/alice/.local/bin/tool", None, "/home/*/.local/bin/tool"),
    ("/tmp/.x/kworker", None, "/tmp/.x/kworker"),
    (
        "C:\\Users\\bob\\AppData\\Local\\slack\\app-4.33.90\\slack.exe",
        "slack.exe",
        "c:\\users\\*\\appdata\\local\\slack\\*\\slack.exe",
    ),
    (
        "C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.23110.3-0\\MsMpEng.exe",
        "MsMpEng.exe",
        "c:\\programdata\\microsoft\\windows defender\\platform\\*\\msmpeng.exe",
    ),
    (
        "C:\\Users\\x\\AppData\\Local\\Temp\\{12345678-1234-1234-1234-123456789ABC}\\setup.exe",
        None,
        "c:\\users\\*\\appdata\\local\\temp\\{*}\\setup.exe",
    ),
    ("System", None, "system"),
    (None, None, ""),
]


@pytest.mark.parametrize(("exe", "ofn", "expected"), IDENTITIES)
def test_identity(exe: str | None, ofn: str | None, expected: str) -> None:
    assert process_identity(exe, ofn) == expected


def test_masquerading_binaries_do_not_share_the_real_identity() -> None:
    real = process_identity("C:\\Windows\\System32\\svchost.exe", "svchost.exe")
    assert process_identity("C:\\Users\\Public\\svchost.exe", "svchost.exe") != real
    assert process_identity("C:\\Windows\\System32\\svchost.exe", "mshta.exe") != real
    # The same program in two users' profiles is one identity.
    assert process_identity("C:\\Users\\a\\AppData\\x.exe") == process_identity(
        "C:\\Users\\b\\AppData\\x.exe"
    )


def test_identity_expression_matches_the_function() -> None:
    t = key_table(
        {"exe": [e for e, _, _ in IDENTITIES], "ofn": [o for _, o, _ in IDENTITIES]},
        {"exe": "string", "ofn": "string"},
    )
    rows = ibis.duckdb.connect().to_pyarrow(with_identity(t, t.exe, t.ofn, "id")).to_pylist()
    assert [r["id"] for r in rows] == [x for _, _, x in IDENTITIES]


PORTS = [
    ("tcp", 443, "https"),
    ("tcp", 8080, "http"),
    ("udp", 53, "dns"),
    ("tcp", 445, "smb"),
    ("tcp", 139, "smb"),
    ("tcp", 3389, "rdp"),
    ("tcp", 5986, "winrm"),
    ("tcp", 636, "ldap"),
    ("tcp", 88, "kerberos"),
    ("tcp", 135, "rpc"),
    ("tcp", 587, "smtp"),
    ("tcp", 22, "ssh"),
    ("tcp", 999, "tcp/999"),
    ("udp", 777, "udp/777"),
    ("tcp", 4444, "ephemeral"),
    ("tcp", 49666, "ephemeral"),
    ("tcp", None, "unknown"),
]


def test_port_class_function_and_expression_agree() -> None:
    for transport, port, expected in PORTS:
        assert port_class(transport, port) == expected
    t = key_table(
        {"tr": [p[0] for p in PORTS], "port": [p[1] for p in PORTS]},
        {"tr": "string", "port": "int32"},
    )
    rows = ibis.duckdb.connect().to_pyarrow(t.mutate(c=port_class_expr(t.tr, t.port))).to_pylist()
    assert [r["c"] for r in rows] == [p[2] for p in PORTS]


ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("127.0.0.2", "loopback"),
    ("0:0:0:0:0:0:0:1", "loopback"),  # Sysmon spells every group
    ("::1", "loopback"),
    ("10.0.2.15", "internal"),
    ("172.16.5.4", "internal"),
    ("172.32.0.1", "internet"),
    ("192.168.56.1", "internal"),
    ("169.254.1.1", "internal"),
    ("224.0.0.252", "internal"),
    ("239.255.255.250", "internal"),
    ("255.255.255.255", "internal"),
    ("fe80:0:0:0:80ac:4126:fa58:1b81", "internal"),
    ("ff02:0:0:0:0:0:1:3", "internal"),
    ("fd00::1:2:3:4:5", "internal"),
    ("::ffff:10.1.1.1", "internal"),
    ("::ffff:8.8.8.8", "internet"),
    ("104.20.208.21", "internet"),
    ("2001:db8::1", "internet"),
    ("2001:db8:0:1::5", "internet"),
    ("garbage", "internet"),
    (None, "internet"),
]


@pytest.mark.parametrize(
    "nets", [NETS, ["10.0.0.0/8", "2001:db8:0:1::/64"]], ids=["default", "ipv6-/64"]
)
def test_scope_expression_matches_the_function(nets: list[str]) -> None:
    t = key_table({"ip": [a for a, _ in ADDRESSES]}, {"ip": "string"})
    rows = ibis.duckdb.connect().to_pyarrow(with_scope(t, t.ip, nets, "s")).to_pylist()
    for r in rows:
        assert r["s"] == destination_scope(r["ip"], nets), r["ip"]


def test_scope_of_known_addresses() -> None:
    for address, expected in ADDRESSES:
        assert destination_scope(address, NETS) == expected, address
    assert destination_scope("2001:db8:0:1::5", ["2001:db8:0:1::/64"]) == "internal"


WRITABLE = [
    ("C:\\Users\\bob\\Downloads\\a.exe", True),
    ("C:\\Users\\bob\\AppData\\Local\\Temp\\a.exe", True),
    ("C:\\Users\\Public\\a.exe", True),
    ("C:\\Windows\\Temp\\a.exe", True),
    ("C:\\ProgramData\\a.exe", True),
    ("C:\\ProgramData\\Vendor\\service.exe", False),
    ("C:\\Windows\\System32\\svchost.exe", False),
    ("C:\\Program Files\\App\\app.exe", False),
    ("/tmp/x", True),
    ("/dev/shm/x", True),
    ("/home/alice/bin/x", True),
    ("/usr/bin/curl", False),
]


def test_user_writable_function_and_expression_agree() -> None:
    for path, expected in WRITABLE:
        assert is_user_writable(path) is expected, path
        assert is_user_writable(process_identity(path, "other.exe")) is expected, path
    ids = [process_identity(p) for p, _ in WRITABLE]
    t = key_table({"id": ids}, {"id": "string"})
    rows = ibis.duckdb.connect().to_pyarrow(t.mutate(w=user_writable_expr(t.id))).to_pylist()
    assert [bool(r["w"]) for r in rows] == [w for _, w in WRITABLE]


def test_extra_user_writable_paths() -> None:
    path = "D:\\Shares\\Scratch\\tool.exe"
    assert not is_user_writable(path)
    assert is_user_writable(path, ["d:\\shares\\scratch\\"])


def test_image_name() -> None:
    assert image_name("C:\\Windows\\System32\\WMIC.exe") == "wmic.exe"
    assert image_name("/usr/bin/curl") == "curl"
