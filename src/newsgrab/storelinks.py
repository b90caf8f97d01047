"""The store's schema version 2: repost links, refresh history, script-blind search.

Kept apart from :mod:`newsgrab.store` so that module stays about opening, saving and reading; everything here
runs inside a write transaction the store has opened (``conn`` is that transaction's connection).

Tables added by version 2 (see :data:`SCHEMA_V2`):

* ``article_sketches(article_id, sketch)`` -- the MinHash sketch of each article's text (256 bytes;
  :mod:`newsgrab.reposts`), for checking a candidate's similarity.
* ``repost_keys(key, article_id)`` -- one row per LSH band of each sketch; the primary key ``(key,
  article_id)`` makes "which articles share a band with this text?" an index look-up, whatever the size of
  the store.
* ``history(...)`` -- what ``--refresh`` replaced: the previous article (JSON) and its raw page.

Version 4 adds ``repost_keys_recent`` (:data:`SCHEMA_V4`): the band keys of new sketches, moved to
``repost_keys`` in bulk (:func:`merge_recent_keys`, see why there).

The migration also rebuilds the full-text index, because version 2 indexes text folded to Simplified
characters (so ``search 华为`` finds 華為 and the reverse), and computes sketches and repost links for the
articles already stored, oldest first, so the first copy seen stays the original.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from . import reposts
from .models import Article, Page, utcnow
from .storetext import _index_text, _now, _parse_dt, unpack_raw

__all__ = [
    "SCHEMA_V2", "SCHEMA_V4", "upgrade_v2", "index_sketch", "merge_recent_keys", "insert_sketches", "replace_page", "copies", "history", "Revision",
]

MAX_CANDIDATES = 200  # articles sharing a band with a new one that are checked (the oldest first)

SCHEMA_V2: list[str] = [
    """CREATE TABLE article_sketches (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        sketch     BLOB NOT NULL                    -- reposts.pack(): 64 little-endian uint32
    )""",
    """CREATE TABLE repost_keys (
        key        INTEGER NOT NULL,                -- reposts.band_keys(): one per LSH band
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (key, article_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX repost_keys_article_id ON repost_keys(article_id)",
    """CREATE TABLE history (
        id            INTEGER PRIMARY KEY,
        article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        replaced_at   TEXT NOT NULL,                -- ISO 8601 UTC: when a refresh replaced this version
        article       TEXT NOT NULL,                -- JSON: Article.to_dict() of the version replaced
        data          BLOB,                         -- its raw page, compressed like raw_pages.data
        size          INTEGER,
        url           TEXT,
        content_type  TEXT,
        fetched_at    TEXT,
        etag          TEXT,
        last_modified TEXT
    )""",
    "CREATE INDEX history_article_id ON history(article_id)",
]


def upgrade_v2(conn: sqlite3.Connection) -> None:
    """Data part of the version-2 migration: re-index search with script folding; sketch and link the
    articles stored so far. Runs in the migration's transaction, in batches (constant memory)."""
    for sql in SCHEMA_V4:  # index_sketch stages keys there since schema 4 (IF NOT EXISTS: schema 4 again)
        conn.execute(sql)
    conn.execute("INSERT INTO search(search) VALUES('delete-all')")
    last = 0
    while True:
        rows = conn.execute(
            "SELECT id, title, text FROM articles WHERE id > ? ORDER BY id LIMIT 500", (last,)
        ).fetchall()
        if not rows:
            return
        for id_, title, text in rows:
            conn.execute(
                "INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)", (id_, _index_text(title), _index_text(text))
            )
            index_sketch(conn, id_, reposts.sketch(text))
        last = rows[-1][0]


# Schema 4: new band keys go to a small table first and reach repost_keys in bulk, sorted. Why: a band key
# is random, so once the store is big every key inserted into repost_keys dirties a page of its own: 16 of
# the ~23 pages a save wrote to the log (and copied and fsynced again at the checkpoint) at 50k articles.
# repost_keys_recent stays a few hundred pages that every batch dirties anyway, and a merge of
# RECENT_MAX keys touches each page of repost_keys once. Look-ups search both tables (two index probes per key).
RECENT_MAX = 65_536  # keys (4,096 articles' worth) in repost_keys_recent before they move to repost_keys
SCHEMA_V4: list[str] = [
    """CREATE TABLE IF NOT EXISTS repost_keys_recent (
        key        INTEGER NOT NULL,                -- as repost_keys: the band keys saved since the last merge
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (key, article_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS repost_keys_recent_article_id ON repost_keys_recent(article_id)",
]


def merge_recent_keys(conn: sqlite3.Connection, *, at_least: int | None = None) -> None:
    """Move the keys of repost_keys_recent into repost_keys, in key order, once it holds ``at_least`` (by
    default :data:`RECENT_MAX`; 0: now)."""
    at_least = RECENT_MAX if at_least is None else at_least
    if at_least > 0 and conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM repost_keys_recent LIMIT ?)", (at_least,)
    ).fetchone()[0] < at_least:
        return
    conn.execute("INSERT OR IGNORE INTO repost_keys (key, article_id)"
                 " SELECT key, article_id FROM repost_keys_recent ORDER BY key, article_id")
    conn.execute("DELETE FROM repost_keys_recent")


def index_sketch(
    conn: sqlite3.Connection,
    article_id: int,
    sketch: reposts.Sketch | None,
    *,
    link: bool = True,
    new: bool = False,
) -> int | None:
    """Store the sketch of article ``article_id`` (replacing any) and, with ``link``, mark the article as a
    repost of the first similar article stored before it. Returns the id it was linked to, or None.
    ``new``: the article was inserted by this transaction, so it has no sketch to replace yet."""
    if not new:
        conn.execute("DELETE FROM repost_keys WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM repost_keys_recent WHERE article_id = ?", (article_id,))
        conn.execute("DELETE FROM article_sketches WHERE article_id = ?", (article_id,))
    if sketch is None:
        return None
    keys = reposts.band_keys(sketch)
    original = _find_original(conn, article_id, sketch, keys) if link else None
    if original is not None:
        conn.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (original, article_id))
    conn.execute("INSERT INTO article_sketches (article_id, sketch) VALUES (?, ?)", (article_id, reposts.pack(sketch)))
    conn.executemany(
        "INSERT OR IGNORE INTO repost_keys_recent (key, article_id) VALUES (?, ?)", [(k, article_id) for k in keys]
    )
    return original


def insert_sketches(conn: sqlite3.Connection, sketches: list[tuple[int, reposts.Sketch]]) -> None:
    """Store ``(article_id, sketch)`` pairs for articles that have none, without linking (a migration's
    recomputation): two statements for the whole list."""
    conn.executemany(
        "INSERT INTO article_sketches (article_id, sketch) VALUES (?, ?)", [(i, reposts.pack(sk)) for i, sk in sketches]
    )
    conn.executemany(
        "INSERT OR IGNORE INTO repost_keys (key, article_id) VALUES (?, ?)",
        [(k, i) for i, sk in sketches for k in reposts.band_keys(sk)],
    )


def _find_original(conn: sqlite3.Connection, article_id: int, sketch: reposts.Sketch, keys: list[int]) -> int | None:
    marks = ",".join("?" * len(keys))
    candidates = conn.execute(
        "SELECT s.article_id, s.sketch, a.duplicate_of FROM article_sketches s JOIN articles a ON a.id = s.article_id"
        " WHERE s.article_id IN (SELECT DISTINCT article_id FROM"
        f"  (SELECT article_id FROM repost_keys WHERE key IN ({marks})"
        f"   UNION ALL SELECT article_id FROM repost_keys_recent WHERE key IN ({marks}))"
        "  WHERE article_id != ? ORDER BY article_id LIMIT ?)",
        (*keys, *keys, article_id, MAX_CANDIDATES),
    ).fetchall()
    return reposts.best_match(sketch, candidates)


def copies(conn: sqlite3.Connection, article_id: int) -> list[int]:
    """Ids of the stored reposts of ``article_id`` (articles whose ``duplicate_of`` it is), oldest first."""
    return [r[0] for r in conn.execute("SELECT id FROM articles WHERE duplicate_of = ? ORDER BY id", (article_id,))]


@dataclass(frozen=True, slots=True)
class Revision:
    """A version of an article that a refresh replaced."""

    replaced_at: datetime | None
    article: Article
    page: Page | None


def history(conn: sqlite3.Connection, article_id: int) -> list[Revision]:
    """Earlier versions of ``article_id``, newest first."""
    out = []
    for replaced_at, art, data, size, input_url, ctype, fetched_at, etag, modified in conn.execute(
        "SELECT replaced_at, article, data, size, url, content_type, fetched_at, etag, last_modified"
        " FROM history WHERE article_id = ? ORDER BY id DESC",
        (article_id,),
    ):
        try:
            article = Article.from_dict(json.loads(art))
        except (ValueError, TypeError):
            article = Article()
        page = None
        if data is not None and size is not None:
            try:
                raw = unpack_raw(data, size)
            except ValueError:
                raw = None
            if raw is not None:
                page = Page(raw, input_url or "", input_url, ctype, _parse_dt(fetched_at) or utcnow(), etag, modified)
        out.append(Revision(_parse_dt(replaced_at), article, page))
    return out


def replace_page(conn: sqlite3.Connection, article_id: int, article: Article, page: Page, row: object) -> None:
    """Refresh: put ``article`` and ``page`` (prepared as ``row`` by ``store._prepare``) in place of what
    ``article_id`` holds, keeping the old version in ``history``. Raises KeyError when there is no such id."""
    from .store import _COLS, _stored  # store imports this module: imported here, not at the top

    old = conn.execute(f"SELECT {', '.join(_COLS)} FROM articles WHERE id = ?", (article_id,)).fetchone()
    if old is None:
        raise KeyError(article_id)
    before = _stored(old)
    now = _now()
    # The old version and its raw page, copied as they are (still compressed).
    conn.execute(
        "INSERT INTO history (article_id, replaced_at, article, data, size, url, content_type, fetched_at, etag,"
        " last_modified) SELECT ?, ?, ?, data, size, url, content_type, fetched_at, etag, last_modified"
        " FROM raw_pages WHERE article_id = ?",
        (article_id, now, json.dumps(before.article.to_dict(), ensure_ascii=False), article_id),
    )
    if conn.execute("SELECT changes()").fetchone()[0] == 0:  # no raw page (cannot happen via save): still keep it
        conn.execute(
            "INSERT INTO history (article_id, replaced_at, article) VALUES (?, ?, ?)",
            (article_id, now, json.dumps(before.article.to_dict(), ensure_ascii=False)),
        )
    # Contentless FTS5: the delete repeats the exact indexed text, recomputed from the old row.
    conn.execute(
        "INSERT INTO search (search, rowid, title, body) VALUES ('delete', ?, ?, ?)",
        (article_id, _index_text(before.article.title), _index_text(before.article.text)),
    )
    blob, size, url, content_type, fetched_at, etag, last_modified, _input = row.raw  # type: ignore[attr-defined]
    conn.execute(
        "UPDATE articles SET url=?, canonical_url=?, title=?, authors=?, published=?, site_name=?, source=?,"
        " language=?, text=?, markdown=?, text_hash=?, updated_at=? WHERE id=?",
        (*row.values, row.digest, now, article_id),  # type: ignore[attr-defined]
    )
    conn.execute(
        "INSERT OR REPLACE INTO raw_pages (article_id, data, size, url, content_type, fetched_at, etag, last_modified)"
        " VALUES (?,?,?,?,?,?,?,?)",
        (article_id, blob, size, url, content_type, fetched_at, etag, last_modified),
    )
    conn.execute("INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)", (article_id, *row.fts))  # type: ignore[attr-defined]
    # New URLs (a new canonical URL, say) now lead here too; URLs owned by another article stay with it.
    conn.executemany(
        "INSERT OR IGNORE INTO urls (url, article_id) VALUES (?, ?)",
        [(k, article_id) for k in row.keys],  # type: ignore[attr-defined]
    )
    index_sketch(conn, article_id, row.sketch, link=False)  # type: ignore[attr-defined]
