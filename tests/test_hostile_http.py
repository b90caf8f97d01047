"""Hostile servers and URLs, mostly through ``python -m newsgrab fetch`` (exit codes, one stderr line per failed
URL, nothing saved for a failure, bounded time). test_fetch.py has the API-level cases; this adds what is
missing there: silent servers, the CLI view, per-host Retry-After, bombs in every coding with measured peak
memory, robots.txt edge cases.
"""

from __future__ import annotations

import dataclasses
import email.utils
import sqlite3
import subprocess
import sys
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from conftest import cli_env, jsonl
from httpserver import Reply, ScriptedServer, SilentServer, http_server, redirect  # noqa: F401  (http_server: fixture)

from newsgrab._decode_body import CHUNK
from newsgrab.config import MiB, Settings
from newsgrab.fetch import fetch_pages

def page(n: int = 0) -> str:
    """A distinct article page (the store keeps the same text only once)."""
    return ("<!DOCTYPE html><html><head><title>Sea wall approved</title></head><body><article>"
            + "".join(f"<p>Paragraph {k} of story {n}: the harbour council said on Monday that the new sea wall "
                      "will be finished by May, and residents welcomed the news.</p>" for k in range(5))
            + "</article></body></html>")


HTML = page()


def fetch_cli(tmp_path: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "newsgrab", "fetch", "--store", str(tmp_path / "s.db"), "--format", "jsonl", *args],
        capture_output=True, env=cli_env(tmp_path), cwd=tmp_path, timeout=timeout,
    )
    proc.elapsed = time.monotonic() - started
    proc.out = proc.stdout.decode("utf-8")
    proc.err = proc.stderr.decode("utf-8")
    proc.lines = jsonl(proc.out)
    assert "Traceback" not in proc.err and "internal error" not in proc.err, proc.err
    errors = [line for line in proc.err.splitlines() if line.startswith("newsgrab: ")]
    failed = [x for x in proc.lines if x["status"] in ("failed", "no-content")]
    assert len(errors) == len(failed), (errors, failed)  # one line per failed input
    for line, x in zip(errors, failed):
        assert line.startswith("newsgrab: ") and line.endswith(": " + x["error"]), (line, x)
    return proc


def stored_count(tmp_path: Path) -> int:
    db = tmp_path / "s.db"
    if not db.exists():
        return 0
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        conn.close()


# --- one batch of hostile answers ----------------------------------------------------------------------------


def test_hostile_answers_through_the_cli(tmp_path, http_server):
    srv = http_server
    srv.route("/robots.txt", Reply(404))
    srv.route("/ok", Reply(body=HTML))
    srv.route("/octet", Reply(body=page(1), content_type="application/octet-stream"))
    srv.route("/404", Reply(404, body="nope"))
    srv.route("/410", Reply(410, body="gone"))
    srv.route("/loop-a", redirect("/loop-b"))
    srv.route("/loop-b", redirect("/loop-a"))
    for i in range(12):
        srv.route(f"/hop{i}", redirect(f"/hop{i + 1}"))
    srv.route("/hop12", Reply(body=HTML))
    for name, target in (("file", "file:///etc/passwd"), ("data", "data:text/html,<p>hi"),
                         ("js", "javascript:alert(1)")):
        srv.route(f"/to-{name}", redirect(target))
    srv.route("/pdf", Reply(body=b"%PDF-1.7\n" + bytes(3000), content_type="text/html"))
    srv.route("/png", Reply(body=b"\x89PNG\r\n\x1a\n" + bytes(3000), content_type="text/html; charset=utf-8"))
    srv.route("/zip", Reply(body=b"PK\x03\x04" + bytes(3000), content_type="text/html"))
    srv.route("/blob", Reply(body=bytes(range(256)) * 20, content_type="application/octet-stream"))
    srv.route("/short", Reply(body=HTML, content_length=len(HTML) + 500))
    srv.route("/cut", Reply(body=HTML, cut_after=200))  # (with no Content-Length, a FIN is a complete body)
    srv.route("/reset", Reply(body=HTML * 20, reset_after=300))
    srv.route("/chunk-cut", Reply(body=HTML * 20, chunked=True, cut_after=300))
    srv.route("/gzip-cut", Reply(body=HTML * 20, encoding="gzip", content_length=None, cut_after=100))
    srv.route("/empty", Reply(body=b""))
    srv.route("/big", Reply(body=b"<html>" + b"x" * (11 * MiB), chunked=True))  # past the 10 MiB default cap
    srv.route("/bomb", Reply(body=_gzip_bomb(300), headers={"Content-Encoding": "gzip"}))
    cases = {
        "/ok": ("saved", None),
        "/octet": ("saved", None),
        "/404": ("failed", "HTTP 404"),
        "/410": ("failed", "HTTP 410"),
        "/loop-a": ("failed", "redirect loop"),
        "/hop0": ("failed", "too many redirects (more than 10)"),
        "/to-file": ("failed", "redirect to a file: URL refused"),
        "/to-data": ("failed", "redirect to a data: URL refused"),
        "/to-js": ("failed", "redirect to a javascript: URL refused"),
        "/pdf": ("failed", "not an HTML page (pdf)"),
        "/png": ("failed", "not an HTML page (png)"),
        "/zip": ("failed", "not an HTML page (zip)"),
        "/blob": ("failed", "not an HTML page (application/octet-stream)"),
        "/short": ("failed", "body cut short"),
        "/cut": ("failed", "body cut short"),
        "/reset": ("failed", "connection broken"),
        "/chunk-cut": ("failed", "body cut short"),
        "/gzip-cut": ("failed", "truncated gzip data"),
        "/empty": ("failed", "empty response (HTTP 200)"),
        "/big": ("failed", "larger than 10 MiB"),
        "/bomb": ("failed", "larger than 10 MiB"),
    }
    urls = [srv.url(p) for p in cases]
    proc = fetch_cli(tmp_path, "--timeout", "3", *urls)
    assert proc.returncode == 1
    assert [x["input"] for x in proc.lines] == urls
    for (path, (status, error)), x in zip(cases.items(), proc.lines):
        assert x["status"] == status, (path, x)
        if error:
            assert x["error"].startswith(error), (path, x)
    assert stored_count(tmp_path) == 2  # only the two real pages: nothing of a failure was saved
    assert srv.hits("/404") == 1 and srv.hits("/410") == 1  # never retried
    assert sum(srv.hits(f"/hop{i}") for i in range(13)) == 11
    assert proc.elapsed < 60


def _gzip_bomb(mib: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    return b"".join(packer.compress(zeros) for _ in range(mib)) + packer.flush()


# --- silence, drips, retries ---------------------------------------------------------------------------------


def test_silent_and_dripping_servers_hit_the_deadline(tmp_path, http_server):
    http_server.route("/drip", Reply(body="<html>" + "x" * 200, drip=0.25))
    http_server.route("/down", Reply(502))
    http_server.route("/flaky", [Reply(500), Reply(503), Reply(body=HTML)])
    with SilentServer() as silent, SilentServer(accept=False) as backlog:
        urls = [silent.url("/"), backlog.url("/"), http_server.url("/drip"), http_server.url("/down"),
                http_server.url("/flaky")]
        proc = fetch_cli(tmp_path, "--timeout", "1", "--ignore-robots", *urls)
        assert silent.connections == 3  # three tries, each cut at the deadline
    assert proc.returncode == 1
    statuses = [(x["status"], x["error"]) for x in proc.lines]
    assert statuses == [("failed", "timed out after 1 s")] * 3 + [("failed", "HTTP 502"), ("saved", None)]
    # 3 tries of 1 s plus two backoffs (0.25-0.5 s, then 0.5-1 s), in parallel: well under 10 s
    assert proc.elapsed < 15
    assert http_server.hits("/down") == 3 and http_server.hits("/flaky") == 3
    first, second, third = [r.started for r in http_server.requests_for("/down")]
    assert 0.2 <= second - first <= 1.5 and 0.45 <= third - second <= 2.5  # backoff with jitter, growing


def test_retry_after_through_the_cli(tmp_path, http_server):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)
    http_server.route("/secs", [Reply(429, headers={"Retry-After": "1"}), Reply(body=HTML)])
    http_server.route("/date", [Reply(503, headers={"Retry-After": when}), Reply(body=HTML.replace("May", "June"))])
    proc = fetch_cli(tmp_path, "--ignore-robots", http_server.url("/secs"), http_server.url("/date"))
    assert proc.returncode == 0, proc.err
    for path, low in (("/secs", 0.9), ("/date", 0.8)):
        a, b = [r.started for r in http_server.requests_for(path)]
        assert low <= b - a < 4, path


FAST = Settings(timeout=3.0, retries=3, retry_after_cap=5.0, ignore_robots=True)


def test_retry_after_holds_back_the_whole_host_but_no_other():
    with ScriptedServer() as a, ScriptedServer(host="127.0.0.2") as b:
        a.route("/busy", [Reply(503, headers={"Retry-After": "2"}), Reply(body=HTML)])
        a.route("/other", Reply(body=HTML))
        b.route("/b", Reply(body=HTML, delay=0.3))
        started = time.monotonic()
        settings = dataclasses.replace(FAST, per_host=1, concurrency=4)
        results = list(fetch_pages([a.url("/busy"), a.url("/other"), b.url("/b")], settings))
        assert all(r.page is not None for r in results), [r.error for r in results]
        busy_first = a.requests_for("/busy")[0].started
        assert a.requests_for("/other")[0].started - busy_first >= 1.8  # the host said: two seconds
        assert b.requests_for("/b")[0].started - started < 1.0  # another host is not held back


def test_retry_after_pause_is_capped():
    with ScriptedServer() as a:
        a.route("/busy", [Reply(429, headers={"Retry-After": "86400"}), Reply(body=HTML)])
        a.route("/other", Reply(body=HTML))
        settings = dataclasses.replace(FAST, per_host=1, retry_after_cap=0.5)
        started = time.monotonic()
        results = list(fetch_pages([a.url("/busy"), a.url("/other")], settings))
        assert all(r.page is not None for r in results)
        assert time.monotonic() - started < 3


# --- URLs, DNS, TLS ------------------------------------------------------------------------------------------


def test_malformed_idn_dns_and_tls_through_the_cli(tmp_path, http_server):
    http_server.route("/a", Reply(body=HTML))
    cases = [
        ("http://[::1", "not a URL"),
        ("http://exa mple.com/", "not a URL"),
        ("ht!tp://x", "not a URL"),
        ("http://127.0.0.1:99999/", "not a URL"),
        ("javascript:alert(1)", "unsupported URL scheme javascript: (only http and https)"),
        ("file:///etc/passwd", "unsupported URL scheme file: (only http and https)"),
        ("//no-scheme.example/x", "not a URL"),
        ("http://" + "x" * 100_000, "not a URL"),
        ("http://bücher.invalid/seite", "cannot connect"),  # IDN: encoded, then no such host
        ("http://xn--bcher-kva.invalid/", "cannot connect"),
        ("http://no-such-host.invalid/", "cannot connect"),
        (http_server.url("/a").replace("http:", "https:"), "cannot connect: TLS error"),
    ]
    proc = fetch_cli(tmp_path, "--timeout", "2", "--ignore-robots", *[u for u, _ in cases], http_server.url("/a"))
    assert proc.returncode == 1
    assert len(proc.lines) == len(cases) + 1
    for (url, error), x in zip(cases, proc.lines):
        assert x["status"] == "failed" and x["error"].startswith(error), (url[:80], x)
        assert len(x["input"]) == len(url)
    assert proc.lines[-1]["status"] == "saved"
    assert proc.elapsed < 30


# --- bombs: every coding, memory measured ------------------------------------------------------------------


def _bombs() -> dict[str, tuple[bytes, str]]:
    zeros = bytes(MiB)
    out = {}
    for name, wbits in (("gzip", 31), ("deflate", 15), ("deflate-raw", -15)):
        c = zlib.compressobj(9, zlib.DEFLATED, wbits)
        out[name] = (b"".join(c.compress(zeros) for _ in range(200)) + c.flush(), name.split("-")[0])
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    out["gzip,gzip"] = (c.compress(out["gzip"][0]) + c.flush(), "gzip, gzip")
    try:
        import brotli

        out["br"] = (brotli.compress(bytes(200 * MiB), quality=5), "br")
    except ImportError:
        pass
    try:
        import zstandard

        out["zstd"] = (zstandard.ZstdCompressor(level=3).compress(bytes(200 * MiB)), "zstd")
    except ImportError:
        pass
    return out


BOMBS = _bombs()
PEAKS: dict[str, float] = {}


@pytest.mark.parametrize("name", ["gzip", "deflate", "deflate-raw", "gzip,gzip", "br", "zstd"])
def test_bomb_is_cut_at_the_cap_with_bounded_memory(http_server, name):
    if name not in BOMBS:
        pytest.skip(f"{name}: optional decoder not installed")
    body, coding = BOMBS[name]
    http_server.route("/bomb", Reply(body=body, headers={"Content-Encoding": coding}))
    http_server.route("/warm", Reply(body=HTML))
    cap = 4 * MiB
    list(fetch_pages([http_server.url("/warm")], FAST))  # one-time costs (imports, TLS context) not counted
    tracemalloc.start()
    started = time.monotonic()
    try:
        [result] = fetch_pages([http_server.url("/bomb")], dataclasses.replace(FAST, max_bytes=cap, retries=1))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.page is None and str(result.error) == "larger than 4 MiB"
    assert time.monotonic() - started < 5
    PEAKS[name] = peak / MiB
    # Measured (tracemalloc, fetch included): gzip/deflate 4.3 MiB, gzip,gzip 4.5, br 4.3, zstd 4.7 for a
    # 4 MiB cap: the cap plus one 64 KiB chunk and buffer growth; zstd's decoder cannot bound one call's
    # output, so it is fed 8 bytes at a time (at most two 128 KiB blocks).
    slack = 4 * CHUNK if name != "zstd" else 12 * CHUNK
    assert peak <= cap + slack + 512 * 1024, f"{name}: peak {peak / MiB:.2f} MiB"


@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_optional_codings_round_trip_and_truncation(http_server, coding):
    mod = pytest.importorskip({"br": "brotli", "zstd": "zstandard"}[coding])
    packed = mod.compress(HTML.encode()) if coding == "br" else mod.ZstdCompressor().compress(HTML.encode())
    http_server.route("/ok", Reply(body=packed, headers={"Content-Encoding": coding}))
    http_server.route("/cut", Reply(body=packed, headers={"Content-Encoding": coding}, content_length=None,
                                    cut_after=len(packed) // 2))
    ok, cut = fetch_pages([http_server.url("/ok"), http_server.url("/cut")], dataclasses.replace(FAST, retries=1))
    assert ok.page is not None and ok.page.data == HTML.encode()
    assert coding in http_server.requests_for("/ok")[0].headers["Accept-Encoding"]
    assert cut.page is None and str(cut.error) == f"truncated {coding} data"


# --- robots.txt -----------------------------------------------------------------------------------------------


def test_robots_txt_rules_through_the_cli(tmp_path):
    servers = []
    try:
        def site(robots: Reply | None) -> ScriptedServer:
            srv = ScriptedServer().start()
            servers.append(srv)
            if robots is not None:
                srv.route("/robots.txt", robots)
            srv.route("/news/a", Reply(body=page(len(servers))))
            srv.route("/private/a", Reply(body=page(100 + len(servers))))
            return srv

        rules = site(Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
        server_error = site(Reply(503))
        forbidden = site(Reply(403))  # 4xx: "unavailable", crawl freely (RFC 9309 2.3.1.3)
        missing = site(None)  # 404
        huge = site(Reply(body="User-agent: *\n" + "Disallow: /nothing-here\n" * 40_000 + "Disallow: /news/\n",
                          content_type="text/plain"))  # past the 512 KiB robots.txt read: the tail is not read
        looping = site(redirect("/robots.txt"))
        bomb = site(Reply(body=_gzip_bomb(50), headers={"Content-Encoding": "gzip"}, content_type="text/plain"))
        silent = site(Reply(body="User-agent: *\nDisallow:\n", delay=30))
        cases = [
            (rules.url("/news/a"), "saved", None),
            (rules.url("/private/a"), "failed", "disallowed by robots.txt"),
            (server_error.url("/news/a"), "failed", "disallowed by robots.txt (robots.txt answered HTTP 503)"),
            (forbidden.url("/news/a"), "saved", None),
            (missing.url("/news/a"), "saved", None),
            (huge.url("/news/a"), "saved", None),
            (looping.url("/news/a"), "saved", None),
            (bomb.url("/news/a"), "saved", None),
            (silent.url("/news/a"), "failed", "disallowed by robots.txt (robots.txt unreachable: timed out"),
        ]
        proc = fetch_cli(tmp_path, "--timeout", "1", *[u for u, _, _ in cases])
        assert proc.returncode == 1
        for (url, status, error), x in zip(cases, proc.lines):
            assert x["status"] == status, (url, x)
            if error:
                assert x["error"].startswith(error), (url, x)
        assert rules.hits("/private/a") == 0 and server_error.hits("/news/a") == 0 and silent.hits("/news/a") == 0
        assert rules.hits("/robots.txt") == 1

        assert server_error.hits("/robots.txt") == 3  # 5xx: retried like any request, then "disallow all"

        # --ignore-robots: robots.txt is not even asked for
        proc = fetch_cli(tmp_path, "--ignore-robots", "--refresh", rules.url("/private/a"), server_error.url("/news/a"))
        assert proc.returncode == 0, proc.err
        assert rules.hits("/robots.txt") == 1 and server_error.hits("/robots.txt") == 3
    finally:
        for srv in servers:
            srv.stop()
