"""The store: one SQLite file holding every saved article and the raw page it came from.

Design notes (the *why*):

* stdlib ``sqlite3`` only. The connection runs in autocommit mode and every write is an explicit
  ``BEGIN IMMEDIATE ... COMMIT``: the write lock is taken up front (a busy store fails fast with
  :class:`StoreLockedError` instead of dead-locking half-way) and nothing is ever half-written.
* WAL journal + ``synchronous=NORMAL``: readers (``list``/``search`` in another terminal) never block the
  writer, and a commit costs no fsync of the main file. After a ``save_many`` a thread of its own copies the
  log into the file (:class:`newsgrab.storewrite.Checkpointer`), so the writer does not wait for it.
* The schema is versioned with ``PRAGMA user_version``. Each migration runs in its own transaction and
  bumps ``user_version`` inside it, so a migration killed half-way leaves the old version intact. The
  migrations themselves are in :mod:`newsgrab.storeschema`.
* Full-text search: FTS5's tokenizers do not split Chinese/Japanese/Korean into words, so we index a
  *derived* text: each CJK run becomes its characters, one token each (schema 4; a word is searched as a
  phrase of its characters; bigrams until schema 3). Queries get the same treatment and
  user input never reaches FTS5 as syntax. The FTS table is contentless (the derived text is not stored
  twice); a delete recomputes it from the article row, so the derivation may only change together with a
  migration that rebuilds the index. The derivation is in :mod:`newsgrab.storetext`.

Modules: ``store`` (this: opening, saving, reading) -> ``storewrite`` (preparing and writing saves, the
checkpoint thread) -> ``storeschema`` (migrations) -> ``storelinks`` (reposts, refresh history) -> ``storetext``
(URL keys, text hash, index text; with ``_storefast.c``, the optional C text work); none imports cli or pipeline.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import reposts, storelinks, storewrite
from .errors import StoreCorruptError, StoreError, StoreFullError, StoreLockedError, StoreVersionError
from .models import Article, Page, utcnow
from .storeschema import MIGRATIONS, SCHEMA_VERSION
from .storetext import (  # noqa: F401  (_CJK_RUN, _fts_query: imported from here by tests and benchmarks)
    _CJK_RUN,
    _fts_query,
    _index_text,
    _now,
    _parse_dt,
    _url_keys,
    content_hash,
    normalize_url,
    pack_raw,
    unpack_raw,
)
from .storewrite import (  # noqa: F401  (the write path: prepare_save, _prepare, _Row are used from here)
    _PARALLEL_BYTES,
    SaveResult,
    _article_values,
    _insert_many,
    _prepare,
    _Row,
    prepare_save,
)

if TYPE_CHECKING:  # imported where used: concurrent.futures (and logging) cost `list`/`search` start-up
    from concurrent.futures import ThreadPoolExecutor

__all__ = ["Store", "StoredArticle", "SaveResult", "SCHEMA_VERSION", "MIGRATIONS", "normalize_url", "content_hash"]

# MIGRATIONS (one list of steps per schema version) and SCHEMA_VERSION come from storeschema.py; Store reads
# them as globals of this module, so a tool or a test may extend or patch them here.

# Search ranks with this: the same weights as the 'rank' configured in MIGRATIONS[0], called directly (1.5x
# faster than ORDER BY rank, measured on 100k articles); at most _RANK_MAX matches are ranked (see search).
_RANK = "bm25(search, 4.0, 1.0)"
_RANK_MAX = 10_000

_SQLITE_HEADER = b"SQLite format 3\x00"
_COLS = ("id", "url", "canonical_url", "title", "authors", "published", "site_name", "source", "language",
         "text", "markdown", "saved_at", "input", "duplicate_of")
_ARTICLE_COLS = ", ".join(_COLS)
_BATCH = 500  # rows per round trip in iter_articles (keyset pagination, no long-lived read cursor)
@dataclass(slots=True)
class StoredArticle:
    """An article as stored: the extracted fields plus what the store knows about it."""

    id: int
    article: Article
    saved_at: datetime
    input: str
    duplicate_of: int | None = None

    def to_dict(self) -> dict:
        """``article.to_dict()`` plus ``id`` (and ``duplicate_of`` when set): the contract's JSON object."""
        d = self.article.to_dict()
        d["id"] = self.id
        if self.duplicate_of is not None:
            d["duplicate_of"] = self.duplicate_of
        return d


# ------------------------------------------------------------------------------------------------ store


class Store:
    """One SQLite file of articles. Use :meth:`open`; a Store is a context manager.

    A Store may be handed between threads but must be used by one thread at a time.
    """

    def __init__(self, conn: sqlite3.Connection, path: Path, busy_timeout: float) -> None:
        self._conn = conn
        self.path = path
        self.busy_timeout = busy_timeout
        self._pool: ThreadPoolExecutor | None = None  # created on the first big save_many
        self._checkpointer: storewrite.Checkpointer | None = None  # started by the first save_many

    @classmethod
    def open(cls, path: str | PathLike[str], *, busy_timeout: float = 5.0) -> "Store":
        """Open (creating it and its folders if needed) and migrate the store at ``path``.

        Raises :class:`StoreCorruptError` (not SQLite / damaged), :class:`StoreVersionError` (newer
        schema), :class:`StoreLockedError` (a migration could not get the write lock), :class:`StoreError`.
        """
        memory = str(path) == ":memory:"
        p = Path(path) if memory else Path(path).expanduser()
        if not memory:
            try:
                p.parent.mkdir(parents=True, exist_ok=True)
                _check_header(p)
            except OSError as e:
                raise StoreError(f"{p}: cannot open store: {e.strerror or e}") from e
        try:
            conn = sqlite3.connect(str(p), timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:
            raise _translate(e, p, busy_timeout) from e
        store = cls(conn, p, busy_timeout)
        try:
            with store._errors():
                # Reading the schema is the cheap query that tells a damaged file from a healthy one.
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                store._check_version(conn.execute("PRAGMA user_version").fetchone()[0])
                _use_wal(conn, busy_timeout)
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA foreign_keys=ON")
                # FTS5 merges re-read recent segments: an 8 MiB cache (a ceiling, not an allocation)
                # instead of the 2 MiB default. More was no faster (SQL of 20k inserts: same CPU at 8, 16
                # and 64 MiB; store_bench 30k, alternating: 8 MiB 1,159 and 1,125 articles/s, 16 MiB 1,141 and
                # 1,151) and a long batch fills it: 16 MiB was ~8 MB more RSS in `clean`, 64 MiB 60 MB.
                conn.execute("PRAGMA cache_size=-8192")
                conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
            store._migrate()
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._checkpointer is not None:
            self._checkpointer.close()
            self._checkpointer = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._conn is not None:
            with suppress(sqlite3.Error):
                self._conn.close()
            self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -------------------------------------------------------------------- transactions and errors

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn sqlite3 errors into StoreError subclasses with a one-line message naming the file."""
        if self._conn is None:
            raise StoreError(f"{self.path}: store is closed")
        try:
            yield
        except sqlite3.Error as e:
            raise _translate(e, self.path, self.busy_timeout) from e

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE takes the write lock now (waiting up to busy_timeout),
        COMMIT on success, ROLLBACK on any exception (including KeyboardInterrupt)."""
        with self._errors():
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:  # SQLite may have rolled back by itself (e.g. on SQLITE_FULL)
                    with suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise StoreVersionError(
                f"{self.path}: store made by a newer newsgrab (schema {version}, this one knows {SCHEMA_VERSION})"
            )

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        for target in range(version + 1, len(MIGRATIONS) + 1):
            with self._write() as conn:
                # Re-read under the write lock: another process may have migrated meanwhile.
                current = conn.execute("PRAGMA user_version").fetchone()[0]
                self._check_version(current)
                if current >= target:
                    continue
                for sql in MIGRATIONS[target - 1]:
                    sql(conn) if callable(sql) else conn.execute(sql)
                # Same transaction as the changes: the version moves only if they all commit.
                conn.execute(f"PRAGMA user_version = {target}")

    # ------------------------------------------------------------------------------------- writing

    def save(self, article: Article, page: Page) -> SaveResult:
        """Store ``article`` and its raw ``page`` together, unless a URL or the same text is stored."""
        row = _prepare(article, page)
        with self._write() as conn:
            return _insert_many(conn, [row])[0]

    def save_many(self, pairs: Iterable[tuple[Article, Page] | tuple[Article, Page, Any]]) -> list[SaveResult]:
        """``save`` for many pairs in ONE transaction (all or nothing), results in input order.
        Duplicates inside the batch are found too, since earlier rows are visible to later ones.

        An item may carry a third element: what :func:`prepare_save` made of that pair (in a worker process,
        say); then only the SQL is left to do here."""
        pairs = list(pairs)
        todo = [p for p in pairs if len(p) < 3 or p[2] is None]
        big = [p[1].data for p in todo if p[1].data and len(p[1].data) >= _PARALLEL_BYTES and p[1].compressed is None]
        zipped: dict[int, Any] = {}  # id(page data) -> Future of its compressed bytes
        if len(big) >= 2 and (os.cpu_count() or 1) > 1:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(min(4, os.cpu_count() or 1), thread_name_prefix="newsgrab-store")
            zipped = {id(data): self._pool.submit(pack_raw, data) for data in big}
        rows = [
            p[2] if len(p) >= 3 and p[2] is not None else _prepare(p[0], p[1], zipped.get(id(p[1].data)))
            for p in pairs
        ]
        with self._write() as conn:
            results = _insert_many(conn, rows)
        self._checkpoint_soon()
        return results

    def _checkpoint_soon(self) -> None:
        """After a batch: let the checkpoint thread copy the log into the file (storewrite.Checkpointer)."""
        if self._checkpointer is None:
            if str(self.path) == ":memory:":
                return
            self._checkpointer = storewrite.Checkpointer(str(self.path))
            self._checkpointer.start(self._conn)
        self._checkpointer.poke()

    def update_article(self, id: int, article: Article) -> StoredArticle:
        """Replace the extracted fields of article ``id`` (``reclean``); the raw page is kept.
        Re-indexes search and the URL table. Raises KeyError when there is no such article."""
        article = storewrite._valid_article(article)
        with self._write() as conn:
            old = conn.execute(
                "SELECT a.title, a.text, a.input, r.url FROM articles a"
                " LEFT JOIN raw_pages r ON r.article_id = a.id WHERE a.id = ?", (id,)
            ).fetchone()
            if old is None:
                raise KeyError(id)
            title, text, input_, page_url = old
            # Contentless FTS5: a delete must repeat the exact indexed text, recomputed from the old row.
            conn.execute("INSERT INTO search (search, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                         (id, _index_text(title), _index_text(text)))
            conn.execute(
                "UPDATE articles SET url=?, canonical_url=?, title=?, authors=?, published=?, site_name=?,"
                " source=?, language=?, text=?, markdown=?, text_hash=?, updated_at=? WHERE id=?",
                (*_article_values(article), content_hash(article.text), _now(), id),
            )
            conn.execute("INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)",
                         (id, _index_text(article.title), _index_text(article.text)))
            conn.execute("DELETE FROM urls WHERE article_id = ?", (id,))
            # OR IGNORE: a URL already owned by another article stays with it.
            conn.executemany("INSERT OR IGNORE INTO urls (url, article_id) VALUES (?, ?)",
                             [(k, id) for k in _url_keys(input_, page_url, article.url, article.canonical_url)])
            storelinks.index_sketch(conn, id, reposts.sketch(article.text), link=False)  # the repost link stays
            row = conn.execute(f"SELECT {_ARTICLE_COLS} FROM articles WHERE id = ?", (id,)).fetchone()
        return _stored(row)

    def replace_page(self, id: int, article: Article, page: Page) -> StoredArticle:
        """``--refresh`` found a changed article: store ``article`` and ``page`` in place of what ``id`` holds
        (same id, re-indexed), keeping the replaced version in :meth:`history`. KeyError if no such id."""
        article = storewrite._valid_article(article)
        row = _prepare(article, page)
        with self._write() as conn:
            storelinks.replace_page(conn, id, article, page, row)
            stored = conn.execute(f"SELECT {_ARTICLE_COLS} FROM articles WHERE id = ?", (id,)).fetchone()
        return _stored(stored)

    def text_hash(self, id: int) -> str | None:
        """The stored ``content_hash`` of article ``id``'s text (None when empty or missing)."""
        with self._errors():
            row = self._conn.execute("SELECT text_hash FROM articles WHERE id = ?", (id,)).fetchone()
        return row[0] if row else None

    def copies(self, id: int) -> list[int]:
        """Ids of the stored reposts of article ``id`` (whose ``duplicate_of`` it is), oldest first."""
        with self._errors():
            return storelinks.copies(self._conn, id)

    def history(self, id: int) -> list[storelinks.Revision]:
        """Versions of article ``id`` that ``--refresh`` replaced, newest first (article and raw page)."""
        with self._errors():
            return storelinks.history(self._conn, id)

    # ------------------------------------------------------------------------------------- reading

    def get(self, key: int | str) -> StoredArticle | None:
        """An article by id (int, or a string of digits) or by any URL it is known by; None if missing."""
        if isinstance(key, str):
            key = key.strip()
            article_id = int(key) if key.isdigit() else self.find_url(key)
        else:
            article_id = int(key)
        if article_id is None:
            return None
        with self._errors():
            row = self._conn.execute(f"SELECT {_ARTICLE_COLS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return _stored(row) if row else None

    def find_url(self, url: str) -> int | None:
        """The id of the article known by ``url`` (normalised like at save time), or None."""
        key = normalize_url(url)
        if key is None:
            return None
        with self._errors():
            row = self._conn.execute("SELECT article_id FROM urls WHERE url = ?", (key,)).fetchone()
        return row[0] if row else None

    def list(self, limit: int | None = 20, offset: int = 0) -> list[StoredArticle]:
        """Stored articles, newest first (saved_at, then id, descending). ``limit=None``: all."""
        with self._errors():
            rows = self._conn.execute(
                f"SELECT {_ARTICLE_COLS} FROM articles ORDER BY saved_at DESC, id DESC LIMIT ? OFFSET ?",
                (-1 if limit is None else max(limit, 0), max(offset, 0)),
            ).fetchall()
        return [_stored(r) for r in rows]

    def search(self, query: str, limit: int = 20) -> list[StoredArticle]:
        """Full-text search of titles and texts, best match (bm25) first. Never raises on odd input:
        a query with nothing searchable gives []. A query that matches more than 10,000 articles gives the
        best matches among the 10,000 most recently saved (so that no search takes long)."""
        match = _fts_query(query or "")
        if match is None or limit <= 0:
            return []
        with self._errors():
            try:
                # Ranking costs a few µs per matching article, and a common word ("the", 中国) is in half of
                # them: at 100k articles that was 100-200 ms a query. So a query matching more than
                # _RANK_MAX articles ranks the _RANK_MAX most recently saved (finding the first of them walks
                # the match list in rowid order, without ranking: ~1 ms), which bounds every search.
                floor = 0
                if limit < _RANK_MAX:
                    found = self._conn.execute(
                        "SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ?",
                        (match, _RANK_MAX - 1),
                    ).fetchone()
                    floor = found[0] if found else 0
                rows = self._conn.execute(
                    f"SELECT {', '.join('a.' + c for c in _COLS)} FROM"
                    f" (SELECT rowid AS rid, {_RANK} AS r FROM search WHERE search MATCH ? AND rowid >= ?"
                    "   ORDER BY r LIMIT ?) s"
                    " JOIN articles a ON a.id = s.rid ORDER BY s.r, a.id",
                    (match, floor, limit),
                ).fetchall()
            except sqlite3.OperationalError as e:
                # Belt and braces: _fts_query only emits quoted terms, but a syntax error must never
                # reach the user as a crash. Real store errors (locked, full...) still propagate.
                if "fts5" in str(e).lower() or "syntax" in str(e).lower():
                    return []
                raise
        return [_stored(r) for r in rows]

    def iter_articles(self) -> Iterator[StoredArticle]:
        """Every article, oldest id first, fetched in small batches (constant memory). Safe to write
        (e.g. update_article) while iterating: no read cursor stays open between batches."""
        last = 0
        while True:
            with self._errors():
                rows = self._conn.execute(
                    f"SELECT {_ARTICLE_COLS} FROM articles WHERE id > ? ORDER BY id LIMIT ?", (last, _BATCH)
                ).fetchall()
            if not rows:
                return
            yield from map(_stored, rows)
            last = rows[-1][0]

    def raw_page(self, id: int) -> Page:
        """The raw page article ``id`` was extracted from, bytes as they arrived. KeyError if missing."""
        with self._errors():
            row = self._conn.execute(
                "SELECT r.data, r.size, a.input, r.url, r.content_type, r.fetched_at, r.etag, r.last_modified"
                " FROM raw_pages r JOIN articles a ON a.id = r.article_id WHERE r.article_id = ?", (id,)
            ).fetchone()
        if row is None:
            raise KeyError(id)
        blob, size, input_, url, content_type, fetched_at, etag, last_modified = row
        try:
            data = unpack_raw(blob, size)
        except ValueError as e:
            raise StoreCorruptError(f"{self.path}: raw page of article {id} is damaged ({e})") from e
        return Page(data=data, input=input_, url=url, content_type=content_type,
                    fetched_at=_parse_dt(fetched_at) or utcnow(), etag=etag, last_modified=last_modified)

    def ids(self) -> list[int]:
        """All article ids, ascending."""
        with self._errors():
            return [r[0] for r in self._conn.execute("SELECT id FROM articles ORDER BY id")]

    def count(self) -> int:
        """Number of stored articles."""
        with self._errors():
            return self._conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    def integrity_check(self) -> list[str]:
        """Problems found by SQLite's integrity and foreign-key checks and FTS5's own check; [] if healthy."""
        with self._errors():
            problems = [r[0] for r in self._conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key: {tuple(r)}" for r in self._conn.execute("PRAGMA foreign_key_check")]
            try:
                self._conn.execute("INSERT INTO search(search) VALUES('integrity-check')")
            except sqlite3.DatabaseError as e:
                problems.append(f"search index: {e}")
        return problems


# --------------------------------------------------------------------------------------- module helpers


def _check_header(path: Path) -> None:
    """A non-empty file that does not start with SQLite's magic is refused before sqlite3 touches it
    (sqlite3 would otherwise only complain at the first query, or treat a tiny file oddly)."""
    try:
        with path.open("rb") as f:
            head = f.read(len(_SQLITE_HEADER))
    except FileNotFoundError:
        return
    if head and head != _SQLITE_HEADER:
        raise StoreCorruptError(f"{path}: not a newsgrab store (not an SQLite database)")


def _use_wal(conn: sqlite3.Connection, busy_timeout: float) -> None:
    """Put the store in WAL mode (once per file: the mode is kept in it).

    Switching needs the file to itself, and SQLite answers SQLITE_BUSY at once, without its busy handler,
    when another connection has it open: two batches started together on a new store had one fail with
    "locked" 1 time in 2. So the switch is retried for up to ``busy_timeout`` seconds, and skipped when
    the file is in WAL mode already (a plain read)."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    deadline = time.monotonic() + busy_timeout
    pause = 0.005
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL").fetchone()
            return
        except sqlite3.OperationalError as e:
            if getattr(e, "sqlite_errorcode", 5) & 0xFF not in (5, 6) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _translate(e: sqlite3.Error, path: Path, busy_timeout: float) -> StoreError:
    """Map an sqlite3 error to the StoreError subclass the CLI reports (exit code 3)."""
    code = getattr(e, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    msg = str(e).splitlines()[0] if str(e) else type(e).__name__
    low = msg.lower()
    if primary in (5, 6) or "locked" in low or "busy" in low:  # SQLITE_BUSY, SQLITE_LOCKED
        return StoreLockedError(f"{path}: store is locked by another process (waited {busy_timeout:g} s)")
    if primary == 13 or "full" in low:  # SQLITE_FULL
        return StoreFullError(f"{path}: store is full (disk or page limit): {msg}")
    if primary in (11, 26) or "malformed" in low or "not a database" in low:  # CORRUPT, NOTADB
        return StoreCorruptError(f"{path}: store is corrupt or not a newsgrab store: {msg}")
    return StoreError(f"{path}: store error: {msg}")


def _stored(row: tuple) -> StoredArticle:
    (id_, url, canonical, title, authors, published, site, source, lang, text, md, saved_at, input_, dup) = row
    try:
        author_list = [str(x) for x in json.loads(authors or "[]")]
    except (ValueError, TypeError):
        author_list = []
    article = Article(url=url, canonical_url=canonical, title=title, authors=author_list,
                      published=_parse_dt(published), site_name=site, source=source, language=lang,
                      text=text or "", markdown=md or "")
    return StoredArticle(id_, article, _parse_dt(saved_at) or utcnow(), input_ or "", dup)
