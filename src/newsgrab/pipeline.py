"""The batch engine behind ``fetch``, ``clean`` and ``reclean``: inputs -> pages -> articles -> store.

Each public function is a generator of :class:`Outcome`, one per input, **in input order**, yielded as soon as
that input is settled. A failing input never stops the batch: it becomes an outcome with status ``failed`` or
``no-content``. Only :class:`~newsgrab.errors.StoreError` escapes, because a store that cannot be written makes
every later input fail too.

How the work is spread, and why:

* The extraction stage (:mod:`newsgrab.extractstage`) reads or downloads inputs in a background thread, a few
  items ahead, and extracts the pages in worker processes (:class:`newsgrab.workers.Workers`: this process
  plus one lean interpreter per worker, no fork server, no resource tracker, no CLI in the workers).
  Submission is bounded (a window of pages per worker, and of bytes) and results are taken in input order, so
  memory stays flat for 10,000 files. Three pages or fewer are extracted in-process: starting workers would
  cost more. A worker that dies costs no input: the unfinished pages go to a new set of workers.
* Memory: each commit hands the heap its rows freed back to the OS (``malloc_trim``), and glibc serves big
  buffers (pages) with mmap at a fixed threshold (:func:`newsgrab.workers.tune_malloc`), here and in the workers.
* The store is written from the main thread only (SQLite connections are not shared), in batches of up to
  :data:`BATCH_SIZE` articles per transaction. A batch is committed when it is full, when it is older than
  :data:`BATCH_DELAY` seconds, and when the pipeline waits for something and the batch is older than
  :data:`IDLE_FLUSH` — so batching never holds an outcome back long while nothing else is happening.
* The store's own CPU work for a save (compressing the raw page, hashing, the search-index text, the repost
  sketch: ``store.prepare_save``) is done by the extraction workers too, so the one writer only runs SQL.
  So is inflating a page a server sent gzip-compressed (``fetch_pages(defer_gzip=True)``): this process only
  moves its compressed bytes, and the store keeps them as sent when they alone are the page.
"""

from __future__ import annotations

import os
import time
from typing import Any, BinaryIO, Iterable, Iterator

from .config import Settings
from .errors import StoreError
from .extractstage import _WAIT, _Ahead, _Done, _extract_stream, _Inline, _Job, _short, extract_page
from .models import STATUSES, Article, Outcome
from .workers import trim_heap

__all__ = ["Outcome", "STATUSES", "clean_paths", "clean_inputs", "fetch_urls", "reclean", "extract_page"]

# Each commit flushes the search index's pending terms into a new segment and merges segments: measured on
# 10k generated articles, the SQL of a save costs 1.35 ms in batches of 50 and 0.9 ms in batches of 200.
BATCH_SIZE = 200  # articles per store transaction
BATCH_FIRST = 25  # ... but the first batch is this big, and each next one twice the last, up to BATCH_SIZE
BATCH_DELAY = 1.0  # seconds an outcome may wait for its batch to fill
IDLE_FLUSH = 0.5  # while the pipeline waits, a batch this old (seconds) is committed


def _worker_count(settings: Settings) -> int:
    return max(1, settings.workers or os.cpu_count() or 1)


# ------------------------------------------------------------------------------------------- saving
def _finish_settled(outcome: Outcome, store: Any) -> Outcome:
    """Fill in title and article of an input settled without extraction (already stored, not modified)."""
    if store is not None and outcome.id is not None and outcome.article is None and outcome.status == "duplicate":
        stored = store.get(outcome.id)
        if stored is not None:
            outcome.article = stored.article
            outcome.title = outcome.title or stored.article.title
            outcome.url = outcome.url or stored.article.url
    return outcome


def _save_one(store: Any, done: _Done) -> Outcome:
    article, job = done.article, done.job
    assert article is not None and job.page is not None
    url = article.url or job.page.url
    if job.refresh_id is not None:
        return _refresh_one(store, job, article, url)
    if job.target_id is not None:
        store.update_article(job.target_id, article)
        return Outcome(job.input, "saved", id=job.target_id, url=url, title=article.title, article=article)
    if done.row is not None:  # job.page has no data any more: the row carries it
        res = store.save_many([(article, job.page, done.row)])[0]
    else:
        res = store.save(article, job.page)
    return Outcome(job.input, res.status, res.id, url, article.title, None, res.duplicate_of, article)


def _refresh_one(store: Any, job: _Job, article: Article, url: str | None) -> Outcome:
    """A stored URL fetched again: same title and text -> ``duplicate`` (changed: false); else the stored
    article and raw page are replaced (the old ones kept in the store's history) -> ``saved`` (changed: true)."""
    from .store import content_hash

    sid = job.refresh_id
    old = store.get(sid)
    if old is None:  # gone meanwhile: save it afresh
        res = store.save(article, job.page)
        return Outcome(job.input, res.status, res.id, url, article.title, None, res.duplicate_of, article)
    if store.text_hash(sid) == content_hash(article.text) and (old.article.title or "") == (article.title or ""):
        return Outcome(job.input, "duplicate", sid, url, article.title, None, old.duplicate_of, old.article, False)
    stored = store.replace_page(sid, article, job.page)
    return Outcome(job.input, "saved", sid, url, article.title, None, stored.duplicate_of, article, True)


def _save_batch(store: Any, batch: list[_Done]) -> list[Outcome]:
    """Save the articles of ``batch`` in one transaction; return an outcome per item, in order."""
    to_save = [d for d in batch if d.article is not None and d.job.target_id is None and d.job.refresh_id is None]
    results: dict[int, Any] = {}
    if to_save:
        try:
            saved = store.save_many([(d.article, d.job.page, d.row) for d in to_save])
            results = {id(d): r for d, r in zip(to_save, saved)}
        except StoreError:
            raise
        except Exception:
            # Something in one article upset the store (a bug, not an unusable store): the transaction was
            # rolled back, so save them one by one to find it and keep the others.
            results = {}
    out: list[Outcome] = []
    for d in batch:
        if d.article is None:
            assert d.outcome is not None
            out.append(_finish_settled(d.outcome, store))
            continue
        res = results.get(id(d))
        if res is not None:
            a, page = d.article, d.job.page
            url = a.url or (page.url if page is not None else None)
            out.append(Outcome(d.job.input, res.status, res.id, url, a.title, None, res.duplicate_of, a))
            continue
        try:
            out.append(_save_one(store, d))
        except StoreError:
            raise
        except Exception as e:
            url = d.article.url or (d.job.page.url if d.job.page is not None else None)
            reason = "internal error: " + _short(e)
            out.append(Outcome(d.job.input, "failed", url=url, title=d.article.title, error=reason))
    return out


def _commit(store: Any, pending: list[_Done]) -> list[Outcome]:
    """Save ``pending`` (emptied) in one transaction; then hand the freed heap back to the OS.

    A batch's rows (compressed pages, index text) are a few MB of big buffers freed together at each commit,
    and glibc's heap keeps that space, fragmented among what is still live: trimming here (~2 ms a commit)
    took 10 MB off the peak RSS of this process in a long ``clean``."""
    outcomes = _save_batch(store, pending)
    articles = sum(1 for d in pending if d.article is not None)
    pending.clear()
    if articles:
        trim_heap()
    return outcomes


def _save_stream(items: Iterator[Any], store: Any) -> Iterator[Outcome]:
    """Turn extraction results into outcomes, committing articles in batches, keeping input order."""
    pending: list[_Done] = []
    articles = 0
    started = 0.0
    size = BATCH_FIRST  # grows to BATCH_SIZE: the first outcomes come out soon, later batches are big
    for item in items:
        if item is _WAIT:
            # Commit while the pipeline waits anyway, but not at every wait: with several workers the next
            # result is often a few ms away, and a transaction per article costs more than the articles.
            if pending and time.monotonic() - started >= IDLE_FLUSH:
                yield from _commit(store, pending)
                articles = 0
            continue
        if store is None:
            if item.article is None:
                yield item.outcome
            else:
                a, page = item.article, item.job.page
                yield Outcome(item.job.input, "printed", url=a.url or page.url, title=a.title, article=a)
            continue
        if not pending and item.article is None:
            yield _finish_settled(item.outcome, store)  # nothing ahead of it to wait for
            continue
        if not pending:
            started = time.monotonic()
        pending.append(item)
        if item.article is not None:
            articles += 1
        del item
        if articles >= size or time.monotonic() - started >= BATCH_DELAY:
            yield from _commit(store, pending)
            articles = 0
            size = min(BATCH_SIZE, size * 2)
    if pending:
        yield from _commit(store, pending)


def _run(source: Any, settings: Settings, store: Any) -> Iterator[Outcome]:
    try:
        yield from _save_stream(
            _extract_stream(
                source, _worker_count(settings), store is not None, settings.page_timeout, settings.max_bytes
            ),
            store,
        )
    finally:
        source.close()


# ------------------------------------------------------------------------------------------- public
def clean_paths(
    paths: Iterable[str],
    settings: Settings | None = None,
    store: Any = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Outcome]:
    """Clean saved pages: files, folders (recursively) and ``-`` (stdin). Saves unless ``store`` is None."""
    from .load import iter_inputs

    settings = settings or Settings()

    def jobs() -> Iterator[_Job]:
        for r in iter_inputs(paths, stdin=stdin):
            if r.page is None or r.error is not None:
                reason = str(r.error) if r.error is not None else "could not be read"
                yield _Job(r.input, outcome=Outcome(r.input, "failed", error=reason))
            else:
                yield _Job(r.input, page=r.page)

    yield from _run(_Ahead(jobs()), settings, store)


clean_inputs = clean_paths  # the name docs/INTERFACES.md uses


def fetch_urls(
    urls: Iterable[str],
    settings: Settings | None = None,
    store: Any = None,
    *,
    refresh: bool = False,
    warc: Any = None,
) -> Iterator[Outcome]:
    """Download, extract and save URLs. URLs already stored are not requested again unless ``refresh``.

    With ``refresh``, stored URLs are asked for conditionally (ETag / Last-Modified); a 304 or a page with
    the same title and text is a ``duplicate`` with ``changed=False``; a changed article replaces the stored
    one (same id, old version kept in history) and is ``saved`` with ``changed=True``.

    ``warc``: a :class:`newsgrab.warc.WarcWriter`; every HTTP exchange is written to it, in input order.
    """
    from . import fetch

    settings = settings or Settings()
    urls = list(urls)
    stored: dict[int, int] = {}  # position in urls -> id of the stored article with that URL
    conditional: dict[str, tuple[str | None, str | None]] = {}
    if store is not None:
        # Before any request, in this thread (the store's connection belongs to it).
        for i, u in enumerate(urls):
            sid = store.find_url(u)
            if sid is None:
                continue
            stored[i] = sid
            if refresh:
                try:
                    page = store.raw_page(sid)
                except StoreError:
                    raise
                except Exception:
                    page = None
                if page is not None and (page.etag or page.last_modified):
                    conditional[u] = (page.etag, page.last_modified)
    skip = set() if refresh else set(stored)
    to_fetch = [u for i, u in enumerate(urls) if i not in skip]

    def jobs() -> Iterator[_Job]:
        results = iter(
            fetch.fetch_pages(
                to_fetch, settings, conditional=conditional or None, record=warc is not None,
                # gzip pages are inflated where they are extracted (not in the download loop, which shares
                # this process with the writer), except for a refresh: its save needs the page here.
                defer_gzip=not refresh,
            )
            if to_fetch else ()
        )
        try:
            for i, u in enumerate(urls):
                if i in skip:
                    yield _Job(u, outcome=Outcome(u, "duplicate", id=stored[i], url=u))
                    continue
                r = next(results)
                if warc is not None:
                    for exchange in r.exchanges:
                        warc.write_exchange(exchange)
                if r.error is not None or (r.page is None and not r.not_modified):
                    reason = str(r.error) if r.error is not None else "no page"
                    yield _Job(u, outcome=Outcome(u, "failed", url=u, error=reason))
                elif r.not_modified:
                    yield _Job(u, outcome=Outcome(u, "duplicate", id=stored.get(i), url=u, changed=False))
                else:
                    yield _Job(u, page=r.page, refresh_id=stored.get(i) if refresh else None)
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()

    # fetch_pages already holds downloads ahead (up to LOOKAHEAD_BYTES): two more here are enough to poll.
    yield from _run(_Ahead(jobs(), size=2), settings, store)


def reclean(store: Any, ids: Iterable[int] | None = None, settings: Settings | None = None) -> Iterator[Outcome]:
    """Extract stored raw pages again and update their articles (all of them when ``ids`` is None).

    A page that now yields no article keeps its old one and reports ``no-content``.
    """
    settings = settings or Settings()
    ids = list(store.ids() if ids is None else ids)  # materialised: we write while we go

    def jobs() -> Iterator[_Job]:
        for sid in ids:
            try:
                page = store.raw_page(sid)
            except StoreError:
                raise
            except (KeyError, LookupError, ValueError):
                page = None
            if page is None:
                yield _Job(str(sid), outcome=Outcome(str(sid), "failed", id=None, error="not in the store"))
            else:
                yield _Job(str(sid), page=page, target_id=sid)

    # Inline, not _Ahead: raw_page uses the store, which belongs to this thread.
    yield from _run(_Inline(jobs()), settings, store)
