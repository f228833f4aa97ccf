"""The whole page: style, sections and a few lines of script, in one file that fetches nothing.

The Content-Security-Policy forbids every fetch (scripts, styles, images, frames, connections)
except what is inline, so even markup that slipped past escaping could not load anything.
"""

from __future__ import annotations

from pathlib import Path

from lurewatch.config import Settings
from lurewatch.errors import LurewatchError
from lurewatch.report.html.data import ReportData, gather
from lurewatch.report.html.incident_section import incidents
from lurewatch.report.html.markup import Markup, el, join
from lurewatch.report.html.sections import activity, destinations, readiness, senders
from lurewatch.store import Store

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1em 2em;
  color: #1d232b; background: #fff; }
header { border-bottom: 2px solid #2f4b7c; margin-bottom: 1em; }
nav a { margin-right: 1.2em; }
h2 { border-bottom: 1px solid #d5dbe3; padding-bottom: .2em; margin-top: 1.8em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
th, td { border: 1px solid #d5dbe3; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
td ul { margin: 0; padding-left: 1.1em; }
code { font-size: 12px; background: #f3f5f8; padding: 0 .25em; overflow-wrap: anywhere; }
.note { color: #59636e; font-style: italic; }
.summary { font-weight: 600; }
.badge { display: inline-block; border-radius: 3px; padding: 0 .4em; font-size: 12px;
  background: #e4e8ee; }
.covered, .monitored, .low, .common { background: #d7f0dc; }
.partial, .medium, .rare { background: #fbefc5; }
.blind, .outside, .high, .new { background: #fbd5d2; }
.critical { background: #b3261e; color: #fff; }
svg.chart { width: 100%; height: auto; max-width: 960px; display: block; }
svg.chart .bar { fill: #2f4b7c; }
svg.chart g:hover .bar { fill: #f95d6a; }
svg.chart .label, svg.chart .value { font-size: 12px; fill: #1d232b; }
svg.chart .axis { stroke: #8a949f; }
details.incident { border: 1px solid #d5dbe3; border-radius: 4px; margin: .6em 0; padding: .4em .8em; }
details.incident summary { cursor: pointer; }
.score { font-weight: 700; font-size: 16px; }
.title { font-weight: 600; }
.meta { color: #59636e; font-size: 12px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .1em 1em; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
ol.timeline { border-left: 3px solid #2f4b7c; padding-left: 2.5em; }
li.alert { margin-bottom: .8em; }
.message { margin: .2em 0; }
ul.evidence { font-size: 12px; color: #3a424b; overflow-wrap: anywhere; }
.kind { font-weight: 600; }
#incident-filter { width: 100%; max-width: 40em; padding: .3em; margin: .3em 0; }
"""

# Hides the incidents whose text does not contain what is typed in the filter box.
SCRIPT = """
(function () {
  var box = document.getElementById("incident-filter");
  if (!box) { return; }
  box.addEventListener("input", function () {
    var wanted = box.value.toLowerCase();
    document.querySelectorAll("details.incident").forEach(function (d) {
      d.hidden = wanted !== "" && d.textContent.toLowerCase().indexOf(wanted) < 0;
    });
  });
})();
"""

NAV = (
    ("#readiness", "Readiness"),
    ("#incidents", "Incidents"),
    ("#activity", "Alerts"),
    ("#senders", "Senders"),
    ("#destinations", "Rare destinations"),
)


def render(data: ReportData) -> str:
    head = el(
        "head",
        el("meta", charset="utf-8"),
        el("meta", http_equiv="Content-Security-Policy", content=CSP),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        # An empty icon: otherwise the browser asks for /favicon.ico.
        el("link", rel="icon", href="data:,"),
        el("title", "lurewatch report"),
        el("style", Markup(STYLE)),
    )
    header = el(
        "header",
        el("h1", "lurewatch report"),
        el(
            "p",
            f"Generated {data.generated:%Y-%m-%d %H:%M} UTC from ",
            el("code", data.store_path),
            f". {data.alerts_total} alerts, {data.incidents_total} incidents. "
            "Times are UTC. MITRE ATT&CK analytic AN1955.",
            class_="meta",
        ),
        el("nav", join(el("a", text, href=href) for href, text in NAV)),
    )
    body = el(
        "body",
        header,
        el(
            "main",
            readiness(data),
            incidents(data),
            activity(data),
            senders(data),
            destinations(data),
        ),
        el("script", Markup(SCRIPT)),
    )
    return "<!DOCTYPE html>\n" + el("html", head, body, lang="en") + "\n"


def write_report(
    store: Store, settings: Settings, path: Path, incidents: int = 20, db_hint: Path | None = None
) -> ReportData:
    """Gather, render and write the page; returns what it showed."""
    data = gather(store, settings, incidents, db_hint)
    try:
        path.write_text(render(data), encoding="utf-8")
    except OSError as exc:
        raise LurewatchError(f"cannot write {path}: {exc.strerror or exc}") from None
    return data
