"""Links from ingested mail become url rows; a recipient's visit in proxy logs marks a click."""

from __future__ import annotations

import json
from pathlib import Path

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.expand_links import expand_pending
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store

MAIL = """From: "Bank" <alerts@mailer.example.net>
To: bob@corp.example, carol@corp.example
Subject: Your account
Date: Mon, 05 Jan 2026 09:00:00 +0000
Message-ID: <1@mailer.example.net>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>Please <a href="https://www.bank.example@login-check.example/verify">sign in</a>,
or read <a href="https://bit.ly/3abc">this</a>.</p><img src="https://img.mailer.example.net/p.gif">
"""


def _zeek_http(ts: float, ip: str, host: str) -> str:
    return json.dumps(
        {
            "ts": ts,
            "uid": f"C{int(ts)}{ip}",
            "id.orig_h": ip,
            "id.orig_p": 50000,
            "id.resp_h": "203.0.113.9",
            "id.resp_p": 443,
            "method": "GET",
            "host": host,
            "uri": "/verify",
            "status_code": 200,
        }
    )


def test_links_clicks_and_alerts(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "m.eml").write_text(MAIL)
    delivered = 1767603600.0  # 2026-01-05 09:00 UTC
    (tmp_path / "http.log").write_text(
        "\n".join(
            [
                _zeek_http(delivered - 600, "10.1.2.3", "login-check.example"),  # before delivery
                _zeek_http(delivered + 900, "10.1.2.3", "login-check.example"),  # bob, 15 min after
                _zeek_http(
                    delivered + 1200, "10.9.9.9", "login-check.example"
                ),  # a host of no recipient
            ]
        )
        + "\n"
    )
    (tmp_path / "hosts.csv").write_text("mailbox,ip\nbob@corp.example,10.1.2.3\n")
    settings = Settings()
    settings.organization.domains = ["corp.example"]
    settings.assets.mailbox_hosts_file = str(tmp_path / "hosts.csv")
    settings.dns.offline = True
    with Store(tmp_path / "db.duckdb") as store:
        summary = ingest_paths(
            store,
            [tmp_path / "mail", tmp_path / "http.log"],
            settings,
            OfflineResolver(),
            workers=1,
        )
        assert summary.read == {"email": 1, "http_request": 3}
        urls = store.rows(
            'SELECT "url.domain", "url.source", "lurewatch.url.shortened" FROM url ORDER BY "lurewatch.url.position"'
        )
        assert [u["url.domain"] for u in urls] == [
            "login-check.example",
            "bit.ly",
            "img.mailer.example.net",
        ]
        assert urls[1]["lurewatch.url.shortened"] and urls[2]["url.source"] == "html:src"
        expanded = expand_pending(store, settings)
        assert expanded == {"offline": 1}  # the shortened link is not fetched offline, and says why
        build_baselines(store, settings)
        clicks = store.rows('SELECT "source.ip", "click.recipient" FROM url_click')
        assert clicks == [{"source.ip": "10.1.2.3", "click.recipient": "bob@corp.example"}]
        run_detections(DetectionContext(settings=settings, store=store))
        alerts = {r["rule.id"]: r for r in store.rows("SELECT * FROM alerts")}
    assert "url_suspicious_structure" in alerts
    click = alerts["url_clicked"]
    assert click["severity"] == "high"
    assert "bob@corp.example" in click["message"] and "10.1.2.3" in click["message"]
    kinds = {e["kind"] for e in json.loads(click["evidence"])}
    assert kinds == {"email", "url", "http_request"}
