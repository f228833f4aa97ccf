"""Safe, bounded expansion of shortened and redirecting links.

Each chain is followed one hop at a time: HEAD first, then GET when HEAD is refused (405, 501,
other 4xx) or answers 2xx with an HTML body that may hold a meta refresh or a script
assignment. A hop redirects through ``Location`` on 301/302/303/307/308, a ``Refresh`` header,
or a redirect written in the first ``max_body_bytes`` of an HTML body (see ``meta``).

Bounds: hops per chain, a time-out per request and per chain, body bytes, requests in flight
overall and per host, and loop detection. Every connection goes through ``netguard``: hosts are
resolved and checked before any socket is opened, and connections dial only checked addresses.
The per-chain time counts the chain's own work (lookups and requests), not time spent queued
behind other chains for a concurrency slot, so a long queue does not turn into time-outs.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

import httpx

from lurewatch.enrich.urls.expansion import (
    FETCHED_SCHEMES,
    REDIRECT_STATUSES,
    Expansion,
    ExpansionPolicy,
    Hop,
)
from lurewatch.enrich.urls.meta import decode_body, find_page_redirect, is_html, refresh_target
from lurewatch.enrich.urls.netguard import Guard, GuardBlocked, GuardedTransport, system_resolver
from lurewatch.enrich.urls.ssrf import AddressRules, InvalidHost, parse_host


class _HopFailed(Exception):
    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


@dataclass
class _Answer:
    method: str
    status: int
    content_type: str | None
    address: str | None
    next_url: str | None = None
    via: str | None = None


def _describe(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLError):
            return f"TLS error: {getattr(seen, 'verify_message', None) or seen.reason or seen}"
        seen = seen.__cause__ or seen.__context__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _peer_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    peer = stream.get_extra_info("server_addr") if stream is not None else None
    return str(peer[0]) if isinstance(peer, tuple) and peer else None


def _parse(text: str) -> tuple[httpx.URL, str]:
    """The URL to fetch and the host as written (what the guard judges)."""
    text = text.strip()
    try:
        url = httpx.URL(text)
        return url, url.raw_host.decode("ascii")
    except (httpx.InvalidURL, ValueError) as exc:
        refusal = exc
    # httpx rejects some IPv4 spellings browsers accept (0177.0.0.1): parse the host the
    # browser way and fetch its canonical form, while the guard judges the spelling used.
    try:
        split = urllib.parse.urlsplit(text)
        host = split.hostname or ""
        address = parse_host(host).address
        if address is None or split.scheme not in FETCHED_SCHEMES:
            raise refusal
        netloc = f"[{address}]" if address.version == 6 else str(address)
        netloc += f":{split.port}" if split.port is not None else ""
        return httpx.URL(urllib.parse.urlunsplit(split._replace(netloc=netloc))), host
    except (InvalidHost, ValueError):
        raise refusal from None


def _unfetched(url: str, reason: str) -> Hop:
    return Hop(url, None, None, None, None, None, reason)


def _loop_key(url: httpx.URL) -> str:
    return str(url).partition("#")[0]


class _Run:
    """What the chains of one expand_all call share: guard, connection pool, concurrency slots."""

    def __init__(
        self, policy: ExpansionPolicy, resolve: Callable[[str], Awaitable[list[str]]] | None
    ) -> None:
        self.policy = policy
        # A private executor for getaddrinfo, shut down without waiting at the end of the run,
        # so a resolver stuck past our time-out never holds up the caller.
        self._executor = (
            ThreadPoolExecutor(min(policy.concurrency, 16), thread_name_prefix="lurewatch-dns")
            if resolve is None
            else None
        )
        rules = AddressRules(policy.allow_private, policy.allowed_networks)
        self.guard = Guard(rules, resolve or system_resolver(self._executor), policy.timeout)
        self.transport = GuardedTransport(
            self.guard,
            policy.verify_tls,
            policy.per_host_concurrency,
            max(2 * policy.concurrency, 64),
        )
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self._headers = {
            "User-Agent": policy.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
            "Accept-Encoding": "identity",  # bytes read are bytes parsed; no inflation
        }

    async def close(self) -> None:
        await self.transport.aclose()
        self.guard.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def expand(self, url: str) -> Expansion:
        spent = [0.0]
        hops: list[Hop] = []
        try:
            return await self._follow(url, hops, spent)
        except Exception as exc:  # a defect in one chain must not end the run
            return Expansion(url, url, "error", f"internal error: {_describe(exc)}", hops)

    async def _follow(self, url: str, hops: list[Hop], spent: list[float]) -> Expansion:
        policy = self.policy
        seen: set[str] = set()
        current = url
        while True:
            try:
                parsed, host = _parse(current)
            except (httpx.InvalidURL, ValueError, TypeError) as exc:
                hops.append(_unfetched(current, f"invalid URL: {exc}"))
                return Expansion(url, current, "error", f"invalid URL {current!r}: {exc}", hops)
            if parsed.scheme not in FETCHED_SCHEMES:
                reason = f"scheme {parsed.scheme or '(none)'!r} is not fetched (only http, https)"
                hops.append(_unfetched(current, reason))
                return Expansion(url, current, "refused", reason, hops)
            key = _loop_key(parsed)
            if key in seen:
                return Expansion(url, current, "loop", f"redirect loop back to {current}", hops)
            seen.add(key)
            if len(hops) >= policy.max_hops:
                reason = f"still redirecting after {policy.max_hops} hops"
                return Expansion(url, current, "too-many-hops", reason, hops)
            hop, kind = await self._hop(current, parsed, host, spent)
            hops.append(hop)
            if hop.error is not None:
                return Expansion(url, current, kind, hop.error, hops)
            if hop.next_url is None:
                if len(hops) == 1:
                    reason = f"answered {hop.status} without redirecting"
                    return Expansion(url, current, "not-expanded", reason, hops)
                reason = f"{len(hops) - 1} redirect(s), final answer {hop.status}"
                return Expansion(url, current, "expanded", reason, hops)
            current = hop.next_url

    async def _hop(
        self, text: str, url: httpx.URL, host: str, spent: list[float]
    ) -> tuple[Hop, str]:
        try:
            async with self._budget(spent):
                verdict = await self.guard.check(host)
        except _HopFailed as failed:
            return _unfetched(text, failed.reason), failed.kind
        except TimeoutError:
            return _unfetched(text, f"no DNS answer for {host} in time"), "timeout"
        if verdict.kind != "ok":
            return _unfetched(text, verdict.reason), verdict.kind
        # Fetch what a browser would: credentials and fragment dropped, IP literals canonical.
        target = url.copy_with(userinfo=b"", fragment=None) if url.userinfo or url.fragment else url
        if verdict.canonical and verdict.canonical != url.raw_host.decode("ascii"):
            target = target.copy_with(host=verdict.canonical)
        slot = self._host_slots.setdefault(
            verdict.canonical, asyncio.Semaphore(self.policy.per_host_concurrency)
        )
        method, answer = "HEAD", None
        try:
            async with slot, self._slots:
                answer = await self._request(method, target, spent)
                if answer.next_url is None and self._needs_get(answer):
                    method = "GET"
                    answer = await self._request(method, target, spent)
        except _HopFailed as failed:
            address = answer.address if answer else None
            return Hop(text, method, None, None, None, address, failed.reason), failed.kind
        hop = Hop(
            text, answer.method, answer.status, answer.next_url, answer.via, answer.address, None
        )
        return hop, "ok"

    @staticmethod
    def _needs_get(answer: _Answer) -> bool:
        if answer.status == 501 or 400 <= answer.status < 500:
            return True  # HEAD refused or not understood
        return 200 <= answer.status < 300 and is_html(answer.content_type)

    @contextlib.asynccontextmanager
    async def _budget(self, spent: list[float]) -> AsyncIterator[None]:
        """Time one step against the per-request time and what is left of the chain's time."""
        remaining = self.policy.total_timeout - spent[0]
        if remaining <= 0:
            total = self.policy.total_timeout
            raise _HopFailed("timeout", f"chain used up its total time of {total:g}s")
        start = time.monotonic()
        try:
            async with asyncio.timeout(min(self.policy.timeout, remaining)):
                yield
        finally:
            spent[0] += time.monotonic() - start

    async def _request(self, method: str, url: httpx.URL, spent: list[float]) -> _Answer:
        try:
            async with self._budget(spent):
                return await self._exchange(method, url)
        except (TimeoutError, httpx.TimeoutException):
            raise _HopFailed("timeout", f"{method} {url} got no answer in time") from None
        except GuardBlocked as exc:
            raise _HopFailed(exc.verdict.kind, exc.verdict.reason) from None
        except httpx.HTTPError as exc:
            raise _HopFailed("error", f"{method} {url} failed: {_describe(exc)}") from None

    async def _exchange(self, method: str, url: httpx.URL) -> _Answer:
        # The enclosing budget bounds the whole exchange; these bound each network step too.
        cap = self.policy.timeout
        timeouts = {"connect": cap, "read": cap, "write": cap, "pool": cap}
        request = httpx.Request(
            method, url, headers=self._headers, extensions={"timeout": timeouts}
        )
        response = await self.transport.handle_async_request(request)
        try:
            content_type = response.headers.get("content-type")
            answer = _Answer(method, response.status_code, content_type, _peer_address(response))
            location = response.headers.get("location")
            refresh = response.headers.get("refresh")
            page = method == "GET" and is_html(content_type) and self.policy.max_body_bytes > 0
            body = b""
            # A body read to its end (HEAD: empty; redirects: short) lets the pool reuse the
            # connection; one that runs past the limit is cut off and the connection dropped.
            if page or method == "HEAD" or response.status_code in REDIRECT_STATUSES:
                body = await self._read_body(response)
            if response.status_code in REDIRECT_STATUSES and location:
                self._point(answer, url, location.strip(), "location")
            elif refresh and (target := refresh_target(refresh)):
                self._point(answer, url, target, "refresh-header")
            elif page:
                found = find_page_redirect(body, content_type)
                if found is not None:
                    base = url
                    if found.base:
                        try:
                            base = url.join(found.base)
                        except (httpx.InvalidURL, ValueError):
                            base = url
                    self._point(answer, base, found.target, found.via)
            return answer
        finally:
            await response.aclose()

    @staticmethod
    def _point(answer: _Answer, base: httpx.URL, target: str, via: str) -> None:
        # Targets that will not be fetched are kept as written; the next step judges them.
        if urllib.parse.urlsplit(target).scheme not in ("", *FETCHED_SCHEMES):
            answer.next_url = target
        else:
            try:
                answer.next_url = str(base.join(target))
            except (httpx.InvalidURL, ValueError):
                answer.next_url = urllib.parse.urljoin(str(base), target)
        answer.via = via

    async def _read_body(self, response: httpx.Response) -> bytes:
        limit = self.policy.max_body_bytes
        buffer = bytearray()
        chunks = cast(AsyncGenerator[bytes, None], response.aiter_raw())
        try:
            async for chunk in chunks:
                buffer += chunk
                if len(buffer) >= limit:
                    break  # stop reading: the rest of the body is never received
        finally:
            await chunks.aclose()
        return decode_body(bytes(buffer[:limit]), response.headers.get("content-encoding"), limit)


async def expand_all(
    urls: Iterable[str],
    policy: ExpansionPolicy,
    resolve: Callable[[str], Awaitable[list[str]]] | None = None,
    offline: bool = False,
) -> dict[str, Expansion]:
    """Expand every distinct URL; the result maps each input URL to where it leads.

    `resolve` answers a host name with its addresses (default: getaddrinfo in a thread).
    `offline=True` answers every URL with status "offline" without opening any socket.
    """
    unique = list(dict.fromkeys(urls))
    if offline:
        reason = "offline mode: the link was not fetched"
        return {url: Expansion(url, url, "offline", reason, []) for url in unique}
    if not unique:
        return {}
    run = _Run(policy, resolve)
    results: dict[str, Expansion] = {}
    pending = iter(unique)

    async def worker() -> None:
        for url in pending:  # one iterator shared by all workers; the loop is single-threaded
            results[url] = await run.expand(url)

    # A few chains per request slot keep the slots busy while other chains wait on DNS or on a
    # busy host, without holding a task for every URL of a large input at once.
    workers = min(len(unique), policy.concurrency * 4)
    try:
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        await run.close()
    return {url: results[url] for url in unique}


def expand_urls(
    urls: Iterable[str],
    policy: ExpansionPolicy,
    offline: bool = False,
    resolve: Callable[[str], Awaitable[list[str]]] | None = None,
) -> dict[str, Expansion]:
    """Synchronous `expand_all`, for callers without an event loop of their own."""
    return asyncio.run(expand_all(urls, policy, resolve=resolve, offline=offline))
