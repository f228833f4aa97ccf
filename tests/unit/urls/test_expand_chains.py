"""Link expansion against a loopback HTTP server: chains, bounds, fallbacks and the SSRF guard."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from lurewatch.enrich.urls import expand as expand_module
from lurewatch.enrich.urls.expand import Expansion, ExpansionPolicy, expand_urls
from lurewatch.enrich.urls.netguard import Guard, GuardedTransport
from lurewatch.enrich.urls.ssrf import AddressRules

BIG_BODY = 64 * 1024 * 1024  # far more than socket buffers can absorb if the client stops


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.active: dict[str, int] = defaultdict(int)
        self.peak: dict[str, int] = defaultdict(int)
        self.big_sent = 0
        self.big_done = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_HEAD(self) -> None:
        self.serve(head=True)

    def do_GET(self) -> None:
        self.serve(head=False)

    def serve(self, head: bool) -> None:
        state, host = self.server.state, self.headers.get("Host", "")
        with state.lock:
            state.requests.append((self.command, self.path, dict(self.headers.items())))
            state.active[host] += 1
            state.peak[host] = max(state.peak[host], state.active[host])
        try:
            self.route(head)
        except OSError:
            pass  # the client went away (time-out tests, stopped body reads)
        finally:
            with state.lock:
                state.active[host] -= 1

    def reply(
        self, code: int, body: bytes = b"", ctype: str = "text/plain", **headers: str
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def route(self, head: bool) -> None:
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        if parts[0] == "chain":  # /chain/301-302-...: answer the first code, point at the rest
            codes = parts[1].split("-") if len(parts) > 1 and parts[1] else []
            if not codes:
                return self.reply(200, b"end")
            rest = "-".join(codes[1:])
            return self.reply(int(codes[0]), Location=f"/chain/{rest}" if rest else "/end")
        if path == "/end":
            return self.reply(200, b"end")
        if path == "/abs":
            port = self.server.server_address[1]
            return self.reply(302, Location=f"http://127.0.0.1:{port}/end")
        if path == "/meta":
            page = (
                b'<html><head><meta http-equiv="Refresh" content="0; URL=\'/end\'"></head></html>'
            )
            return self.reply(200, page, "text/html; charset=utf-8")
        if path == "/script":
            page = b"<script>if (location == '/x') {}\n window.location.href = '/end';</script>"
            return self.reply(200, page, "text/html")
        if parts[0] == "loop":
            return self.reply(302, Location="/loop/b" if parts[1] == "a" else "/loop/a")
        if parts[0] == "many":
            return self.reply(302, Location=f"/many/{int(parts[1]) + 1}")
        if path == "/slow":
            time.sleep(2.0)
            return self.reply(200, b"late")
        if path == "/head405":
            return self.reply(405) if head else self.reply(302, Location="/end")
        if path == "/to":
            return self.reply(302, Location=urllib.parse.parse_qs(query)["u"][0])
        if path == "/cookie":
            return self.reply(302, Location="/end", Set_Cookie="sid=secret; Path=/")
        if path == "/refresh":
            return self.reply(200, b"soon", Refresh="0; url=/end")
        if path == "/hold":
            time.sleep(0.05)
            return self.reply(200, b"held")
        if path == "/big":
            return self.big(head)
        return self.reply(404, b"none")

    def big(self, head: bool) -> None:
        tail = b'<meta http-equiv="refresh" content="0; url=/end">'
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(BIG_BODY + len(tail)))
        self.end_headers()
        if head:
            return
        state, chunk = self.server.state, b"<!--" + b"x" * 65532
        try:
            while state.big_sent < BIG_BODY:
                self.wfile.write(chunk)
                state.big_sent += len(chunk)
            self.wfile.write(tail)
        finally:
            state.big_done.set()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many clients connect at once; a short backlog drops SYNs

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = State()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def reset(self) -> None:
        self.state = State()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = Server()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def web(server: Server) -> Server:
    server.reset()
    return server


def loopback(**overrides: Any) -> ExpansionPolicy:
    settings: dict[str, Any] = {"allowed_networks": ("127.0.0.0/8",), "timeout": 2.0}
    settings.update(overrides)
    return ExpansionPolicy(**settings)


def expand_one(url: str, policy: ExpansionPolicy | None = None, **kw: Any) -> Expansion:
    return expand_urls([url], policy or loopback(), **kw)[url]


def statuses(exp: Expansion) -> list[int | None]:
    return [hop.status for hop in exp.hops]


def test_every_redirect_code_is_followed_and_recorded(web: Server) -> None:
    exp = expand_one(web.url("/chain/301-302-303-307-308"))
    assert exp.status == "expanded"
    assert exp.final_url == web.url("/end")
    assert statuses(exp) == [301, 302, 303, 307, 308, 200]
    assert [hop.via for hop in exp.hops] == ["location"] * 5 + [None]
    assert [hop.next_url for hop in exp.hops[:2]] == [
        web.url("/chain/302-303-307-308"),
        web.url("/chain/303-307-308"),
    ]
    assert all(hop.address == "127.0.0.1" and hop.error is None for hop in exp.hops)
    assert all(hop.method == "HEAD" for hop in exp.hops)  # no body needed on this chain


def test_absolute_location_and_a_link_that_does_not_redirect(web: Server) -> None:
    result = expand_urls([web.url("/abs"), web.url("/end")], loopback())
    assert result[web.url("/abs")].status == "expanded"
    assert result[web.url("/abs")].final_url == web.url("/end")
    plain = result[web.url("/end")]
    assert (plain.status, plain.final_url, statuses(plain)) == (
        "not-expanded",
        web.url("/end"),
        [200],
    )


def test_meta_refresh_is_read_from_the_body(web: Server) -> None:
    exp = expand_one(web.url("/meta"))
    assert exp.status == "expanded" and exp.final_url == web.url("/end")
    first = exp.hops[0]
    assert (first.method, first.status, first.via) == ("GET", 200, "meta-refresh")
    methods = [(m, p) for m, p, _ in web.state.requests if p == "/meta"]
    assert methods == [("HEAD", "/meta"), ("GET", "/meta")]  # HTML on HEAD -> GET to look inside


def test_script_assignment_is_found_without_running_the_script(web: Server) -> None:
    exp = expand_one(web.url("/script"))
    assert exp.status == "expanded" and exp.final_url == web.url("/end")
    assert exp.hops[0].via == "script-assignment"


def test_loop_is_detected(web: Server) -> None:
    exp = expand_one(web.url("/loop/a"))
    assert exp.status == "loop"
    assert [hop.url for hop in exp.hops] == [web.url("/loop/a"), web.url("/loop/b")]
    assert exp.final_url == web.url("/loop/a")


def test_too_many_hops(web: Server) -> None:
    exp = expand_one(web.url("/many/0"), loopback(max_hops=3))
    assert exp.status == "too-many-hops"
    assert len(exp.hops) == 3 and exp.final_url == web.url("/many/3")
    assert len(web.state.requests) == 3  # the fourth URL was never requested


def test_slow_server_times_out_quickly(web: Server) -> None:
    started = time.monotonic()
    exp = expand_one(web.url("/slow"), loopback(timeout=0.3))
    assert exp.status == "timeout"
    assert exp.hops[0].error is not None and "in time" in exp.hops[0].error
    assert time.monotonic() - started < 1.5


def test_chain_total_timeout_bounds_the_whole_chain(web: Server) -> None:
    exp = expand_one(web.url("/to?u=/slow"), loopback(timeout=1.0, total_timeout=0.4))
    assert exp.status == "timeout"
    assert exp.final_url == web.url("/slow")


def test_oversized_body_is_not_read_past_the_limit(web: Server) -> None:
    exp = expand_one(web.url("/big"), loopback(max_body_bytes=4096))
    assert exp.status == "not-expanded"  # the refresh sits after the limit and is not seen
    assert exp.hops[0].method == "GET"
    assert web.state.big_done.wait(5.0)
    assert web.state.big_sent < BIG_BODY  # the client hung up instead of draining the body


def test_refused_head_falls_back_to_get(web: Server) -> None:
    exp = expand_one(web.url("/head405"))
    assert exp.status == "expanded"
    assert (exp.hops[0].method, exp.hops[0].status) == ("GET", 302)
    seen = [(m, p) for m, p, _ in web.state.requests if p == "/head405"]
    assert seen == [("HEAD", "/head405"), ("GET", "/head405")]


@pytest.mark.parametrize(
    "target",
    [
        "http://10.0.0.1/",
        "http://[::1]/",
        "http://2130706433/",  # 127.0.0.1, decimal
        "http://0x7f.0.0.1/",  # 127.0.0.1, hex part
        "http://0177.0.0.1/",  # 127.0.0.1, octal part
        "http://127.1/",  # 127.0.0.1, short form
        "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://[64:ff9b::a00:1]/",
    ],
)
def test_redirect_to_a_non_public_address_is_refused(web: Server, target: str) -> None:
    url = web.url("/to?u=" + urllib.parse.quote(target, safe=""))
    exp = expand_one(url)
    assert exp.status == "refused", exp.reason
    assert exp.final_url == target
    assert exp.hops[-1].error == exp.reason and exp.hops[-1].method is None
    assert len(web.state.requests) == 1  # only the redirecting hop reached the server


def test_only_exactly_the_allowed_network_passes(web: Server) -> None:
    next_door = f"http://127.0.0.2:{web.port}/end"
    url = web.url("/to?u=" + urllib.parse.quote(next_door, safe=""))
    narrow = expand_one(url, loopback(allowed_networks=("127.0.0.1/32",)))
    assert narrow.status == "refused" and "127.0.0.2" in narrow.reason
    wide = expand_one(url, loopback(allowed_networks=("127.0.0.0/8",)))
    assert wide.status != "refused"  # passes the guard (nothing listens there)
    assert wide.hops[-1].url == next_door


def test_loopback_is_refused_by_default_and_nothing_is_sent(web: Server) -> None:
    exp = expand_one(web.url("/end"), ExpansionPolicy())
    assert exp.status == "refused" and "loopback" in exp.reason
    assert web.state.requests == []


def test_a_name_with_any_private_answer_is_refused(web: Server) -> None:
    async def resolve(host: str) -> list[str]:
        return {"mixed.test": ["127.0.0.1", "10.0.0.5"], "fine.test": ["127.0.0.1"]}[host]

    urls = [web.url("/end", "mixed.test"), web.url("/end", "fine.test")]
    result = expand_urls(urls, loopback(), resolve=resolve)
    assert result[urls[0]].status == "refused" and "10.0.0.5" in result[urls[0]].reason
    assert result[urls[1]].status == "not-expanded"
    assert [headers["Host"] for _, _, headers in web.state.requests] == [f"fine.test:{web.port}"]


def test_rebinding_cannot_move_a_connection(web: Server) -> None:
    calls: list[str] = []

    async def rebinding(host: str) -> list[str]:
        calls.append(host)  # first answer passes the check; later ones point inside
        return ["127.0.0.1"] if len(calls) == 1 else ["10.0.0.1"]

    exp = expand_one(web.url("/chain/302-301", "rebind.test"), resolve=rebinding)
    assert exp.status == "expanded"
    assert [hop.address for hop in exp.hops] == ["127.0.0.1"] * 3
    assert calls == ["rebind.test"]  # resolved once, the checked answer pinned for the run


def test_other_schemes_end_the_chain(web: Server) -> None:
    for target in ("ftp://files.example/x", "file:///etc/passwd", "javascript:alert(1)"):
        exp = expand_one(web.url("/to?u=" + urllib.parse.quote(target, safe="")))
        assert exp.status == "refused" and exp.final_url == target
        assert "only http, https" in exp.reason


def test_no_cookies_or_credentials_are_sent(web: Server) -> None:
    exp = expand_one(web.url("/cookie").replace("http://", "http://alice:pw@"))
    assert exp.status == "expanded"
    for _, _, headers in web.state.requests:
        lowered = {name.lower() for name in headers}
        assert "cookie" not in lowered and "authorization" not in lowered
        assert headers["User-Agent"] == "lurewatch-url-inspector/0.1"


def test_per_host_concurrency_holds(web: Server) -> None:
    hosts = ["a.test", "b.test", "c.test", "d.test"]

    async def resolve(host: str) -> list[str]:
        return ["127.0.0.1"]

    urls = [web.url(f"/hold?i={i}", host) for host in hosts for i in range(8)]
    result = expand_urls(urls, loopback(per_host_concurrency=2, concurrency=32), resolve=resolve)
    assert {exp.status for exp in result.values()} == {"not-expanded"}
    peaks = {host.split(":")[0]: peak for host, peak in web.state.peak.items()}
    assert set(peaks) == set(hosts)
    assert max(peaks.values()) <= 2
    assert max(peaks.values()) == 2  # the limit was reached, so it was what held


def test_offline_opens_no_socket(web: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("offline mode built a network client")

    monkeypatch.setattr(expand_module, "_Run", no_run)
    urls = [web.url("/end"), web.url("/meta"), "https://bit.ly/x"]
    result = expand_urls(urls, loopback(), offline=True)
    assert [result[u].status for u in urls] == ["offline"] * 3
    assert all(result[u].final_url == u and result[u].hops == [] for u in urls)
    assert all(result[u].reason for u in urls)
    assert web.state.requests == []


def test_refresh_header_is_followed(web: Server) -> None:
    exp = expand_one(web.url("/refresh"))
    assert exp.status == "expanded" and exp.final_url == web.url("/end")
    assert (exp.hops[0].method, exp.hops[0].via) == ("HEAD", "refresh-header")


def test_system_resolver_is_used_when_none_is_injected(web: Server) -> None:
    # localhost comes from the hosts file; whichever of ::1 and 127.0.0.1 it lists, both are
    # allowed here, and the server (on 127.0.0.1 only) is reached by trying them in turn.
    policy = loopback(allowed_networks=("127.0.0.0/8", "::1/128"))
    exp = expand_one(web.url("/end", "localhost"), policy)
    assert exp.status == "not-expanded", exp.reason
    assert exp.hops[0].address == "127.0.0.1"


def test_idle_origins_beyond_the_bound_are_closed(web: Server) -> None:
    async def resolve(host: str) -> list[str]:
        return ["127.0.0.1"]

    async def run() -> tuple[list[int], int]:
        guard = Guard(AddressRules(allowed_networks=("127.0.0.0/8",)), resolve, 2.0)
        transport = GuardedTransport(guard, per_origin=1, max_origins=2)
        codes = []
        for host in ("o1.test", "o2.test", "o3.test", "o4.test", "o1.test"):
            response = await transport.handle_async_request(
                httpx.Request("HEAD", web.url("/end", host))
            )
            await response.aread()
            await response.aclose()
            codes.append(response.status_code)
        open_pools = len(transport._pools)
        await transport.aclose()
        guard.close()
        return codes, open_pools

    codes, open_pools = asyncio.run(run())
    assert codes == [200] * 5
    assert open_pools <= 2
