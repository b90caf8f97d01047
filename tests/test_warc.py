"""WARC in (clean FILE.warc[.gz]: HTML records, truncation, sniffing) and out (fetch --warc, export --format warc).

Archives are written here with warcio's own writer (so reading is not only tested against our writer), pages
come from a local server, and what newsgrab writes is read back with warcio with digests checked.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys

import pytest
from conftest import PAGES, cli_env, jsonl
from httpserver import Reply, ScriptedServer, _encode, redirect
from newsdata import english_page, page
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsgrab.load import iter_inputs

ZH = (PAGES / "cli-zh.html").read_bytes()
EN = (PAGES / "cli-en.html").read_bytes()
GBK_TITLE = "国务院发布关于促进消费的新措施"
# A GBK page that names its charset only in the HTTP header (no <meta charset>): decoded right only if the
# record's Content-Type reaches the decoder.
GBK_PAGE = page(GBK_TITLE, ["国务院今天发布了关于促进消费的二十条新措施，涉及汽车、家电、旅游和文化等多个领域。" * 2,
                            "有关部门负责人表示，这些措施将在年内全部落实，预计拉动消费超过一万亿元。" * 2],
                charset=None).encode("gbk")


def _http(status: str, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    return StatusAndHeaders(status, headers, protocol="HTTP/1.1")


def make_warc(records: list[tuple], *, gz: bool = True) -> tuple[bytes, list[tuple[int, int]]]:
    """A WARC written by warcio: records are (type, uri, http status or None, headers, body). Returns the
    bytes and, per record, (end of its block, end of the record) offsets."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    w.write_record(w.create_warcinfo_record("test.warc", {"software": "warcio"}))
    bounds = [(buf.tell() - (0 if gz else 4), buf.tell())]
    for kind, uri, status, headers, body in records:
        if kind == "warcinfo":
            continue
        http = _http(status, headers) if status else None
        kwargs = {}
        if kind == "resource":
            kwargs["warc_content_type"] = dict(headers).get("Content-Type", "")
        if kind == "revisit":
            rec = w.create_revisit_record(uri, "sha1:AAAA", uri, "2024-01-01T00:00:00Z", http_headers=http)
        else:
            rec = w.create_warc_record(uri, kind, payload=io.BytesIO(body), http_headers=http, **kwargs)
        w.write_record(rec)
        bounds.append((buf.tell() - (0 if gz else 4), buf.tell()))
    return buf.getvalue(), bounds


def crawl_records() -> list[tuple]:
    return [
        ("request", "https://news.example.cn/a.html", None, [], b"GET /a.html HTTP/1.1\r\nHost: news.example.cn\r\n\r\n"),
        ("response", "https://news.example.cn/a.html", "200 OK",
         [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"), ("ETag", '"v1"')],
         gzip.compress(ZH)),
        ("response", "https://news.example.cn/logo.png", "200 OK", [("Content-Type", "image/png")], b"\x89PNG\r\n" * 20),
        ("response", "https://news.example.cn/old", "301 Moved", [("Location", "/a.html"), ("Content-Type", "text/html")],
         b"<html>moved</html>"),
        ("metadata", "https://news.example.cn/a.html", None, [], b"outlink: https://news.example.cn/b.html\r\n"),
        ("revisit", "https://news.example.cn/a.html", "200 OK", [("Content-Type", "text/html")], b""),
        ("response", "https://news.example.cn/gbk.html", "200 OK", [("Content-Type", "text/html; charset=GBK")], GBK_PAGE),
        ("resource", "https://news.example.com/en.html", None, [("Content-Type", "text/html")], EN),
    ]


# ------------------------------------------------------------------------------------------ reading
@pytest.mark.parametrize("gz", [True, False])
def test_clean_warc_takes_html_responses_only(run, tmp_path, gz):
    data, _ = make_warc(crawl_records(), gz=gz)
    name = "crawl.warc.gz" if gz else "crawl.warc"
    (tmp_path / name).write_bytes(data)
    p = run("clean", "--store", str(tmp_path / "s.db"), "--format", "jsonl", name)
    assert p.returncode == 0, p.stderr
    lines = jsonl(p.stdout)
    # record 1 is warcinfo, 2 the request, 3 the page, 4 the PNG, 5 the redirect, 6 metadata, 7 revisit, ...
    assert [x["input"] for x in lines] == [f"{name}#record-3", f"{name}#record-8", f"{name}#record-9"]
    assert [x["status"] for x in lines] == ["saved"] * 3
    assert [x["url"] for x in lines] == ["https://news.example.cn/a.html", "https://news.example.cn/gbk.html",
                                         "https://news.example.com/en.html"]
    assert lines[0]["title"] == "市政府公布新的公共交通计划"  # Content-Encoding: gzip undone
    assert lines[1]["title"] == GBK_TITLE  # charset from the record's HTTP Content-Type
    assert p.stderr == ""


def test_warc_page_metadata(tmp_path):
    data, _ = make_warc(crawl_records())
    (tmp_path / "c.warc.gz").write_bytes(data)
    results = list(iter_inputs([str(tmp_path / "c.warc.gz")]))
    first = results[0].page
    assert first.data == ZH and first.etag == '"v1"' and first.content_type == "text/html; charset=utf-8"
    assert first.fetched_at.tzinfo is not None
    assert results[1].page.content_type == "text/html; charset=GBK"


def test_warcio_reads_a_cut_gzip_warc_quietly(tmp_path):
    """The failure mode we guard against: warcio stops at a cut gzip member without a word."""
    records = [("response", f"https://e.example/{i}", "200 OK", [("Content-Type", "text/html")], EN) for i in range(3)]
    data, bounds = make_warc(records)
    cut = data[: (bounds[2][1] + bounds[3][1]) // 2]  # inside the third response
    seen = []
    for r in ArchiveIterator(io.BytesIO(cut)):  # no exception...
        block = len(r.http_headers.to_bytes()) if r.http_headers else 0
        seen.append((r.rec_headers.get_header("WARC-Target-URI"),
                     block + len(r.raw_stream.read()) == int(r.rec_headers.get_header("Content-Length"))))
    # ... and the cut record comes back short, as if it were whole (or not at all, for other cuts)
    assert seen == [(None, True), ("https://e.example/0", True), ("https://e.example/1", True),
                    ("https://e.example/2", False)]


@pytest.mark.parametrize("gz", [True, False])
def test_every_cut_is_reported_and_keeps_whole_records(tmp_path, gz):
    records = [("response", f"https://e.example/{i}", "200 OK", [("Content-Type", "text/html; charset=utf-8")],
                english_page(f"Story {i}", n=2, seed=str(i)).encode()) for i in range(3)]
    data, bounds = make_warc(records, gz=gz)
    path = tmp_path / ("c.warc.gz" if gz else "c.warc")
    for cut in range(len(MAGIC_GZ if gz else b"WARC/1.0"), len(data), 5):
        path.write_bytes(data[:cut])
        results = list(iter_inputs([str(path)]))
        pages = [r for r in results if r.page is not None]
        whole = sum(1 for block_end, _ in bounds[1:] if block_end <= cut)
        # every whole record before the cut is kept, in order; a page is never partial (checked below). A gzip
        # member cut in its 8-byte trailer still holds a whole page: that page may be kept as well.
        assert [r.page.url for r in pages] == [f"https://e.example/{i}" for i in range(len(pages))], cut
        assert whole <= len(pages) <= whole + (1 if gz else 0), cut
        complete = any(block_end <= cut <= rec_end for block_end, rec_end in bounds)
        last = results[-1]
        if not complete:
            assert last.page is None and "truncated" in str(last.error), (cut, last)
        for r in pages:
            assert r.page.data == records[int(r.page.url[-1])][4]


MAGIC_GZ = b"\x1f\x8b\x08"


def test_truncated_warc_on_the_command_line(run, tmp_path):
    records = [("response", f"https://e.example/{i}", "200 OK", [("Content-Type", "text/html")],
                english_page(f"Story {i}", seed=str(i)).encode()) for i in range(3)]
    data, bounds = make_warc(records)
    (tmp_path / "cut.warc.gz").write_bytes(data[: bounds[3][1] - 30])  # inside the last member
    p = run("clean", "--store", str(tmp_path / "s.db"), "--format", "jsonl", "cut.warc.gz")
    assert p.returncode == 1
    lines = jsonl(p.stdout)
    assert [x["status"] for x in lines] == ["saved", "saved", "failed"]
    assert lines[2]["input"] == "cut.warc.gz" and lines[2]["error"].startswith("truncated WARC")
    assert "newsgrab: cut.warc.gz: truncated WARC" in p.stderr
    assert "Traceback" not in p.stderr


def test_sniffed_by_content_and_refused_by_name(run, tmp_path):
    data, _ = make_warc([("response", "https://e.example/1", "200 OK", [("Content-Type", "text/html")], EN)])
    (tmp_path / "saved.bin").write_bytes(data)  # gzip WARC, no telling name
    (tmp_path / "plain.html").write_bytes(gzip.decompress(data))  # plain WARC named .html
    (tmp_path / "fake.warc").write_bytes(ZH)  # named .warc, holds HTML
    (tmp_path / "fake.warc.gz").write_bytes(gzip.compress(b"not a warc at all\r\n" * 10))
    (tmp_path / "nothing.warc.gz").write_bytes(make_warc([])[0])  # valid, but no page in it
    p = run("clean", "--no-store", "--format", "jsonl", "saved.bin", "plain.html", "fake.warc", "fake.warc.gz",
            "nothing.warc.gz")
    lines = jsonl(p.stdout)
    assert [(x["input"], x["status"]) for x in lines] == [
        ("saved.bin#record-2", "printed"), ("plain.html#record-2", "printed"), ("fake.warc", "failed"),
        ("fake.warc.gz", "failed"), ("nothing.warc.gz", "failed")]
    assert lines[2]["error"] == lines[3]["error"] == "not a WARC file (no WARC/1. header)"
    assert lines[4]["error"].startswith("no HTML page in this WARC")
    assert p.returncode == 1


def test_warc_on_stdin(run, tmp_path):
    data, _ = make_warc([("response", "https://e.example/1", "200 OK", [("Content-Type", "text/html")], EN)])
    p = run("clean", "--no-store", "--format", "jsonl", "-", input=data)
    assert [(x["input"], x["url"]) for x in jsonl(p.stdout)] == [("-#record-2", "https://e.example/1")]


def test_damaged_record_headers(tmp_path):
    data, _ = make_warc([("response", "https://e.example/1", "200 OK", [("Content-Type", "text/html")], EN)],
                        gz=False)
    broken = data + b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: banana\r\n\r\nxx\r\n\r\n"
    (tmp_path / "b.warc").write_bytes(broken)
    results = list(iter_inputs([str(tmp_path / "b.warc")]))
    assert results[0].page is not None
    assert results[-1].page is None and "WARC" in str(results[-1].error)


# ------------------------------------------------------------------------------------------ writing
def read_warc(path) -> list:
    out = []
    with open(path, "rb") as f:
        for rec in ArchiveIterator(f, check_digests="raise"):
            out.append((rec.rec_type, rec.rec_headers, rec.http_headers, rec.raw_stream.read()))
    return out


def test_fetch_warc_records_every_exchange_byte_for_byte(run, tmp_path):
    body = page("市政府公布新的公共交通计划", ["市政府昨天公布了新的公共交通计划，准备在未来五年内新建三条地铁线路。" * 3]).encode()
    with ScriptedServer() as srv:
        srv.route("/robots.txt", Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"))
        srv.route("/old", redirect("/news/1.html", 301))
        srv.route("/news/1.html", Reply(body=body, encoding="gzip", chunked=True,
                                        headers=[("ETag", '"abc"'), ("X-Custom-Case", "KeepMe")]))
        srv.route("/missing", Reply(404, body="gone", content_type="text/plain"))
        p = run("fetch", "--store", str(tmp_path / "s.db"), "--warc", "out.warc.gz", "--format", "jsonl",
                srv.url("/old"), srv.url("/missing"))
        url = srv.url("/news/1.html")
    assert [x["status"] for x in jsonl(p.stdout)] == ["saved", "failed"]
    records = read_warc(tmp_path / "out.warc.gz")
    kinds = [(k, h.get_header("WARC-Target-URI")) for k, h, _, _ in records]
    assert kinds[0] == ("warcinfo", None)
    responses = [(h.get_header("WARC-Target-URI").rsplit("/", 1)[-1], http.get_statuscode())
                 for k, h, http, _ in records if k == "response"]
    assert responses == [("robots.txt", "200"), ("old", "301"), ("1.html", "200"), ("missing", "404")]
    assert sum(1 for k, *_ in records if k == "request") == 4
    page_rec = next(r for r in records if r[0] == "response" and r[1].get_header("WARC-Target-URI") == url)
    _, warc_headers, http, payload = page_rec
    assert payload == _encode(body, "gzip")  # the bytes the server sent, still gzip-encoded
    assert http.get_header("Content-Encoding") == "gzip"
    assert ("X-Custom-Case", "KeepMe") in http.headers  # header names keep their case
    assert http.get_header("X-Newsgrab-Transfer-Encoding") == "chunked" and http.get_header("Transfer-Encoding") is None
    request = next(r for r in records if r[0] == "request" and r[1].get_header("WARC-Target-URI") == url)
    assert request[1].get_header("WARC-Concurrent-To") == warc_headers.get_header("WARC-Record-ID")
    assert request[2].get_header("User-Agent", "").startswith("newsgrab/")
    assert warc_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    # the archive cleans back to the same article
    p2 = run("clean", "--store", str(tmp_path / "t.db"), "--format", "jsonl", "out.warc.gz")
    lines = jsonl(p2.stdout)
    assert [(x["status"], x["url"], x["title"]) for x in lines] == [("saved", url, "市政府公布新的公共交通计划")]


def test_fetch_warc_appends(run, tmp_path):
    with ScriptedServer() as srv:
        srv.route("/a", Reply(body=EN))
        srv.route("/b", Reply(body=ZH))
        for path in ("/a", "/b"):
            assert run("fetch", "--no-store", "--ignore-robots", "--warc", "w.warc", "-q", srv.url(path)).returncode == 0
    records = read_warc(tmp_path / "w.warc")
    assert [k for k, *_ in records] == ["warcinfo", "response", "request"] * 2
    assert (tmp_path / "w.warc").read_bytes().startswith(b"WARC/1.0\r\n")  # no .gz: plain records


def test_fetch_warc_unwritable_is_a_usage_error(run, tmp_path):
    p = run("fetch", "--no-store", "--warc", str(tmp_path / "no" / "such" / "dir" / "x.warc"), "http://127.0.0.1:9/")
    assert p.returncode == 2 and "--warc" in p.stderr


def test_export_warc_round_trip(run, tmp_path):
    with ScriptedServer() as srv:
        srv.route("/zh", Reply(body=ZH, headers={"ETag": '"e1"', "Last-Modified": "Sun, 12 May 2024 08:00:00 GMT"}))
        srv.route("/gbk", Reply(body=GBK_PAGE, content_type="text/html; charset=gbk"))
        p = run("fetch", "--store", "a.db", "--ignore-robots", "-q", srv.url("/zh"), srv.url("/gbk"))
        assert p.returncode == 0, p.stderr
    (tmp_path / "en.html").write_text(english_page("Sea wall", seed="x"), encoding="utf-8")  # no URL anywhere
    assert run("clean", "--store", "a.db", "-q", "en.html").returncode == 0
    p = run("export", "--store", "a.db", "--format", "warc", "--out", "exp.warc.gz")
    assert p.returncode == 0 and p.stdout == "" and "exported 3 pages" in p.stderr
    records = read_warc(tmp_path / "exp.warc.gz")
    assert [k for k, *_ in records] == ["warcinfo", "response", "response", "resource"]
    zh = records[1]
    assert zh[3] == ZH and zh[2].get_header("ETag") == '"e1"'
    assert zh[2].get_header("Last-Modified") == "Sun, 12 May 2024 08:00:00 GMT"
    assert records[3][1].get_header("WARC-Target-URI") == "urn:newsgrab:article:3"
    # cleaned into a new store: the same articles
    p = run("clean", "--store", "b.db", "--format", "jsonl", "exp.warc.gz")
    assert [x["title"] for x in jsonl(p.stdout)] == ["市政府公布新的公共交通计划", GBK_TITLE, "Sea wall"]
    a = jsonl(run("export", "--store", "a.db").stdout)
    b = jsonl(run("export", "--store", "b.db").stdout)
    assert [x["text"] for x in a] == [x["text"] for x in b]
    # to stdout (piped) too, and to a folder
    raw = subprocess.run([sys.executable, "-m", "newsgrab", "export", "--store", "a.db", "--format", "warc"],
                         capture_output=True, env=cli_env(tmp_path), cwd=tmp_path, timeout=60)
    assert raw.returncode == 0, raw.stderr
    assert [r.rec_type for r in ArchiveIterator(io.BytesIO(raw.stdout))] == ["warcinfo", "response", "response", "resource"]
    (tmp_path / "dir").mkdir()
    assert run("export", "--store", "a.db", "--format", "warc", "--out", "dir").returncode == 0
    assert (tmp_path / "dir" / "articles.warc.gz").exists()
