"""The store's schema: every version's migration, in order.

:mod:`newsgrab.store` runs them (``Store.open``): each version in its own write transaction that also bumps
``PRAGMA user_version``, so a migration killed half-way leaves the previous version intact. A step is an SQL
statement or a callable taking the transaction's connection (data migrations).

* 1: articles, raw pages, URLs, the full-text index.
* 2: repost sketches and their LSH band index, refresh history; search re-indexed with Traditional folded to
  Simplified (:mod:`newsgrab.storelinks`).
* 3: sketches of scheme 2 (:data:`newsgrab.reposts.SCHEME`: one tabulation hash per shingle instead of
  BLAKE2b): every stored sketch and its band keys recomputed from the stored text (:func:`upgrade_v3`).
* 4: search indexes CJK character by character instead of by bigrams (:mod:`newsgrab.storetext` says why):
  the index rebuilt from the stored titles and texts (:func:`upgrade_v4`); the band keys of new sketches are
  staged in ``repost_keys_recent`` and merged into ``repost_keys`` in bulk (:mod:`newsgrab.storelinks`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

from . import reposts, storelinks
from .storetext import _index_text

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "upgrade_v3", "upgrade_v4"]

_UPGRADE_BATCH = 500  # rows read per round trip by the data migrations (constant memory)


def _article_batches(conn: sqlite3.Connection, columns: str) -> Iterator[list[tuple]]:
    """``(id, <columns>)`` of every article, in id order, :data:`_UPGRADE_BATCH` rows at a time."""
    last = 0
    while rows := conn.execute(
        f"SELECT id, {columns} FROM articles WHERE id > ? ORDER BY id LIMIT ?", (last, _UPGRADE_BATCH)
    ).fetchall():
        yield rows
        last = rows[-1][0]


def upgrade_v3(conn: sqlite3.Connection) -> None:
    """Data part of the version-3 migration: the repost sketches change scheme (reposts.SCHEME 1 -> 2), so
    every article's sketch and band keys are recomputed from its stored text, in batches. The repost links
    already stored (``duplicate_of``) are kept as they are: they are what earlier saves reported."""
    conn.execute("DELETE FROM repost_keys")
    # A store migrated from version 1 by this code has the schema-4 staging table already (upgrade_v2 links
    # through index_sketch, which stages keys there): emptied too, or every key would be in both tables.
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'repost_keys_recent'").fetchone():
        conn.execute("DELETE FROM repost_keys_recent")
    conn.execute("DELETE FROM article_sketches")
    for rows in _article_batches(conn, "text"):
        storelinks.insert_sketches(conn, [(id_, sk) for id_, text in rows if (sk := reposts.sketch(text)) is not None])


def upgrade_v4(conn: sqlite3.Connection) -> None:
    """Data part of the version-4 migration: the search index text changes (CJK characters instead of
    bigrams), so the contentless index is emptied and every article re-indexed from its stored title and text,
    in batches. A delete must repeat the indexed text, so no row may keep the old derivation."""
    conn.execute("INSERT INTO search(search) VALUES('delete-all')")
    for rows in _article_batches(conn, "title, text"):
        conn.executemany(
            "INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)",
            [(id_, _index_text(title), _index_text(text)) for id_, title, text in rows],
        )


# One list of SQL statements per schema version; MIGRATIONS[0] turns an empty file into version 1.
# Append new versions, never edit shipped ones: stores in the wild are at every version.
MIGRATIONS: list[list[str | Callable[[sqlite3.Connection], None]]] = [
    [
        """CREATE TABLE articles (
            id            INTEGER PRIMARY KEY,
            url           TEXT,
            canonical_url TEXT,
            title         TEXT,
            authors       TEXT NOT NULL DEFAULT '[]',  -- JSON list of strings
            published     TEXT,                        -- ISO 8601, offset kept when the page gave one
            site_name     TEXT,
            source        TEXT,
            language      TEXT,
            text          TEXT NOT NULL DEFAULT '',
            markdown      TEXT NOT NULL DEFAULT '',
            text_hash     TEXT,                        -- content_hash(text); NULL when the text is empty
            saved_at      TEXT NOT NULL,               -- ISO 8601 UTC, fixed width so text order = time order
            updated_at    TEXT,                        -- last update_article (reclean), ISO 8601 UTC
            input         TEXT NOT NULL DEFAULT '',    -- what the user gave: URL, path, '-'
            duplicate_of  INTEGER REFERENCES articles(id) ON DELETE SET NULL
        )""",
        # list() pages newest first; the index holds (saved_at, rowid), so no sort is needed.
        "CREATE INDEX articles_saved_at ON articles(saved_at)",
        "CREATE INDEX articles_text_hash ON articles(text_hash)",
        # Partial: almost every row has NULL here, and those need no index entry.
        "CREATE INDEX articles_duplicate_of ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL",
        """CREATE TABLE raw_pages (
            article_id    INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
            data          BLOB NOT NULL,               -- compressed page bytes (storetext.pack_raw)
            size          INTEGER NOT NULL,            -- uncompressed length, checked on read
            url           TEXT,
            content_type  TEXT,
            fetched_at    TEXT,
            etag          TEXT,
            last_modified TEXT
        )""",
        # Every URL a page is known by (input, final, article URL, canonical), normalised.
        """CREATE TABLE urls (
            url        TEXT PRIMARY KEY,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE
        ) WITHOUT ROWID""",
        "CREATE INDEX urls_article_id ON urls(article_id)",
        "CREATE VIRTUAL TABLE search USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 2')",
        # A title hit counts more than a body hit.
        "INSERT INTO search(search, rank) VALUES('rank', 'bm25(4.0, 1.0)')",
        # FTS5 indexing is most of the cost of a save. Measured (best of 3, 10k articles): merging 8
        # segments at a time, 4000-byte leaves and a 16 MiB pending-terms buffer (so a save_many batch
        # becomes one segment, not one per MiB) index 1.37x faster than the defaults; queries unchanged.
        "INSERT INTO search(search, rank) VALUES('automerge', 8)",
        "INSERT INTO search(search, rank) VALUES('pgsz', 4000)",
        "INSERT INTO search(search, rank) VALUES('hashsize', 16777216)",
    ],
    # 2: repost sketches and their LSH band index, refresh history; search re-indexed with Traditional folded
    # to Simplified (see storelinks.py). A callable runs as a step of the migration's transaction.
    [*storelinks.SCHEMA_V2, storelinks.upgrade_v2],
    # 3: repost sketches of reposts.SCHEME 2, recomputed for the stored articles (links kept).
    [upgrade_v3],
    # 4: search re-indexed with CJK character by character (storetext.py says why); new band keys staged in
    # repost_keys_recent (storelinks.py says why).
    [*storelinks.SCHEMA_V4, upgrade_v4],
    # 5: no table changes. A raw page may now be the gzip member the server sent (storetext.RAW_WBITS reads it
    # and the zlib streams of earlier versions alike); the version number keeps older newsgrab, which reads
    # zlib only, from calling those pages damaged.
    [],
    # 6: no table changes. Raw pages are now compressed as zstd frames (storetext.pack_raw; unpack_raw reads all
    # three forms); again the version keeps older newsgrab from calling the new pages damaged.
    [],
]
SCHEMA_VERSION = len(MIGRATIONS)
