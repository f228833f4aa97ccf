"""`lurewatch report --html`: what the page holds, on the demo, on an empty store, and that
hostile text from mail and logs stays text. The page is checked in a browser in
test_html_report_browser.py."""

from __future__ import annotations

import datetime as dt
import html
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb
from reportkit import BREAKOUT, SCRIPT, T0

from lurewatch.report.coverage import CLAUSES
from lurewatch.report.html.charts import Bar, vertical_bars
from lurewatch.report.html.data import MAX_DAYS, alerts_per_day
from lurewatch.report.html.markup import el, esc
from lurewatch.store import Store


class Elements(HTMLParser):
    """Every start tag with its attributes, in document order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def assert_fetches_nothing(page: str) -> None:
    """No resource is loaded from anywhere: links are fragments, the icon is inline data."""
    parsed = Elements(page)
    for tag, attrs in parsed.tags:
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            value = (attrs.get(name) or "").strip()
            if value:
                assert value.startswith(("#", "data:")), (tag, name, value)
    assert [a for a in parsed.named("script") if "src" in a] == []
    assert parsed.named("img") == [] and parsed.named("iframe") == []
    csp = [a for a in parsed.named("meta") if a.get("http-equiv") == "Content-Security-Policy"]
    assert csp and "default-src 'none'" in (csp[0].get("content") or "")


def test_demo_report_has_every_section(demo_report: Path, demo_db: Path) -> None:
    page = demo_report.read_text(encoding="utf-8")
    parsed = Elements(page)
    ids = {a.get("id") for _, a in parsed.tags}
    assert {"readiness", "incidents", "activity", "senders", "destinations"} <= ids
    assert {"chart-clause", "chart-day"} <= {a.get("id") for a in parsed.named("svg")}
    with duckdb.connect(str(demo_db), read_only=True) as con:
        incidents = con.execute('SELECT "incident.id" FROM incidents').fetchall()
        alerts = con.execute("SELECT count(*) FROM alerts").fetchone()
        top_sender = con.execute(
            'SELECT "sender.key" FROM baseline_sender ORDER BY recipients DESC LIMIT 1'
        ).fetchone()
    assert incidents and alerts and top_sender
    assert {f"incident-{i}" for (i,) in incidents} <= ids
    # The highest-scoring incident is open, with its timeline and playbooks.
    first = parsed.named("details")[0]
    assert "open" in first
    assert "url_clicked" in page and "Playbook: Link clicked" in page
    assert f"{alerts[0]} alerts" in page
    assert html.escape(top_sender[0]) in page
    # Every clause of the capability table has a readiness row.
    for cid in CLAUSES:
        assert f"<strong>{cid}</strong>" in page
    assert "No network flows ingested yet." in page
    assert_fetches_nothing(page)


def test_empty_store_is_day_one(empty_report: Path) -> None:
    page = empty_report.read_text(encoding="utf-8")
    assert "No alerts yet" in page and "No incidents yet" in page
    assert "No mail ingested yet." in page and "No network flows ingested yet." in page
    assert 'class="badge blind"' in page and "<svg" not in page
    assert_fetches_nothing(page)


def test_hostile_content_is_escaped(hostile_report: Path) -> None:
    page = hostile_report.read_text(encoding="utf-8")
    assert SCRIPT not in page and BREAKOUT not in page
    assert "<img" not in page and "alert(1)</script>" not in page
    assert html.escape(SCRIPT) in page
    assert html.escape(BREAKOUT) in page
    parsed = Elements(page)
    assert len(parsed.named("script")) == 1  # only the page's own filter script
    for _, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs)
    # The evidence summary carries the subject; a link in it stays text.
    assert html.escape("https://evil.example/pay") in page
    assert_fetches_nothing(page)


def test_rare_destinations_leave_out_common_ones(hostile_report: Path) -> None:
    page = hostile_report.read_text(encoding="utf-8")
    assert html.escape(f"c2{BREAKOUT}.example") in page
    assert "everyone-uses-this.example" not in page


def test_alerts_per_day_fills_quiet_days_and_keeps_the_recent_ones(store: Store) -> None:
    base = {"alert.id": "", "rule.id": "r", "clause": "E1", "severity": "low", "alert.state": "new"}
    times = [T0, T0 + dt.timedelta(days=3), T0 + dt.timedelta(days=3), T0 - dt.timedelta(days=200)]
    rows = [{**base, "alert.id": f"a{i}", "@timestamp": t} for i, t in enumerate(times)]
    rows.append({**base, "alert.id": "undated", "@timestamp": None})
    store.replace_by_key("alerts", "alert.id", rows)
    counts = alerts_per_day(store)
    assert len(counts.days) == MAX_DAYS
    assert counts.days[-1] == (T0.date() + dt.timedelta(days=3), 2)
    assert counts.days[-4] == (T0.date(), 1) and counts.days[-2][1] == 0
    assert counts.earlier == 1 and counts.undated == 1


def test_day_labels_do_not_crowd() -> None:
    bars = [Bar(f"d{i}", i) for i in range(90)]
    svg = vertical_bars(bars, "c", "t")
    assert svg.count("<rect") == 90
    assert svg.count('class="label"') < 15


def test_markup_escapes_children_and_attributes() -> None:
    assert el("td", SCRIPT) == f"<td>{html.escape(SCRIPT)}</td>"
    assert el("a", "x", href=BREAKOUT) == f'<a href="{html.escape(BREAKOUT)}">x</a>'
    assert el("b", el("i", "<")) == "<b><i>&lt;</i></b>"
    assert esc(None) == "" and el("input", hidden=True, value=None) == "<input hidden>"


def test_cli_reports_an_unwritable_file_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "lurewatch",
            "report",
            "--html",
            str(tmp_path / "missing" / "report.html"),
            "--db",
            str(tmp_path / "x.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot write") and result.stderr.count("\n") == 1
