"""Precision and recall of the network detections against the labels of the Stratosphere Zeek
logs: N3 on precision and recall, N1/N2 on precision.

Each scenario under <data>/zeek/stratosphere/ goes into its own fresh store: its conn log (the
labeled one where there is one) becomes `flow` rows, with the `label` and `detailedlabel`
columns kept in `event.extra`, and server names from ssl.log (SNI) and http.log (Host) joined
by uid. The scenario's own hosts (Zeek's local_orig) count as internal besides the private
ranges. Then the baselines are built and the N3 detections run.

- A flow is malicious when its label starts with "Malicious".
- An alert is a true positive when most of its evidence flows are malicious.
- Recall counts malicious (internal host, destination, port) series that some alert of the
  rule quotes as evidence, out of those an internal host originated (N3 judges what internal
  hosts do; inbound attacks on a host are N1/N2 matters and are counted apart).

The captures span hours, not weeks, so the first-seen rules learn nothing first unless
--learning-days is given (default 0: everything in a capture is new to it).

    python scripts/zeek_n3_eval.py [--data ../shared/data] [--learning-days N] [--json]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import orjson

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings
from lurewatch.detections.base import QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.registry import all_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store

_LABELS = ("label", "detailedlabel")
# N3 is judged on precision and recall; N1/N2 alerts (which see inbound attacks too) on
# precision, by the labels of the flows their anomalies belong to.
CLAUSES = ("N1", "N2", "N3")


def _conn_file(scenario: Path) -> Path | None:
    files = sorted(p for p in scenario.iterdir() if p.name.startswith(("conn", "labeled-conn")))
    labeled = [p for p in files if "label" in p.name]
    return (labeled or files or [None])[0]


def _is_malicious(extra: str | None) -> bool | None:
    """True/False from the label; None where the flow carries no label."""
    label = (orjson.loads(extra or "{}").get("label") or "").strip().lower()
    return label.startswith("malicious") if label else None


def evaluate_scenario(scenario: Path, learning_days: int) -> dict[str, Any]:
    conn = _conn_file(scenario)
    if conn is None:
        return {"scenario": scenario.name, "skipped": "no conn log"}
    settings = Settings()
    settings.network.learning_days = learning_days
    with (
        tempfile.TemporaryDirectory(prefix="lurewatch-n3-eval-") as tmp,
        Store(Path(tmp) / "eval.duckdb") as store,
    ):
        # The conn log, the logs that name servers (ssl, http, dns) and the sensor's anomaly
        # logs (weird, notice, analyzer), read as `ingest` reads them; labels stay in event.extra.
        names = [
            p
            for p in scenario.iterdir()
            if p.name.startswith(("ssl", "http", "dns", "weird", "notice", "analyzer", "dpd"))
        ]
        ingest_paths(store, [conn, *names], settings, OfflineResolver(), workers=1)
        rows = store.rows(
            'SELECT "event.id", "source.ip", "destination.ip", "destination.port", "event.extra" '
            "FROM flow"
        )
        local = sorted(
            r["source.ip"]
            for r in store.rows('SELECT DISTINCT "source.ip" FROM flow WHERE "source.local"')
        )
        settings.organization.internal_networks += [
            f"{ip}/{128 if ':' in ip else 32}" for ip in local
        ]
        build_baselines(store, settings)
        ctx = DetectionContext(settings=settings, store=store)
        alerts = {
            d.id: d.run(ctx)
            for d in all_detections()
            if d.clause in CLAUSES and isinstance(d, QueryDetection)
        }
        # N1/N2 alerts cite anomalies; each belongs to a flow through the sensor's uid.
        anomaly_flow = {
            r["aid"]: r["fid"]
            for r in store.rows(
                'SELECT a."event.id" AS aid, f."event.id" AS fid FROM net_anomaly a '
                'JOIN flow f ON a."flow.id" = f."flow.id"'
            )
        }
        internal = {
            r["event.id"]: r["source.ip"]
            for r in store.rows(
                'SELECT DISTINCT "event.id", "source.ip" FROM flow WHERE "source.ip" IN '
                '(SELECT DISTINCT "source.ip" FROM baseline_flow_service)'
            )
        }
    label = {r["event.id"]: _is_malicious(r["event.extra"]) for r in rows}
    series = {r["event.id"]: (r["source.ip"], r["destination.ip"], r["destination.port"])
              for r in rows}  # fmt: skip
    labeled = any(v is not None for v in label.values())
    bad_series = {series[e] for e, v in label.items() if v and e in internal}
    inbound_bad = sum(1 for e, v in label.items() if v and e not in internal)
    out: dict[str, Any] = {
        "scenario": scenario.name,
        "conn_log": conn.name,
        "flows": len(rows),
        "labeled": labeled,
        "malicious_flows": sum(1 for v in label.values() if v),
        "malicious_outbound_series": len(bad_series),
        "malicious_flows_not_from_internal_hosts": inbound_bad,
        "rules": {},
    }
    covered_all: set[tuple[Any, ...]] = set()
    for rule, found in alerts.items():
        tp, covered = 0, set()
        for f in found:
            ids = [e["event_id"] for e in f.evidence if e["kind"] == "flow"] + [
                anomaly_flow[e["event_id"]]
                for e in f.evidence
                if e["kind"] == "net_anomaly" and e["event_id"] in anomaly_flow
            ]
            votes = [label.get(i) for i in ids]
            if sum(1 for v in votes if v) * 2 > len(votes):
                tp += 1
            covered |= {series[i] for i in ids if label.get(i)}
        covered_all |= covered & bad_series
        out["rules"][rule] = {
            "alerts": len(found),
            "true_positives": tp,
            "series_found": len(covered & bad_series),
            "severities": dict(Counter(f.severity for f in found)),
        }
    out["series_found_any_rule"] = len(covered_all)
    return out


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}" if b else "-"


def print_table(results: list[dict[str, Any]]) -> None:
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        if r.get("skipped"):
            print(f"{r['scenario']}: skipped ({r['skipped']})")
            continue
        tag = "labeled" if r["labeled"] else "no labels"
        print(
            f"\n{r['scenario']} ({r['conn_log']}, {tag}): {r['flows']} flows, "
            f"{r['malicious_flows']} malicious; {r['malicious_outbound_series']} malicious "
            f"outbound series; {r['malicious_flows_not_from_internal_hosts']} malicious flows "
            "not originated by an internal host (out of N3's scope)"
        )
        print(f"  {'rule':<24}{'alerts':>7}{'TP':>5}{'precision':>11}{'series':>8}{'recall':>8}")
        for rule, m in sorted(r["rules"].items()):
            if r["labeled"]:
                totals[rule].update(
                    alerts=m["alerts"], tp=m["true_positives"], found=m["series_found"],
                    series=r["malicious_outbound_series"],
                )  # fmt: skip
            p = _ratio(m["true_positives"], m["alerts"]) if r["labeled"] else "n/a"
            rc = (
                _ratio(m["series_found"], r["malicious_outbound_series"]) if r["labeled"] else "n/a"
            )
            print(f"  {rule:<24}{m['alerts']:>7}{m['true_positives']:>5}{p:>11}"
                  f"{m['series_found']:>8}{rc:>8}")  # fmt: skip
        if r["labeled"]:
            print(
                f"  any N3 rule: recall {_ratio(r['series_found_any_rule'], r['malicious_outbound_series'])}"
            )
    print("\nlabeled scenarios together:")
    print(f"  {'rule':<24}{'alerts':>7}{'TP':>5}{'precision':>11}{'recall':>8}")
    for rule, t in sorted(totals.items()):
        print(f"  {rule:<24}{t['alerts']:>7}{t['tp']:>5}{_ratio(t['tp'], t['alerts']):>11}"
              f"{_ratio(t['found'], t['series']):>8}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("LUREWATCH_DATA") or str(
        Path(__file__).resolve().parents[1].parent / "shared" / "data"
    )
    ap.add_argument("--data", default=default)
    ap.add_argument("--learning-days", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    args = ap.parse_args(argv)
    root = Path(args.data) / "zeek" / "stratosphere"
    if not root.is_dir():
        print(f"no Stratosphere Zeek logs at {root}: set LUREWATCH_DATA or --data")
        return 2
    results = [
        evaluate_scenario(s, args.learning_days) for s in sorted(root.iterdir()) if s.is_dir()
    ]
    if args.json:
        print(orjson.dumps(results, option=orjson.OPT_INDENT_2).decode())
    else:
        print_table(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
