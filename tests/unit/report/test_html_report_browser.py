"""The HTML report in a real browser: headless Chromium (the system's, never a downloaded one)
opens the file and it renders its charts, readiness and timelines with no console errors, no
requests beyond the file itself, and no script from the data ever running."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from reportkit import SCRIPT

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="the playwright package is not installed (pip install playwright)"
)

CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium")) if p and Path(p).exists()), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium browser found (Debian: apt-get install chromium)"
)

# Nothing may reach the network: no background services, updates or QUIC probes.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class Opened:
    page: Any
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert [m for m in self.console if m[0] in ("error", "warning")] == []
        assert self.errors == [] and self.dialogs == []
        assert all(u.startswith(("file://", "data:")) for u in self.requests), self.requests


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})

    def opener(path: Path) -> Opened:
        page = context.new_page()
        opened = Opened(page)
        page.on("console", lambda m: opened.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.on("request", lambda r: opened.requests.append(r.url))

        def on_dialog(d: Any) -> None:
            opened.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)
        page.goto(path.resolve().as_uri(), wait_until="load")
        return opened

    yield opener
    context.close()


def test_demo_report_renders_charts_readiness_and_timelines(
    demo_report: Path, open_page: Any
) -> None:
    opened = open_page(demo_report)
    page = opened.page
    for chart in ("svg#chart-clause", "svg#chart-day"):
        assert page.locator(chart).is_visible()
        box = page.locator(chart).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
        assert page.locator(f"{chart} rect.bar").count() > 0
    readiness = page.locator("#readiness table.readiness")
    assert readiness.is_visible() and readiness.locator("tbody tr").count() >= 12
    first = page.locator("details.incident").first
    assert first.get_attribute("open") is not None
    assert first.locator("ol.timeline li.alert").first.is_visible()
    assert first.locator("ol.timeline li.alert").count() >= 4
    # The filter box keeps only the incidents that mention what is typed.
    total = page.locator("details.incident").count()
    page.fill("#incident-filter", "url_clicked")
    assert page.locator("details.incident:visible").count() == 1 < total
    page.fill("#incident-filter", "")
    assert page.locator("details.incident:visible").count() == total
    opened.assert_clean()


def test_empty_store_report_renders(empty_report: Path, open_page: Any) -> None:
    opened = open_page(empty_report)
    assert opened.page.locator("#readiness table.readiness").is_visible()
    assert opened.page.locator("#activity p.note").is_visible()
    opened.assert_clean()


def test_hostile_text_never_runs(hostile_report: Path, open_page: Any) -> None:
    opened = open_page(hostile_report)
    page = opened.page
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1
    # The attacker's markup is shown as the text it is.
    assert page.get_by_text(SCRIPT).first.is_visible()
    opened.assert_clean()
