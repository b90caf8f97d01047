"""Tests for newsgrab.store: real SQLite files under tmp_path, no mocks."""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import datetime, timedelta, timezone

import pytest

from newsgrab import store as store_mod
from newsgrab.errors import (
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreLockedError,
    StoreVersionError,
)
from newsgrab.models import Article, Page
from newsgrab.store import SaveResult, Store, StoredArticle, content_hash, normalize_url

# ----------------------------------------------------------------------------------- fixtures

SIMPLIFIED = "国务院新闻办公室今天举行发布会。中华人民共和国政府表示，将继续推进改革开放。"
TRADITIONAL = "華為今天在臺灣發表新款手機，吸引大批消費者排隊購買。"
ENGLISH = "The central bank raised interest rates again on Tuesday, citing persistent inflation."
MIXED = "苹果公司发布了新款 iPhone 手机，售价 999 美元。Apple said demand was strong."
JAPANESE = "東京で新しい美術館が開館しました。カタカナのテストです。"


def art(n: int, text: str | None = None, title: str | None = None, url: str | None = None, **kw) -> Article:
    return Article(
        url=url if url is not None else f"https://news.example.com/{n}",
        title=title if title is not None else f"Article {n}",
        text=text if text is not None else f"Body number {n} with some words.",
        markdown=f"# Article {n}",
        **kw,
    )


def page(n: int, data: bytes | None = None, input: str | None = None, url: str | None = None, **kw) -> Page:
    return Page(
        data=data if data is not None else f"<html><body>page {n}</body></html>".encode(),
        input=input if input is not None else f"https://news.example.com/{n}",
        url=url,
        **kw,
    )


@pytest.fixture
def db(tmp_path):
    return tmp_path / "store" / "newsgrab.db"


@pytest.fixture
def st(db):
    s = Store.open(db)
    yield s
    s.close()


@pytest.fixture
def corpus(st):
    ids = {}
    for key, title, text in [
        ("simplified", "中华人民共和国政府记者会", SIMPLIFIED),
        ("traditional", "華為新機", TRADITIONAL),
        ("english", "Rates rise", ENGLISH),
        ("mixed", "iPhone 新品", MIXED),
        ("japanese", "美術館", JAPANESE),
    ]:
        r = st.save(Article(url=f"https://e.com/{key}", title=title, text=text), page(0, input=f"https://e.com/{key}"))
        assert r.status == "saved"
        ids[key] = r.id
    return ids


def ids_of(results: list[StoredArticle]) -> list[int]:
    return [r.id for r in results]


# ------------------------------------------------------------------------------ open / schema


def test_create_and_reopen_keeps_data(db):
    assert not db.parent.exists()
    with Store.open(db) as s:
        r = s.save(art(1, authors=["Ann", "李明"], published=datetime(2024, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))), page(1))
    assert db.exists()
    with Store.open(db) as s:
        got = s.get(r.id)
        assert got is not None
        assert got.article.title == "Article 1"
        assert got.article.authors == ["Ann", "李明"]
        assert got.article.published == datetime(2024, 5, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
        assert got.article.published.utcoffset() == timedelta(hours=8)
        assert got.input == "https://news.example.com/1"
        assert got.saved_at.tzinfo is not None
        assert s.count() == 1


def test_wal_user_version_and_pragmas(st, db):
    conn = st._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == store_mod.SCHEMA_VERSION >= 1
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    # user_version is persistent, visible to any other connection
    other = sqlite3.connect(db)
    assert other.execute("PRAGMA user_version").fetchone()[0] == store_mod.SCHEMA_VERSION
    tables = {r[0] for r in other.execute("SELECT name FROM sqlite_master")}
    assert {"articles", "raw_pages", "urls", "search"} <= tables
    other.close()


def test_newer_schema_refused(db):
    Store.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {store_mod.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreVersionError, match="newer newsgrab") as ei:
        Store.open(db)
    assert str(db) in str(ei.value)
    assert ei.value.exit_code == 3
    assert "\n" not in str(ei.value)


def test_failed_migration_leaves_old_version(db, monkeypatch):
    with Store.open(db) as s:
        s.save(art(1), page(1))
    bad = store_mod.MIGRATIONS + [["CREATE TABLE half_done (x)", "THIS IS NOT SQL"]]
    monkeypatch.setattr(store_mod, "MIGRATIONS", bad)
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", len(bad))
    with pytest.raises(StoreError):
        Store.open(db)
    monkeypatch.undo()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == store_mod.SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name='half_done'").fetchone()[0] == 0
    conn.close()
    with Store.open(db) as s:
        assert s.count() == 1


@pytest.mark.parametrize(
    "content",
    [
        random.Random(7).randbytes(8192),
        "this is a text file, not a database\n".encode() * 50,
        b"x",
    ],
    ids=["random-bytes", "text-file", "one-byte"],
)
def test_not_sqlite_is_corrupt(tmp_path, content):
    p = tmp_path / "bad.db"
    p.write_bytes(content)
    with pytest.raises(StoreCorruptError) as ei:
        Store.open(p)
    assert str(p) in str(ei.value)
    assert ei.value.exit_code == 3
    assert p.read_bytes() == content  # untouched


def test_damaged_sqlite_is_corrupt(db):
    with Store.open(db) as s:
        s.save_many([(art(i), page(i)) for i in range(50)])
        s._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray(db.read_bytes())
    raw[100:4096] = random.Random(1).randbytes(3996)  # page 1: the schema
    db.write_bytes(bytes(raw))
    with pytest.raises(StoreCorruptError):
        Store.open(db)


def test_empty_file_becomes_store(tmp_path):
    p = tmp_path / "empty.db"
    p.write_bytes(b"")
    with Store.open(p) as s:
        assert s.count() == 0


# ------------------------------------------------------------------------------------- saving


def test_save_and_duplicate_by_url(st):
    r1 = st.save(art(1, url="https://News.Example.com/a?x=1#top", canonical_url="https://example.com/canon"),
                 page(1, input="https://short.example/abc", url="https://news.example.com/a?x=1"))
    assert r1 == SaveResult("saved", r1.id, None)
    # each URL the first page is known by catches a later save, text differs every time
    for n, kw in enumerate([
        dict(a=dict(url="https://news.example.com/a?x=1"), p=dict(input="other.html")),
        dict(a=dict(url="https://example.com/other", canonical_url="HTTPS://EXAMPLE.COM/canon#c"), p=dict(input="x.html")),
        dict(a=dict(url=""), p=dict(input="https://short.example/abc")),
        dict(a=dict(url=""), p=dict(input="y.html", url="https://NEWS.example.com/a?x=1")),
    ], start=2):
        r = st.save(art(n, **kw["a"]), page(n, **kw["p"]))
        assert r == SaveResult("duplicate", r1.id, None), kw
    assert st.count() == 1
    # query strings and paths are NOT lowercased: distinct pages stay distinct
    assert st.save(art(9, url="https://news.example.com/a?x=2"), page(9, input="z.html")).status == "saved"
    assert st.save(art(10, url="https://news.example.com/A?x=1"), page(10, input="w.html")).status == "saved"
    assert st.count() == 3


def test_duplicate_by_content(st):
    r1 = st.save(art(1, text="第一段。\n\n  Second   paragraph here."), page(1))
    r2 = st.save(art(2, text="第一段。 Second paragraph\there.\n"), page(2))
    assert r2 == SaveResult("duplicate", r1.id, None)
    # NFKC: fullwidth letters equal their ASCII forms
    r3 = st.save(art(3, text="ＡＢＣ news"), page(3))
    r4 = st.save(art(4, text="ABC news"), page(4))
    assert r3.status == "saved" and r4 == SaveResult("duplicate", r3.id, None)
    # empty text is never a content duplicate
    assert st.save(art(5, text=""), page(5)).status == "saved"
    assert st.save(art(6, text="   "), page(6)).status == "saved"
    assert st.count() == 4
    assert content_hash("a  b") == content_hash(" a\nb ") and content_hash("") is None


def test_save_many_in_order_with_batch_duplicates(st):
    first = st.save(art(0, text="already stored"), page(0))
    pairs = [
        (art(1), page(1)),
        (art(2), page(2)),
        (art(3, url="https://news.example.com/1"), page(3)),  # same URL as #1 in the batch
        (art(4, text="Body number 2 with some words."), page(4)),  # same text as #2 in the batch
        (art(5, text="already stored"), page(5)),  # same text as a stored row
        (art(6), page(6)),
    ]
    res = st.save_many(pairs)
    assert [r.status for r in res] == ["saved", "saved", "duplicate", "duplicate", "duplicate", "saved"]
    assert res[2].id == res[0].id and res[3].id == res[1].id and res[4].id == first.id
    assert res[0].id < res[1].id < res[5].id
    assert st.count() == 4
    assert st.save_many([]) == []


def test_duplicate_by_url_wins_over_duplicate_by_text(st):
    by_url = st.save(art(1, text="first text"), page(1))
    by_text = st.save(art(2, text="second text"), page(2))
    # known by the URL of #1 and holding the text of #2: the URL decides, in save and in a batch alike
    assert st.save(art(3, url="https://news.example.com/1", text="second text"), page(3)) == SaveResult(
        "duplicate", by_url.id, None)
    res = st.save_many([(art(4, url="https://news.example.com/1", text="second text"), page(4)),
                        (art(5, url="", text="second text"), page(5, input="saved-page.html")),  # no URL at all
                        (art(6, url="", text="sixth text"), page(6, input="-"))])
    assert [(r.status, r.id) for r in res[:2]] == [("duplicate", by_url.id), ("duplicate", by_text.id)]
    assert res[2].status == "saved" and st.get(res[2].id).article.text == "sixth text"
    assert st.count() == 3


def test_save_many_with_big_pages_compressed_in_threads(st):
    # pages from 64 KiB up are compressed in threads while the rest is prepared: each raw page must still be
    # stored with its own article, byte for byte, and duplicates found in order
    rng = random.Random(7)
    datas = [("<html><body>" + " ".join(f"w{rng.randint(0, 9999)}" for _ in range(20000 + n)) + "</body></html>")
             .encode() for n in range(6)]
    assert all(len(d) >= store_mod._PARALLEL_BYTES for d in datas)
    pairs = [(art(n), page(n, data=d)) for n, d in enumerate(datas)]
    pairs.insert(3, (art(9, url="https://news.example.com/2"), page(9, data=datas[0])))  # same URL as #2
    pairs.append((art(10), page(10, data=b"small")))
    res = st.save_many(pairs)
    assert [r.status for r in res] == ["saved"] * 3 + ["duplicate"] + ["saved"] * 4
    assert res[3].id == res[2].id
    for r, (article, pg) in zip(res, pairs):
        if r.status == "saved":
            assert st.get(r.id).article.title == article.title
            assert st.raw_page(r.id).data == pg.data
    assert st.integrity_check() == []


def test_save_many_is_all_or_nothing(st, db):
    st.save(art(0), page(0))

    class Boom(Exception):
        pass

    def pairs():
        yield art(1), page(1)
        yield art(2), page(2)
        raise Boom

    with pytest.raises(Boom):
        st.save_many(pairs())
    assert st.count() == 1
    assert st.ids() == [1]
    with Store.open(db) as other:
        assert other.count() == 1


def test_raw_page_round_trip_byte_identical(st):
    data = random.Random(3).randbytes(100_000) + "中文 GBK?".encode("gb18030")
    fetched = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
    p = Page(data=data, input="https://e.com/in", url="https://e.com/final", content_type="text/html; charset=gbk",
             fetched_at=fetched, etag='W/"abc"', last_modified="Tue, 02 Jan 2024 03:04:05 GMT")
    r = st.save(art(1), p)
    back = st.raw_page(r.id)
    assert back == p
    assert back.data == data
    # stored compressed, not raw
    blob_len = st._conn.execute("SELECT length(data) FROM raw_pages WHERE article_id=?", (r.id,)).fetchone()[0]
    html = b"<p>" + b"hello world " * 5000 + b"</p>"
    r2 = st.save(art(2), page(2, data=html))
    blob_len = st._conn.execute("SELECT length(data) FROM raw_pages WHERE article_id=?", (r2.id,)).fetchone()[0]
    assert blob_len < len(html) / 10
    assert st.raw_page(r2.id).data == html
    with pytest.raises(KeyError):
        st.raw_page(999)


def test_article_and_raw_page_always_paired(st):
    st.save_many([(art(i), page(i)) for i in range(20)])
    conn = st._conn
    assert conn.execute("SELECT count(*) FROM articles a LEFT JOIN raw_pages r ON r.article_id=a.id "
                        "WHERE r.article_id IS NULL").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM raw_pages").fetchone()[0] == 20


# ------------------------------------------------------------------------------------ reading


def test_get_by_id_url_and_missing(st):
    r = st.save(art(1, url="https://e.com/a", canonical_url="https://e.com/canonical"), page(1, input="https://e.com/in", url="https://e.com/final"))
    for key in [r.id, str(r.id), f" {r.id} ", "https://e.com/a", "https://E.com/canonical#x", "https://e.com/in", "https://e.com/final"]:
        got = st.get(key)
        assert got is not None and got.id == r.id, key
    for key in [999, "999", "https://e.com/nope", "", "not a url", "-1"]:
        assert st.get(key) is None, key
    assert st.find_url("HTTPS://E.COM/a#frag") == r.id
    assert st.find_url("https://e.com/zzz") is None
    d = st.get(r.id).to_dict()
    assert d["id"] == r.id and d["title"] == "Article 1" and "duplicate_of" not in d
    assert set(Article().to_dict()) | {"id"} == set(d)


def test_to_dict_with_duplicate_of():
    sa = StoredArticle(5, Article(title="t"), datetime.now(timezone.utc), "x", duplicate_of=2)
    assert sa.to_dict()["duplicate_of"] == 2 and sa.to_dict()["id"] == 5


def test_list_order_and_limit(st):
    res = st.save_many([(art(i), page(i)) for i in range(30)])
    ids = [r.id for r in res]
    # Same-microsecond saves are possible: order is saved_at desc, then id desc.
    st._conn.execute("UPDATE articles SET saved_at='2030-01-01T00:00:00.000000+00:00' WHERE id=?", (ids[3],))
    listed = st.list(limit=5)
    assert len(listed) == 5
    assert listed[0].id == ids[3]
    rest = [a.id for a in listed[1:]]
    assert rest == sorted(set(ids) - {ids[3]}, reverse=True)[:4]
    assert len(st.list()) == 20
    assert len(st.list(limit=None)) == 30
    assert st.list(limit=0) == []
    assert [a.id for a in st.list(limit=3, offset=1)] == [a.id for a in listed[1:4]]


def test_list_newest_first_by_time(st):
    a = st.save(art(1), page(1)).id
    time.sleep(0.002)
    b = st.save(art(2), page(2)).id
    assert [x.id for x in st.list()] == [b, a]


def test_iter_articles_streams_all_in_id_order(st):
    st.save_many([(art(i), page(i)) for i in range(1234)])
    it = st.iter_articles()
    seen = [next(it).id]
    # writing while iterating is allowed (reclean does this)
    st.update_article(seen[0], art(0, title="changed"))
    seen += [a.id for a in it]
    assert seen == list(range(1, 1235)) == st.ids()
    assert st.count() == 1234


# ------------------------------------------------------------------------------------- search


def test_search_simplified(st, corpus):
    assert ids_of(st.search("政府")) == [corpus["simplified"]]
    assert ids_of(st.search("中华人民共和国")) == [corpus["simplified"]]
    assert ids_of(st.search("新闻办公室")) == [corpus["simplified"]]
    # a phrase: the characters must be adjacent and in order
    assert st.search("政府共和") == []
    assert st.search("国中") == []


def test_search_traditional(st, corpus):
    assert ids_of(st.search("華為")) == [corpus["traditional"]]
    assert ids_of(st.search("臺灣")) == [corpus["traditional"]]
    assert ids_of(st.search("消費者")) == [corpus["traditional"]]
    # schema 2 folds Traditional to Simplified in the index and the query (tests/test_reposts.py has more)
    assert ids_of(st.search("台湾")) == [corpus["traditional"]]


def test_search_english_and_mixed(st, corpus):
    assert ids_of(st.search("inflation")) == [corpus["english"]]
    assert ids_of(st.search("Central BANK")) == [corpus["english"]]  # case-insensitive, AND
    assert st.search("central banana") == []  # AND: both words needed
    assert ids_of(st.search("iphone")) == [corpus["mixed"]]
    assert ids_of(st.search("iPhone 手机")) == [corpus["mixed"]]
    assert ids_of(st.search("苹果 demand")) == [corpus["mixed"]]
    assert ids_of(st.search("iPhone手机")) == [corpus["mixed"]]  # no space between scripts
    assert st.search("iPhone 政府") == []


def test_search_single_character_and_japanese(st, corpus):
    # single character: found at the start, middle and end of a CJK run
    # 華 is folded to 华, which the Simplified article has too (中华人民共和国)
    assert set(ids_of(st.search("華"))) == {corpus["traditional"], corpus["simplified"]}
    assert ids_of(st.search("買")) == [corpus["traditional"]]  # last char of a run
    assert ids_of(st.search("府")) == [corpus["simplified"]]
    assert set(ids_of(st.search("新"))) == {corpus["simplified"], corpus["traditional"], corpus["mixed"], corpus["japanese"]}
    assert ids_of(st.search("美術館")) == [corpus["japanese"]]
    assert ids_of(st.search("カタカナ")) == [corpus["japanese"]]
    assert st.search("鑫") == []


def test_search_no_match(st, corpus):
    assert st.search("cryptocurrency") == []
    assert st.search("量子计算") == []


def test_search_ranking_title_and_frequency(st):
    a = st.save(art(1, title="Budget news", text="The budget was debated. " + "Filler words here. " * 30), page(1)).id
    b = st.save(art(2, title="Weather", text="Rain and a brief mention of budget. " + "Other filler text. " * 30), page(2)).id
    assert ids_of(st.search("budget")) == [a, b]
    assert len(st.search("budget", limit=1)) == 1
    assert st.search("budget", limit=0) == []


@pytest.mark.parametrize(
    "query",
    ['"', '""', "'", "*", "-", ":", "(", ")", "()", "AND", "OR", "NOT", "NEAR", "NEAR(bank rates)",
     "bank AND", "OR bank", '"bank', "bank*", "-bank", "title:bank", "body:政府", "^bank", "{title}: bank",
     "bank + rates", "政府 NOT 华为", "\\", "%", "_", "\x00", "a" * 2000, "政" * 500, "", "   ", "🙂", "é"],
)
def test_search_odd_syntax_never_raises(st, corpus, query):
    res = st.search(query)
    assert isinstance(res, list)


def test_search_odd_syntax_sane_hits(st, corpus):
    assert ids_of(st.search("bank*")) == [corpus["english"]]
    assert ids_of(st.search('"central bank"')) == [corpus["english"]]
    assert ids_of(st.search("(政府)")) == [corpus["simplified"]]
    assert ids_of(st.search("inflation.")) == [corpus["english"]]
    assert st.search("AND") == [] and st.search("NEAR") == []


def test_update_article_reindexes(st, db):
    r = st.save(art(1, url="https://e.com/old", title="旧标题", text="Original text about elephants. 大象"), page(1, input="https://e.com/in"))
    assert ids_of(st.search("elephants")) == [r.id]
    updated = st.update_article(r.id, art(1, url="https://e.com/new", title="新标题", text="Rewritten text about giraffes. 长颈鹿"))
    assert updated.id == r.id and updated.article.title == "新标题"
    assert st.search("elephants") == [] and st.search("大象") == [] and st.search("旧标题") == []
    assert ids_of(st.search("giraffes")) == [r.id]
    assert ids_of(st.search("长颈鹿")) == [r.id]
    assert ids_of(st.search("新标题")) == [r.id]
    # url index follows the article; the input URL (from the raw page) stays
    assert st.find_url("https://e.com/new") == r.id
    assert st.find_url("https://e.com/old") is None
    assert st.find_url("https://e.com/in") == r.id
    # raw page kept, content hash follows the new text
    assert st.raw_page(r.id).data == page(1).data
    assert st.save(art(7, text="Rewritten text about giraffes. 长颈鹿"), page(7)).status == "duplicate"
    assert st.save(art(8, text="Original text about elephants. 大象"), page(8)).status == "saved"
    assert st.integrity_check() == []
    with pytest.raises(KeyError):
        st.update_article(999, art(9))


# ---------------------------------------------------------------------------- failure modes


def test_disk_full_raises_and_store_survives(db):
    with Store.open(db) as s:
        first = s.save_many([(art(i), page(i)) for i in range(10)])
        pages = s._conn.execute("PRAGMA page_count").fetchone()[0]
        s._conn.execute(f"PRAGMA max_page_count = {pages + 5}")
        big = random.Random(5).randbytes(200_000)  # incompressible
        with pytest.raises(StoreFullError) as ei:
            s.save(art(100, text="big " + "x" * 100_000), page(100, data=big))
        assert str(db) in str(ei.value) and ei.value.exit_code == 3
        assert not s._conn.in_transaction
        # whole batch refused, nothing half-written
        with pytest.raises(StoreFullError):
            s.save_many([(art(200), page(200)), (art(201), page(201, data=big))])
        assert s.count() == 10
        assert s.find_url("https://news.example.com/200") is None
    with Store.open(db) as s:
        assert s.ids() == [r.id for r in first]
        assert s.raw_page(first[0].id).data == page(0).data
        assert s.integrity_check() == []
        assert s.save(art(300), page(300)).status == "saved"


def test_locked_store_raises_within_busy_timeout(db):
    with Store.open(db, busy_timeout=0.2) as s:
        s.save(art(1), page(1))
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # hold the write lock
        other.execute("INSERT INTO articles (saved_at) VALUES ('2020-01-01T00:00:00.000000+00:00')")
        try:
            t0 = time.monotonic()
            with pytest.raises(StoreLockedError) as ei:
                s.save(art(2), page(2))
            elapsed = time.monotonic() - t0
            assert 0.15 <= elapsed < 2.0
            assert str(db) in str(ei.value) and ei.value.exit_code == 3
            with pytest.raises(StoreLockedError):
                s.save_many([(art(3), page(3))])
            # WAL: reading still works while another process writes
            assert s.count() == 1
            assert s.get(1) is not None
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert s.save(art(2), page(2)).status == "saved"
        assert s.count() == 2


def test_closed_store_errors(db):
    s = Store.open(db)
    s.close()
    s.close()  # twice is fine
    with pytest.raises(StoreError):
        s.save(art(1), page(1))


def test_integrity_check_ok(st, corpus):
    st.save_many([(art(i), page(i)) for i in range(100)])
    assert st.integrity_check() == []
    # and it can fail: break the pairing behind the store's back
    st._conn.execute("PRAGMA foreign_keys=OFF")
    st._conn.execute("DELETE FROM articles WHERE id=?", (corpus["english"],))
    assert st.integrity_check() != []


def test_unopenable_path_is_store_error(tmp_path):
    d = tmp_path / "a_directory"
    d.mkdir()
    with pytest.raises(StoreError):
        Store.open(d)


def test_normalize_url():
    assert normalize_url("HTTPS://Example.COM/Path?Q=1#frag") == "https://example.com/Path?Q=1"
    assert normalize_url("https://example.com") == "https://example.com/"
    assert normalize_url("https://User@Example.com/x") == "https://User@example.com/x"
    assert normalize_url("  ") is None and normalize_url(None) is None
    assert normalize_url("http://[::1") == "http://[::1"


def test_lone_surrogates_in_a_callers_article_are_saved_as_replacement_characters(tmp_path):
    # Extraction never makes them, but an Article built from a str decoded with surrogateescape holds them,
    # and SQLite and OpenCC take valid UTF-8 only: a UnicodeEncodeError used to come out of save.
    body = "".join(f"第{i}段：市政府宣布了新的交通计划，批评者认为\udcff资金来源不明。" for i in range(12))
    with Store.open(tmp_path / "s.db") as st:
        r = st.save(Article(title="標題\udcff", text=body, authors=["张\ud800三"], url="https://x.example/1"),
                    Page(input="in\udcff", url="https://x.example/1", data=b"<p>x</p>"))
        got = st.get(r.id).article
        assert got.title == "標題\ufffd" and got.authors == ["张\ufffd三"] and "认为\ufffd资金" in got.text
        assert [s.id for s in st.search("资金来源")] == [r.id]
        st.update_article(r.id, Article(title="新\ud800", text=body + "补充\udcff。", url="https://x.example/1"))
        assert st.get(r.id).article.title == "新\ufffd"
        assert st.integrity_check() == []
