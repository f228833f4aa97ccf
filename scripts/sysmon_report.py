"""What lurewatch's endpoint detections find in the Sysmon attack simulations.

Ingests each EVTX file under <data>/sysmon/evtx into its own fresh store (offline, default
settings), builds the baselines, runs every detection, and prints per file the alerts that
fired with the process, its command line, its parent's, and the destination.

The first-seen rules wait for processes.learning_days of history before they report; a
simulation log spans minutes, so they stay quiet unless --learning-days 0 is given.

    python scripts/sysmon_report.py [--data ../shared/data] [--learning-days N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from lurewatch.baselines.build import build_baselines
from lurewatch.config import Settings
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.engine import run_detections
from lurewatch.enrich.dns import OfflineResolver
from lurewatch.pipeline.ingest import ingest_paths
from lurewatch.store import Store

REPO = Path(__file__).resolve().parent.parent


def alerts_of(path: Path, settings: Settings) -> dict[str, Any]:
    """Ingest one log into a fresh store and return what was read and the alerts raised."""
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "sysmon.duckdb") as store:
        summary = ingest_paths(store, [path], settings, OfflineResolver(), workers=1)
        build_baselines(store, settings)
        run_detections(DetectionContext(settings=settings, store=store))
        alerts = []
        for a in store.rows(
            'SELECT "rule.id", severity, "@timestamp", message, entities FROM alerts '
            'ORDER BY "@timestamp", "rule.id"'
        ):
            ents = orjson.loads(a["entities"])
            alerts.append(
                {
                    "rule": a["rule.id"],
                    "severity": a["severity"],
                    "time": str(a["@timestamp"]),
                    "host": ents.get("host"),
                    "user": ents.get("user"),
                    "process": ents.get("process"),
                    "command_line": ents.get("command_line"),
                    "parent": ents.get("parent"),
                    "parent_command_line": ents.get("parent_command_line"),
                    "destination": f"{ents.get('ip')}:{ents.get('port')}",
                    "decoded_command": ents.get("decoded_command"),
                    "message": a["message"],
                }
            )
        return {
            "file": path.name,
            "read": dict(summary.read),
            "rejected": summary.rejected,
            "alerts": alerts,
        }


def _print(result: dict[str, Any]) -> None:
    read = ", ".join(f"{k} {v}" for k, v in sorted(result["read"].items())) or "nothing"
    print(f"\n== {result['file']}  (read: {read}; rejected {result['rejected']})")
    if not result["alerts"]:
        print("   no alerts")
    for a in result["alerts"]:
        print(f"   [{a['severity']}] {a['rule']}  {a['time']}  {a['host']}  -> {a['destination']}")
        print(f"      process: {a['process']}  (user {a['user']})")
        print(f"      command line: {a['command_line']}")
        print(f"      parent: {a['parent']}: {a['parent_command_line']}")
        if a["decoded_command"]:
            print(f"      decoded: {a['decoded_command'][:300]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("LUREWATCH_DATA") or str(REPO.parent / "shared" / "data")
    parser.add_argument("--data", default=default, help="the shared data folder")
    parser.add_argument("--learning-days", type=int, default=None)
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    args = parser.parse_args(argv)
    folder = Path(args.data) / "sysmon" / "evtx"
    files = sorted(folder.glob("*.evtx"))
    if not files:
        print(f"no EVTX files under {folder}", file=sys.stderr)
        return 2
    settings = Settings()
    if args.learning_days is not None:
        settings.processes.learning_days = args.learning_days
    results = [alerts_of(f, settings) for f in files]
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
        return 0
    for r in results:
        _print(r)
    fired = sum(1 for r in results if r["alerts"])
    total = sum(len(r["alerts"]) for r in results)
    print(f"\n{total} alert(s) in {fired} of {len(results)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
