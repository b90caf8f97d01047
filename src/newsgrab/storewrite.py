"""The store's write path: preparing a save (the CPU work) and writing prepared rows (the SQL).

Kept apart from :mod:`newsgrab.store`, which opens stores, runs transactions and reads; everything here runs
either before the write lock is taken (:func:`prepare_save`) or inside a transaction the store has opened.

The :class:`Checkpointer` copies the write-ahead log into the database file in a thread of its own, after
each ``save_many``: see why there.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import threading
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from . import reposts, storelinks
from .hanzi import to_simplified
from .models import Article, Page
from .storetext import (
    _index_folded,
    _index_text,
    _iso,
    _nfkc,
    _now,
    _storable,
    _url_keys,
    _valid_utf8,
    content_hash,
    pack_raw,
)

if TYPE_CHECKING:  # concurrent.futures costs `list`/`search` start-up (see store.py)
    from concurrent.futures import Future

__all__ = ["SaveResult", "prepare_save", "Checkpointer"]

# save_many compresses pages at least this big in threads (zstd releases the GIL) while this thread does the
# rest of the preparation, which is pure Python: run in threads too (as before), it only fought over the GIL
# and was slower than one thread. A smaller page compresses in < 0.2 ms: a hand-over to a thread gains little.
_PARALLEL_BYTES = 32 * 1024
# While a Checkpointer runs, the writer's own checkpoints (SQLite's automatic ones, in the committing thread)
# wait until the log holds this many pages (~40 MiB; the default is 1,000): only a checkpointer that falls
# behind leaves that work to the writer.
_WRITER_CHECKPOINT_PAGES = 10_000


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What ``save`` did: ``"saved"`` a new row, or ``"duplicate"`` of the stored row ``id``."""

    status: Literal["saved", "duplicate"]
    id: int
    duplicate_of: int | None = None  # "saved": the stored article this one reposts (near-duplicate), if any


@dataclass(slots=True)
class _Row:
    """Everything a save writes, computed before the write lock is taken (so the lock is held briefly)."""

    keys: list[str]
    digest: str | None
    values: tuple
    raw: tuple
    fts: tuple[str, str]
    sketch: tuple | None = None  # reposts.sketch(text): finds near-duplicates (storelinks.index_sketch)


def prepare_save(article: Article, page: Page) -> _Row:
    """The CPU part of ``save(article, page)`` (compression, hashing, index text, sketch), as a picklable
    value for :meth:`Store.save_many`. Pure: the pipeline runs it in its extraction processes."""
    return _prepare(article, page)


def _prepare(article: Article, page: Page, compressed: Future[bytes] | None = None) -> _Row:
    """The CPU work of a save (compression, hashing, index text, sketch), done outside the transaction.
    ``compressed``: the page's bytes are being compressed in a thread (save_many), taken last."""
    data = page.data or b""
    kept = page.compressed
    if not data and kept is not None:  # a gzip page fetch left compressed (pipeline only): inflate it here
        from ._decode_body import inflate_gzip

        data, storable = inflate_gzip(kept, 1 << 62)  # it was inflated under the cap once already
        kept = kept if storable else None
    article = _valid_article(article)
    text = _nfkc(article.text or "")  # once, for the hash, the index and the sketch
    folded = to_simplified(text)  # once too (OpenCC): the index and the sketch both compare Simplified text
    row = _Row(
        keys=_url_keys(page.input, page.url, article.url, article.canonical_url),
        digest=content_hash(text, nfkc=True),
        values=_article_values(article),
        raw=(),
        fts=(_index_text(article.title), _index_folded(folded)),
        sketch=reposts.sketch_normalized(folded.casefold()),  # == reposts.sketch(text)
    )
    if kept is not None and data:
        blob = kept  # the server's own gzip (checked to decompress, alone, to exactly ``data``)
    else:
        blob = compressed.result() if compressed is not None else pack_raw(data)
    row.raw = (blob, len(data), page.url, page.content_type, _iso(page.fetched_at), page.etag, page.last_modified,
               _storable(page.input or ""))
    return row


_TEXT_FIELDS = ("url", "canonical_url", "title", "site_name", "source", "language", "text", "markdown")


def _valid_article(a: Article) -> Article:
    """``a``, or a copy with lone surrogates replaced in its strings (see storetext._valid_utf8): saved, not a
    UnicodeEncodeError out of SQLite or OpenCC."""
    fixed = {name: _valid_utf8(getattr(a, name)) for name in _TEXT_FIELDS}
    fixed = {name: v for name, v in fixed.items() if v is not getattr(a, name)}
    authors = [_valid_utf8(x) for x in a.authors or []]
    if authors != list(a.authors or []):
        fixed["authors"] = authors
    return dataclasses.replace(a, **fixed) if fixed else a


def _article_values(a: Article) -> tuple:
    """The articles columns url .. markdown, in table order."""
    authors = json.dumps(list(a.authors or []), ensure_ascii=False)
    return (a.url, a.canonical_url, a.title, authors, _iso(a.published), a.site_name, a.source, a.language,
            a.text or "", a.markdown or "")


def _duplicate_sql(n_keys: int) -> str:
    # One round trip for both checks; a stored URL wins over the same text (the URL is the cheaper proof).
    marks = ",".join("?" * n_keys)
    by_url = f"(SELECT article_id FROM urls WHERE url IN ({marks}) ORDER BY article_id LIMIT 1)" if n_keys else "NULL"
    return f"SELECT {by_url}, (SELECT id FROM articles WHERE text_hash = ? ORDER BY id LIMIT 1)"


def _insert_many(conn: sqlite3.Connection, rows: list[_Row]) -> list[SaveResult]:
    """Write prepared rows inside the caller's transaction, in order (each one sees the rows before it), or
    report the stored duplicate of each."""
    results = []
    pages, texts = [], []  # written after the loop, one statement each: no check below reads them
    for row in rows:
        by_url, by_text = conn.execute(_duplicate_sql(len(row.keys)), (*row.keys, row.digest)).fetchone()
        if by_url is not None or by_text is not None:
            results.append(SaveResult("duplicate", by_url if by_url is not None else by_text, None))
            continue
        blob, size, url, content_type, fetched_at, etag, last_modified, input_ = row.raw
        article_id = conn.execute(
            "INSERT INTO articles (url, canonical_url, title, authors, published, site_name, source,"
            " language, text, markdown, text_hash, saved_at, input) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (*row.values, row.digest, _now(), input_),
        ).lastrowid
        # Same transaction as the article: a raw page and its article always exist together.
        pages.append((article_id, blob, size, url, content_type, fetched_at, etag, last_modified))
        texts.append((article_id, *row.fts))
        if len(row.keys) == 1:
            conn.execute("INSERT OR IGNORE INTO urls (url, article_id) VALUES (?, ?)", (row.keys[0], article_id))
        elif row.keys:
            conn.executemany("INSERT OR IGNORE INTO urls (url, article_id) VALUES (?, ?)",
                             [(k, article_id) for k in row.keys])
        # A near-duplicate of a stored article (a repost) is saved too, linked to the first copy seen.
        results.append(SaveResult("saved", article_id, storelinks.index_sketch(conn, article_id, row.sketch, new=True)))
    if pages:
        conn.executemany(
            "INSERT INTO raw_pages (article_id, data, size, url, content_type, fetched_at, etag, last_modified)"
            " VALUES (?,?,?,?,?,?,?,?)",
            pages,
        )
        conn.executemany("INSERT INTO search (rowid, title, body) VALUES (?, ?, ?)", texts)
        storelinks.merge_recent_keys(conn)
    return results


class Checkpointer:
    """Copies the write-ahead log into the database file (a PASSIVE checkpoint) in a thread of its own, on its
    own connection, each time :meth:`poke` is called (after a ``save_many`` commits).

    Why: in WAL mode SQLite checkpoints in the committing thread once the log passes 1,000 pages, and at
    scale that was the largest cost of a save. A save writes ~23 pages (article, raw page, index segments,
    and the random pages of the repost band index: one per band key once the store is big), and a checkpoint
    copies them and waits for two fsyncs (synchronous=NORMAL). Measured on a 50k-article store, 3,000 more
    articles in batches of 200: the SQL of a save took 1,060-1,090 us with SQLite's own checkpoints, 630-690 us
    with this thread (measured with the writer's fallback at 20,000 pages; 10,000 is used, for a smaller log;
    on 100k articles the whole save went from 801 to 1,049 articles/s), most of the difference being fsync
    waits that now overlap the next batch's preparation. Crash safety is SQLite's: a checkpoint may be interrupted anywhere.
    A checkpoint that fails or finds the store busy is skipped: the next poke, or the writer's own automatic
    checkpoint at :data:`_WRITER_CHECKPOINT_PAGES`, catches up."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def start(self, writer: sqlite3.Connection) -> None:
        """Start the thread, and leave the writer's automatic checkpoints for when this one falls behind."""
        writer.execute(f"PRAGMA wal_autocheckpoint={_WRITER_CHECKPOINT_PAGES}")
        self._thread = threading.Thread(target=self._run, name="newsgrab-checkpoint", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def close(self) -> None:
        if self._thread is not None:
            self._stop = True
            self._wake.set()
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        try:
            # timeout=0: never wait for a lock; a busy checkpoint is skipped (see above)
            conn = sqlite3.connect(self._path, timeout=0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:
            return
        try:
            while True:
                self._wake.wait()
                self._wake.clear()
                if self._stop:
                    return
                with suppress(sqlite3.Error):
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        finally:
            conn.close()
