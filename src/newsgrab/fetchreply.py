"""One HTTP response, read: the body under a cap with Content-Encoding undone (or left compressed), the
recorded form of an exchange (for WARC), and, for :mod:`newsgrab.fetch`, the checks and words around a
download: is this input a URL, may this status be retried, when (Retry-After), and what went wrong, in one
line. With ``fetch`` and ``fetchnet``, the only httpx user.
"""

from __future__ import annotations

import contextlib
import email.utils
import errno
import ipaddress
import re
import ssl
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from ._decode_body import BodyDecoder, BodyError, format_size, gzip_head
from .errors import FetchError

__all__ = ["Exchange", "ERROR_BODY_MAX"]

# A host name after IDNA encoding (httpx does that): labels of letters, digits, '-' and '_'.
_HOST_RE = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One HTTP request and its response as they went over the wire (for WARC): plain data, no httpx.

    ``body`` is the response body as received -- before Content-Encoding is undone, after the HTTP client
    removed any chunked transfer coding -- complete unless ``truncated``. ``response_headers`` are the
    fields as the server sent them (names, case, order); ``request_headers`` those sent.
    """

    url: str
    method: str
    target: str  # the request target: path and query
    request_headers: tuple[tuple[bytes, bytes], ...]
    http_version: str
    status: int
    reason: str
    response_headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    truncated: bool
    started_at: datetime
    ip: str | None = None


ERROR_BODY_MAX = 1024 * 1024  # bytes of a non-2xx body kept for the WARC record (the rest is not read)


_LOCATION = "newsgrab.location"
_RAW_HEADERS = "newsgrab.raw_headers"


async def _take_location(response: httpx.Response) -> None:
    """Move Location out of the headers before httpx sees it.

    Even with follow_redirects=False, httpx builds the next request from Location and raises on odd
    targets (``data:...``), losing the response; we want to judge redirects ourselves.
    """
    response.extensions[_RAW_HEADERS] = tuple(response.headers.raw)  # as sent, for WARC records
    if "location" in response.headers:
        response.extensions[_LOCATION] = response.headers["location"]
        del response.headers["location"]


def _inflated_head(blob: bytes) -> bytes:
    try:
        return gzip_head(blob)
    except BodyError as exc:
        raise FetchError(str(exc)) from None


async def _read_body(
    response: httpx.Response, cap: int, truncate: bool, raw: bytearray | None = None, defer: bool = False
) -> tuple[bytes, bytes | None]:
    """The body with Content-Encoding undone, under ``cap`` (raw bytes, so httpx's uncapped decoders idle),
    and the body as it came when that is the page compressed as the store keeps pages (one gzip member or
    zlib stream: ``BodyDecoder.storable``), else None. Most news sites send gzip: the store then keeps their
    bytes instead of compressing the page again (zstd on a 180 KB page: ~0.4 ms, a sixth of an
    extraction; storetext.pack_raw)."""
    length = response.headers.get("content-length", "").strip()
    if not truncate and length.isdigit() and int(length) > cap:
        raise FetchError(f"larger than {format_size(cap)}")  # refuse before reading a byte
    encoding = response.headers.get("content-encoding")
    if defer and (encoding or "").strip().lower() in ("gzip", "x-gzip"):
        # Left compressed (fetch_pages' defer_gzip): read as sent, capped at the cap (a gzip body is smaller
        # than the page); the cap on the page itself is applied where it is inflated.
        sent = bytearray()
        await _read_raw(response, sent, cap)
        if raw is not None:
            raw += sent  # the body as it came, for WARC
        if len(sent) > cap:
            raise FetchError(f"larger than {format_size(cap)}")
        return b"", bytes(sent)
    chunks: list[bytes] | None = [] if encoding and not truncate else None
    try:
        decoder = BodyDecoder(encoding, cap, truncate=truncate)
        async for chunk in response.aiter_raw():
            if raw is not None:
                raw += chunk  # the body as it came, for WARC
            if chunks is not None:
                chunks.append(chunk)
            decoder.feed(chunk)
            if decoder.truncated:
                break
        body = decoder.finish()
    except BodyError as exc:
        raise FetchError(str(exc)) from None
    return body, (b"".join(chunks) if chunks is not None and decoder.storable else None)


async def _read_raw(response: httpx.Response, raw: bytearray, limit: int) -> None:
    """Read a body into ``raw``, stopping once it holds more than ``limit`` bytes (a redirect's or an error
    page's, kept for WARC; a gzip page left compressed)."""
    async for chunk in response.aiter_raw():
        raw += chunk
        if len(raw) > limit:
            break


def _exchange(request: httpx.Request, response: httpx.Response, raw: bytearray, when: datetime) -> Exchange:
    """The recorded form of one request and its response (``raw``: the body bytes read)."""
    headers = response.extensions.get(_RAW_HEADERS) or tuple(response.headers.raw)
    length = response.headers.get("content-length", "").strip()
    complete = response.is_stream_consumed or (length.isdigit() and int(length) == len(raw))
    ip = None
    with contextlib.suppress(Exception):
        stream = response.extensions.get("network_stream")
        addr = stream.get_extra_info("server_addr") if stream is not None else None
        ip = str(addr[0]) if addr else None
    return Exchange(
        url=str(request.url),
        method=request.method,
        target=request.url.raw_path.decode("ascii", "replace"),
        request_headers=tuple(request.headers.raw),
        http_version=response.http_version or "HTTP/1.1",
        status=response.status_code,
        reason=response.reason_phrase or "",
        response_headers=tuple(headers),
        body=bytes(raw if complete or len(raw) <= ERROR_BODY_MAX else raw[:ERROR_BODY_MAX]),
        truncated=not complete,
        started_at=when,
        ip=ip,
    )


# --- small helpers --------------------------------------------------------------------------------------


def _parse_url(text: str) -> httpx.URL:
    """An input string as an http(s) URL, or a FetchError saying in a few words why not."""
    stripped = text.strip() if isinstance(text, str) else ""
    try:
        url = httpx.URL(stripped)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise FetchError("not a URL") from None
    scheme = url.scheme.lower()
    if not stripped or not scheme:
        raise FetchError("not a URL")
    if scheme not in ("http", "https"):
        raise FetchError(f"unsupported URL scheme {scheme}: (only http and https)")
    _check_host(url)
    return url


def _check_host(url: httpx.URL) -> None:
    host = url.host
    if not host:
        raise FetchError("not a URL (no host)")
    if ":" in host:  # IPv6 literal
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise FetchError("not a URL (bad host)") from None
    elif not _HOST_RE.fullmatch(url.raw_host.decode("ascii", "replace")):
        raise FetchError("not a URL (bad host)")
    if url.port is not None and not 0 < url.port < 65536:
        raise FetchError("not a URL (bad port)")


def _retryable_status(status: int) -> bool:
    # 501 Not Implemented and 505 HTTP Version Not Supported will not change on another try.
    return status == 429 or (500 <= status < 600 and status not in (501, 505))


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _first_line(text: str) -> str:
    text = text.strip().splitlines()[0] if text.strip() else ""
    text = re.sub(r"^\[(?:Errno [-\d]+|SSL[^\]]*)\]\s*", "", text)  # "[Errno 111] Connection refused"
    text = re.sub(r"\s*\(_ssl\.c:\d+\)$", "", text)
    return text[:1].lower() + text[1:200]


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and what caused it (httpx wraps httpcore wraps anyio wraps the OSError)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 8:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _reason(exc: BaseException) -> str:
    """The first non-empty message along the exception's cause chain."""
    return next((str(e) for e in _chain(exc) if str(e).strip()), "")


_DNS_HINTS = (
    "name or service not known", "nodename nor servname", "no address associated", "getaddrinfo failed",
    "errno -2]", "errno -5]", "errno 11001]", "no such host",
)  # fmt: skip


def _describe(exc: BaseException, timeout: float) -> tuple[str, bool]:
    """A short message for a network failure, and whether another try may help."""
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return f"timed out after {timeout:g} s", True
    text = _reason(exc)
    low = text.lower()
    if isinstance(exc, (httpx.ConnectError, ConnectionRefusedError)):
        chain = _chain(exc)
        low = " | ".join(str(e) for e in chain).lower()
        tls = next((e for e in chain if isinstance(e, ssl.SSLError)), None)
        if tls is not None or "certificate" in low:
            return f"cannot connect: TLS error ({_first_line(str(tls or text))})", False
        # asyncio reports a host whose every address refused as one OSError listing them ("Multiple
        # exceptions: [Errno 111] Connect call failed ..."), not as a ConnectionRefusedError.
        refused = "refused" in low or f"[errno {errno.ECONNREFUSED}]" in low
        if refused or any(isinstance(e, ConnectionRefusedError) for e in chain):
            return "cannot connect: connection refused", True
        if any(hint in low for hint in _DNS_HINTS):
            return "cannot connect: host not found", False
        if "temporary failure in name resolution" in low or "errno -3]" in low:
            return "cannot connect: name lookup failed", True
        return f"cannot connect: {_first_line(text) or 'connection failed'}", True
    if isinstance(exc, httpx.RemoteProtocolError):
        if "complete message body" in low:
            detail = re.search(r"\((.*)\)\s*$", text)
            return (f"body cut short ({detail.group(1)})" if detail else "body cut short"), True
        if "without sending a response" in low:
            return "server closed the connection without answering", True
        return f"bad HTTP answer: {_first_line(text)}", True
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, ConnectionError)):
        reason = _first_line(text)
        return f"connection broken ({reason})" if reason else "connection broken", True
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return "not a URL", False
    return f"network error: {_first_line(text) or 'unknown'}", True
