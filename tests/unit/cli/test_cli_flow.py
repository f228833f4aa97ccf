"""The command line as a user runs it: demo, ingest twice, detect, alerts --json, inspect, coverage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lurewatch.cli.app import app

runner = CliRunner()

MSG = (
    'From: "Dana Whitfield" <dana.w.office@gmail.com>\r\nTo: bob@corp.example\r\n'
    "Reply-To: dw.assistant@gmail.com\r\nSubject: quick task\r\n"
    "Date: Mon, 05 Jan 2026 09:00:00 +0000\r\nMessage-ID: <{i}@gmail.com>\r\n\r\nAre you at your desk?\r\n"
)


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    result = runner.invoke(app, ["demo", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return db


def alerts_of(db: Path, *extra: str) -> list[dict]:  # type: ignore[type-arg]
    result = runner.invoke(app, ["alerts", "--db", str(db), "--json", *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_demo_raises_the_scenario_alerts(demo_db: Path) -> None:
    alerts = alerts_of(demo_db)
    rules = {a["rule_id"] for a in alerts}
    assert {
        "url_clicked",
        "url_lookalike",
        "proc_flagged_link_connection",
        "email_sender_fanout",
        "email_org_domain_spoof",
        "email_vip_impersonation",
        "email_risky_attachment",
    } <= rules
    fanout = next(a for a in alerts if a["rule_id"] == "email_sender_fanout")
    assert fanout["clause"] == "E2"
    assert fanout["entities"]["sender"] == "notice@payroll-update.example"
    assert len(fanout["entities"]["recipients"]) == 30
    assert len(fanout["evidence"]) == 30
    assert all(e["kind"] == "email" and e["source"].endswith(".eml") for e in fanout["evidence"])
    for a in alerts:
        assert a["severity"] in ("low", "medium", "high", "critical")
        assert a["message"] and a["@timestamp"] and a["evidence"]
    # No ordinary partner mail alerts.
    assert not [
        a
        for a in alerts
        if "partner" in json.dumps(a["entities"]) or "acme" in json.dumps(a["entities"])
    ]


def test_alerts_name_their_incident(demo_db: Path) -> None:
    alerts = alerts_of(demo_db)
    by_rule = {a["rule_id"]: a["incident_id"] for a in alerts}
    # the click and the process it led to are one story
    assert (
        by_rule["url_clicked"] and by_rule["url_clicked"] == by_rule["proc_flagged_link_connection"]
    )
    assert len(alerts) == len({a["alert_id"] for a in alerts})  # one row per alert


def test_alert_filters(demo_db: Path) -> None:
    high = alerts_of(demo_db, "--min-severity", "high")
    assert high and all(a["severity"] in ("high", "critical") for a in high)
    e2 = alerts_of(demo_db, "--clause", "E2")
    assert e2 and all(a["clause"] == "E2" for a in e2)


def test_detect_twice_keeps_alerts_and_their_state(demo_db: Path) -> None:
    before = alerts_of(demo_db)
    result = runner.invoke(app, ["detect", "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    after = alerts_of(demo_db)
    assert sorted(a["alert_id"] for a in before) == sorted(a["alert_id"] for a in after)


def test_rules_list_and_detect_name_what_a_detection_needs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["rules", "list", "--json"])
    assert result.exit_code == 0, result.output
    rules = {r["id"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert rules["proc_should_not_connect"]["requires"] == ["proc_net"]
    assert rules["email_dmarc_fail_enforced"]["requires"] == ["email"]
    db = tmp_path / "mail-only.duckdb"
    (tmp_path / "m.eml").write_text(MSG.format(i=1))
    assert runner.invoke(app, ["ingest", "--db", str(db), str(tmp_path / "m.eml")]).exit_code == 0
    result = runner.invoke(app, ["detect", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    not_run = json.loads(result.stdout)["not_run"]
    assert not_run["proc_should_not_connect"] == ["proc_net"]
    assert "email_sender_fanout" not in not_run  # the message has an internal recipient


def test_coverage_json(demo_db: Path) -> None:
    result = runner.invoke(app, ["coverage", "--db", str(demo_db), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    clauses = report["clauses"]
    assert set(clauses) >= {
        "N1",
        "N2",
        "N3",
        "P1",
        "P2",
        "E1",
        "E2",
        "U1",
        "U2",
        "S1",
        "V1",
        "C1",
        "R1",
    }
    assert clauses["E1"]["status"] == "covered"
    assert clauses["E2"]["status"] in ("covered", "partial")
    assert clauses["N1"]["status"] == "blind" and clauses["N1"]["reasons"]
    assert clauses["E2"]["sources"][0]["rows"] > 0


def test_ingest_is_idempotent_and_counts_rejects(tmp_path: Path) -> None:
    mail = tmp_path / "mail"
    mail.mkdir()
    for i in range(3):
        (mail / f"{i}.eml").write_text(MSG.format(i=i))
    (mail / "garbage.eml").write_bytes(b"\x00\xff" * 100)
    db = tmp_path / "t.duckdb"
    args = ["ingest", str(mail), "--db", str(db), "--offline", "--json", "--workers", "1"]
    first = json.loads(runner.invoke(app, args).stdout)
    assert first["read"] == {"email": 3} and first["added"]["email"] == 3
    assert first["rejected"] == 1
    second = json.loads(runner.invoke(app, args).stdout)
    assert second["added"].get("email", 0) == 0 and second["duplicates"] == 3
    result = runner.invoke(app, ["rejects", "--db", str(db), "--json"])
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert len(rows) == 1 and rows[0]["log.file.path"].endswith("garbage.eml")


def test_inspect_email_json(tmp_path: Path) -> None:
    f = tmp_path / "reported.eml"
    f.write_text(MSG.format(i=1))
    cfg = tmp_path / "lw.toml"
    cfg.write_text('[organization]\ndomains = ["corp.example"]\nvip_names = ["Dana Whitfield"]\n')
    result = runner.invoke(
        app,
        [
            "inspect",
            "email",
            str(f),
            "--offline",
            "--json",
            "--config",
            str(cfg),
            "--db",
            str(tmp_path / "none.duckdb"),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["email"]["email.from.address"] == "dana.w.office@gmail.com"
    assert report["email"]["lurewatch.auth.composite"] == "none"
    rules = {a["rule_id"] for a in report["alerts"]}
    assert "email_vip_impersonation" in rules


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lurewatch", *args], capture_output=True, text=True, timeout=120
    )


def test_errors_are_one_line(tmp_path: Path) -> None:
    result = _run("ingest", str(tmp_path / "missing"), "--db", str(tmp_path / "x.duckdb"))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "no such file or folder" in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[organization]\ndomainz = []\n")
    result = _run("coverage", "--config", str(bad), "--db", str(tmp_path / "x.duckdb"))
    assert result.returncode == 1
    assert "unknown setting 'domainz'" in result.stderr and result.stderr.strip().count("\n") == 0
