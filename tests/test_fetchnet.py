"""fetchnet.py: fetch's connection layer (httpcore's network backend on asyncio, a pool per origin), on real
sockets on 127.0.0.1: plain TCP, TLS with a test certificate, Unix sockets."""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpcore
import httpx
import pytest

from newsgrab.config import Settings
from newsgrab.fetch import fetch_pages
from newsgrab.fetchnet import AsyncioBackend, PerOrigin

TLS = Path(__file__).resolve().parent.parent / "fixtures" / "tls"
FAST = Settings(timeout=5.0, retries=1, retry_after_cap=0.2, ignore_robots=True)
PAGE = "<html><head><title>Über</title></head><body><p>" + "Zeile über Zeile. " * 400 + "</p></body></html>"


class _Page(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _TLSServer:
    """HTTPS on 127.0.0.1 with the test certificate of fixtures/tls; counts the connections it accepts."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
        self.httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(TLS / "localhost.crt", TLS / "localhost.key")
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True, do_handshake_on_connect=False)
        self.connections = 0
        accept = self.httpd.get_request

        def counted():
            self.connections += 1
            return accept()

        self.httpd.get_request = counted  # type: ignore[method-assign]

    def __enter__(self) -> _TLSServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.httpd.server_address[1]}{path}"


def test_https_pages_come_through_one_kept_alive_connection(monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "localhost.crt"))  # httpx trusts it (trust_env)
    settings = Settings(timeout=5.0, retries=1, ignore_robots=True, concurrency=1, per_host=1)
    with _TLSServer() as srv:
        results = list(fetch_pages([srv.url(f"/p{i}") for i in range(3)], settings))
    assert [r.error for r in results] == [None, None, None]
    assert all(r.page.data == PAGE.encode() for r in results)
    assert srv.connections == 1


def test_an_untrusted_certificate_is_a_tls_error(monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with _TLSServer() as srv:
        (result,) = fetch_pages([srv.url("/p")], FAST)
    assert result.page is None
    assert str(result.error).startswith("cannot connect: TLS error (certificate verify failed")


def test_an_https_body_ended_by_a_close_without_close_notify_is_whole(monkeypatch):
    """No Content-Length: the body ends when the server closes; many servers close TLS without a close_notify
    alert. That is the end of the body, not a broken connection."""
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "localhost.crt"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "localhost.crt", TLS / "localhost.key")
    body = PAGE.encode()

    def handle(conn):
        tls = context.wrap_socket(conn, server_side=True)
        tls.recv(65536)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n"
        tls.sendall(head + body)
        socket.socket(fileno=tls.detach()).close()  # the TCP connection closes; no TLS close_notify is sent

    with _RawServer(handle) as srv:
        (result,) = fetch_pages([f"https://127.0.0.1:{srv.port}/p"], FAST)
    assert result.error is None and result.page.data == body


# --- the backend on its own -----------------------------------------------------------------------------------
class _RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handed to ``handle(conn)`` in a thread."""

    def __init__(self, handle) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.handle = handle
        self.accepted = 0

    def __enter__(self) -> _RawServer:
        def serve() -> None:
            while True:
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    return
                self.accepted += 1
                threading.Thread(target=self._run, args=(conn,), daemon=True).start()

        threading.Thread(target=serve, daemon=True).start()
        return self

    def _run(self, conn: socket.socket) -> None:
        with conn:
            try:
                self.handle(conn)
            except OSError:
                pass

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, 20))


def test_reads_come_in_order_at_most_max_bytes_and_a_stalled_reader_resumes():
    blob = os.urandom(3 * 1024 * 1024 + 17)  # more than the read buffer's high-water mark: reading pauses

    def handle(conn):
        conn.sendall(blob)
        conn.shutdown(socket.SHUT_WR)
        conn.recv(1)

    async def scenario(port: int) -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        await asyncio.sleep(0.3)  # the whole blob arrives while nobody reads: the socket is paused, not drained
        got = bytearray()
        while True:
            data = await stream.read(65536, timeout=5)
            assert len(data) <= 65536
            if not data:
                break
            got += data
        assert bytes(got) == blob
        assert stream.get_extra_info("is_readable")  # end of stream: an idle connection in this state is dead
        await stream.aclose()

    with _RawServer(handle) as srv:
        _run(scenario(srv.port))


def test_a_silent_server_times_a_read_out_and_closing_makes_it_readable():
    release = threading.Event()

    def handle(conn):
        release.wait(10)

    async def scenario(port: int) -> None:
        stream = await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        assert not stream.get_extra_info("is_readable")
        with pytest.raises(httpcore.ReadTimeout):
            await stream.read(1024, timeout=0.2)
        assert stream.get_extra_info("server_addr")[1] == port
        release.set()  # the server closes the connection
        for _ in range(100):
            if stream.get_extra_info("is_readable"):
                break
            await asyncio.sleep(0.02)
        assert stream.get_extra_info("is_readable")
        assert await stream.read(1024, timeout=1) == b""
        with pytest.raises(httpcore.WriteError):
            await stream.write(b"GET / HTTP/1.1\r\n\r\n")
        await stream.aclose()

    with _RawServer(handle) as srv:
        _run(scenario(srv.port))


def test_connect_errors_are_httpcore_errors_with_the_os_error_as_cause():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here

    async def scenario() -> None:
        with pytest.raises(httpcore.ConnectError) as refused:
            await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)
        assert isinstance(refused.value.__cause__, ConnectionRefusedError)
        with pytest.raises(httpcore.ConnectTimeout):
            await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=0)

    _run(scenario())


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no Unix sockets")
def test_unix_sockets_connect_too():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "s")
        server = socket.socket(socket.AF_UNIX)
        server.bind(path)
        server.listen()

        def serve() -> None:
            conn, _ = server.accept()
            with conn:
                conn.sendall(b"hello")

        threading.Thread(target=serve, daemon=True).start()

        async def scenario() -> None:
            stream = await AsyncioBackend().connect_unix_socket(path, timeout=5)
            assert await stream.read(100, timeout=5) == b"hello"
            await stream.aclose()

        try:
            _run(scenario())
        finally:
            server.close()


def test_a_connection_the_server_closed_while_idle_is_not_reused():
    """The pool asks idle connections whether they are readable before reusing one: a server that closed a
    kept-alive connection must cost a new connection, not a failed request."""

    def handle(conn):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
        # ... and closes it anyway (a server's keep-alive timeout)

    async def scenario(base: str) -> list[int]:
        async with httpx.AsyncClient(transport=PerOrigin(per_host=2, max_origins=4)) as client:
            first = await client.get(base + "/1")
            await asyncio.sleep(0.2)  # the server's FIN arrives
            second = await client.get(base + "/2")
            return [first.status_code, second.status_code]

    with _RawServer(handle) as srv:
        assert _run(scenario(f"http://127.0.0.1:{srv.port}")) == [200, 200]
        assert srv.accepted == 2


def test_a_body_cut_short_is_httpx_remote_protocol_error():
    def handle(conn):
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")

    async def scenario(base: str) -> None:
        async with httpx.AsyncClient(transport=PerOrigin(per_host=1, max_origins=4)) as client:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get(base + "/cut")

    with _RawServer(handle) as srv:
        _run(scenario(f"http://127.0.0.1:{srv.port}"))
