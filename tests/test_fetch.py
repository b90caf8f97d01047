"""newsgrab.fetch against real HTTP on 127.0.0.1 (tests/httpserver.py); no mocks."""

from __future__ import annotations

import dataclasses
import email.utils
import socket
import threading
import time
import tracemalloc
import zlib

import pytest
from httpserver import AUTO, Reply, ScriptedServer, http_server, redirect  # noqa: F401  (http_server: fixture)

from newsgrab import __version__
from newsgrab.config import MiB, Settings
from newsgrab.errors import FetchError
from newsgrab.fetch import FetchResult, fetch_pages, read_url_list

# Small timeouts and waits keep the file fast; robots.txt is off unless a test is about it.
FAST = Settings(timeout=2.0, retries=1, retry_after_cap=0.2, ignore_robots=True)
HTML = "<!DOCTYPE html><html><head><title>t</title></head><body><p>hello</p></body></html>"


def fetch(urls, **overrides) -> list[FetchResult]:
    return list(fetch_pages(urls, dataclasses.replace(FAST, **overrides)))


def fetch1(url: str, **overrides) -> FetchResult:
    [result] = fetch([url], **overrides)
    return result


def error_of(result: FetchResult) -> str:
    assert result.page is None, "expected a failure, got a page"
    assert isinstance(result.error, FetchError)
    message = str(result.error)
    assert "\n" not in message and "Traceback" not in message and "Error(" not in message
    return message


def fetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "newsgrab-fetch"]


# --- plain pages, bytes untouched ------------------------------------------------------------------------


def test_ok_page_bytes_type_url_and_headers_sent(http_server):
    http_server.route(
        "/a", Reply(body=HTML, headers={"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2015 07:28:00 GMT"})
    )
    result = fetch1(http_server.url("/a"))
    assert result.error is None and not result.not_modified
    page = result.page
    assert page.data == HTML.encode()
    assert page.content_type == "text/html; charset=utf-8"
    assert page.url == http_server.url("/a") and page.input == http_server.url("/a")
    assert page.etag == '"v1"' and page.last_modified == "Wed, 21 Oct 2015 07:28:00 GMT"
    assert page.fetched_at.tzinfo is not None
    [request] = http_server.requests
    assert request.headers["User-Agent"].startswith(f"newsgrab/{__version__}")
    assert "gzip" in request.headers["Accept-Encoding"]


def test_gbk_bytes_labelled_utf8_come_back_byte_identical(http_server):
    text = '<html><head><meta charset="utf-8"></head><body><p>中国新闻网：今天天气很好。</p></body></html>'
    body = text.encode("gbk")
    http_server.route("/gbk", Reply(body=body, content_type="text/html; charset=utf-8"))
    page = fetch1(http_server.url("/gbk")).page
    assert page is not None and page.data == body
    assert page.content_type == "text/html; charset=utf-8"


def test_big5_page_without_label(http_server):
    body = "<html><body><p>中央社記者報導，臺灣今日天氣晴朗。</p></body></html>".encode("big5")
    http_server.route("/big5", Reply(body=body, content_type="text/html"))
    page = fetch1(http_server.url("/big5")).page
    assert page is not None and page.data == body and page.content_type == "text/html"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "deflate-raw"])
def test_content_encoding_is_undone(http_server, encoding):
    body = (HTML * 200).encode()
    http_server.route("/z", Reply(body=body, encoding=encoding))
    page = fetch1(http_server.url("/z")).page
    assert page is not None and page.data == body


def test_unsupported_content_encoding_fails(http_server):
    http_server.route("/z", Reply(body=HTML, headers={"Content-Encoding": "snappy"}))
    assert "Content-Encoding" in error_of(fetch1(http_server.url("/z")))


# --- redirects --------------------------------------------------------------------------------------------


def test_redirects_are_followed_and_final_url_recorded(http_server):
    http_server.route("/start", redirect("/middle", 301))
    http_server.route("/middle", redirect(http_server.url("/end?x=1"), 307))
    http_server.route("/end", Reply(body=HTML))
    result = fetch1(http_server.url("/start"))
    assert result.page is not None, result.error
    assert result.page.url == http_server.url("/end?x=1")
    assert result.page.input == http_server.url("/start")
    assert result.page.data == HTML.encode()


def test_redirect_loop_is_detected(http_server):
    http_server.route("/a", redirect("/b"))
    http_server.route("/b", redirect("/a"))
    assert error_of(fetch1(http_server.url("/a"))) == "redirect loop"
    assert http_server.hits("/a") + http_server.hits("/b") < 10  # caught as a loop, not by the hop limit


def test_more_than_ten_redirects_fail(http_server):
    for i in range(12):
        http_server.route(f"/r{i}", redirect(f"/r{i + 1}"))
    http_server.route("/r12", Reply(body=HTML))
    assert "too many redirects" in error_of(fetch1(http_server.url("/r0")))
    assert len(http_server.requests) == 11  # the first request and ten hops
    # exactly ten hops is fine
    assert fetch1(http_server.url("/r2")).page is not None


@pytest.mark.parametrize(
    "target", ["file:///etc/passwd", "data:text/html,<p>hi</p>", "javascript:alert(1)", "ftp://127.0.0.1/x"]
)
def test_redirect_to_other_schemes_is_refused(http_server, target):
    http_server.route("/r", redirect(target))
    message = error_of(fetch1(http_server.url("/r")))
    scheme = target.split(":")[0]
    assert message == f"redirect to a {scheme}: URL refused"


# --- status codes, retries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [404, 410, 403])
def test_client_errors_fail_without_retry(http_server, status):
    http_server.route("/gone", Reply(status, body="nope"))
    assert error_of(fetch1(http_server.url("/gone"), retries=3)) == f"HTTP {status}"
    assert http_server.hits("/gone") == 1


def test_server_error_then_ok_is_retried(http_server):
    http_server.route("/flaky", [Reply(500), Reply(body=HTML)])
    result = fetch1(http_server.url("/flaky"), retries=3)
    assert result.page is not None and result.page.data == HTML.encode()
    assert http_server.hits("/flaky") == 2


def test_server_error_gives_up_after_the_tries(http_server):
    http_server.route("/down", Reply(502))
    assert error_of(fetch1(http_server.url("/down"), retries=3)) == "HTTP 502"
    assert http_server.hits("/down") == 3


def gap_between_hits(server: ScriptedServer, path: str) -> float:
    first, second = server.requests_for(path)[:2]
    return second.started - first.started


@pytest.mark.parametrize("status", [503, 429])
def test_retry_after_seconds_is_honoured(http_server, status):
    http_server.route("/busy", [Reply(status, headers={"Retry-After": "1"}), Reply(body=HTML)])
    result = fetch1(http_server.url("/busy"), retries=2, retry_after_cap=5)
    assert result.page is not None, result.error
    assert 0.9 <= gap_between_hits(http_server, "/busy") < 3


def test_retry_after_http_date_is_honoured(http_server):
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: 1 to 2 s from now
    http_server.route("/busy", [Reply(503, headers={"Retry-After": when}), Reply(body=HTML)])
    result = fetch1(http_server.url("/busy"), retries=2, retry_after_cap=5)
    assert result.page is not None, result.error
    assert 0.8 <= gap_between_hits(http_server, "/busy") < 3


def test_retry_after_is_capped(http_server):
    http_server.route("/busy", [Reply(503, headers={"Retry-After": "3600"}), Reply(body=HTML)])
    result = fetch1(http_server.url("/busy"), retries=2, retry_after_cap=0.3)
    assert result.page is not None, result.error
    assert 0.25 <= gap_between_hits(http_server, "/busy") < 2


# --- deadlines, sizes, broken bodies -------------------------------------------------------------------------


def test_slow_server_hits_the_deadline(http_server):
    http_server.route("/slow", Reply(body=HTML, delay=10))
    started = time.monotonic()
    assert error_of(fetch1(http_server.url("/slow"), timeout=1)) == "timed out after 1 s"
    assert time.monotonic() - started < 3


def test_dripping_server_hits_the_whole_request_deadline(http_server):
    # Each byte comes well within any per-read timeout; only a whole-request deadline stops this.
    http_server.route("/drip", Reply(body="<html>" + "x" * 100, drip=0.2))
    started = time.monotonic()
    assert error_of(fetch1(http_server.url("/drip"), timeout=1)) == "timed out after 1 s"
    assert time.monotonic() - started < 3


def test_timeouts_are_retried(http_server):
    http_server.route("/slow", [Reply(body=HTML, delay=10), Reply(body=HTML)])
    result = fetch1(http_server.url("/slow"), timeout=0.5, retries=2)
    assert result.page is not None, result.error
    assert http_server.hits("/slow") == 2


@pytest.mark.parametrize(
    "reply",
    [
        Reply(body=b"<html>" + b"x" * 5000),  # Content-Length above the cap
        Reply(body=b"<html>" + b"x" * 5000, content_length=None),  # no length: the stream is counted
        Reply(body=b"<html>" + b"x" * 5000, chunked=True),
        Reply(body=b"<html>" + b"x" * 5000, encoding="gzip"),  # small on the wire, large decoded
    ],
    ids=["length", "no-length", "chunked", "gzip"],
)
def test_body_over_the_cap_fails(http_server, reply):
    http_server.route("/big", reply)
    assert error_of(fetch1(http_server.url("/big"), max_bytes=1000)) == "larger than 1000 bytes"


def test_body_exactly_at_the_cap_is_fine(http_server):
    body = b"<html>" + b"x" * 994
    http_server.route("/edge", Reply(body=body, chunked=True))
    assert fetch1(http_server.url("/edge"), max_bytes=1000).page.data == body


def test_content_length_over_the_cap_fails_before_reading(http_server):
    # The server claims 100 MiB but sends a few bytes: the answer must be the cap, not a short body.
    http_server.route("/huge", Reply(body=HTML, content_length=100 * MiB))
    assert error_of(fetch1(http_server.url("/huge"), max_bytes=1 * MiB)) == "larger than 1 MiB"


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    return b"".join(packer.compress(zeros) for _ in range(200)) + packer.flush()  # 200 MiB of zeros


def test_gzip_bomb_is_stopped_quickly_and_cheaply(http_server, gzip_bomb):
    assert len(gzip_bomb) < 1 * MiB
    http_server.route("/bomb", Reply(body=gzip_bomb, headers={"Content-Encoding": "gzip"}))
    tracemalloc.start()
    started = time.monotonic()
    try:
        message = error_of(fetch1(http_server.url("/bomb"), max_bytes=1 * MiB))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message == "larger than 1 MiB"
    assert time.monotonic() - started < 3
    assert peak < 8 * MiB  # about the cap plus a chunk, not 200 MiB


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(body="<html>" + "x" * 5000, content_length=9000), "body cut short"),
        (Reply(body="<html>" + "x" * 5000, cut_after=100), "body cut short"),
        (Reply(body="<html>" + "x" * 50000, chunked=True, cut_after=100), "body cut short"),
        (Reply(body="<html>" + "x" * 50000, reset_after=100), "connection broken"),
        (Reply(body="<html>" + "x" * 50000, encoding="gzip", content_length=None, cut_after=60), "truncated gzip"),
    ],
    ids=["lying-length", "cut", "chunked-cut", "reset", "gzip-cut-no-length"],
)
def test_short_or_broken_body_is_an_error(http_server, reply, expected):
    http_server.route("/short", reply)
    assert error_of(fetch1(http_server.url("/short"))).startswith(expected)


# --- content sniffing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "webp"),
        (b"PK\x03\x04\x14\x00\x00\x00", "zip"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
    ],
)
def test_binary_bodies_are_refused_whatever_the_type(http_server, body, kind):
    http_server.route("/file", Reply(body=body + b"\x00" * 64, content_type="text/html; charset=utf-8"))
    assert error_of(fetch1(http_server.url("/file"))) == f"not an HTML page ({kind})"


def test_html_served_as_octet_stream_is_accepted(http_server):
    http_server.route("/page", Reply(body=HTML, content_type="application/octet-stream"))
    page = fetch1(http_server.url("/page")).page
    assert page is not None and page.data == HTML.encode()
    assert page.content_type == "application/octet-stream"


def test_non_html_octet_stream_is_refused(http_server):
    http_server.route("/blob", Reply(body=bytes(range(256)), content_type="application/octet-stream"))
    assert error_of(fetch1(http_server.url("/blob"))).startswith("not an HTML page")


# --- robots.txt ------------------------------------------------------------------------------------------------


def test_robots_txt_disallow_is_obeyed_and_fetched_once(http_server):
    http_server.route("/robots.txt", Reply(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain"))
    http_server.route("/private/a", Reply(body=HTML))
    http_server.route("/public/a", Reply(body=HTML))
    urls = [http_server.url(p) for p in ("/private/a", "/public/a", "/public/a?2", "/private/a?2")]
    results = fetch(urls, ignore_robots=False)
    assert [r.page is not None for r in results] == [False, True, True, False]
    assert error_of(results[0]) == "disallowed by robots.txt"
    assert http_server.hits("/private/a") == 0
    assert http_server.hits("/robots.txt") == 1


def test_robots_txt_group_for_newsgrab_applies(http_server):
    http_server.route(
        "/robots.txt",
        Reply(
            body="User-agent: otherbot\nDisallow:\n\nUser-agent: newsgrab\nDisallow: /\n",
            content_type="text/plain",
        ),
    )
    http_server.route("/a", Reply(body=HTML))
    assert error_of(fetch1(http_server.url("/a"), ignore_robots=False)) == "disallowed by robots.txt"


def test_robots_txt_404_allows_all(http_server):
    http_server.route("/a", Reply(body=HTML))  # /robots.txt is not routed: 404
    assert fetch1(http_server.url("/a"), ignore_robots=False).page is not None
    assert http_server.hits("/robots.txt") == 1


def test_robots_txt_500_disallows_all(http_server):
    http_server.route("/robots.txt", Reply(500))
    http_server.route("/a", Reply(body=HTML))
    assert error_of(fetch1(http_server.url("/a"), ignore_robots=False)).startswith("disallowed by robots.txt")
    assert http_server.hits("/a") == 0


def test_ignore_robots_skips_robots_txt(http_server):
    http_server.route("/robots.txt", Reply(body="User-agent: *\nDisallow: /\n", content_type="text/plain"))
    http_server.route("/a", Reply(body=HTML))
    assert fetch1(http_server.url("/a"), ignore_robots=True).page is not None
    assert http_server.hits("/robots.txt") == 0


def test_robots_txt_is_checked_on_every_redirect_hop(http_server):
    with ScriptedServer() as other:
        other.route("/robots.txt", Reply(body="User-agent: *\nDisallow: /\n", content_type="text/plain"))
        other.route("/a", Reply(body=HTML))
        http_server.route("/go", redirect(other.url("/a")))
        assert error_of(fetch1(http_server.url("/go"), ignore_robots=False)) == "disallowed by robots.txt"
        assert other.hits("/a") == 0


# --- concurrency, order, look-ahead ----------------------------------------------------------------------------


def test_results_keep_input_order_when_later_urls_finish_first(http_server):
    http_server.route("/slow", Reply(body="<html>slow", delay=0.8))
    for i in range(4):
        http_server.route(f"/fast{i}", Reply(body=f"<html>fast{i}"))
    urls = [http_server.url("/slow")] + [http_server.url(f"/fast{i}") for i in range(4)]
    started = time.monotonic()
    results = fetch(urls, concurrency=8, per_host=8)
    assert [r.index for r in results] == [0, 1, 2, 3, 4]
    assert [r.input for r in results] == urls
    assert [r.page.data for r in results] == [b"<html>slow"] + [f"<html>fast{i}".encode() for i in range(4)]
    # the fast ones were requested while the slow one was still being served
    last_fast_start = max(r.started for r in http_server.requests if r.path.startswith("/fast"))
    assert last_fast_start - http_server.requests_for("/slow")[0].started < 0.5
    assert time.monotonic() - started < 2


def test_per_host_limit_is_respected(http_server):
    http_server.route("/p", Reply(body=HTML, delay=0.15))
    urls = [http_server.url(f"/p?{i}") for i in range(8)]
    results = fetch(urls, concurrency=8, per_host=2)
    assert all(r.page is not None for r in results)
    assert http_server.max_active == 2  # never more, and the limit was actually reached


def test_global_limit_is_respected(http_server):
    http_server.route("/p", Reply(body=HTML, delay=0.15))
    results = fetch([http_server.url(f"/p?{i}") for i in range(8)], concurrency=3, per_host=8)
    assert all(r.page is not None for r in results)
    assert http_server.max_active == 3


def test_lookahead_is_bounded_and_closing_stops_the_thread(http_server):
    http_server.route("/p", Reply(body=HTML))
    taken = 0

    def endless():
        nonlocal taken
        while True:
            taken += 1
            yield http_server.url(f"/p?{taken}")

    results = fetch_pages(endless(), dataclasses.replace(FAST, concurrency=2))
    first = next(results)
    assert first.index == 0 and first.page is not None
    assert fetch_threads()
    time.sleep(0.2)
    assert taken <= 2 * 4 + 1
    results.close()
    assert not fetch_threads()
    assert taken <= 2 * 4 + 1


def test_closing_with_downloads_in_flight_is_prompt(http_server):
    http_server.route("/slow", Reply(body=HTML, delay=10))
    results = fetch_pages([http_server.url("/p"), *[http_server.url(f"/slow?{i}") for i in range(5)]], FAST)
    assert error_of(next(results)) == "HTTP 404"
    started = time.monotonic()
    results.close()
    assert time.monotonic() - started < 2
    assert not fetch_threads()


def test_nothing_starts_before_the_first_result_is_asked_for(http_server):
    http_server.route("/a", Reply(body=HTML))
    results = fetch_pages([http_server.url("/a")], FAST)
    time.sleep(0.1)
    assert http_server.requests == [] and not fetch_threads()
    assert [r.page is not None for r in results] == [True]
    assert not fetch_threads()


def test_empty_input_yields_nothing():
    assert fetch([]) == []
    assert not fetch_threads()


# --- conditional requests -------------------------------------------------------------------------------------


def test_conditional_request_gets_not_modified(http_server):
    @http_server.route("/c")
    def conditional(request):
        if request.headers.get("If-None-Match") == '"v2"':
            return Reply(304, content_type=None)
        return Reply(body=HTML, headers={"ETag": '"v2"'})

    url = http_server.url("/c")
    stale = {url: ('"v1"', None)}
    fresh = {url: ('"v2"', "Wed, 21 Oct 2015 07:28:00 GMT")}
    [changed] = fetch_pages([url], FAST, conditional=stale)
    assert changed.page is not None and changed.page.etag == '"v2"' and not changed.not_modified
    [same] = fetch_pages([url], FAST, conditional=fresh)
    assert same.not_modified and same.page is None and same.error is None
    assert http_server.requests[-1].headers["If-Modified-Since"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    # without conditional headers a 304 is not a success
    http_server.route("/odd", Reply(304, content_type=None))
    assert error_of(fetch1(http_server.url("/odd"))) == "HTTP 304"


# --- inputs and network failures --------------------------------------------------------------------------------


def test_read_url_list():
    lines = [
        "\ufeffhttps://a.example/1\n",
        "   \n",
        "# a comment\n",
        "  https://b.example/2  \n",
        "   # indented comment\n",
        "https://c.example/3#frag  # trailing note\n",
        b"https://d.example/4\n",
    ]
    assert read_url_list(lines) == [
        "https://a.example/1",
        "https://b.example/2",
        "https://c.example/3#frag",
        "https://d.example/4",
    ]
    assert read_url_list([]) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("not a url", "not a URL"),
        ("", "not a URL"),
        ("http://", "not a URL (no host)"),
        ("http://exa mple.com/", "not a URL (bad host)"),
        ("http://[::1", "not a URL"),
        ("ftp://example.com/file", "unsupported URL scheme ftp: (only http and https)"),
        ("javascript:alert(1)", "unsupported URL scheme javascript: (only http and https)"),
        ("file:///etc/passwd", "unsupported URL scheme file: (only http and https)"),
    ],
)
def test_malformed_input_fails_that_input_only(http_server, text, expected):
    http_server.route("/a", Reply(body=HTML))
    bad, good = fetch([text, http_server.url("/a")])
    assert error_of(bad) == expected and bad.input == text
    assert good.page is not None


def test_connection_refused_is_one_clear_line():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert error_of(fetch1(f"http://127.0.0.1:{port}/")) == "cannot connect: connection refused"


def test_connection_refused_with_robots_on_names_the_real_cause():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert error_of(fetch1(f"http://127.0.0.1:{port}/", ignore_robots=False)) == "cannot connect: connection refused"


def test_tls_error_is_one_clear_line(http_server):
    http_server.route("/a", Reply(body=HTML))
    message = error_of(fetch1(http_server.url("/a").replace("http:", "https:")))
    assert message.startswith("cannot connect: TLS error")


def test_idn_host_is_a_url():
    # No DNS for this name here (or anywhere: .invalid is reserved); it must fail as a lookup, not a parse.
    message = error_of(fetch1("http://bücher.invalid/seite", timeout=2))
    assert message.startswith(("cannot connect", "timed out"))


def test_the_environments_proxy_is_used(http_server, monkeypatch):
    # A newsroom behind a proxy: HTTP_PROXY must be honoured (a transport of our own would turn it off).
    page = "<html><head><title>Via proxy</title></head><body><p>x</p></body></html>"
    http_server.route("http://news.invalid/a", Reply(body=page))  # a proxy gets the absolute URL
    monkeypatch.setenv("HTTP_PROXY", http_server.base_url)
    monkeypatch.setenv("http_proxy", http_server.base_url)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    r = fetch1("http://news.invalid/a", ignore_robots=True)
    assert r.page is not None, r.error
    assert r.page.data == page.encode() and http_server.hits("http://news.invalid/a") == 1


def test_a_cookie_set_on_a_redirect_is_sent_back(http_server):
    """A consent wall: the page answers only a request carrying the cookie its redirect set. (Responses without
    Set-Cookie skip httpx's cookie machinery; those with it must still reach the jar.)"""

    @http_server.route("/article")
    def article(req):
        if "consent=yes" in (req.headers.get("Cookie") or ""):
            return Reply(body=HTML)
        wall = {"Location": "/article", "Set-Cookie": "consent=yes; Path=/"}
        return Reply(status=302, headers=wall, content_type=None)

    result = fetch1(http_server.url("/article"))
    assert result.error is None and result.page.data == HTML.encode()
    assert http_server.hits("/article") == 2
