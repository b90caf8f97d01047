"""fetch's connection layer: one connection pool per origin, on sockets driven straight by asyncio.

Two parts, both measured on the download loop of ``benchmarks/fetch_bench.py`` (2,000 pages of ~185 KB from 8
local hosts); the loop runs in the CLI process, beside the writer and the worker pipes, so its CPU is paid
for every page of a ``fetch``:

* :class:`PerOrigin`, the transport :class:`httpx.AsyncClient` is given: a small httpcore connection pool
  per origin (scheme, host, port), least recently used idle pools closed past ``max_origins``. httpcore's
  pool re-counts its idle connections for every connection at every request and response, plus a
  readability poll for each idle one: with one pool for a batch over many hosts that was a third of the
  loop's CPU.
* :class:`AsyncioBackend`, the network backend under those pools (httpcore's documented extension point,
  ``httpcore.AsyncNetworkBackend``). httpcore's default backend goes through anyio, which opens a cancel
  scope for every read and write and answers "is this idle connection readable?" (asked for every idle
  connection at every request) by building a dict of socket attributes and polling the socket. Here a
  connection is an :class:`asyncio.Protocol` that buffers what arrives; a read takes from that buffer,
  with a timer only when it has to wait, and "readable" is "something is buffered, or the peer closed".
  Together with the cookie change in fetch.py, 1.73 -> 1.36 ms of CPU a page.

Errors keep httpx's classes and httpcore's messages, with the OS error as the cause, so fetch's messages
("cannot connect: connection refused", "TLS error (...)", "timed out after ...") read as before.
Only fetch.py uses this module; with it, the only ones that import httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import Any

import httpcore
import httpx

__all__ = ["AsyncioBackend", "AsyncioStream", "OriginPool", "PerOrigin"]

# Bytes a connection may buffer ahead of its reader before asyncio stops reading the socket (and resumes at a
# quarter of it): the reader takes 64 KiB at a time, so this only matters when the reader stalls.
_READ_HIGH_WATER = 1024 * 1024
_READ_LOW_WATER = _READ_HIGH_WATER // 4
_HAPPY_EYEBALLS_DELAY = 0.25  # seconds before trying the next address of a host (RFC 8305), as anyio does


# --------------------------------------------------------------------------------------------- sockets
class _Connection(asyncio.Protocol):
    """The asyncio side of one connection: buffers what arrives, wakes the one reader waiting."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.closed = False  # the peer sent EOF, or the connection is lost
        self.error: BaseException | None = None  # why the connection was lost, if it broke
        self.waiter: asyncio.Future | None = None  # the reader waiting for data
        self.drained: asyncio.Future | None = None  # the writer waiting for the send buffer to drain
        self.write_paused = False
        self.read_paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > _READ_HIGH_WATER and not self.read_paused and self.transport is not None:
            self.read_paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.closed = True
        self._wake_reader()
        return False  # close our side too: HTTP/1.1 never half-closes

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.error = exc
        self._wake_reader()
        self._wake_writer()

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        self._wake_writer()

    def _wake_reader(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _wake_writer(self) -> None:
        drained = self.drained
        if drained is not None and not drained.done():
            drained.set_result(None)

    def take(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes`` of what is buffered (the buffer is not empty)."""
        chunk = self.chunks.popleft()
        if len(chunk) > max_bytes:
            self.chunks.appendleft(chunk[max_bytes:])
            chunk = chunk[:max_bytes]
        self.buffered -= len(chunk)
        if self.read_paused and self.buffered <= _READ_LOW_WATER and self.transport is not None:
            self.read_paused = False
            self.transport.resume_reading()
        return chunk


def _expire(future: asyncio.Future, error: type[Exception]) -> None:
    if not future.done():
        future.set_exception(error("timed out"))


async def _wait(future: asyncio.Future, timeout: float | None, error: type[Exception]) -> None:
    """Wait for ``future``, or raise ``error`` after ``timeout`` seconds. A timer, not a cancel scope or
    ``asyncio.timeout``: it costs nothing when the data is already there, which is most reads."""
    timer = None if timeout is None else asyncio.get_running_loop().call_later(timeout, _expire, future, error)
    try:
        await future
    finally:
        if timer is not None:
            timer.cancel()


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One connection, as httpcore reads and writes it."""

    def __init__(self, transport: asyncio.Transport, connection: _Connection) -> None:
        self._transport = transport
        self._conn = connection

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        conn = self._conn
        if not conn.chunks and not conn.closed:
            conn.waiter = asyncio.get_running_loop().create_future()
            try:
                await _wait(conn.waiter, timeout, httpcore.ReadTimeout)
            finally:
                conn.waiter = None
        if conn.chunks:
            return conn.take(max_bytes)
        if conn.error is not None:
            raise httpcore.ReadError(str(conn.error) or type(conn.error).__name__) from conn.error
        return b""  # end of stream

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        conn = self._conn
        if conn.closed or self._transport.is_closing():
            error = conn.error
            raise httpcore.WriteError(str(error) if error else "connection closed") from error
        self._transport.write(buffer)
        if conn.write_paused:  # more than the transport's high-water mark is waiting to be sent
            conn.drained = asyncio.get_running_loop().create_future()
            try:
                await _wait(conn.drained, timeout, httpcore.WriteTimeout)
            finally:
                conn.drained = None

    async def aclose(self) -> None:
        self._transport.close()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport = await loop.start_tls(
                    self._transport, self._conn, ssl_context, server_hostname=server_hostname
                )
        except TimeoutError:
            self._transport.close()
            raise httpcore.ConnectTimeout("timed out") from None
        except (OSError, ssl.SSLError, EOFError) as exc:
            self._transport.close()
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:  # the peer closed during the handshake
            raise httpcore.ConnectError("connection closed during the TLS handshake")
        self._conn.transport = transport  # type: ignore[assignment]
        return AsyncioStream(transport, self._conn)  # type: ignore[arg-type]

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":  # asked of idle connections: readable means the server closed it (or junk)
            return bool(self._conn.chunks) or self._conn.closed
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    """Opens :class:`AsyncioStream` connections (TCP; Unix sockets for completeness)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        local = (local_address, 0) if local_address else None
        return await self._open(
            loop.create_connection(
                _Connection, host, port, local_addr=local, happy_eyeballs_delay=_HAPPY_EYEBALLS_DELAY
            ),
            timeout,
            socket_options,
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        return await self._open(loop.create_unix_connection(_Connection, path), timeout, socket_options)

    async def _open(self, opening: Any, timeout: float | None, socket_options: Iterable[Any] | None) -> AsyncioStream:
        try:
            async with asyncio.timeout(timeout):
                transport, connection = await opening
        except TimeoutError:
            raise httpcore.ConnectTimeout("timed out") from None
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = transport.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)  # asyncio has already set TCP_NODELAY
        return AsyncioStream(transport, connection)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# --------------------------------------------------------------------------------------------- httpx side
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    # most specific first: the first match wins
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.ProxyError, httpx.ProxyError),
)


def _as_httpx(exc: Exception) -> Exception:
    """httpcore's exception as the httpx one httpx's own transport would raise (same message)."""
    for core, ours in _EXCEPTIONS:
        if isinstance(exc, core):
            return ours(str(exc))
    return exc


class _Body(httpx.AsyncByteStream):
    """A response body: httpcore's stream with its errors as httpx's, and its origin told when it closes."""

    def __init__(self, stream: Any, origin: OriginPool) -> None:
        self._stream = stream
        self._origin: OriginPool | None = origin

    async def __aiter__(self) -> AsyncIterator[bytes]:  # type: ignore[override]
        try:
            async for part in self._stream:
                yield part
        except Exception as exc:
            mapped = _as_httpx(exc)
            if mapped is exc:
                raise
            raise mapped from exc

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._origin is not None:
                self._origin.active -= 1
                self._origin = None


class OriginPool:
    """The connections to one origin: an httpcore pool of at most ``per_host`` kept-alive connections."""

    __slots__ = ("active", "pool")

    def __init__(self, ssl_context: ssl.SSLContext, per_host: int) -> None:
        self.pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=None,  # fetch's own per-host slots limit them
            max_keepalive_connections=per_host,
            network_backend=AsyncioBackend(),
        )
        self.active = 0  # requests sent whose response body is not closed yet

    async def send(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,  # type: ignore[arg-type]
            extensions=request.extensions,
        )
        try:
            response = await self.pool.handle_async_request(core_request)
        except Exception as exc:
            mapped = _as_httpx(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(response.stream, self),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.pool.aclose()


class PerOrigin(httpx.AsyncBaseTransport):
    """One connection pool (:class:`OriginPool`) per origin, at most ``max_origins`` kept.

    A pool per origin holds at most ``per_host`` connections (fetch's per-host slots never use more), so
    httpcore's walks over a pool's connections stay short. When more than ``max_origins`` pools exist, the
    least recently used ones with nothing in flight are closed, so a batch over thousands of sites does not
    keep thousands of idle sockets. All pools share one TLS context.
    """

    def __init__(self, per_host: int, max_origins: int) -> None:
        self.per_host = per_host
        self.max_origins = max_origins
        self.origins: dict[tuple[bytes, bytes, int | None], OriginPool] = {}  # oldest use first
        self._ssl: ssl.SSLContext | None = None
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise httpx.TransportError("transport closed")
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        origin = self.origins.pop(key, None)
        new = origin is None
        if origin is None:
            if self._ssl is None:
                self._ssl = httpx.create_ssl_context(verify=True, trust_env=True)
            origin = OriginPool(self._ssl, self.per_host)
        self.origins[key] = origin  # (re)inserted last: the most recently used
        origin.active += 1  # before any await: this one is never evicted, nor made twice
        try:
            if new:
                await self._evict()
            return await origin.send(request)
        except BaseException:
            origin.active -= 1
            raise

    async def _evict(self) -> None:
        excess = len(self.origins) - self.max_origins
        if excess <= 0:
            return
        idle = [k for k, o in self.origins.items() if o.active <= 0][:excess]
        for k in idle:
            origin = self.origins.pop(k)
            with contextlib.suppress(Exception):
                await origin.aclose()

    async def aclose(self) -> None:
        self._closed = True
        origins, self.origins = list(self.origins.values()), {}
        for origin in origins:
            with contextlib.suppress(Exception):
                await origin.aclose()

