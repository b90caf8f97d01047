"""Discovery: fetch --feed (RSS 2.0, Atom) and --sitemap (urlset, index, Google News, gzip), --since,
limits, and XML that tries to blow up. Documents are parsed in-process; the CLI runs against a local server."""

from __future__ import annotations

import gzip
import time
from datetime import datetime, timezone

import pytest
from conftest import jsonl
from httpserver import Reply, ScriptedServer
from newsdata import english_page

from newsgrab.config import Settings
from newsgrab.discover import DocumentError, discover, parse_date, parse_document, parse_since
from newsgrab.errors import UsageError

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0">
<channel><title>City news</title><link>https://news.example.com/</link>
<item><title>New</title><link>https://news.example.com/a/1.html</link><pubDate>Tue, 14 May 2024 09:30:00 +0800</pubDate></item>
<item><title>Relative</title><link>/a/2.html</link><dc:date>2024-05-13T10:00:00Z</dc:date></item>
<item><title>Guid only</title><guid isPermaLink="true">https://news.example.com/a/3.html</guid></item>
<item><title>Not a permalink</title><guid isPermaLink="false">tag:news.example.com,2024:4</guid></item>
<item><title>Tracked</title><link>https://feeds.example.net/~r/x/5</link><feedburner:origLink>https://news.example.com/a/5.html</feedburner:origLink><pubDate>Mon, 01 Jan 2024 00:00:00 GMT</pubDate></item>
<item><title>Script</title><link>javascript:alert(1)</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Blog</title>
<entry><title>One</title><link rel="self" href="https://blog.example.org/feed/1"/>
  <link rel="alternate" type="application/pdf" href="https://blog.example.org/1.pdf"/>
  <link rel="alternate" type="text/html" href="https://blog.example.org/posts/1"/>
  <published>2024-05-10T08:00:00+02:00</published><updated>2024-05-11T08:00:00Z</updated></entry>
<entry><title>Two</title><link href="posts/2"/><updated>2023-12-31</updated></entry>
</feed>"""

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<rss version="2.0"><channel><item><link>https://e.example/&lol9;</link></item></channel></rss>"""

EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE urlset [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.example/&xxe;</loc></url></urlset>"""


def urlset(urls, lastmod=None, news=False) -> bytes:
    ns = ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    items = []
    for u in urls:
        extra = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        if news:
            extra += (f"<news:news><news:publication><news:name>X</news:name><news:language>en</news:language>"
                      f"</news:publication><news:publication_date>{news}</news:publication_date>"
                      f"<news:title>T</news:title></news:news>")
        items.append(f"<url><loc>{u}</loc>{extra}</url>")
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"{ns}>'
            + "".join(items) + "</urlset>").encode()


def index(children) -> bytes:
    items = "".join(f"<sitemap><loc>{u}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "") + "</sitemap>"
                    for u, m in children)
    return ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + items + "</sitemapindex>").encode()


# ------------------------------------------------------------------------------------------ parsing
def test_rss():
    kind, entries = parse_document(RSS, "https://news.example.com/feed.xml")
    assert kind == "urls"
    assert [e.url for e in entries] == ["https://news.example.com/a/1.html", "https://news.example.com/a/2.html",
                                        "https://news.example.com/a/3.html", "https://news.example.com/a/5.html"]
    assert entries[0].date == datetime(2024, 5, 14, 1, 30, tzinfo=timezone.utc)
    assert entries[1].date == datetime(2024, 5, 13, 10, 0, tzinfo=timezone.utc)
    assert entries[2].date is None


def test_atom():
    kind, entries = parse_document(ATOM, "https://blog.example.org/feed.atom")
    assert [(e.url, e.date.date().isoformat()) for e in entries] == [
        ("https://blog.example.org/posts/1", "2024-05-10"), ("https://blog.example.org/posts/2", "2023-12-31")]


def test_sitemaps():
    assert parse_document(urlset(["https://e.example/1", "https://e.example/2"], "2024-05-01"))[0] == "urls"
    kind, entries = parse_document(gzip.compress(urlset(["https://e.example/1"], news="2024-05-14T10:00:00+08:00")))
    assert kind == "urls" and entries[0].date == datetime(2024, 5, 14, 2, tzinfo=timezone.utc)
    kind, entries = parse_document(index([("https://e.example/s1.xml", "2024-05")]))
    assert kind == "index" and entries[0].url == "https://e.example/s1.xml" and entries[0].date.month == 5
    kind, entries = parse_document(b"https://e.example/1\nhttps://e.example/2\n")  # text sitemap
    assert [e.url for e in entries] == ["https://e.example/1", "https://e.example/2"]


def test_hostile_and_broken_documents():
    started = time.monotonic()
    with pytest.raises(DocumentError, match="entity"):
        parse_document(BOMB)
    with pytest.raises(DocumentError, match="entity"):
        parse_document(EXTERNAL)
    assert time.monotonic() - started < 1.0  # refused, not expanded
    with pytest.raises(DocumentError, match="not a feed or sitemap"):
        parse_document(b"<!DOCTYPE html><html><body><p>hello</body></html>")
    with pytest.raises(DocumentError, match="root element <html>"):
        parse_document(b"<html><body/></html>")
    with pytest.raises(DocumentError, match="broken XML"):
        parse_document(RSS[: len(RSS) // 2])
    with pytest.raises(DocumentError, match="truncated gzip"):
        parse_document(gzip.compress(urlset(["https://e.example/1"] * 50))[:-30])
    with pytest.raises(DocumentError, match="not a feed or sitemap"):
        parse_document(b"just some words\n")


def test_dates_and_since():
    assert parse_date("2024") == datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert parse_date("2024-05-14T10:00Z") == datetime(2024, 5, 14, 10, tzinfo=timezone.utc)
    assert parse_date("not a date") is None and parse_date("") is None
    now = datetime(2024, 5, 14, 12, tzinfo=timezone.utc)
    assert parse_since("2d", now) == datetime(2024, 5, 12, 12, tzinfo=timezone.utc)
    assert parse_since("36h", now) == datetime(2024, 5, 13, 0, tzinfo=timezone.utc)
    assert parse_since("2024-05-01") == datetime(2024, 5, 1, tzinfo=timezone.utc)
    with pytest.raises(UsageError):
        parse_since("yesterday")


# ------------------------------------------------------------------------------------------ over HTTP
@pytest.fixture
def site():
    with ScriptedServer() as srv:
        srv.route("/feed.xml", Reply(body=RSS.replace(b"https://news.example.com", srv.base_url.encode()),
                                     content_type="application/rss+xml"))
        srv.route("/bomb.xml", Reply(body=BOMB, content_type="application/xml"))
        base = srv.base_url
        srv.route("/sitemap_index.xml", Reply(body=index([
            (f"{base}/sm1.xml", "2024-05-14"), (f"{base}/sm2.xml.gz", None), (f"{base}/old.xml", "2020-01-01"),
            (f"{base}/news.xml", None), (f"{base}/deep1.xml", None), (f"{base}/sitemap_index.xml", None),
            (f"{base}/missing.xml", None)]), content_type="application/xml"))
        srv.route("/sm1.xml", Reply(body=urlset([f"{base}/s/1.html", f"{base}/s/2.html"], "2024-05-14"),
                                    content_type="application/xml"))
        srv.route("/sm2.xml.gz", Reply(body=gzip.compress(urlset([f"{base}/s/3.html", f"{base}/s/1.html"])),
                                       content_type="application/x-gzip"))
        srv.route("/old.xml", Reply(body=urlset([f"{base}/s/old.html"], "2020-01-01"), content_type="text/xml"))
        srv.route("/news.xml", Reply(body=urlset([f"{base}/s/4.html"], news="2024-05-14T08:00:00Z") +
                                     b"", content_type="text/xml"))
        for i in range(1, 5):  # an index chain: deep1 -> deep2 -> deep3 -> deep4 (not followed)
            srv.route(f"/deep{i}.xml", Reply(body=index([(f"{base}/deep{i + 1}.xml", None)]), content_type="text/xml"))
        srv.route("/deep5.xml", Reply(body=urlset([f"{base}/s/deep.html"]), content_type="text/xml"))
        for i in range(1, 6):
            srv.route(f"/s/{i}.html", Reply(body=english_page(f"Story {i}", seed=f"s{i}")))
        for i in range(1, 6):
            srv.route(f"/a/{i}.html", Reply(body=english_page(f"Article {i}", seed=f"a{i}")))
        srv.route("/robots.txt", Reply(body="User-agent: *\nAllow: /\n", content_type="text/plain"))
        yield srv


def test_sitemap_index_walk(site):
    since = datetime(2024, 5, 1, tzinfo=timezone.utc)
    found = discover(sitemaps=[site.url("/sitemap_index.xml")], settings=Settings(), since=since)
    b = site.base_url
    assert found.urls == [f"{b}/s/1.html", f"{b}/s/2.html", f"{b}/s/3.html", f"{b}/s/4.html"]
    assert site.hits("/old.xml") == 0  # lastmod before --since: not even fetched
    assert site.hits("/deep3.xml") == 1 and site.hits("/deep4.xml") == 0  # three levels below the index
    assert site.hits("/sitemap_index.xml") == 1  # the loop back to itself is not followed
    assert found.failures == [(f"{b}/missing.xml", "HTTP 404")]
    assert any("nested more than 3 levels" in n for n in found.notes)


def test_limits(site):
    found = discover(sitemaps=[site.url("/sitemap_index.xml")], settings=Settings(), max_urls=2)
    assert len(found.urls) == 2 and any("--max-urls 2" in n for n in found.notes)
    found = discover(feeds=[site.url("/feed.xml")], settings=Settings(), max_urls=3)
    assert found.urls == [site.url(f"/a/{i}.html") for i in (1, 2, 3)]


def test_fetch_feed_then_resume(run, site, tmp_path):
    db = str(tmp_path / "s.db")
    p = run("fetch", "--store", db, "--format", "jsonl", "--feed", site.url("/feed.xml"), "--since", "2024-02-01",
            "--feed", site.url("/bomb.xml"))
    lines = jsonl(p.stdout)
    # the broken feed is a failed line of its own, first; then the feed's items (item 5 is older than --since)
    assert lines[0]["input"] == site.url("/bomb.xml") and lines[0]["status"] == "failed"
    assert "entity" in lines[0]["error"]
    assert [(x["input"], x["status"]) for x in lines[1:]] == [(site.url(f"/a/{i}.html"), "saved") for i in (1, 2, 3)]
    assert p.returncode == 1
    # a rerun skips what is stored, without asking the server for it again
    p = run("fetch", "--store", db, "--format", "jsonl", "--feed", site.url("/feed.xml"), "--since", "2024-02-01")
    assert [x["status"] for x in jsonl(p.stdout)] == ["duplicate"] * 3 and p.returncode == 0
    assert site.hits("/a/1.html") == 1 and site.hits("/feed.xml") == 2


def test_fetch_sitemap_cli(run, site, tmp_path):
    p = run("fetch", "--no-store", "--format", "jsonl", "--sitemap", site.url("/sm1.xml"), "--max-urls", "1")
    assert [x["url"] for x in jsonl(p.stdout)] == [site.url("/s/1.html")]
    assert p.returncode == 0
    assert run("fetch", "--no-store", "--feed", site.url("/feed.xml"), "--since", "soon").returncode == 2
    empty = run("fetch", "--no-store", "--sitemap", site.url("/old.xml"), "--since", "2024-01-01")
    assert empty.returncode == 0 and "no URLs to fetch" in empty.stderr
