"""The P2 baseline over the store: connections joined to their process starts, keyed by
identity, transport, port class and scope, per host and org-wide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lurewatch.baselines.build import build_baselines
from lurewatch.baselines.proc_net import build_proc_net_baseline, connections
from lurewatch.config import Settings
from lurewatch.detections.examples_proc import WHEN, proc_conn, proc_start
from lurewatch.store import Store

CHROME = "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"
WORD = "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"


def _rows(store: Store, level: str) -> list[dict[str, Any]]:
    return store.rows(
        'SELECT * FROM baseline_proc_net WHERE "baseline.level" = ? '
        'ORDER BY "host.name", "process.identity", "lurewatch.port_class", '
        '"lurewatch.destination_scope"',
        [level],
    )


def test_host_and_org_rows(store: Store) -> None:
    a = proc_start(CHROME, "chrome.exe", host="ws01")
    b = proc_start(CHROME, "chrome.exe", host="ws02", at=WHEN + dt.timedelta(hours=1))
    conns = [
        proc_conn(a, "142.250.74.78", 443),
        proc_conn(a, "142.250.74.79", 443, at=WHEN + dt.timedelta(minutes=5)),
        proc_conn(b, "142.250.74.78", 443),
        proc_conn(b, "10.0.0.53", 53, transport="udp"),
        proc_conn(b, "127.0.0.1", 9222),
    ]
    store.insert("process", [a, b])
    store.insert("proc_net", conns)
    assert build_proc_net_baseline(store, Settings()) == 4 + 3

    hosts = _rows(store, "host")
    ws01 = [r for r in hosts if r["host.name"] == "ws01"]
    assert len(ws01) == 1
    r = ws01[0]
    assert r["process.identity"] == CHROME.lower()
    assert (
        r["network.transport"],
        r["lurewatch.port_class"],
        r["lurewatch.destination_scope"],
    ) == (
        "tcp",
        "https",
        "internet",
    )
    assert r["connections"] == 2 and r["hosts"] == 1
    assert r["first_seen"] == WHEN + dt.timedelta(seconds=1)
    assert r["last_seen"] == WHEN + dt.timedelta(minutes=5)
    assert r["first_event_id"] == conns[0]["event.id"]

    org = {
        (r["lurewatch.port_class"], r["lurewatch.destination_scope"]): r
        for r in _rows(store, "org")
    }
    assert set(org) == {("https", "internet"), ("dns", "internal"), ("ephemeral", "loopback")}
    https = org[("https", "internet")]
    assert https["host.name"] is None
    assert https["connections"] == 3 and https["hosts"] == 2
    assert https["first_event_id"] == conns[0]["event.id"]


def test_connections_keep_unknown_starts_and_drop_accepted(store: Store) -> None:
    started = proc_start(WORD, "winword.exe /n a.docx", original_file_name="WinWord.exe")
    unknown = proc_start("C:\\Windows\\System32\\svchost.exe", "", at=WHEN)
    # The same ProcessGuid on another host is another process: it must not borrow this start.
    elsewhere = dict(
        unknown, **{"host.name": "ws09", "process.entity_id": started["process.entity_id"]}
    )
    store.insert("process", [started])
    store.insert(
        "proc_net",
        [
            proc_conn(started, "52.109.1.1", 443),
            proc_conn(unknown, "20.190.160.1", 443),
            proc_conn(unknown, "10.0.0.5", 49670, initiated=False),
            proc_conn(elsewhere, "20.190.160.1", 443),
        ],
    )
    rows = {
        (r["host.name"], r["process.name"]): r
        for r in store.ibis.to_pyarrow(connections(store, Settings())).to_pylist()
    }
    assert len(rows) == 3  # the accepted connection is not counted
    word = rows[("ws01.corp.example", "winword.exe")]
    assert word["process.command_line"] == "winword.exe /n a.docx"
    assert word["process.parent.executable"] == "C:\\Windows\\explorer.exe"
    assert word["process.start.event_id"] == started["event.id"]
    svchost = rows[("ws01.corp.example", "svchost.exe")]
    assert svchost["process.command_line"] is None and svchost["process.start.event_id"] is None
    assert svchost["process.identity"] == "c:\\windows\\system32\\svchost.exe"
    assert rows[("ws09", "svchost.exe")]["process.start.event_id"] is None


def test_renamed_binary_is_its_own_key(store: Store) -> None:
    real = proc_start("C:\\Windows\\System32\\mshta.exe", "mshta.exe a.hta")
    fake = proc_start(
        "C:\\Windows\\System32\\notepad.exe", "notepad.exe", original_file_name="MSHTA.EXE"
    )
    store.insert("process", [real, fake])
    store.insert("proc_net", [proc_conn(real, "10.0.0.7", 80), proc_conn(fake, "10.0.0.7", 80)])
    build_proc_net_baseline(store, Settings())
    ids = {r["process.identity"] for r in _rows(store, "org")}
    assert ids == {
        "c:\\windows\\system32\\mshta.exe",
        "c:\\windows\\system32\\notepad.exe|mshta.exe",
    }


def test_ties_are_broken_by_event_id(store: Store) -> None:
    p = proc_start(CHROME, "chrome.exe")
    same_time = [proc_conn(p, f"142.250.74.{i}", 443, at=WHEN) for i in range(1, 6)]
    store.insert("process", [p])
    store.insert("proc_net", same_time)
    build_proc_net_baseline(store, Settings())
    first = {r["first_event_id"] for r in _rows(store, "host") + _rows(store, "org")}
    assert first == {min(c["event.id"] for c in same_time)}


def test_rebuilt_from_scratch_and_registered(store: Store) -> None:
    p = proc_start(CHROME, "chrome.exe")
    store.insert("process", [p])
    store.insert("proc_net", [proc_conn(p, "142.250.74.78", 443)])
    assert build_baselines(store, Settings())["proc_net"] == 2
    assert build_baselines(store, Settings())["proc_net"] == 2
    assert store.count("baseline_proc_net") == 2
    store.execute("DELETE FROM proc_net")
    assert build_proc_net_baseline(store, Settings()) == 0
    assert store.count("baseline_proc_net") == 0
