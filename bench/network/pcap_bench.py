"""Packets per second of lurewatch's packet analysis, next to tshark on the same file.

    python bench/network/pcap_bench.py [FILE.pcap] [--packets 1200000] [--no-tshark]
                                       [--no-payload] [--no-yardsticks] [--repeat N]
                                       [--pcapng] [--vxlan]

Without FILE a capture is generated (bench/network/pcap_generate.py) in a temporary folder,
as classic pcap or, with `--pcapng`, as the pcapng that dumpcap and Wireshark write; with
`--vxlan`, every frame mirrored in VXLAN (a cloud traffic mirroring session).
lurewatch runs in a child process so its peak RSS is its own; tshark runs
`tshark -r FILE -q -z conv,tcp` when it is installed. lurewatch is timed in one process, then
in `--processes` (default: one per CPU), each its share of the address pairs, as ingest
analyses a large capture. `--no-payload` times the packet loop
alone (no payload identification or structure checks). Both are timed in the same run, by the
clock and by CPU time (the machine may be shared, so CPU time is the steadier figure). The
same run also walks the file with two plain loops that analyse nothing (`pcap_yardsticks.py`:
a dpkt object per packet, and `struct` header reads), the yardsticks of how fast this machine
is at the task. On a shared machine one run can be a quarter slower than the next:
`--repeat N` times each analysis N times and prints the median.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent


def count_packets(path: Path) -> int:
    from lurewatch.net.pcap.capture import CaptureReader

    reader = CaptureReader(path)
    for _ in reader.packets_to(lambda *packet: None):
        pass
    return reader.packets


def analyse(path: str, payload_analysis: bool, processes: int) -> None:
    """Child process: read the capture, print rows/s figures and peak RSS as JSON. With
    several processes, each analyses its share of the address pairs, as ingest does."""
    from lurewatch.net.pcap import read_pcap
    from lurewatch.pipeline.pcap_shards import read_pcap_in_shares

    start = time.perf_counter()
    cpu_start = time.process_time()
    tables: Counter[str] = Counter()
    anomalies: Counter[str] = Counter()
    items = (
        read_pcap_in_shares(Path(path), Counter(), processes)
        if processes > 1
        else read_pcap(Path(path), Counter(), payload_analysis=payload_analysis)
    )
    for item in items:
        if isinstance(item, tuple):
            tables[item[0]] += 1
            if item[0] == "net_anomaly":
                anomalies[item[1]["anomaly.name"]] += 1
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu_start + _children_cpu()  # the shares' processes, joined
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "rows": tables,
                "anomalies": anomalies,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


def run_lurewatch(path: Path, payload_analysis: bool, processes: int = 1) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", str(path), "--processes", str(processes)]
    if not payload_analysis:
        command.append("--no-payload")
    out = subprocess.run(command, capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_tshark(path: Path) -> tuple[float, float, float] | None:
    """(wall seconds, CPU seconds, peak RSS in MB) of tshark's TCP conversation table."""
    tshark = shutil.which("tshark")
    if tshark is None:
        return None
    cpu_before = _children_cpu()
    start = time.perf_counter()
    subprocess.run(
        [tshark, "-r", str(path), "-q", "-z", "conv,tcp"], capture_output=True, check=True
    )
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu_before
    # The children's peak RSS is that of the largest child so far: tshark runs first, so
    # this is its own.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, cpu, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--packets", type=int, default=1_200_000)
    parser.add_argument("--no-tshark", action="store_true")
    parser.add_argument("--no-payload", action="store_true")
    parser.add_argument("--no-yardsticks", action="store_true", help="skip the plain loops")
    parser.add_argument("--pcapng", action="store_true", help="generate the capture as pcapng")
    parser.add_argument("--vxlan", action="store_true", help="generate it mirrored in VXLAN")
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1,
        help="also time the capture analysed by this many processes (ingest's way)",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="time each analysis this many times; print every run, then the median and best",
    )  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        analyse(args.child, not args.no_payload, args.processes)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file
        if path is None:
            sys.path.insert(0, str(HERE))
            from pcap_generate import write

            path = Path(tmp) / ("bench.pcapng" if args.pcapng else "bench.pcap")
            write(path, args.packets, 7, args.pcapng, args.vxlan)
        packets = count_packets(path)
        print(f"capture: {path} ({path.stat().st_size / 1e6:.0f} MB, {packets:,} packets)")
        shark = None if args.no_tshark else run_tshark(path)
        counts = [1] if args.no_payload or args.processes < 2 else [1, args.processes]
        for processes in counts:
            runs = [run_lurewatch(path, not args.no_payload, processes) for _ in range(args.repeat)]
            for mine in runs:
                seconds = float(mine["seconds"])  # type: ignore[arg-type]
                cpu = float(mine["cpu"])  # type: ignore[arg-type]
                print(
                    f"lurewatch, {processes} process{'es' if processes > 1 else ''}: "
                    f"{seconds:.1f} s wall ({packets / seconds:,.0f} packets/s), "
                    f"{cpu:.1f} s CPU ({packets / cpu:,.0f} packets/s), "
                    f"peak RSS {float(mine['peak_mb']):.0f} MB per process, rows {dict(mine['rows'])}"  # type: ignore[arg-type, call-overload]
                )
            print(f"  anomalies: {dict(runs[-1]['anomalies'])}")  # type: ignore[call-overload]
            if len(runs) > 1:
                per_run = sorted(packets / float(m["seconds"]) for m in runs)  # type: ignore[arg-type]
                print(
                    f"  {len(runs)} runs: median {statistics.median(per_run):,.0f} packets/s, "
                    f"best {per_run[-1]:,.0f}, worst {per_run[0]:,.0f}"
                )
        if not args.no_yardsticks:
            sys.path.insert(0, str(HERE))
            from pcap_yardsticks import dpkt_loop, struct_loop, timed

            for name, loop in (
                ("dpkt object loop", dpkt_loop),
                ("struct header loop", struct_loop),
            ):
                rates = timed(loop, path)
                if rates is None:
                    print(f"{name}: not run (only classic pcap over Ethernet)")
                else:
                    print(f"{name}: {rates[0]:,.0f} packets/s wall, {rates[1]:,.0f} packets/s CPU")
        if shark is None:
            print("tshark: not run")
        else:
            print(
                f"tshark -r FILE -q -z conv,tcp: {shark[0]:.1f} s wall "
                f"({packets / shark[0]:,.0f} packets/s), {shark[1]:.1f} s CPU "
                f"({packets / shark[1]:,.0f} packets/s), peak RSS {shark[2]:.0f} MB"
            )


if __name__ == "__main__":
    main()
