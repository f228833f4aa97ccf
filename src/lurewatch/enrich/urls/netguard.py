"""The network side of URL expansion: every connection is checked, and dials what was checked.

The guard answers one question, "may we open a TCP connection to this host, and to which
addresses?" (rules in ``ssrf``), and the network layer asks it for every connection it opens:

- A name is resolved once per run (through the injected resolver, or ``getaddrinfo`` in a
  thread) and refused if ANY answer is not a public unicast address. The checked answer is
  cached for the run and pinned: ``GuardedBackend.connect_tcp`` (an
  ``httpcore.AsyncNetworkBackend``) dials only addresses from that answer, so a name that
  re-resolves differently later (DNS rebinding) cannot move a connection. The HTTP layer still
  sees the name, so the Host header, TLS SNI and certificate checks use the name.
- ``GuardedTransport`` is an ``httpx`` transport over httpcore pools built with that backend;
  there is no other way for expansion to open a socket.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections import Counter, OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import certifi
import httpcore
import httpx

from lurewatch.enrich.urls.ssrf import AddressRules, InvalidHost, parse_host
from lurewatch.errors import LurewatchError

Resolve = Callable[[str], Awaitable[list[str]]]


@dataclass(frozen=True)
class Verdict:
    """The guard's answer for one host: "ok" with the addresses to dial, or why not."""

    kind: str  # "ok", "refused", "error", "timeout"
    reason: str = ""
    addresses: tuple[str, ...] = ()
    canonical: str = ""  # the host as a browser would write it (dotted IPv4 for literals)


class GuardBlocked(LurewatchError):
    """A connection was not opened because the guard refused or could not check the host."""

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.reason)
        self.verdict = verdict


def system_resolver(executor: Executor | None) -> Resolve:
    """getaddrinfo in `executor`, so a slow resolver blocks a worker thread, never the loop."""

    async def resolve(host: str) -> list[str]:
        loop = asyncio.get_running_loop()
        infos = await loop.run_in_executor(
            executor, socket.getaddrinfo, host, None, 0, socket.SOCK_STREAM
        )
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    return resolve


class Guard:
    """Resolves and checks each host once per run; the answers are the run's pinned addresses."""

    def __init__(self, rules: AddressRules, resolve: Resolve, timeout: float) -> None:
        self.rules = rules
        self._resolve = resolve
        self._timeout = timeout
        self._verdicts: dict[str, asyncio.Task[Verdict]] = {}

    async def check(self, host: str) -> Verdict:
        task = self._verdicts.get(host)
        if task is None:
            task = asyncio.ensure_future(self._evaluate(host))
            self._verdicts[host] = task
        # Shielded: one caller's time-out must not cancel the lookup others are waiting on.
        return await asyncio.shield(task)

    async def _evaluate(self, host: str) -> Verdict:
        try:
            parsed = parse_host(host)
        except InvalidHost as exc:
            return Verdict("refused", str(exc))
        if parsed.address is not None:
            reason = self.rules.refusal(parsed.address, parsed.obfuscated)
            if reason is not None:
                return Verdict("refused", reason, canonical=parsed.canonical)
            return Verdict("ok", "", (parsed.canonical,), parsed.canonical)
        name = parsed.canonical
        try:
            async with asyncio.timeout(self._timeout):
                answers = await self._resolve(name)
        except TimeoutError:
            return Verdict("timeout", f"no DNS answer for {name} within {self._timeout:g}s")
        except Exception as exc:  # any resolver failure ends this chain, not the run
            return Verdict("error", f"DNS lookup of {name} failed: {exc or type(exc).__name__}")
        addresses: list[str] = []
        for answer in answers:
            try:
                ip = ipaddress.ip_address(answer)
            except ValueError:
                return Verdict("error", f"resolver returned {answer!r} for {name}")
            reason = self.rules.refusal(ip)
            if reason is not None:
                return Verdict("refused", f"{name} resolves to {reason}", canonical=name)
            addresses.append(str(ip))
        if not addresses:
            return Verdict("error", f"{name} has no address", canonical=name)
        return Verdict("ok", "", tuple(dict.fromkeys(addresses)), name)

    def close(self) -> None:
        for task in self._verdicts.values():
            task.cancel()


class PinnedStream(httpcore.AsyncNetworkStream):
    """A connection that knows the checked address it was dialled to (``server_addr``)."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, address: tuple[str, int]) -> None:
        self._inner = inner
        self.address = address

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        inner = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return PinnedStream(inner, self.address)

    def get_extra_info(self, info: str) -> Any:
        # Answered from what was dialled: cheaper than asking the socket, and exactly the pin.
        return self.address if info == "server_addr" else self._inner.get_extra_info(info)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the guard checked for that host (the pin)."""

    def __init__(self, guard: Guard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        verdict = await self._guard.check(host)
        if verdict.kind != "ok":
            raise GuardBlocked(verdict)
        failure: Exception = GuardBlocked(Verdict("error", f"no address to dial for {host}"))
        for address in verdict.addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
                return PinnedStream(stream, (address, port))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise GuardBlocked(Verdict("refused", "unix sockets are never dialled"))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _as_httpx_error(exc: Exception) -> Exception:
    # httpx names its exceptions after httpcore's, so map along the class hierarchy by name.
    for cls in type(exc).__mro__:
        mapped = getattr(httpx, cls.__name__, None)
        native = cls.__module__.startswith("httpcore")
        if native and isinstance(mapped, type) and issubclass(mapped, httpx.HTTPError):
            return mapped(str(exc) or cls.__name__)
    return exc


class _Body(httpx.AsyncByteStream):
    def __init__(self, response: httpcore.Response, release: Callable[[], None]) -> None:
        self._response = response
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_stream():
                yield chunk
        except Exception as exc:
            raise _as_httpx_error(exc) from exc

    async def aclose(self) -> None:
        try:
            await self._response.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


def tls_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=certifi.where())
    if not verify:  # only for tests against self-signed loopback servers
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


Origin = tuple[bytes, bytes, int | None]


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport whose every connection goes through the guard.

    It is used without an ``httpx.AsyncClient`` on purpose: no cookie jar, no credentials taken
    from the URL, no proxies from the environment, no redirect handling; a request carries only
    the headers the caller puts on it.

    One small httpcore pool per origin, not one large pool: httpcore scans every connection for
    each queued request whenever it assigns one, so a single pool shared by many hosts costs
    (connections x requests) per request. Per origin both stay at the per-host limit. The
    least recently used idle pools are closed beyond `max_origins`, bounding open sockets.
    """

    def __init__(
        self, guard: Guard, verify_tls: bool = True, per_origin: int = 2, max_origins: int = 64
    ) -> None:
        self._backend = GuardedBackend(guard)
        self._ssl = tls_context(verify_tls)
        self._per_origin = per_origin
        self._max_origins = max_origins
        self._pools: OrderedDict[Origin, httpcore.AsyncConnectionPool] = OrderedDict()
        self._active: Counter[Origin] = Counter()

    async def _pool(self, origin: Origin) -> httpcore.AsyncConnectionPool:
        pool = self._pools.get(origin)
        if pool is None:
            pool = httpcore.AsyncConnectionPool(
                ssl_context=self._ssl,
                max_connections=self._per_origin,
                max_keepalive_connections=self._per_origin,
                keepalive_expiry=5.0,
                http1=True,
                http2=False,
                network_backend=self._backend,
            )
            self._pools[origin] = pool
            idle = [o for o in self._pools if not self._active[o]]  # oldest first
            for old in idle[: max(0, len(self._pools) - self._max_origins)]:
                await self._pools.pop(old).aclose()
        self._pools.move_to_end(origin)
        return pool

    def _release(self, origin: Origin) -> None:
        self._active[origin] -= 1
        if self._active[origin] <= 0:
            del self._active[origin]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        url = request.url
        origin = (url.raw_scheme, url.raw_host, url.port)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        self._active[origin] += 1  # before _pool(), so eviction never closes this pool
        try:
            pool = await self._pool(origin)
            response = await pool.handle_async_request(core_request)
        except BaseException as exc:
            self._release(origin)
            if isinstance(exc, Exception):
                raise _as_httpx_error(exc) from exc
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response, lambda: self._release(origin)),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()
