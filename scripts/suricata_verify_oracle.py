"""Agreement of lurewatch's packet analysis with Suricata's own expectations (suricata-verify).

    python scripts/suricata_verify_oracle.py [DATA_DIR] [--json]

For every test folder under `<data>/pcap/suricata-verify/` (a folder holding `test.yaml`), the
test's checks say whether Suricata reports an anomaly for the capture: an `event_type: anomaly`
filter expected at least once, or a flow whose application protocol changed (`app_proto_tc`,
`app_proto_ts` or `app_proto_orig` differing from `app_proto`, or `app_proto: failed`).
lurewatch reads the same capture; a folder is "flagged" when it yields any `net_anomaly` row.

Printed: one line per folder, then the share of expected folders flagged and the share of the
other folders flagged (false alarms, as far as Suricata is the judge).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lurewatch.net.pcap import read_pcap
from lurewatch.readers.records import Reject

CHANGE_KEYS = ("app_proto_tc", "app_proto_ts", "app_proto_orig")


@dataclass
class Verdict:
    folder: str
    pcap: str | None
    expected: list[str]  # why Suricata expects an anomaly; empty when it does not
    anomalies: dict[str, int] = field(default_factory=dict)
    rejects: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.anomalies)


def _filters(test: dict[str, Any]) -> list[dict[str, Any]]:
    checks = test.get("checks") or []
    return [
        c["filter"] for c in checks if isinstance(c, dict) and isinstance(c.get("filter"), dict)
    ]


def expectations(test: dict[str, Any]) -> list[str]:
    """Why the test expects Suricata to report an anomaly or a protocol change (empty: no)."""
    reasons = []
    for flt in _filters(test):
        count = flt.get("count")
        if count is not None and int(count) <= 0:
            continue
        match = flt.get("match") or {}
        if match.get("event_type") == "anomaly":
            reasons.append(
                "anomaly " + str(match.get("anomaly.event") or match.get("anomaly.type") or "")
            )
        proto = match.get("app_proto")
        if proto == "failed":
            reasons.append("app_proto failed")
        for key in CHANGE_KEYS:
            if key in match and match[key] != proto:
                reasons.append(f"{key} {match[key]} vs app_proto {proto}")
    return sorted(set(reasons))


def capture_of(folder: Path, test: dict[str, Any]) -> Path | None:
    named = test.get("pcap")
    if isinstance(named, str) and (folder / named).is_file():
        return folder / named
    found = sorted(p for p in folder.iterdir() if p.suffix in (".pcap", ".pcapng", ".cap"))
    return found[0] if found else None


def judge(root: Path, folder: Path) -> Verdict:
    test = yaml.safe_load((folder / "test.yaml").read_text()) or {}
    pcap = capture_of(folder, test)
    verdict = Verdict(
        str(folder.relative_to(root)), pcap.name if pcap else None, expectations(test)
    )
    if pcap is None:
        verdict.rejects.append("no capture in the folder")
        return verdict
    names: Counter[str] = Counter()
    for item in read_pcap(pcap, Counter()):
        if isinstance(item, Reject):
            verdict.rejects.append(item.reason)
        elif item[0] == "net_anomaly":
            names[item[1]["anomaly.name"]] += 1
    verdict.anomalies = dict(sorted(names.items()))
    return verdict


def run(data: Path) -> list[Verdict]:
    root = data / "pcap" / "suricata-verify"
    folders = sorted(p.parent for p in root.rglob("test.yaml"))
    return [judge(root, folder) for folder in folders]


def totals(verdicts: list[Verdict]) -> dict[str, Any]:
    expected = [v for v in verdicts if v.expected]
    others = [v for v in verdicts if not v.expected]
    hits = sum(v.flagged for v in expected)
    alarms = sum(v.flagged for v in others)
    return {
        "folders": len(verdicts),
        "expected": len(expected),
        "expected_flagged": hits,
        "flagged_share": hits / len(expected) if expected else 0.0,
        "others": len(others),
        "others_flagged": alarms,
        "false_alarm_share": alarms / len(others) if others else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default=os.environ.get("LUREWATCH_DATA", ""))
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if not args.data or not (Path(args.data) / "pcap" / "suricata-verify").is_dir():
        print("no suricata-verify data: pass DATA_DIR or set LUREWATCH_DATA", file=sys.stderr)
        return 2
    verdicts = run(Path(args.data))
    summary = totals(verdicts)
    if args.json:
        print(
            json.dumps(
                {
                    "folders": [asdict(v) | {"flagged": v.flagged} for v in verdicts],
                    "totals": summary,
                },
                indent=2,
            )
        )
        return 0
    print(f"{'folder':<62} {'expected':<8} {'flagged':<7} anomalies")
    for v in verdicts:
        found = ", ".join(f"{n}×{c}" if c > 1 else n for n, c in v.anomalies.items()) or "-"
        print(
            f"{v.folder:<62} {'yes' if v.expected else 'no':<8} {'yes' if v.flagged else 'no':<7} {found}"
        )
    print()
    print(
        f"expected folders flagged: {summary['expected_flagged']}/{summary['expected']} "
        f"({summary['flagged_share']:.0%})"
    )
    print(
        f"false alarms (flagged without an expectation): {summary['others_flagged']}/"
        f"{summary['others']} ({summary['false_alarm_share']:.0%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
