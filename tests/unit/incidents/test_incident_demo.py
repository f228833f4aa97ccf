"""The demo's attack end to end: one new sender mails thirty employees a look-alike link, one
host fetches it (Zeek http log), then mshta.exe on that host connects to the same site (Sysmon).
It must come out as ONE incident joining mail, click and process, ranked above the unrelated
alerts, and a pivot on the site must show all three kinds of evidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lurewatch.cli.app import app

runner = CliRunner()
SITE = "northwind-payroll.example"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo-incidents") / "demo.duckdb"
    result = runner.invoke(app, ["demo", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    return db


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def lines(*args: str) -> list[dict[str, Any]]:
    return [json.loads(x) for x in run(*args).splitlines() if x.strip()]


def rules_of(db: Path, alert_ids: list[str]) -> set[str]:
    by_id = {a["alert_id"]: a["rule_id"] for a in lines("alerts", "--db", str(db), "--json")}
    return {by_id[a] for a in alert_ids}


def test_one_incident_links_mail_click_and_process(demo_db: Path) -> None:
    incidents = lines("incidents", "--db", str(demo_db), "--json", "--limit", "0")
    with_click = [i for i in incidents if "url_clicked" in rules_of(demo_db, i["alert_ids"])]
    assert len(with_click) == 1
    attack = with_click[0]
    rules = rules_of(demo_db, attack["alert_ids"])
    assert {
        "email_sender_fanout",
        "url_lookalike",
        "url_clicked",
        "proc_flagged_link_connection",
    } <= rules
    assert {"email", "url", "endpoint"} <= set(attack["channels"])
    assert attack["stages"][:3] == ["delivery", "click", "process"]
    assert SITE in attack["entities"]["domain"]
    assert "ws-14.northwind.example" in attack["entities"]["host"]
    for key in (
        "id",
        "score",
        "channels",
        "entities",
        "alert_ids",
        "first_seen",
        "last_seen",
        "state",
    ):
        assert key in attack
    # Ranked first, above every unrelated alert's incident.
    assert incidents[0]["id"] == attack["id"]
    assert all(attack["score"] > i["score"] for i in incidents[1:])
    # The unrelated attacks (CEO spoof, free-mail VIP, brand look-alike) stay out of it.
    assert not rules & {
        "email_org_domain_spoof",
        "email_brand_impersonation",
        "email_risky_attachment",
    }


def test_incident_view_has_timeline_sources_and_playbooks(demo_db: Path) -> None:
    top = lines("incidents", "--db", str(demo_db), "--json", "--limit", "1")[0]
    view = json.loads(run("incident", top["id"][:10], "--db", str(demo_db), "--json"))
    timeline = view["timeline"]
    times = [a["@timestamp"] for a in timeline]
    assert times == sorted(times)
    sources = {
        e["source"].rsplit("@", 1)[0].rsplit("/", 1)[-1] for a in timeline for e in a["evidence"]
    }
    assert {"http.log", "sysmon.jsonl"} <= sources and any(s.endswith(".eml") for s in sources)
    families = {a["playbook"]["family"] for a in timeline}
    assert {"suspicious_email", "link_clicked", "process_connection"} <= families
    click = next(a for a in timeline if a["rule_id"] == "url_clicked")
    assert f"lurewatch pivot {SITE} --db {demo_db}" in click["playbook"]["pivots"]
    assert click["playbook"]["containment"] and click["playbook"]["check"]
    text = run("incident", top["id"], "--db", str(demo_db))
    assert "Timeline" in text and "Playbook: Link clicked" in text and "lurewatch pivot" in text


def test_pivot_on_the_site_shows_mail_click_and_process(demo_db: Path) -> None:
    hits = lines("pivot", SITE, "--db", str(demo_db), "--json", "--limit", "500")
    tables = {h["table"] for h in hits}
    assert {"url", "http_request", "proc_net", "alerts"} <= tables
    alert_rules = {h["rule_id"] for h in hits if h["table"] == "alerts"}
    assert {"url_lookalike", "url_clicked", "proc_flagged_link_connection"} <= alert_rules
    times = [h["@timestamp"] for h in hits]
    assert times == sorted(times, reverse=True)
    assert len(lines("pivot", SITE, "--db", str(demo_db), "--json", "--limit", "5")) == 5


def test_alert_view_shows_the_playbook(demo_db: Path) -> None:
    click = next(
        a for a in lines("alerts", "--db", str(demo_db), "--json") if a["rule_id"] == "url_clicked"
    )
    view = json.loads(run("alert", click["alert_id"], "--db", str(demo_db), "--json"))
    assert view["playbook"]["family"] == "link_clicked" and view["incident_id"]
    assert any(e["kind"] == "http_request" and "http.log" in e["source"] for e in view["evidence"])


def test_detect_again_keeps_incidents_and_their_state(demo_db: Path) -> None:
    before = lines("incidents", "--db", str(demo_db), "--json", "--limit", "0")
    top = before[0]["id"]
    run("triage", "incident", top, "--state", "acknowledged", "--db", str(demo_db))
    run("detect", "--db", str(demo_db), "--offline", "--json")
    after = lines("incidents", "--db", str(demo_db), "--json", "--limit", "0")
    assert {i["id"] for i in after} >= {i["id"] for i in before}
    again = next(i for i in after if i["id"] == top)
    assert again["state"] == "acknowledged"
