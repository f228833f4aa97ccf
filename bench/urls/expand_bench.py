"""Throughput of link expansion against a loopback server, and proof the per-host limit held.

A server in its own process (so it does not share the client's interpreter lock) answers short
chains on many host names, all resolving to 127.0.0.1 through the injected resolver:

    /s/<i>  301 -> http://h<k>.test/m/<i>   (another host)
    /m/<i>  302 -> /f/<i>
    /f/<i>  200, text/plain for even i; an HTML page (HEAD, then GET and parse) for odd i

Each answer waits `--latency-ms` to stand in for a network round trip. The server counts
requests in flight per Host header; the run fails if any host ever saw more than the limit.

    python bench/urls/expand_bench.py --urls 2000 --hosts 20
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import sys
import time
from collections import Counter, defaultdict
from multiprocessing.connection import Connection

from lurewatch.enrich.urls.expand import ExpansionPolicy, expand_all

PAGE = b"<html><head><title>landing</title></head><body><p>welcome</p></body></html>"


def serve(port_out: Connection, hosts: int, latency: float) -> None:
    """The loopback server (runs in a child process until terminated)."""
    active: dict[str, int] = defaultdict(int)
    peak: dict[str, int] = defaultdict(int)
    served = Counter[str]()
    connections = [0]

    def answer(method: str, path: str, port: int) -> tuple[str, list[tuple[str, str]], bytes]:
        parts = path.strip("/").split("/")
        if path == "/__stats":
            stats = {"peak": peak, "served": served, "connections": connections[0]}
            return "200 OK", [("Content-Type", "application/json")], json.dumps(stats).encode()
        if len(parts) == 2 and parts[0] == "s":
            i = int(parts[1])
            target = f"http://h{(i + 1) % hosts}.test:{port}/m/{i}"
            return "301 Moved Permanently", [("Location", target)], b""
        if len(parts) == 2 and parts[0] == "m":
            return "302 Found", [("Location", f"/f/{parts[1]}")], b""
        if len(parts) == 2 and parts[0] == "f":
            if int(parts[1]) % 2 == 0:
                return "200 OK", [("Content-Type", "text/plain")], b"final"
            return "200 OK", [("Content-Type", "text/html; charset=utf-8")], PAGE
        return "404 Not Found", [("Content-Type", "text/plain")], b"none"

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        port = writer.get_extra_info("sockname")[1]
        connections[0] += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                host = headers.get("host", "")
                if path != "/__stats":
                    active[host] += 1
                    peak[host] = max(peak[host], active[host])
                    served[method] += 1
                    await asyncio.sleep(latency)
                    active[host] -= 1
                status, extra, body = answer(method, path, port)
                out = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}"]
                out += [f"{k}: {v}" for k, v in extra]
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode())
                if method != "HEAD":
                    writer.write(body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(client, "127.0.0.1", 0, backlog=1024)
        port_out.send(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def resolve_test_names(host: str) -> list[str]:
    if host.endswith(".test"):
        return ["127.0.0.1"]
    raise OSError(f"{host} is not a benchmark host")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--per-host", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=2.0)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    port_in, port_out = context.Pipe(duplex=False)
    server = context.Process(
        target=serve, args=(port_out, args.hosts, args.latency_ms / 1000), daemon=True
    )
    server.start()
    try:
        port = port_in.recv()
        urls = [f"http://h{i % args.hosts}.test:{port}/s/{i}" for i in range(args.urls)]
        policy = ExpansionPolicy(
            allowed_networks=("127.0.0.0/8",),
            concurrency=args.concurrency,
            per_host_concurrency=args.per_host,
        )
        started, cpu_started = time.perf_counter(), time.process_time()
        results = asyncio.run(expand_all(urls, policy, resolve=resolve_test_names))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        stats_client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # no env proxies
        stats_client.request("GET", "/__stats")
        stats = json.load(stats_client.getresponse())
        stats_client.close()
    finally:
        server.terminate()
        server.join(5)

    statuses = Counter(exp.status for exp in results.values())
    hops = sum(len(exp.hops) for exp in results.values())
    requests = sum(stats["served"].values())
    worst = max(stats["peak"].values(), default=0)
    print(f"expanded {len(results)} URLs on {args.hosts} hosts in {elapsed:.2f}s")
    print(f"  {len(results) / elapsed:,.0f} expansions/s, {requests / elapsed:,.0f} requests/s")
    print(f"  statuses: {dict(statuses)}; hops: {hops}; requests by method: {stats['served']}")
    print(f"  connections opened: {stats['connections']}")
    print(
        f"  client CPU {cpu:.2f}s: {cpu / len(results) * 1000:.2f} ms per expansion "
        f"({len(results) / cpu:,.0f} expansions per CPU-second)"
    )
    print(
        f"  concurrency {args.concurrency}, per-host limit {args.per_host}, latency "
        f"{args.latency_ms:g} ms; highest in flight on one host: {worst}"
    )
    if worst > args.per_host:
        print("FAIL: the per-host limit did not hold", file=sys.stderr)
        return 1
    if statuses != Counter({"expanded": len(urls)}):
        print("FAIL: not every chain expanded", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
