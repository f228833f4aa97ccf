"""`lurewatch triage alert|incident`: the state is stored and shown; mistakes are one clear line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from alertkit import alert, store_alerts
from typer.testing import CliRunner

from lurewatch.cli.app import app
from lurewatch.config import Settings
from lurewatch.errors import LurewatchError
from lurewatch.incidents.build import build_incidents
from lurewatch.store import Store

runner = CliRunner()


def make_db(tmp_path: Path) -> tuple[Path, str, str]:
    db = tmp_path / "t.duckdb"
    mail = alert("url_lookalike", "U2", 0, sender="a@evil.example", url_domains=["pay.example"])
    click = alert("url_clicked", "U2", 9, evidence_kind="http_request", url_domains=["pay.example"])
    with Store(db) as store:
        store_alerts(store, mail, click)
        build_incidents(store, Settings())
        iid = store.scalar('SELECT "incident.id" FROM incidents')
    return db, mail["alert.id"], iid


def test_triage_alert_and_incident(tmp_path: Path) -> None:
    db, aid, iid = make_db(tmp_path)
    r = runner.invoke(
        app, ["triage", "alert", aid[:8], "--state", "acknowledged", "--db", str(db), "--json"]
    )
    assert r.exit_code == 0, r.output
    assert (
        json.loads(r.stdout).items()
        >= {"id": aid, "state": "acknowledged", "previous": "new"}.items()
    )
    alerts = runner.invoke(app, ["alerts", "--db", str(db), "--json", "--state", "acknowledged"])
    assert [json.loads(x)["alert_id"] for x in alerts.stdout.splitlines()] == [aid]
    r = runner.invoke(
        app,
        [
            "triage",
            "incident",
            iid,
            "--state",
            "closed",
            "--reason",
            "phishing test",
            "--with-alerts",
            "--db",
            str(db),
        ],
    )
    assert r.exit_code == 0, r.output
    (inc,) = [
        json.loads(x)
        for x in runner.invoke(app, ["incidents", "--db", str(db), "--json"]).stdout.splitlines()
    ]
    assert inc["state"] == "closed" and inc["state_reason"] == "phishing test"
    closed = runner.invoke(
        app, ["alerts", "--db", str(db), "--json", "--state", "closed"]
    ).stdout.splitlines()
    assert len(closed) == 2
    listed = runner.invoke(app, ["incidents", "--db", str(db), "--json", "--state", "new"]).stdout
    assert listed.strip() == ""


def test_closing_without_a_reason_is_refused(tmp_path: Path) -> None:
    db, _, iid = make_db(tmp_path)
    r = runner.invoke(app, ["triage", "incident", iid, "--state", "closed", "--db", str(db)])
    assert r.exit_code != 0 and isinstance(r.exception, LurewatchError)
    assert "reason" in str(r.exception)


def test_errors_are_one_plain_line(tmp_path: Path) -> None:
    db, _, _ = make_db(tmp_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "lurewatch",
            "triage",
            "alert",
            "0000000000",
            "--state",
            "new",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr == "error: no alert with id 0000000000\n"
