"""Download web pages politely and defensively; with `fetchnet` (its connection layer) and `fetchreply`
(reading a response, error wording), the only httpx user.

:func:`fetch_pages` runs an asyncio event loop with one shared :class:`httpx.AsyncClient` in a background
thread, so the caller can extract and store pages in its own thread while downloads go on.  Results come
back in input order, with a bounded look-ahead (at most ``concurrency * 2`` URLs taken from the input at a
time, and at most LOOKAHEAD_BYTES of pages downloaded or in flight), so a list of 100k URLs never sits in
memory as pages.

What each download guarantees (every failure is a one-line :class:`~newsgrab.errors.FetchError`, never an
exception out of the iterator):

* a whole-request deadline of ``settings.timeout`` seconds, connect to last byte, for every request (each
  redirect hop and each retry is one request) — a server dripping one byte a second still fails in time;
* redirects followed by hand: at most :data:`MAX_REDIRECTS` hops, loops detected, only http/https;
* the body capped at ``settings.max_bytes`` *after* Content-Encoding is undone (see ``_decode_body``);
* 4xx fail at once; 5xx, 429, timeouts and connection errors are retried with exponential backoff and
  jitter, ``settings.retries`` tries in all, honouring Retry-After up to ``settings.retry_after_cap``;
* bodies that are plainly not pages (PDF, images, archives...) are refused whatever their Content-Type;
* robots.txt (RFC 9309, parsed by protego) is obeyed unless ``settings.ignore_robots``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import importlib.util
import random
import re
import sys
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime

import httpx
from protego import Protego

if importlib.util.find_spec("sniffio") is None:
    # httpcore asks ``import sniffio`` on every lock it makes (several per request). Without sniffio (anyio
    # >= 4.12 no longer needs it) each of those is a failed import that walks sys.path: measured at a fifth of
    # the download loop's CPU. None in sys.modules makes the import fail at once; httpcore then assumes
    # asyncio, which is what runs it here.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

from ._decode_body import accept_encoding, not_a_page_reason
from .config import Settings
from .errors import FetchError
from .fetchnet import PerOrigin
from .fetchreply import (
    _LOCATION,
    ERROR_BODY_MAX,
    Exchange,
    _check_host,
    _describe,
    _exchange,
    _first_line,
    _inflated_head,
    _parse_retry_after,
    _parse_url,
    _read_body,
    _read_raw,
    _retryable_status,
    _take_location,
)
from .models import Page, utcnow

__all__ = ["FetchResult", "Exchange", "fetch_pages", "fetch_one", "read_url_list", "MAX_REDIRECTS"]

MAX_REDIRECTS = 10
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309 asks parsers to read at least 500 KiB
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309: follow at least five
BACKOFF_BASE = 0.5  # seconds before the 2nd try; doubles each try, capped by settings.retry_after_cap
LOOKAHEAD_FACTOR = 2  # URLs in flight or buffered = concurrency * this, at most
# ... and only while the pages downloaded and not yet taken, plus those in flight (counted at the average page
# size so far), come to less than this. In a batch the caller (extraction) is usually the slower side, so the
# window fills with finished pages: 64 of them held 19-26 MB of the CLI process's memory in a 3,000-page fetch.
# The budget must still leave room for every download slot at a typical page size (32 slots x ~200 KB), or
# downloads set the pace: at 4 MiB (~22 pages of the evaluation sets' mean, 185 KB) fetch_pages alone took 260
# pages/s from the benchmark's server (20-100 ms a page), below what two cores extract (~260/s); at 8 MiB 415/s.
LOOKAHEAD_BYTES = 8 * 1024 * 1024
LOOKAHEAD_FIRST_GUESS = 128 * 1024  # bytes a page weighs before any has arrived

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """The outcome for one input URL: exactly one of ``page``/``error`` is set, or ``not_modified``."""

    index: int  # position in the input, from 0
    input: str  # the URL as given
    page: Page | None
    error: FetchError | None
    not_modified: bool = False  # a conditional request got 304: the stored copy is current
    exchanges: tuple["Exchange", ...] = ()  # with record=True: every HTTP exchange made for it, in order


_EXCHANGES: contextvars.ContextVar[list | None] = contextvars.ContextVar("newsgrab_exchanges", default=None)


def read_url_list(lines: Iterable[str | bytes]) -> list[str]:
    """URLs from a list file: one a line, stripped; blank lines and ``#`` comments skipped.

    A ``#`` after whitespace also starts a comment (``URL  # note``): a URL cannot hold whitespace, while
    ``#`` right inside a URL is a fragment and is kept.
    """
    urls: list[str] = []
    for line in lines:
        if isinstance(line, bytes):
            line = line.decode("utf-8", "replace")
        line = re.split(r"\s#", line.strip().lstrip("\ufeff"), maxsplit=1)[0].strip()
        if line and not line.startswith("#"):
            urls.append(line)
    return urls


def fetch_pages(
    urls: Iterable[str],
    settings: Settings,
    *,
    conditional: dict[str, tuple[str | None, str | None]] | None = None,
    record: bool = False,
    any_body: bool = False,
    defer_gzip: bool = False,
) -> Iterator[FetchResult]:
    """Download ``urls`` concurrently; yield one :class:`FetchResult` per URL, in input order.

    ``record``: each result carries the :class:`Exchange` list of what was sent and received for it
    (redirect hops, retries, and robots.txt the first time its host is asked), for ``fetch --warc``.
    ``any_body``: accept bodies that are not web pages (feeds, gzipped sitemaps): no "not an HTML page".
    ``defer_gzip``: a page sent with ``Content-Encoding: gzip`` comes back still compressed, as
    ``Page(data=b"", compressed=<the body as sent>)``, sniffed from its first inflated bytes only: the pipeline
    inflates it (under the size cap) in the process that extracts it, not in this download loop.

    ``conditional`` maps a URL to the ``(etag, last_modified)`` of the copy already stored; those are sent
    as If-None-Match / If-Modified-Since and a 304 answer yields ``not_modified=True`` with no page.

    Nothing starts until the first result is asked for.  Closing the iterator early (``close()``, ``break``
    in a ``for`` loop, garbage collection) cancels the downloads still running and stops the thread.
    """
    runner = _Runner(settings, conditional or {}, record=record, any_body=any_body, defer_gzip=defer_gzip)
    concurrency = max(1, settings.concurrency)
    window = concurrency * LOOKAHEAD_FACTOR
    pending: deque[tuple[int, str, Future]] = deque()
    source = iter(urls)
    exhausted = False
    index = 0
    # What a download in flight will weigh: the average size of the pages taken so far (a typical news page
    # until the first arrives, so that the first top-up does not take a whole window).
    average = float(LOOKAHEAD_FIRST_GUESS)
    taken = 0
    try:
        runner.start()
        while True:
            # Top the window up before waiting, so downloads continue while the caller works on a result,
            # while what is downloaded and not yet taken, plus what is in flight (at the average page size so
            # far), stays under LOOKAHEAD_BYTES.
            ahead = _ahead_bytes(pending, average)
            while not exhausted and len(pending) < window and (not pending or ahead < LOOKAHEAD_BYTES):
                try:
                    url = next(source)
                except StopIteration:
                    exhausted = True
                    break
                pending.append((index, url, runner.submit(url)))
                index += 1
                ahead += average
            if not pending:
                return
            i, url, future = pending.popleft()
            page, error, not_modified, exchanges = future.result()
            if page is not None:
                taken += 1
                average += (page.nbytes - average) / min(taken + 1, 100)
            yield FetchResult(i, url, page, error, not_modified, exchanges)
    finally:
        for _, _, future in pending:
            future.cancel()
        runner.close()


def _ahead_bytes(pending: Iterable[tuple[int, str, Future]], average: float) -> float:
    """Bytes of the pages (and recorded exchanges) downloaded but not yet taken, plus ``average`` for each
    download still running."""
    total = 0.0
    for _, _, future in pending:
        if not future.done():
            total += average
        elif not future.cancelled() and future.exception() is None:
            page, _, _, exchanges = future.result()
            if page is not None:
                total += page.nbytes
            for exchange in exchanges:
                total += len(exchange.body)
    return total


def fetch_one(url: str, settings: Settings, *, any_body: bool = True) -> FetchResult:
    """Download one URL (a feed, a sitemap...) with the same limits, retries and robots.txt rules; with
    ``any_body`` its body is returned whatever it is (XML, a gzip file)."""
    results = fetch_pages([url], settings, any_body=any_body)
    try:
        return next(results)
    finally:
        results.close()


# --- the background thread ---------------------------------------------------------------------------


class _Runner:
    """An event loop in a daemon thread, owning one :class:`_Fetcher` (and so one AsyncClient)."""

    def __init__(
        self, settings: Settings, conditional: dict[str, tuple[str | None, str | None]], *, record: bool = False,
        any_body: bool = False, defer_gzip: bool = False,
    ) -> None:
        self.settings = settings
        self.conditional = conditional
        self.record = record
        self.any_body = any_body
        self.defer_gzip = defer_gzip
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="newsgrab-fetch", daemon=True)
        self.fetcher: _Fetcher | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    async def _make_fetcher(self) -> _Fetcher:
        fetcher = _Fetcher(self.settings, self.conditional)  # the client must be made inside its loop
        fetcher.record, fetcher.any_body, fetcher.defer_gzip = self.record, self.any_body, self.defer_gzip
        return fetcher

    def start(self) -> None:
        self.thread.start()
        self.fetcher = asyncio.run_coroutine_threadsafe(self._make_fetcher(), self.loop).result()

    def submit(self, url: str) -> Future:
        assert self.fetcher is not None
        return asyncio.run_coroutine_threadsafe(self.fetcher.fetch_logged(url), self.loop)

    async def _shutdown(self) -> None:
        me = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not me]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.fetcher is not None:
            await self.fetcher.client.aclose()

    def close(self) -> None:
        if not self.thread.is_alive():
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._shutdown(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


# --- one download ---------------------------------------------------------------------------------------


class _Retryable(FetchError):
    """A failure another try may cure (timeout, connection error); never leaves this module."""


class _RedirectProblem(FetchError):
    """A redirect chain that cannot be followed; robots.txt treats these as "no robots.txt"."""


@dataclass(slots=True)
class _Reply:
    status: int
    headers: httpx.Headers
    url: httpx.URL
    location: str = ""  # the Location header, as the server sent it
    body: bytes | None = None  # read for 2xx answers only
    compressed: bytes | None = None  # the body as sent, when it is the body compressed as the store keeps pages
    fetched_at: datetime | None = None
    conditional: bool = False  # we sent If-None-Match / If-Modified-Since


def _environment_proxies() -> bool:
    """Whether the environment names a proxy for HTTP or HTTPS (what httpx would route through)."""
    import urllib.request

    proxies = urllib.request.getproxies()
    return any(proxies.get(k) for k in ("http", "https", "all"))


class _Fetcher:
    """Everything that runs inside the event loop: the client, the limits, the robots.txt cache."""

    def __init__(self, settings: Settings, conditional: dict[str, tuple[str | None, str | None]]) -> None:
        self.settings = settings
        self.conditional = conditional
        self.agent = settings.agent()
        pools: dict = {}
        if _environment_proxies():
            # httpx routes through HTTP(S)_PROXY / ALL_PROXY only with its own transport (a transport given
            # to it turns the environment's proxies off): keep its single pool then, with idle connections
            # for every host in flight to keep its per-host share.
            keepalive = min(256, max(1, settings.concurrency) * max(1, settings.per_host))
            pools["limits"] = httpx.Limits(max_connections=None, max_keepalive_connections=keepalive)
        else:
            # A connection pool per origin (see fetchnet.PerOrigin), not one for all: httpcore's pool walks all its
            # connections, and counts the idle ones for each, at every request and response, which made a
            # third of the download loop's CPU with 8 hosts x 4 connections.
            pools["transport"] = PerOrigin(max(1, settings.per_host), max(16, 2 * max(1, settings.concurrency)))
        self.client = httpx.AsyncClient(
            follow_redirects=False,  # we follow by hand: hop limit, loops, schemes, robots per hop
            timeout=httpx.Timeout(settings.timeout),
            headers={"User-Agent": self.agent, "Accept": _ACCEPT, "Accept-Encoding": accept_encoding()},
            event_hooks={"response": [_take_location]},
            **pools,
        )
        # Cookies are kept (a site may set one on a redirect and want it back), but httpx hands every response
        # to urllib's cookie machinery, which builds a urllib Request (URL parsing included) even when the
        # response sets no cookie: ~0.1 ms of the download loop a page. Only responses with Set-Cookie go.
        jar = self.client.cookies
        extract = jar.extract_cookies

        def extract_cookies(response: httpx.Response) -> None:
            if "set-cookie" in response.headers:
                extract(response)

        jar.extract_cookies = extract_cookies  # type: ignore[method-assign]
        self.slots = asyncio.Semaphore(max(1, settings.concurrency))
        self.host_slots: dict[str, asyncio.Semaphore] = {}
        # Retry-After is about the server, not one URL: no request goes to that host before this loop time.
        self.host_pause: dict[str, float] = {}
        self.robots: dict[tuple[str, str, int | None], asyncio.Future] = {}
        self.record = False  # keep an Exchange per request (fetch --warc)
        self.any_body = False  # accept bodies that are not pages (feeds, sitemaps)
        self.defer_gzip = False  # leave gzip pages compressed for the pipeline (fetch_pages' defer_gzip)

    async def fetch_logged(self, text: str) -> tuple[Page | None, FetchError | None, bool, tuple[Exchange, ...]]:
        """:meth:`fetch_one` plus the exchanges it made when recording. The list lives in this task's
        context, so the requests of concurrent downloads do not mix (a robots.txt task started from here
        inherits it)."""
        log: list[Exchange] | None = [] if self.record else None
        _EXCHANGES.set(log)
        page, error, not_modified = await self.fetch_one(text)
        return page, error, not_modified, tuple(log or ())

    async def fetch_one(self, text: str) -> tuple[Page | None, FetchError | None, bool]:
        """Download one input; returns ``(page, error, not_modified)`` and never raises (but cancels)."""
        try:
            url = _parse_url(text)
            reply = await self._follow(
                url,
                check_robots=not self.settings.ignore_robots,
                max_hops=MAX_REDIRECTS,
                cap=self.settings.max_bytes,
                conditional=self._conditional_headers(text, url),
            )
            if reply.status == 304 and reply.conditional:
                return None, None, True
            if not 200 <= reply.status < 300:
                raise FetchError(f"HTTP {reply.status}")
            body = reply.body or b""
            content_type = reply.headers.get("content-type")
            deferred = not body and reply.compressed is not None  # a gzip page left for the pipeline to inflate
            head = _inflated_head(reply.compressed) if deferred else body
            if not head:
                raise FetchError(f"empty response (HTTP {reply.status})")
            reason = None if self.any_body else not_a_page_reason(head, content_type)
            if reason:
                raise FetchError(f"not an HTML page ({reason})")
            page = Page(
                data=body,
                input=text,
                url=str(reply.url),
                content_type=content_type,
                fetched_at=reply.fetched_at or utcnow(),
                etag=reply.headers.get("etag"),
                last_modified=reply.headers.get("last-modified"),
                compressed=reply.compressed,
            )
            return page, None, False
        except FetchError as exc:
            return None, FetchError(str(exc)), False  # plain FetchError: the private subclasses stay here
        except Exception as exc:  # a bug or an odd library error must not stop the batch
            return None, FetchError(_first_line(str(exc)) or "unexpected error"), False

    def _conditional_headers(self, text: str, url: httpx.URL) -> dict[str, str]:
        etag, modified = self.conditional.get(text) or self.conditional.get(str(url)) or (None, None)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        return headers

    async def _follow(
        self,
        url: httpx.URL,
        *,
        check_robots: bool,
        max_hops: int,
        cap: int,
        conditional: dict[str, str] | None = None,
        truncate: bool = False,
    ) -> _Reply:
        """Request ``url`` and follow its redirects; return the first non-redirect reply."""
        visits: dict[str, int] = {str(url): 1}
        hops = 0
        while True:
            if check_robots and not await self._allowed(url):
                raise FetchError("disallowed by robots.txt")
            reply = await self._request(url, conditional or {}, cap, truncate)
            reply.conditional = bool(conditional)
            if reply.status not in _REDIRECT_STATUSES:
                return reply
            location = reply.location.strip()
            if not location:
                raise _RedirectProblem(f"HTTP {reply.status} redirect without a Location")
            try:
                target = url.join(location)
            except (httpx.InvalidURL, ValueError, TypeError):
                raise _RedirectProblem("redirect to a malformed URL") from None
            if target.scheme not in ("http", "https"):
                raise _RedirectProblem(f"redirect to a {target.scheme or 'relative'}: URL refused")
            try:
                _check_host(target)
            except FetchError:
                raise _RedirectProblem("redirect to a malformed URL") from None
            hops += 1
            key = str(target)
            # One revisit is allowed: sites bounce through a URL to set a cookie and come back to it.
            if visits.get(key, 0) >= 2:
                raise _RedirectProblem("redirect loop")
            if hops > max_hops:
                raise _RedirectProblem(f"too many redirects (more than {max_hops})")
            visits[key] = visits.get(key, 0) + 1
            url = target

    async def _request(self, url: httpx.URL, headers: dict[str, str], cap: int, truncate: bool) -> _Reply:
        """One request with retries; returns the last reply, or raises the last network error."""
        tries = max(1, self.settings.retries)
        for attempt in range(1, tries + 1):
            retry_after = None
            try:
                reply = await self._attempt(url, headers, cap, truncate)
            except _Retryable as exc:
                if attempt == tries:
                    raise FetchError(str(exc)) from None
            else:
                if not _retryable_status(reply.status) or attempt == tries:
                    return reply
                if reply.status in (429, 503):
                    retry_after = _parse_retry_after(reply.headers.get("retry-after"))
            delay = self._delay(attempt, retry_after)
            if retry_after is not None:
                until = asyncio.get_running_loop().time() + delay
                self.host_pause[url.host] = max(self.host_pause.get(url.host, 0.0), until)
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        cap = max(0.0, self.settings.retry_after_cap)
        if retry_after is not None:
            return min(retry_after, cap)
        # Exponential backoff with jitter, so many clients failing together do not come back together.
        return min(cap, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)

    @contextlib.asynccontextmanager
    async def _slot(self, host: str) -> AsyncIterator[None]:
        # Host slot first, then a global one: a request waiting for its busy host holds no global slot,
        # so other hosts keep downloading.
        host_slot = self.host_slots.get(host)
        if host_slot is None:
            host_slot = self.host_slots[host] = asyncio.Semaphore(max(1, self.settings.per_host))
        async with host_slot:
            # The host asked us (Retry-After) to come back later: wait holding only its own slot, before
            # the deadline starts.
            pause = self.host_pause.get(host, 0.0) - asyncio.get_running_loop().time()
            if pause > 0:
                await asyncio.sleep(pause)
            async with self.slots:
                yield

    async def _attempt(self, url: httpx.URL, headers: dict[str, str], cap: int, truncate: bool) -> _Reply:
        """One GET under the limits and the whole-request deadline; reads the body of 2xx answers."""
        timeout = self.settings.timeout
        try:
            async with self._slot(url.host):
                # The deadline starts once we hold a slot: waiting in the queue is not the server's fault.
                async with asyncio.timeout(timeout):
                    request = self.client.build_request("GET", url, headers=headers)
                    response = await self.client.send(request, stream=True)
                    try:
                        location = response.extensions.get(_LOCATION, "")
                        reply = _Reply(response.status_code, response.headers, url, location)
                        log = _EXCHANGES.get()
                        raw = bytearray() if log is not None else None
                        if 200 <= response.status_code < 300:
                            defer = self.defer_gzip and not self.any_body and not truncate
                            reply.body, reply.compressed = await _read_body(response, cap, truncate, raw, defer)
                        elif raw is not None:
                            await _read_raw(response, raw, ERROR_BODY_MAX)
                        reply.fetched_at = utcnow()
                        if log is not None and raw is not None:
                            log.append(_exchange(request, response, raw, reply.fetched_at))
                        return reply
                    finally:
                        await response.aclose()
        except FetchError:
            raise
        except (TimeoutError, httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
            message, retry = _describe(exc, timeout)
            raise (_Retryable if retry else FetchError)(message) from None

    async def _allowed(self, url: httpx.URL) -> bool:
        """Whether robots.txt lets us fetch ``url``; robots.txt is fetched once per origin per batch.

        Raises FetchError when robots.txt is unreachable: the reason is more use to the user than a bare
        "disallowed" (a host that refuses connections for robots.txt will refuse the page too).
        """
        key = (url.scheme, url.host, url.port)
        task = self.robots.get(key)
        if task is None:
            task = self.robots[key] = asyncio.ensure_future(self._load_robots(url))
        # shield: one cancelled download must not cancel the robots.txt fetch others are waiting for.
        rules = await asyncio.shield(task)
        if isinstance(rules, str):
            raise FetchError(rules)
        if rules is None:
            return True
        return rules.can_fetch(str(url), self.agent)

    async def _load_robots(self, url: httpx.URL) -> Protego | str | None:
        """Parsed rules; None to allow everything; a message (str) to refuse everything with."""
        robots_url = url.copy_with(path="/robots.txt", query=None, fragment=None)
        try:
            reply = await self._follow(
                robots_url, check_robots=False, max_hops=ROBOTS_MAX_REDIRECTS, cap=ROBOTS_MAX_BYTES, truncate=True
            )
        except _RedirectProblem:
            return None  # RFC 9309 2.3.1.2: too many redirects may be taken as "unavailable"
        except FetchError as exc:  # unreachable: RFC 9309 2.3.1.4 says assume complete disallow
            message = str(exc)
            if message.startswith("cannot connect"):
                return message
            return f"disallowed by robots.txt (robots.txt unreachable: {message})"
        if 200 <= reply.status < 300:
            text = (reply.body or b"").decode("utf-8", "replace")
            try:
                return Protego.parse(text)
            except Exception:  # a robots.txt protego cannot read is as good as none
                return None
        if reply.status == 429 or reply.status >= 500:  # server errors also mean "unreachable"
            return f"disallowed by robots.txt (robots.txt answered HTTP {reply.status})"
        return None  # 4xx (and oddities): "unavailable", crawl freely
