"""Measure lurewatch's mail detections on a labelled corpus: phishing vs legitimate mail.

Ingests <data>/email/phish and <data>/email/ham with the default configuration and no network
(--offline), runs every detection, and prints per class: composite authentication verdicts,
alerts per detection, and the share of messages with a medium-or-higher alert. The false-alarm
rate is that share on the legitimate class.

    python scripts/email_corpus_report.py [--data ../shared/data] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.expand_links import expand_pending
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store

SERIOUS = ("medium", "high", "critical")


def measure(
    data: Path, settings: Settings | None = None, workers: int | None = None
) -> dict[str, Any]:
    settings = settings or Settings()
    settings.dns.offline = True
    classes = {"phish": data / "email" / "phish", "ham": data / "email" / "ham"}
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "corpus.duckdb") as store:
        summaries = {
            c: ingest_paths(store, [p], settings, OfflineResolver(), workers=workers).as_dict()
            for c, p in classes.items()
        }
        expand_pending(store, settings, offline=True)
        build_baselines(store, settings)
        run_detections(DetectionContext(settings=settings, store=store))
        label = {}
        for r in store.rows('SELECT "event.id", "log.file.path" FROM email'):
            label[r["event.id"]] = next(
                c for c, p in classes.items() if r["log.file.path"].startswith(str(p))
            )
        totals = Counter(label.values())
        verdicts: dict[str, Counter[str]] = defaultdict(Counter)
        for r in store.rows(
            'SELECT "event.id", "lurewatch.auth.composite" c, "lurewatch.auth.reason" r FROM email'
        ):
            verdicts[label[r["event.id"]]][f"{r['c']}/{r['r']}"] += 1
        url_stats: dict[str, Counter[str]] = defaultdict(Counter)
        for r in store.rows(
            'SELECT "email.event_id" e, "lurewatch.url.shortened" s, "lurewatch.url.rewriter" w, '
            '"url.source" src FROM url'
        ):
            cls = label[r["e"]]
            url_stats[cls]["urls"] += 1
            url_stats[cls]["shortened"] += bool(r["s"])
            url_stats[cls]["unwrapped"] += bool(r["w"])
            url_stats[cls]["in_attachments"] += r["src"].split(":")[0] in (
                "attachment",
                "pdf",
                "qr",
            )
            url_stats[cls]["qr"] += r["src"].startswith("qr:")
        per_rule: dict[str, Counter[str]] = defaultdict(Counter)
        flagged: dict[str, set[str]] = defaultdict(set)
        flagged_by_clause: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for a in store.rows('SELECT "rule.id", clause, severity, evidence FROM alerts'):
            for ev in json.loads(a["evidence"]):
                cls = label.get(ev["event_id"])
                if cls is None:
                    continue
                per_rule[a["rule.id"]][f"{cls}:{a['severity']}"] += 1
                if a["severity"] in SERIOUS:
                    flagged[cls].add(ev["event_id"])
                    flagged_by_clause[a["clause"]][cls].add(ev["event_id"])
    return {
        "messages": dict(totals),
        "ingest": summaries,
        "links": {
            c: {**dict(v), "per_message": round(v["urls"] / max(totals[c], 1), 2)}
            for c, v in url_stats.items()
        },
        "composite_verdicts": {c: dict(v.most_common()) for c, v in verdicts.items()},
        "alerts_per_detection": {r: dict(v) for r, v in sorted(per_rule.items())},
        "medium_or_higher": {
            c: {"messages": len(flagged[c]), "share": round(len(flagged[c]) / max(totals[c], 1), 4)}
            for c in classes
        },
        "medium_or_higher_by_clause": {
            k: {c: len(v[c]) for c in classes} for k, v in sorted(flagged_by_clause.items())
        },
        "false_alarm_rate": round(len(flagged["ham"]) / max(totals["ham"], 1), 4),
        "detection_rate": round(len(flagged["phish"]) / max(totals["phish"], 1), 4),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("LUREWATCH_DATA") or str(
        Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    ap.add_argument("--data", default=default)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "email" / "phish").is_dir():
        print(f"no corpus at {data}/email: pass --data or set LUREWATCH_DATA", file=sys.stderr)
        return 2
    report = measure(data)
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(
        f"messages: {report['messages']}  rejected: "
        f"{ {c: s['rejected'] for c, s in report['ingest'].items()} }"
    )
    print("\nlinks:")
    for cls, v in report["links"].items():
        print(f"  {cls:5} {v}")
    print("\ncomposite verdicts:")
    for cls, v in report["composite_verdicts"].items():
        print(f"  {cls:5} {v}")
    print("\nalerts per detection (class:severity -> messages; ham false-alarm rate at medium+):")
    for rule, v in report["alerts_per_detection"].items():
        fa = sum(n for k, n in v.items() if k.startswith("ham:") and k.split(":")[1] in SERIOUS)
        print(f"  {rule:32} {str(v):60} {fa / max(report['messages']['ham'], 1):.1%}")
    print("\nmedium-or-higher alert, by clause:", report["medium_or_higher_by_clause"])
    print(f"\nphishing with a medium-or-higher alert: {report['detection_rate']:.1%}")
    print(
        f"legitimate with a medium-or-higher alert (false alarms): {report['false_alarm_rate']:.1%}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
