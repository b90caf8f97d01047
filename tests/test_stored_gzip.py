"""A page a server sent gzip-compressed is stored as the very bytes it sent (no second compression), but only
when those bytes alone decompress to exactly the page; every stored page reads back byte for byte, through
re-cleaning and refresh history too."""

from __future__ import annotations

import gzip
import sqlite3
import zlib

import pytest
from httpserver import Reply, ScriptedServer, _encode
from newsdata import english_page

from newsgrab._decode_body import BodyDecoder
from newsgrab.config import Settings
from newsgrab.pipeline import fetch_urls, reclean
from newsgrab.store import Store
from newsgrab.storetext import unpack_raw

FAST = Settings(timeout=5.0, retries=1, ignore_robots=True)


def _blobs(db) -> dict[str, bytes]:
    """url -> raw_pages.data as stored."""
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT url, data FROM raw_pages"))


def _fetch(db, urls: list[str], **kw) -> list:
    with Store.open(db) as store:
        return list(fetch_urls(urls, FAST, store, **kw))


def test_only_a_single_gzip_member_or_zlib_stream_is_kept_as_sent(tmp_path):
    pages = {name: english_page(f"Sea wall {name}", seed=name).encode() for name in "gizmdr"}
    with ScriptedServer() as srv:
        srv.route("/g", Reply(body=pages["g"], encoding="gzip"))
        srv.route("/z", Reply(body=pages["z"], encoding="deflate"))  # zlib-wrapped, as the standard says
        srv.route("/i", Reply(body=pages["i"]))
        half = len(pages["m"]) // 2
        two_members = gzip.compress(pages["m"][:half]) + gzip.compress(pages["m"][half:])
        srv.route("/m", Reply(body=two_members, headers={"Content-Encoding": "gzip"}))
        srv.route("/d", Reply(body=_encode(pages["d"], "gzip") + b"\0\0junk", headers={"Content-Encoding": "gzip"}))
        srv.route("/r", Reply(body=pages["r"], encoding="deflate-raw"))
        urls = {name: srv.url(f"/{name}") for name in pages}
        outcomes = _fetch(tmp_path / "s.db", list(urls.values()))
    assert [o.status for o in outcomes] == ["saved"] * len(pages)
    blobs = _blobs(tmp_path / "s.db")
    assert blobs[urls["g"]] == _encode(pages["g"], "gzip")  # the server's bytes, as sent
    assert blobs[urls["z"]] == _encode(pages["z"], "deflate")
    for name in "imdr":  # no encoding, two members, junk after the member, raw deflate: compressed here
        blob = blobs[urls[name]]
        assert blob[:4] == b"\x28\xb5\x2f\xfd" and unpack_raw(blob, len(pages[name])) == pages[name]  # zstd
    with Store.open(tmp_path / "s.db") as store:
        for o in outcomes:
            assert store.raw_page(o.id).data == pages[o.url.rsplit("/", 1)[1]]


def test_a_page_stored_as_gzip_is_recleaned_and_kept_in_history(tmp_path):
    db = tmp_path / "s.db"
    old, new = english_page("Sea wall", seed="old").encode(), english_page("Sea wall", seed="new").encode()
    with ScriptedServer() as srv:
        srv.route("/a", [Reply(body=old, encoding="gzip"), Reply(body=new, encoding="gzip")])
        (first,) = _fetch(db, [srv.url("/a")])
        with Store.open(db) as store:
            (again,) = list(reclean(store, [first.id], FAST))
            assert again.status in ("saved", "duplicate") and store.raw_page(first.id).data == old
        (second,) = _fetch(db, [srv.url("/a")], refresh=True)
    assert second.changed and second.id == first.id
    with Store.open(db) as store:
        assert store.raw_page(first.id).data == new
        (revision,) = store.history(first.id)
        assert revision.page is not None and revision.page.data == old


@pytest.mark.parametrize(
    ("encoding", "body", "storable"),
    [
        ("gzip", gzip.compress(b"<p>x</p>" * 5000), True),
        ("deflate", zlib.compress(b"<p>x</p>" * 5000), True),
        ("gzip", zlib.compress(b"<p>x</p>" * 5000), True),  # zlib labelled gzip: zlib reads it as zlib
        ("deflate", zlib.compress(b"<p>x</p>" * 5000)[2:-4], False),  # raw deflate: no header to tell it by
        ("gzip", gzip.compress(b"<p>x</p>") + gzip.compress(b"<p>y</p>"), False),
        ("gzip", gzip.compress(b"<p>x</p>") + b"junk", False),
        ("gzip, gzip", gzip.compress(gzip.compress(b"<p>x</p>")), False),
        (None, b"<p>x</p>", False),
    ],
)
def test_storable_means_the_bytes_alone_decompress_to_the_body(encoding, body, storable):
    decoder = BodyDecoder(encoding, 1 << 20)
    for i in range(0, len(body), 1000):
        decoder.feed(body[i : i + 1000])
    decoded = decoder.finish()
    assert decoder.storable is storable
    if storable:
        assert zlib.decompress(body, 47) == decoded


def test_a_truncated_body_is_never_storable():
    decoder = BodyDecoder("gzip", 100, truncate=True)
    decoder.feed(gzip.compress(b"x" * 10000))
    decoder.finish()
    assert decoder.truncated and not decoder.storable


# --- gzip pages left compressed by fetch and inflated where they are extracted ---------------------------------
def test_a_gzip_page_is_inflated_where_it_is_extracted_and_fails_there_as_fetch_would(tmp_path):
    import dataclasses

    from newsgrab.fetch import fetch_pages

    settings = dataclasses.replace(FAST, max_bytes=1 << 20)
    good = english_page("Sea wall", seed="good").encode()
    bomb = gzip.compress(b"<html><body><p>" + b"a" * (3 << 20) + b"</p></body></html>")  # 3 MiB, cap 1 MiB
    png = gzip.compress(b"\x89PNG\r\n\x1a\n" + bytes(5000))
    corrupt = gzip.compress(english_page("Broken", seed="x").encode())[:-300] + b"\xff" * 300
    with ScriptedServer() as srv:
        srv.route("/good", Reply(body=good, encoding="gzip"))
        for path, body in (("/bomb", bomb), ("/png", png), ("/corrupt", corrupt)):  # already gzip-compressed
            srv.route(path, Reply(body=body, headers={"Content-Encoding": "gzip"}))
        urls = [srv.url(p) for p in ("/good", "/bomb", "/png", "/corrupt")]
        # fetch_pages hands the pipeline the page as sent ...
        (deferred,) = fetch_pages(urls[:1], settings, defer_gzip=True)
        assert deferred.page.data == b"" and deferred.page.compressed == _encode(good, "gzip")
        (plain,) = fetch_pages(urls[:1], settings)  # ... and everyone else the page itself
        assert plain.page.data == good
        with Store.open(tmp_path / "s.db") as store:
            outcomes = list(fetch_urls(urls, settings, store))
            assert outcomes[0].status == "saved" and store.raw_page(outcomes[0].id).data == good
    assert [(o.status, o.error) for o in outcomes[1:]] == [
        ("failed", "larger than 1 MiB"),
        ("failed", "not an HTML page (png)"),  # sniffed in the download loop, from the first inflated bytes
        ("failed", "corrupt gzip data"),
    ]
