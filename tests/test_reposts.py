"""Reposts (near-duplicates across URLs, sites and scripts), script-blind search, and the schema-2 migration.

Real store files, real pages; the pairs the threshold was tuned on are in ``newsdata.py``.
"""

from __future__ import annotations

import hashlib
import os
import random
import sqlite3
import subprocess
import sys
import unicodedata
import zlib

import pytest
from conftest import jsonl
from newsdata import METRO_PLAN, SUBWAY, SUBWAY_HANT, english_page, page, repost_text, text

from newsgrab import reposts, storelinks
from newsgrab import store as store_mod
from newsgrab.hanzi import to_simplified
from newsgrab.models import Article, Page
from newsgrab.store import Store


def art(url: str, body: str, title: str = "t") -> tuple[Article, Page]:
    return Article(url=url, title=title, text=body), Page(b"<html></html>", url, url)


@pytest.fixture
def st(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        yield s


# ------------------------------------------------------------------------------------------ the sketch
def test_script_folding():
    assert to_simplified("華為發布新款摺疊手機，臺灣消費者") == "华为发布新款折叠手机，台湾消费者"
    assert to_simplified("政府") == "政府"  # Simplified stays
    assert to_simplified("plain English") == "plain English"
    assert to_simplified("") == "" and to_simplified(None) == ""


def test_threshold_separates_reposts_from_same_topic_articles():
    original = reposts.sketch(text(SUBWAY))
    repost = reposts.sketch(repost_text())  # Traditional, Taiwan wording, own header and footer
    other = reposts.sketch(text(METRO_PLAN))  # same topic (the city's metro), different story
    assert original and repost and other
    assert reposts.similarity(original, repost) >= reposts.THRESHOLD + 0.15
    assert reposts.similarity(original, other) < 0.15
    assert reposts.similarity(repost, other) < 0.15
    # without folding the scripts the repost would not be found: the raw texts share almost nothing
    raw_a = set(zip(text(SUBWAY), text(SUBWAY)[1:], text(SUBWAY)[2:]))
    raw_b = set(zip(repost_text(), repost_text()[1:], repost_text()[2:]))
    assert len(raw_a & raw_b) / len(raw_a | raw_b) < 0.35


def test_sketch_is_stable_and_short_texts_get_none():
    s1 = reposts.sketch(text(SUBWAY))
    assert s1 == reposts.sketch(text(SUBWAY))  # BLAKE2b-made tables, not hash(): the same across processes too
    assert reposts.unpack(reposts.pack(s1)) == s1 and len(reposts.pack(s1)) == 256
    assert len(reposts.band_keys(s1)) == reposts.BANDS == 16
    assert reposts.sketch("短讯：今天下雨。") is None
    assert reposts.sketch("") is None


# Stored sketches must be computed the same way by every newsgrab process and version that shares the
# store: this pins scheme 2. Changing how sketches are computed needs a new reposts.SCHEME, a store migration
# that recomputes them (see storeschema.upgrade_v3), and a new value here.
SUBWAY_SKETCH_SHA256 = "a1209a0d6f84805a71ce83ac22fb1f53b7c5da5815af68a9bcca7c140ed88d00"


def test_sketch_scheme_is_pinned():
    assert reposts.SCHEME == 2
    assert hashlib.sha256(reposts.pack(reposts.sketch(text(SUBWAY)))).hexdigest() == SUBWAY_SKETCH_SHA256


def test_sketch_is_the_same_in_other_processes():
    # other hash seeds (str hashing is salted per process): the sketch must not depend on them
    code = "import sys, hashlib; from newsgrab import reposts; t = sys.stdin.read(); " \
           "print(hashlib.sha256(reposts.pack(reposts.sketch(t))).hexdigest())"
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join(sys.path)}
        out = subprocess.run([sys.executable, "-c", code], input=text(SUBWAY).encode(), capture_output=True,
                             env=env, check=True).stdout.decode().strip()
        assert out == SUBWAY_SKETCH_SHA256


def test_sketch_values_do_not_depend_on_the_token_tables_state(monkeypatch):
    want = reposts.sketch(text(SUBWAY))
    other = reposts.sketch(text(METRO_PLAN))
    monkeypatch.setattr(reposts, "_TABLE_MAX", 50)  # the tables are emptied again and again while sketching
    for table in reposts._TABLES:
        table.clear()
    assert reposts.sketch(text(SUBWAY)) == want and reposts.sketch(text(METRO_PLAN)) == other
    assert all(len(table) <= 50 for table in reposts._TABLES)
    # the folded-text entry point is the same sketch
    assert reposts.sketch_normalized(reposts.normalize(text(SUBWAY))) == want


def _shingle_set(t: str) -> set:
    tokens = reposts._TOKEN.findall(reposts.normalize(t))
    return set(zip(tokens, tokens[1:], tokens[2:]))


def test_similarity_estimates_the_jaccard_similarity():
    # 60 pairs of made-up texts (deterministic), Chinese and English, whose true shingle Jaccard similarity
    # spans 0.05-0.95: the estimate from 64 bins has a standard error of at most 1/16, so a sound hash is off
    # by ~0.04 on average (scheme 1: 0.038, scheme 2: 0.039), without bias, and never by 4 standard errors;
    # a hash with structure is (adding small per-token values instead of XOR: 0.35 on average, 0.93 at most).
    rng = random.Random(20240601)
    vocab = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(3000)]
    han = [chr(c) for c in range(0x4E00, 0x4E00 + 2500)]
    errors = []
    for i in range(60):
        words = vocab if i % 2 else han
        sep = " " if i % 2 else ""
        a = [rng.choice(words) for _ in range(rng.randint(300, 1500))]
        target = 0.05 + 0.9 * (i % 20) / 19  # Jaccard of 3-token shingles when each token stays with p
        p = (2 * target / (1 + target)) ** (1 / 3)
        b = [w if rng.random() < p else rng.choice(words) for w in a]
        ta, tb = sep.join(a), sep.join(b)
        sa, sb = _shingle_set(ta), _shingle_set(tb)
        true = len(sa & sb) / len(sa | sb)
        errors.append(reposts.similarity(reposts.sketch(ta), reposts.sketch(tb)) - true)
    assert max(map(abs, errors)) < 0.25, errors
    assert sum(map(abs, errors)) / len(errors) < 0.06, errors
    assert abs(sum(errors) / len(errors)) < 0.03, errors  # no bias either way


def test_prepared_row_folds_once_with_the_same_result():
    # the store folds a text once for its index and its sketch: the same as folding each on its own
    body = repost_text() + "\n\nＡＢＣ　Ｎｅｗｓ full-width, 華為 HUAWEI."
    article = Article(url="https://e.example/1", title="地鐵十號線", text=body)
    row = store_mod.prepare_save(article, Page(b"<html></html>", "https://e.example/1", "https://e.example/1"))
    assert row.sketch == reposts.sketch(body)
    assert row.fts == (store_mod._index_text("地鐵十號線"), store_mod._index_text(body))


def test_english_near_duplicate_and_different_story():
    base = (
        "The harbour council voted on Tuesday to rebuild the old sea wall, which was damaged in the January "
        "storms. Engineers told councillors that the repairs would cost about four million pounds and take two "
        "years, and that the promenade would stay closed during the work.\n\n"
        "Local businesses said the closure would hurt the summer trade, but the council promised temporary "
        "walkways and a grant scheme for the shops most affected. Work is due to start in the autumn."
    )
    copy = "Reposted from the Harbour Gazette.\n\n" + base + "\n\nSubscribe to our newsletter for more stories."
    other = (  # same topic (the sea wall), another story
        "Residents gathered on the seafront on Saturday to protest against the plan to rebuild the sea wall in "
        "concrete. Campaigners want the council to consider a natural barrier of dunes and salt marsh instead, "
        "which they say would protect wildlife and cost less to maintain.\n\n"
        "A council spokesperson said every option had been studied and that the concrete wall was the only one "
        "that would protect the homes behind it from a major storm surge."
    )
    a, b, c = reposts.sketch(base), reposts.sketch(copy), reposts.sketch(other)
    assert reposts.similarity(a, b) >= reposts.THRESHOLD
    assert reposts.similarity(a, c) < 0.15


# ------------------------------------------------------------------------------------------ the store
def test_repost_is_saved_and_linked(st):
    first = st.save(*art("https://news.example.cn/a/1.html", text(SUBWAY), "地铁十号线二期今天开通"))
    other = st.save(*art("https://news.example.cn/a/2.html", text(METRO_PLAN), "三期规划"))
    copy = st.save(*art("https://farm.example.tw/x?id=9", repost_text(), "地鐵十號線二期今日通車"))
    assert (first.status, first.duplicate_of) == ("saved", None)
    assert (other.status, other.duplicate_of) == ("saved", None)
    assert copy.status == "saved" and copy.id not in (first.id, other.id)
    assert copy.duplicate_of == first.id
    assert st.get(copy.id).duplicate_of == first.id
    assert st.get(copy.id).to_dict()["duplicate_of"] == first.id
    assert st.copies(first.id) == [copy.id] and st.copies(other.id) == []
    # a repost of the repost links to the first copy seen, not to the repost
    again = st.save(*art("https://third.example.hk/n/5", text(SUBWAY_HANT) + "\n\n更多新聞請關注本台。", "地鐵"))
    assert again.status == "saved" and again.duplicate_of == first.id
    assert st.copies(first.id) == [copy.id, again.id]
    # the exact same text is still a plain duplicate (nothing stored)
    dup = st.save(*art("https://mirror.example.cn/1", text(SUBWAY)))
    assert (dup.status, dup.id) == ("duplicate", first.id)
    assert st.count() == 4


def test_repost_inside_one_batch(st):
    results = st.save_many([art("https://a.example/1", text(SUBWAY)), art("https://b.example/2", repost_text())])
    assert [r.status for r in results] == ["saved", "saved"]
    assert results[1].duplicate_of == results[0].id


def test_reclean_keeps_the_link(st):
    first = st.save(*art("https://a.example/1", text(SUBWAY)))
    copy = st.save(*art("https://b.example/2", repost_text()))
    st.update_article(copy.id, Article(url="https://b.example/2", title="new", text=repost_text()))
    assert st.get(copy.id).duplicate_of == first.id
    assert st.integrity_check() == []


def test_lookup_uses_the_band_index_not_a_scan(st):
    # 20,000 other articles' sketches (random band keys): a look-up still touches only the few rows that
    # share a band, through the primary key of repost_keys.
    import random

    rng = random.Random(5)
    conn = st._conn
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO articles (id, saved_at) VALUES (?, '2024-01-01')", [(i,) for i in range(1, 20001)])
    blob = reposts.pack(tuple(rng.getrandbits(32) for _ in range(reposts.BINS)))
    conn.executemany("INSERT INTO article_sketches VALUES (?, ?)", [(i, blob) for i in range(1, 20001)])
    conn.executemany("INSERT INTO repost_keys VALUES (?, ?)",
                     [(rng.getrandbits(63), i) for i in range(1, 20001) for _ in range(reposts.BANDS)])
    conn.execute("COMMIT")
    sk = reposts.sketch(text(SUBWAY))
    keys = reposts.band_keys(sk)
    marks = ",".join("?" * len(keys))
    plan = " ".join(r[-1] for r in conn.execute(
        f"EXPLAIN QUERY PLAN SELECT DISTINCT article_id FROM repost_keys WHERE key IN ({marks})", keys))
    assert "SEARCH repost_keys USING" in plan and "SCAN repost_keys" not in plan, plan
    # ...and the look-up reads a handful of rows, not the 320,000 keys: count SQLite's VM steps.
    steps = []
    conn.set_progress_handler(lambda: steps.append(1), 100)
    try:
        conn.execute(f"SELECT DISTINCT article_id FROM repost_keys WHERE key IN ({marks})", keys).fetchall()
        lookup = len(steps)
        steps.clear()
        conn.execute("SELECT count(*) FROM repost_keys WHERE +key <> 0").fetchone()  # a full scan, for scale
        scan = len(steps)
    finally:
        conn.set_progress_handler(None, 0)
    assert lookup * 100 < scan, (lookup, scan)
    first = st.save(*art("https://x.example/0", text(SUBWAY) + "\n\n第0号。" * 3))
    res = st.save(*art("https://x.example/1", text(SUBWAY) + "\n\n第1号。" * 3))
    assert res.status == "saved" and res.duplicate_of == first.id


def test_band_keys_staged_then_merged(st, monkeypatch):
    # schema 4: a save's band keys go to repost_keys_recent; past RECENT_MAX keys they move to repost_keys in
    # bulk. A repost is found wherever its original's keys are, and an update replaces them in both tables.
    monkeypatch.setattr(storelinks, "RECENT_MAX", 3 * reposts.BANDS)
    conn = st._conn
    count = lambda table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
    first = st.save(*art("https://x.example/0", text(SUBWAY)))
    assert (count("repost_keys_recent"), count("repost_keys")) == (reposts.BANDS, 0)
    staged = st.save(*art("https://x.example/1", repost_text()))
    assert staged.duplicate_of == first.id  # found through repost_keys_recent
    st.save_many([art(f"https://y.example/{i}", text(METRO_PLAN) + f"\n\n第{i}号。" * 30) for i in range(2)])
    assert (count("repost_keys_recent"), count("repost_keys")) == (0, 4 * reposts.BANDS)  # merged at 3 * BANDS
    merged = st.save(*art("https://x.example/2", repost_text() + "\n\n（完）"))
    assert merged.duplicate_of == first.id  # found through repost_keys
    st.update_article(first.id, Article(url="https://x.example/0", title="t", text=text(METRO_PLAN)))
    keys = sorted(k for (k,) in conn.execute("SELECT key FROM repost_keys WHERE article_id = ?"
                                              " UNION ALL SELECT key FROM repost_keys_recent WHERE article_id = ?",
                                              (first.id, first.id)))
    assert keys == sorted(reposts.band_keys(reposts.sketch(text(METRO_PLAN))))
    plan = " ".join(r[-1] for r in conn.execute(
        "EXPLAIN QUERY PLAN SELECT article_id FROM repost_keys_recent WHERE key IN (1, 2, 3)"))
    assert "SEARCH repost_keys_recent USING" in plan, plan
    assert st.integrity_check() == []


# ------------------------------------------------------------------------------------------ search
def test_search_is_script_blind(st):
    hans = st.save(*art("https://a.example/1", "华为发布新款折叠手机，消费者反应热烈。", "华为新机"))
    hant = st.save(*art("https://b.example/2", "臺灣的軟體公司宣布擴大投資，政府表示歡迎。", "臺灣軟體"))
    ids = lambda q: sorted(s.id for s in st.search(q))  # noqa: E731
    assert ids("華為") == [hans.id]  # Traditional query, Simplified text
    assert ids("华为") == [hans.id]
    assert ids("台湾") == [hant.id]  # Simplified query, Traditional text
    assert ids("臺灣") == [hant.id]
    assert ids("软体 投资") == [hant.id]
    assert ids("政府") == [hant.id]
    assert st.search("華為 台湾") == []


# ------------------------------------------------------------------------------------------ migration
def _v1_index_text(s):  # how schema 1 derived the FTS text (no script folding)
    if not s:
        return ""
    run = store_mod._CJK_RUN
    return run.sub(lambda m: " " + " ".join([m.group()[i:i + 2] for i in range(len(m.group()) - 1)]
                                                + [m.group()[-1]]) + " ", unicodedata.normalize("NFKC", s))


def _v2_index_text(s):  # how schemas 2 and 3 derived the FTS text (folded, then bigrams plus the last char)
    return _v1_index_text(to_simplified(unicodedata.normalize("NFKC", s or ""))) if s else ""


def test_migration_from_schema_1(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for sql in store_mod.MIGRATIONS[0]:
        conn.execute(sql)
    conn.execute("PRAGMA user_version = 1")
    rows = [(1, "https://a.example/1", "地铁开通", text(SUBWAY)), (2, "https://b.example/2", "三期", text(METRO_PLAN)),
            (3, "https://c.example/3", "地鐵通車", repost_text())]
    for id_, url, title, body in rows:
        conn.execute("INSERT INTO articles (id, url, title, text, text_hash, saved_at, input) VALUES (?,?,?,?,?,?,?)",
                     (id_, url, title, body, store_mod.content_hash(body), f"2024-01-0{id_}", url))
        conn.execute("INSERT INTO raw_pages (article_id, data, size) VALUES (?, ?, 0)", (id_, b"x\x9c\x03\x00\x00\x00\x00\x01"))
        conn.execute("INSERT INTO urls VALUES (?, ?)", (url, id_))
        conn.execute("INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)",
                     (id_, _v1_index_text(title), _v1_index_text(body)))
    conn.close()

    with Store.open(path) as st:
        assert st._conn.execute("PRAGMA user_version").fetchone()[0] == store_mod.SCHEMA_VERSION == 6
        assert st.get(3).duplicate_of == 1 and st.get(2).duplicate_of is None  # old rows linked, oldest first
        assert st.copies(1) == [3]
        assert sorted(s.id for s in st.search("盾构")) == [1, 3]  # re-indexed with folding (盾構 in 3)
        assert [s.id for s in st.search("網路")] == [3]
        assert st.integrity_check() == []
        # The band keys of today's sketches, each in one table (upgrade_v2 staged keys, upgrade_v3 recomputed them).
        keys = st._conn.execute("SELECT key, article_id FROM repost_keys UNION ALL"
                                " SELECT key, article_id FROM repost_keys_recent").fetchall()
        want = {(k, id_) for id_ in (1, 2, 3) if (sk := reposts.sketch(st.get(id_).article.text)) is not None
                for k in reposts.band_keys(sk)}
        assert sorted(keys) == sorted(want)  # each once
        # and the index stays consistent through an update (the delete recomputes the new derivation)
        st.update_article(3, Article(url="https://c.example/3", title="地鐵", text=repost_text() + "\n\n補充。"))
        assert st.integrity_check() == []


def _scheme1_sketch(t: str):
    """A sketch as newsgrab computed it before schema 3 (reposts scheme 1: BLAKE2b of every shingle, low 6
    bits the bin, high 32 the value): how the fixture below writes a store of that time."""
    tokens = reposts._TOKEN.findall(reposts.normalize(t))
    joined = set(map("\x1f".join, zip(tokens, tokens[1:], tokens[2:])))
    hashes = {int.from_bytes(hashlib.blake2b(x.encode(), digest_size=8).digest(), "little") for x in joined}
    if len(hashes) < 40:
        return None
    mins = [1 << 32] * 64
    for h in hashes:
        mins[h & 63] = min(mins[h & 63], h >> 32)
    filled = list(mins)
    for i in range(64):
        if mins[i] == 1 << 32:
            d = next(d for d in range(1, 64) if mins[(i + d) % 64] != 1 << 32)
            filled[i] = (mins[(i + d) % 64] + d * 0x9E3779B1) & 0xFFFFFFFF
    return tuple(filled)


def _schema2_store(path):
    """A store as schema 2 wrote it: its tables, its user_version, rows with scheme-1 sketches and links."""
    conn = sqlite3.connect(path, isolation_level=None)
    for sql in store_mod.MIGRATIONS[0] + storelinks.SCHEMA_V2:
        conn.execute(sql)
    conn.execute("PRAGMA user_version = 2")
    rows = [
        (1, "https://a.example/1", "地铁开通", text(SUBWAY), None),
        (2, "https://b.example/2", "三期", text(METRO_PLAN), None),
        (3, "https://c.example/3", "地鐵通車", repost_text(), 1),  # linked by schema 2
        (4, "https://d.example/4", "短讯", "短讯：今天下雨。", None),  # too short for a sketch
    ]
    for id_, url, title, body, dup in rows:
        conn.execute(
            "INSERT INTO articles (id, url, title, text, text_hash, saved_at, input, duplicate_of)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (id_, url, title, body, store_mod.content_hash(body), f"2024-01-0{id_}", url, dup),
        )
        conn.execute("INSERT INTO raw_pages (article_id, data, size) VALUES (?, ?, 0)", (id_, zlib.compress(b"")))
        conn.execute("INSERT INTO urls VALUES (?, ?)", (url, id_))
        conn.execute("INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)",
                     (id_, _v2_index_text(title), _v2_index_text(body)))
        old = _scheme1_sketch(body)
        if old is not None:
            conn.execute("INSERT INTO article_sketches VALUES (?, ?)", (id_, reposts.pack(old)))
            conn.executemany("INSERT INTO repost_keys VALUES (?, ?)", [(k, id_) for k in reposts.band_keys(old)])
    conn.close()
    return rows


def test_migration_from_schema_2_recomputes_sketches(tmp_path):
    path = tmp_path / "v2.db"
    rows = _schema2_store(path)
    conn = sqlite3.connect(path)
    before = dict(conn.execute("SELECT article_id, sketch FROM article_sketches"))
    conn.close()
    assert sorted(before) == [1, 2, 3]

    with Store.open(path) as st:
        conn = st._conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store_mod.SCHEMA_VERSION == 6
        after = dict(conn.execute("SELECT article_id, sketch FROM article_sketches"))
        assert sorted(after) == [1, 2, 3]  # the short text still has none
        for id_, _url, _title, body, _dup in rows[:3]:
            assert after[id_] == reposts.pack(reposts.sketch(body)) != before[id_]  # recomputed, scheme 2
            keys = sorted(k for (k,) in conn.execute("SELECT key FROM repost_keys WHERE article_id = ?", (id_,)))
            assert keys == sorted(reposts.band_keys(reposts.sketch(body)))
        assert conn.execute("SELECT count(*) FROM repost_keys").fetchone()[0] == 3 * reposts.BANDS
        # the links stored by schema 2 are kept as they were
        assert [st.get(i).duplicate_of for i in (1, 2, 3, 4)] == [None, None, 1, None]
        # a repost saved now finds the stored original through the recomputed band keys
        again = st.save(*art("https://e.example/5", text(SUBWAY_HANT) + "\n\n更多新聞請關注本台。"))
        assert again.status == "saved" and again.duplicate_of == 1
        assert st.copies(1) == [3, again.id]
        assert st.integrity_check() == []


def test_migration_from_schema_2_is_needed_for_old_sketches(tmp_path):
    # the check above can fail: without recomputation, scheme-1 band keys do not find scheme-2 sketches
    rows = _schema2_store(tmp_path / "v2.db")
    old = _scheme1_sketch(rows[0][3])
    new = reposts.sketch(text(SUBWAY_HANT) + "\n\n更多新聞請關注本台。")
    assert not set(reposts.band_keys(old)) & set(reposts.band_keys(new))


def test_migration_from_schema_3_reindexes_search_by_character(tmp_path):
    # a schema-3 store: bigram index text; schema 4 indexes CJK characters one by one, rebuilt at open
    path = tmp_path / "v3.db"
    with Store.open(path) as st:
        ids = [st.save(*art(f"https://e.example/{i}", body, title)).id
               for i, (title, body) in enumerate([("地铁开通", text(SUBWAY)), ("三期", text(METRO_PLAN)),
                                                  ("Rates", "The central bank raised interest rates.")])]
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO search(search) VALUES('delete-all')")
    for id_, title, body in conn.execute("SELECT id, title, text FROM articles").fetchall():
        conn.execute("INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)",
                     (id_, _v2_index_text(title), _v2_index_text(body)))
    conn.execute("PRAGMA user_version = 3")
    conn.close()

    with Store.open(path) as st:
        assert st._conn.execute("PRAGMA user_version").fetchone()[0] == store_mod.SCHEMA_VERSION == 6
        assert st.integrity_check() == []  # the index holds exactly what the rows derive to now
        assert [s.id for s in st.search("盾构")] == [ids[0]]
        assert [s.id for s in st.search("地铁")] and [s.id for s in st.search("central bank")] == [ids[2]]
        # the one-character query is a plain term now (it was a prefix query over bigrams)
        assert set(s.id for s in st.search("铁")) >= {ids[0]}
        # and an update deletes exactly the migrated text
        st.update_article(ids[0], Article(url="https://e.example/0", title="地铁", text=text(SUBWAY) + "\n\n补充。"))
        assert st.integrity_check() == []
        assert [s.id for s in st.search("补充")] == [ids[0]]


# ------------------------------------------------------------------------------------------ CLI
def test_cli_reports_and_shows_reposts(run, tmp_path):
    (tmp_path / "a.html").write_text(page("地铁十号线二期今天开通", SUBWAY), encoding="utf-8")
    (tmp_path / "b.html").write_text(page("本市启动轨道交通三期建设规划", METRO_PLAN), encoding="utf-8")
    # the repost: Big5 bytes, Traditional text, its own header and footer
    hant = page("地鐵十號線二期今日通車", repost_text().split("\n\n"), lang="zh-TW", charset="big5")
    (tmp_path / "c.html").write_bytes(hant.encode("big5hkscs"))
    (tmp_path / "d.html").write_text(english_page("Sea wall", seed="alpha"), encoding="utf-8")
    db = str(tmp_path / "s.db")
    p = run("clean", "--store", db, "--format", "jsonl", "a.html", "b.html", "c.html", "d.html")
    assert p.returncode == 0, p.stderr
    lines = jsonl(p.stdout)
    assert [x["status"] for x in lines] == ["saved"] * 4
    assert "duplicate_of" not in lines[0] and "duplicate_of" not in lines[1] and "duplicate_of" not in lines[3]
    assert lines[2]["duplicate_of"] == lines[0]["id"]

    shown = jsonl(run("show", "--store", db, "--format", "jsonl", str(lines[0]["id"])).stdout)[0]
    assert shown["copies"] == [lines[2]["id"]]
    shown = jsonl(run("show", "--store", db, "--format", "jsonl", str(lines[2]["id"])).stdout)[0]
    assert shown["duplicate_of"] == lines[0]["id"] and "copies" not in shown
    text_out = run("show", "--store", db, str(lines[0]["id"])).stdout
    assert f"reposted as #{lines[2]['id']}" in text_out.split("\n\n")[0]
    assert f"repost of #{lines[0]['id']}" in run("show", "--store", db, str(lines[2]["id"])).stdout
    found = jsonl(run("search", "--store", db, "--format", "jsonl", "通车").stdout)
    assert [x["id"] for x in found] == [lines[2]["id"]]
