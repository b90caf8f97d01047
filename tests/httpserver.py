"""A scripted HTTP/1.1 server on 127.0.0.1 for tests (stdlib only), including byte-level misbehaviour.

Usage::

    from httpserver import ScriptedServer, Reply, redirect, http_server   # http_server: a pytest fixture

    with ScriptedServer() as srv:                       # listens on 127.0.0.1, a free port, daemon threads
        srv.route("/a", Reply(body="<html>hi</html>"))  # a fixed answer
        srv.route("/r", redirect("/a"))                  # 302 to /a (relative Location)
        srv.route("/flaky", [Reply(500), Reply(body="ok")])  # one answer per hit; the last one repeats
        @srv.route("/echo")                              # or a function of the Request
        def echo(req):
            return Reply(body=req.headers.get("User-Agent", ""))
        url = srv.url("/a")                              # "http://127.0.0.1:PORT/a"
        ...
        srv.hits("/a")        # requests that reached /a (query strings ignored)
        srv.requests          # every Request, in arrival order
        srv.max_active        # most requests being served at the same moment (for concurrency limits)

``ScriptedServer(host="127.0.0.2")`` listens on another loopback address (another host, for per-host limits).
``SilentServer()`` is a port that takes connections and never answers (``accept=False``: never even accepts).

Unrouted paths answer ``404 not found`` (so ``/robots.txt`` is absent unless routed).  A route matches the
path with its query string first, then without it.

``Reply`` fields (all optional):

* ``status`` (200), ``body`` (bytes, or str sent as UTF-8), ``content_type`` ("text/html; charset=utf-8";
  None sends no Content-Type), ``headers`` (a dict or a list of pairs, added as given);
* ``encoding``: ``"gzip"``, ``"deflate"`` or ``"deflate-raw"`` compresses ``body`` and sends the matching
  Content-Encoding (``deflate-raw`` is labelled ``deflate``, as misconfigured servers do);
* ``delay``: seconds to wait before the status line (a slow server);
* ``drip``: send the body one byte at a time, this many seconds apart;
* ``content_length``: ``AUTO`` (default: the true length), an int (a lie, when it differs), or None (no
  Content-Length: the body ends when the connection closes);
* ``chunked``: Transfer-Encoding: chunked instead of a Content-Length;
* ``cut_after``: send only this many body bytes, then close the connection cleanly (FIN);
* ``reset_after``: send only this many body bytes, then reset the connection (RST).

Replies that end the body early or have no Content-Length close the connection afterwards; others keep it
alive (HTTP/1.1).  Stopping the server wakes handlers that are sleeping in ``delay``/``drip``.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

__all__ = ["AUTO", "Reply", "Request", "ScriptedServer", "SilentServer", "redirect", "http_server"]

AUTO = "auto"


@dataclass
class Reply:
    """What the server sends for one request; see the module docstring."""

    status: int = 200
    body: bytes | str = b""
    content_type: str | None = "text/html; charset=utf-8"
    headers: Mapping[str, str] | Sequence[tuple[str, str]] = ()
    encoding: str | None = None
    delay: float = 0.0
    drip: float = 0.0
    content_length: int | str | None = AUTO
    chunked: bool = False
    cut_after: int | None = None
    reset_after: int | None = None


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect to ``location`` (sent as given: relative, absolute, or another scheme)."""
    return Reply(status=status, headers={"Location": location}, content_type=None)


@dataclass
class Request:
    """One request as the server saw it."""

    method: str
    path: str  # with the query string
    headers: Mapping[str, str]  # case-insensitive (an email.message.Message)
    started: float  # time.monotonic() when the request line was read

    @property
    def bare_path(self) -> str:
        return self.path.split("?", 1)[0]


Handler = Reply | Sequence[Reply] | Callable[[Request], Reply]


@dataclass
class _Route:
    handler: Handler
    served: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, request: Request) -> Reply:
        if callable(self.handler):
            return self.handler(request)
        if isinstance(self.handler, Reply):
            return self.handler
        with self.lock:
            reply = self.handler[min(self.served, len(self.handler) - 1)]
            self.served += 1
        return reply


class ScriptedServer:
    """A threaded HTTP server on 127.0.0.1 answering with scripted :class:`Reply` objects."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host  # any 127.x.y.z: a second "host" for per-host behaviour
        self.routes: dict[str, _Route] = {}
        self.requests: list[Request] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def start(self) -> ScriptedServer:
        self._httpd = _HTTPServer((self.host, 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="scripted-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting --
    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(self, path: str, handler: Handler | None = None):
        """Register ``handler`` for ``path``; without a handler, works as a decorator."""
        if handler is None:

            def decorate(fn: Callable[[Request], Reply]) -> Callable[[Request], Reply]:
                self.routes[path] = _Route(fn)
                return fn

            return decorate
        self.routes[path] = _Route(handler)
        return handler

    def hits(self, path: str) -> int:
        """Requests received for ``path`` (compared without query strings)."""
        path = path.split("?", 1)[0]
        with self._lock:
            return sum(1 for r in self.requests if r.bare_path == path)

    def requests_for(self, path: str) -> list[Request]:
        path = path.split("?", 1)[0]
        with self._lock:
            return [r for r in self.requests if r.bare_path == path]

    # -- used by the handler --
    def _begin(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def _end(self) -> None:
        with self._lock:
            self.active -= 1

    def _reply_for(self, request: Request) -> Reply:
        route = self.routes.get(request.path) or self.routes.get(request.bare_path)
        if route is None:
            return Reply(404, body="not found", content_type="text/plain")
        return route.next_reply(request)

    def _sleep(self, seconds: float) -> bool:
        """Sleep; False when the server is stopping (the handler should give up)."""
        return not self._stopping.wait(seconds) if seconds > 0 else not self._stopping.is_set()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a handler dripping bytes must not hold up stop()
    owner: ScriptedServer

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        import sys

        if isinstance(sys.exc_info()[1], OSError):
            return  # the client gave up (timeout, cap): expected in these tests
        super().handle_error(request, client_address)


def _encode(body: bytes, encoding: str | None) -> bytes:
    if encoding is None:
        return body
    if encoding == "gzip":
        c = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        c = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS)
    elif encoding == "deflate-raw":
        c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    else:
        raise ValueError(f"unknown encoding {encoding!r}")
    return c.compress(body) + c.flush()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms delayed-ACK stalls
    server: _HTTPServer

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep pytest output clean

    def do_GET(self) -> None:  # noqa: N802
        owner = self.server.owner
        request = Request(self.command, self.path, self.headers, time.monotonic())
        owner._begin(request)
        try:
            self._send(owner, owner._reply_for(request))
        finally:
            owner._end()

    do_HEAD = do_POST = do_GET  # noqa: N815

    def _send(self, owner: ScriptedServer, reply: Reply) -> None:
        if not owner._sleep(reply.delay):
            self.close_connection = True
            return
        body = reply.body.encode("utf-8") if isinstance(reply.body, str) else bytes(reply.body)
        body = _encode(body, reply.encoding)
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Whatever"
        head = [f"HTTP/1.1 {reply.status} {phrase}"]
        if reply.content_type is not None:
            head.append(f"Content-Type: {reply.content_type}")
        if reply.encoding:
            head.append(f"Content-Encoding: {'deflate' if reply.encoding == 'deflate-raw' else reply.encoding}")
        pairs = reply.headers.items() if isinstance(reply.headers, Mapping) else reply.headers
        head += [f"{k}: {v}" for k, v in pairs]
        ends_early = reply.cut_after is not None or reply.reset_after is not None
        if reply.chunked:
            head.append("Transfer-Encoding: chunked")
        elif reply.content_length == AUTO:
            head.append(f"Content-Length: {len(body)}")
        elif reply.content_length is not None:
            head.append(f"Content-Length: {reply.content_length}")
        lies = reply.content_length not in (AUTO, len(body), None)
        if ends_early or lies or (reply.content_length is None and not reply.chunked):
            head.append("Connection: close")
            self.close_connection = True
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        if self.command == "HEAD":
            return
        limit = reply.reset_after if reply.reset_after is not None else reply.cut_after
        payload = body if limit is None else body[:limit]
        if reply.chunked:
            step = 1 if reply.drip else 4096
            for i in range(0, len(payload), step):
                piece = payload[i : i + step]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                if reply.drip and not owner._sleep(reply.drip):
                    return
            if limit is None:
                self.wfile.write(b"0\r\n\r\n")
        elif reply.drip:
            for i in range(len(payload)):
                self.wfile.write(payload[i : i + 1])
                if not owner._sleep(reply.drip):
                    return
        else:
            self.wfile.write(payload)
        if reply.reset_after is not None:
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()


class SilentServer:
    """A TCP port on 127.0.0.1 that never answers: with ``accept=True`` it takes connections and reads
    whatever comes, saying nothing; with ``accept=False`` it only listens (connections stay in the backlog).
    ``connections`` counts the connections accepted."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.connections = 0
        self._sock = socket.socket()
        self._stopping = threading.Event()
        self._held: list[socket.socket] = []

    def __enter__(self) -> SilentServer:
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        if self.accept:
            self._sock.settimeout(0.05)
            threading.Thread(target=self._serve, name="silent-http", daemon=True).start()
        return self

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self._held.append(conn)  # never read from, never written to, closed at exit

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}{path}"

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        for conn in self._held:
            conn.close()
        self._sock.close()


@pytest.fixture
def http_server():
    """A started :class:`ScriptedServer`, stopped after the test."""
    with ScriptedServer() as server:
        yield server
