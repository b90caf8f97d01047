"""The batch engine behind ``fetch``, ``clean`` and ``reclean``: inputs -> pages -> articles -> store.

Each public function is a generator of :class:`Outcome`, one per input, **in input order**, yielded as soon as
that input is settled. A failing input never stops the batch: it becomes an outcome with status ``failed`` or
``no-content``. Only :class:`~newsgrab.errors.StoreError` escapes, because a store that cannot be written makes
every later input fail too.

How the work is spread, and why:

* Inputs are read (``load``) or downloaded (``fetch``) in a background thread, a few items ahead, so the main
  loop can ask "is the next page here yet?" without blocking (see :class:`_Ahead`).
* Extraction is CPU-bound and pure, so with many inputs it runs in worker processes
  (:class:`newsgrab.workers.Workers`: this process plus one lean interpreter per worker, no fork server, no
  resource tracker, no CLI in the workers). Submission is bounded (a window of
  :data:`WINDOW_PER_WORKER` pages per worker, and :data:`WINDOW_BYTES`) and results are taken in input order, so
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

import dataclasses
import os
import queue
import threading
import time
from collections import deque
from concurrent import futures
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterable, Iterator

from .config import MAX_BYTES, Settings
from .errors import NoContentError, StoreError
from .models import Article, Page
from .workers import trim_heap

__all__ = ["Outcome", "STATUSES", "clean_paths", "clean_inputs", "fetch_urls", "reclean", "extract_page"]

STATUSES = ("saved", "duplicate", "no-content", "failed", "printed")
OK_STATUSES = frozenset({"saved", "duplicate", "printed"})

# Each commit flushes the search index's pending terms into a new segment and merges segments: measured on
# 10k generated articles, the SQL of a save costs 1.35 ms in batches of 50 and 0.9 ms in batches of 200.
BATCH_SIZE = 200  # articles per store transaction
BATCH_FIRST = 25  # ... but the first batch is this big, and each next one twice the last, up to BATCH_SIZE
BATCH_DELAY = 1.0  # seconds an outcome may wait for its batch to fill
IDLE_FLUSH = 0.5  # while the pipeline waits, a batch this old (seconds) is committed
WAIT_TICK = 0.05  # waits are cut in slices this long (seconds), each announced with _WAIT
IN_PROCESS_MAX = 3  # this many pages or fewer: no process pool
# Results are taken in input order, so a slow page at the head of the window holds the others back: with 4
# pages per worker, the other worker ran out of work behind the slowest page of shared/data (136 ms to extract,
# the median is 7.5 ms). Measured in the workers (time waiting for a task, 3,000 pages): 6 pages a worker and
# 4 MiB left each idle 2.1 s of 17, 8 and 8 MiB 1.7 s, 12 and 8 MiB 1.4-1.8 s.
WINDOW_PER_WORKER = 8  # pages submitted ahead per worker process
# ... and never more than this much page data in flight (one page always may): with 16 pages of 1-2 MB (they
# exist) the window alone held 20-30 MB of the parent's memory. 4 MiB is ~23 pages of shared/data's median
# size, so it binds only on runs of big pages, which is when the batch's memory peaks (6 MiB: +5-9 MB).
WINDOW_BYTES = 4 * 1024 * 1024
READ_AHEAD = 8  # inputs read or fetched ahead of the extraction stage


@dataclass(slots=True)
class Outcome:
    """What became of one input."""

    input: str
    status: str  # one of STATUSES
    id: int | None = None
    url: str | None = None
    title: str | None = None
    error: str | None = None
    duplicate_of: int | None = None
    article: Article | None = None
    changed: bool | None = None  # --refresh of a stored URL: did the article change? (None: not a refresh)

    @property
    def ok(self) -> bool:
        """True when the input counts as handled (exit code 0)."""
        return self.status in OK_STATUSES

    def to_jsonl_dict(self) -> dict:
        """The contract's jsonl line for fetch and clean; ``duplicate_of`` only when there is one."""
        d: dict[str, Any] = {
            "input": self.input,
            "status": self.status,
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "error": self.error,
        }
        if self.duplicate_of is not None:
            d["duplicate_of"] = self.duplicate_of
        if self.changed is not None:
            d["changed"] = self.changed
        return d


# ------------------------------------------------------------------------------------------- extraction
def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _extract_task(
    data: bytes, url: str | None, content_type: str | None, fetched_at: Any, save: tuple | None = None,
    compressed: bytes | None = None, cap: int = MAX_BYTES,
) -> tuple[str, Any]:
    """Extract one page; never raises, so nothing odd has to be pickled back from a worker process.

    Returns ``("ok", Article)``, ``("no-content", reason)`` or ``("error", reason)``. With ``save`` (the
    page's ``(input, etag, last_modified)``: the article is going to be stored) the store's CPU work is done
    here too, where it runs in parallel, and the result is ``("ok", (Article, row))`` with the row of
    :func:`newsgrab.store.prepare_save` (None if that failed: the store then tries again and reports it).

    ``compressed`` without ``data``: a gzip page fetch left compressed (``fetch_pages(defer_gzip=True)``), inflated
    here under ``cap`` bytes, where it is extracted, and kept as sent when it alone is the page compressed.
    """
    if not data and compressed is not None:
        from ._decode_body import BodyError, inflate_gzip

        try:
            data, storable = inflate_gzip(compressed, cap)
        except BodyError as e:
            return "error", str(e)
        if not data:
            return "error", "empty response"
        if not storable:
            compressed = None  # two members, junk after it: the store compresses the page itself
    try:
        from .extraction import extract

        article = extract(data, url=url, content_type=content_type, fetched_at=fetched_at)
    except NoContentError as e:
        return "no-content", str(e) or "no article found"
    except Exception as e:  # a bug in extraction must cost one input, not the batch
        return "error", "internal error: " + _short(e)
    finally:
        if isinstance(data, bytes) and len(data) >= _TRIM_BYTES:
            trim_heap()
    if save is None:
        return "ok", article
    try:
        from .store import prepare_save

        input_, etag, last_modified = save
        page = Page(data, input_, url, content_type, fetched_at, etag, last_modified, compressed)
        return "ok", (article, prepare_save(article, page))
    except Exception:
        return "ok", (article, None)


_TRIM_BYTES = 512 * 1024  # after a page this big, hand the freed heap back to the OS


def extract_page(page: Page) -> Article:
    """Extract the article of ``page`` in this process (raises NoContentError), the way the pipeline does."""
    from .extraction import extract

    return extract(page.data, url=page.url, content_type=page.content_type, fetched_at=page.fetched_at)


_WARM_UP_PAGE = (
    b"<html><head><title>Sea wall</title></head><body><h1>Sea wall</h1><p>"
    + b"The harbour council met on Tuesday to discuss repairs to the old sea wall. " * 12
    + b"</p></body></html>"
)


def warm_up() -> None:
    """Extract and prepare a small page once, in a worker before it says it is ready (``Workers`` preload
    ``"newsgrab.pipeline:warm_up"``). A process's first extraction loads tables and checks the C parts
    against their Python code: 60-120 ms here, which counted against the first page's --page-timeout."""
    try:
        page = Page(_WARM_UP_PAGE, "warm-up")
        _extract_task(page.data, None, None, page.fetched_at, (page.input, None, None))
    except Exception:
        pass  # a real page will meet the same problem and report it


def _new_pool(workers: int) -> Any:
    """The extraction processes (:class:`newsgrab.workers.Workers`), or None where none can be started."""
    import subprocess

    from .workers import Workers, tune_malloc

    tune_malloc()  # a batch big enough for a pool: this process's pages and results are big buffers too
    try:
        # Each worker imports the extractor and the store's row maker as it starts, while this process is
        # still reading its first inputs, and nothing else (no CLI, no HTTP client).
        return Workers(workers, preload=["newsgrab.extraction", "newsgrab.store", "newsgrab.pipeline:warm_up"])
    except (OSError, ValueError, subprocess.SubprocessError):
        return None  # no process support here (a sandbox): extract in-process instead


# ------------------------------------------------------------------------------------------- plumbing
_EMPTY = object()  # poll(): nothing ready yet
_END = object()  # the source is exhausted
_WAIT = object()  # yielded by the extraction stage just before it blocks: a cue to commit pending saves


@dataclass(slots=True)
class _Job:
    input: str
    page: Page | None = None
    outcome: Outcome | None = None  # settled before extraction: load/fetch failure, already stored
    target_id: int | None = None  # reclean: the stored article the new extraction replaces
    refresh_id: int | None = None  # --refresh: the stored article a changed page replaces


@dataclass(slots=True)
class _Done:
    job: _Job
    article: Article | None = None
    outcome: Outcome | None = None  # set when there is no article to save
    row: Any = None  # store.prepare_save(article, page), made in the worker; None: the store makes it


class _Ahead:
    """Run an iterator in a background thread, a few items ahead of the consumer.

    The point is :meth:`poll`: the main loop can see whether the next input is ready and, if not, commit what
    it holds before it blocks. The iterator is also closed in its own thread (a generator cannot be closed
    from another thread while it runs), which ends e.g. the download loop of ``fetch_pages``.
    """

    def __init__(self, iterable: Iterable[Any], size: int = READ_AHEAD) -> None:
        self.done = False
        self._q: queue.Queue = queue.Queue(size)
        self._stop = threading.Event()
        self.wake = threading.Event()  # set at every item put: the consumer may wait on it and on a result
        self._thread = threading.Thread(target=self._run, args=(iterable,), name="newsgrab-read", daemon=True)
        self._thread.start()

    def _run(self, iterable: Iterable[Any]) -> None:
        it = iter(iterable)
        try:
            for item in it:
                if not self._put(("item", item)):
                    return
            self._put(("end", None))
        except BaseException as e:  # handed to the consumer, which re-raises it in the main thread
            self._put(("error", e))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    pass

    def _put(self, msg: tuple) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(msg, timeout=0.1)
                self.wake.set()
                return True
            except queue.Full:
                continue
        return False

    def _unwrap(self, msg: tuple) -> Any:
        kind, value = msg
        if kind == "item":
            return value
        self.done = True
        if kind == "error":
            raise value
        return _END

    def poll(self) -> Any:
        try:
            return self._unwrap(self._q.get_nowait())
        except queue.Empty:
            return _EMPTY

    def ready(self) -> bool:
        """Whether :meth:`poll` has something to give (an item, the end or an error)."""
        return not self._q.empty()

    def get(self, timeout: float | None = None) -> Any:
        """The next item, waiting at most ``timeout`` seconds (then :data:`_EMPTY`)."""
        try:
            return self._unwrap(self._q.get(timeout=timeout))
        except queue.Empty:
            return _EMPTY

    def close(self) -> None:
        self._stop.set()
        try:  # unblock a producer waiting on a full queue
            while True:
                self._q.get_nowait()
        except queue.Empty:
            pass
        # Do not wait long: the producer may sit in a slow read or download; it is a daemon and stops at its
        # next step.
        self._thread.join(timeout=0.5)


class _Inline:
    """The same interface as :class:`_Ahead`, in the calling thread (for sources that use the store)."""

    def __init__(self, iterable: Iterable[Any]) -> None:
        self.done = False
        self._it = iter(iterable)

    def get(self, timeout: float | None = None) -> Any:
        try:
            return next(self._it)
        except StopIteration:
            self.done = True
            return _END

    poll = get

    def close(self) -> None:
        close = getattr(self._it, "close", None)
        if close is not None:
            close()


@dataclass(slots=True)
class _Entry:
    job: _Job
    future: futures.Future | None = None
    attempts: int = 0
    save: tuple | None = None  # _extract_task's ``save``: prepare the store row too
    generation: int = 0  # the pool (_Extractors.generation) ``future`` was given to


def _resolve(job: _Job, result: tuple[str, Any] | None) -> _Done:
    if job.outcome is not None:
        return _Done(job, outcome=job.outcome)
    url = job.page.url if job.page is not None else None
    kind, value = result if result is not None else ("error", "internal error: no page")
    if kind == "ok":
        if isinstance(value, tuple):  # (article, prepared row): see _extract_task
            if value[1] is not None and job.page is not None:
                # The row holds the page, compressed: the bytes need not wait in memory for the commit.
                job.page = dataclasses.replace(job.page, data=b"", compressed=None)
            return _Done(job, article=value[0], row=value[1])
        return _Done(job, article=value)
    status = "no-content" if kind == "no-content" else "failed"
    return _Done(job, outcome=Outcome(job.input, status, id=job.target_id, url=url, error=value))


class _Extractors:
    """Where pages are extracted: a process pool while one works, else this process.

    The pool starts only once more than :data:`IN_PROCESS_MAX` pages have been seen. A pool that dies
    before returning a single result is taken as a sign that worker processes cannot run here (no
    /dev/shm, a sandbox, a ``__main__`` that cannot be re-imported) and extraction goes on in-process.
    """

    def __init__(self, workers: int, wake: threading.Event | None = None, cap: int = MAX_BYTES) -> None:
        self.workers = workers
        self.cap = cap  # Settings.max_bytes: the most a page fetch left compressed may inflate to
        self.wake = wake  # set when a result is in (see _extract_stream)
        self.disabled = workers <= 1
        self.pool: Any = None  # a newsgrab.workers.Workers
        self.results = 0  # results the current pool has delivered
        self.pages = 0
        self.generation = 0  # counts the pools started: tells a future of the current pool from an older one

    @property
    def undecided(self) -> bool:
        """True while a pool may still be started (it starts on the page after IN_PROCESS_MAX)."""
        return not self.disabled and self.pool is None

    @property
    def limit(self) -> int:
        """Pages to hold in the window: enough to keep every worker busy, few when there are none."""
        return 2 if self.disabled else max(self.workers * WINDOW_PER_WORKER, 2)

    def submit(self, page: Page, save: tuple | None = None) -> futures.Future | None:
        """Hand ``page`` to a worker; None means: extract it in-process when its turn comes."""
        if self.disabled:
            return None
        if self.pool is None:
            if self.pages <= IN_PROCESS_MAX:
                return None
            self.pool = _new_pool(self.workers)
            self.generation += 1
            if self.pool is None:
                self.disabled = True
                return None
        try:
            # The compressed page goes along when it is to be stored, or when it is the page (not inflated yet).
            compressed = page.compressed if save is not None or not page.data else None
            return self.pool.submit(
                _extract_task, page.data, page.url, page.content_type, page.fetched_at, save, compressed, self.cap
            )
        except (futures.BrokenExecutor, RuntimeError):
            self.broken()
            return self.submit(page, save) if not self.disabled else None

    def broken(self, killed: bool = False) -> None:
        """The pool died: replace it, or give up on processes if it never worked. ``killed``: it was stopped
        on purpose (a page over its time limit), which says nothing about whether processes work here."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
        self.pool = None
        if self.results == 0 and not killed:
            self.disabled = True
        else:
            self.pool = _new_pool(self.workers)
            self.generation += 1
            self.disabled = self.pool is None
        self.results = 0

    def give(self, entry: _Entry) -> None:
        """Submit ``entry``'s page (to the current pool; None: in this process when its turn comes)."""
        entry.future = self.submit(entry.job.page, entry.save)  # type: ignore[arg-type]
        entry.generation = self.generation
        if entry.future is not None and self.wake is not None:
            entry.future.add_done_callback(self._wake)

    def _wake(self, _future: futures.Future) -> None:
        self.wake.set()  # type: ignore[union-attr]

    def resubmit(self, window: Iterable[_Entry], skip: _Entry | None = None) -> None:
        """After the pool broke: send every page of ``window`` (but ``skip``) still without a result to the
        current pool. A future that finished with a result before the break keeps it."""
        for entry in window:
            f = entry.future
            if f is None or entry is skip:
                continue
            if f.done() and not f.cancelled() and f.exception() is None:
                continue
            if entry.generation != self.generation or f.done():
                self.give(entry)

    def shutdown(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


def _weight(page: Page) -> int:
    """What a page in the extraction window holds in memory."""
    return len(page.data) + len(page.compressed or b"")


def _overdue(head: _Entry, ex: _Extractors, limit: float) -> bool:
    """Whether the head page has been extracting in a worker for more than ``limit`` seconds (0: never).
    The clock starts when its worker starts on it (``future.started``, see newsgrab.workers), not when it
    was queued: a page waiting behind another, or for a worker still starting, is not overdue."""
    if not limit or head.future is None or head.generation != ex.generation:
        return False
    started = getattr(head.future, "started", None)
    return started is not None and time.monotonic() - started > limit


def _extract_stream(
    source: Any, workers: int, prepare: bool = False, page_timeout: float = 0, cap: int = MAX_BYTES
) -> Iterator[Any]:
    """Yield a :class:`_Done` per job in input order, and :data:`_WAIT` before (and during) any wait.

    ``prepare``: articles are going to be saved (not updated): their store rows are made by the workers.
    ``page_timeout``: seconds a page may take in a worker process before that process is killed (and
    replaced) and the page fails; 0 for no limit. Pages extracted in this process have none: C code
    cannot be interrupted there.
    """
    window: deque[_Entry] = deque()
    window_bytes = 0
    pooled = False  # a page has gone to the process pool
    # Set by the source when an input arrives and by every finished extraction: with room in the window,
    # the wait for the head page also ends when the next input comes (fetch: a download that finishes),
    # so the workers are not left without pages while the head is still being extracted.
    wake: threading.Event | None = getattr(source, "wake", None)
    ex = _Extractors(workers, wake, cap)

    try:
        while True:
            # Top the window up with whatever is ready, blocking only when there is nothing else to do.
            while not source.done and len(window) < ex.limit and (window_bytes < WINDOW_BYTES or not window):
                job = source.poll()
                if job is _EMPTY:
                    # Work on what is here, unless the pool is still undecided: then wait for a page more
                    # (or the end), rather than extract the first ones in this process only to start the pool
                    # one page later (this process would keep the extractor and a parse's memory for good).
                    if window and not ex.undecided:
                        break
                    yield _WAIT
                    job = source.get(timeout=WAIT_TICK)
                    if job is _EMPTY:
                        continue  # still nothing: another _WAIT (the saver may commit meanwhile)
                if job is _END:
                    break
                entry = _Entry(job)
                if job.page is not None and job.outcome is None:
                    ex.pages += 1
                    window_bytes += _weight(job.page)
                    page = job.page
                    if prepare and job.target_id is None and job.refresh_id is None:
                        entry.save = (page.input, page.etag, page.last_modified)
                    ex.give(entry)
                    if entry.future is not None and not pooled:
                        # The pool has just started: the few pages before it go there too, so that this
                        # process neither imports the extractor nor keeps what a parse left (parent RSS).
                        pooled = True
                        for e in window:
                            if e.future is None and e.job.page is not None and e.job.outcome is None:
                                ex.give(e)
                window.append(entry)
            if not window:
                if source.done:
                    return
                continue

            head = window[0]
            if head.future is not None and not head.future.done():
                yield _WAIT
                room = not source.done and len(window) < ex.limit and window_bytes < WINDOW_BYTES
                if room and wake is not None:
                    wake.clear()  # then look again: what comes after this is not missed
                    if not head.future.done() and not source.ready():
                        wake.wait(WAIT_TICK)
                else:
                    futures.wait([head.future], timeout=WAIT_TICK)
                if not head.future.done():
                    if not _overdue(head, ex, page_timeout):
                        continue  # meanwhile, top the window up again
                    # A page the parser cannot get through (lexbor has inputs that cost it minutes): the
                    # batch goes on without it. Killing the process is the only way to stop C code.
                    ex.broken(killed=True)
                    ex.resubmit(window, skip=head)
                    window_bytes -= _weight(head.job.page)  # type: ignore[arg-type]
                    window.popleft()
                    yield _resolve(head.job, ("error", f"extraction took over {page_timeout:g} s: page given up"))
                    continue

            result: tuple[str, Any] | None = None
            if head.job.outcome is None and head.job.page is not None:
                page = head.job.page
                if head.future is None:
                    result = _extract_task(
                        page.data, page.url, page.content_type, page.fetched_at, head.save, page.compressed, ex.cap
                    )
                else:
                    try:
                        result = head.future.result()
                        if head.generation == ex.generation:
                            ex.results += 1
                    except futures.BrokenExecutor:
                        # A worker died (a crash in native code, the OOM killer). The culprit is not known:
                        # give every unfinished page another try, and blame the head only when it has
                        # broken a pool twice. A future of a pool already replaced (the break was seen at a
                        # submit, or at another page) only needs sending to the current one.
                        if head.generation == ex.generation:
                            ex.broken()
                            head.attempts += 1
                        if head.attempts >= 2:
                            result = ("error", "internal error: the extraction process died")
                        ex.resubmit(window, skip=head if result is not None else None)
                        if result is None:
                            continue
                    except futures.CancelledError:
                        result = ("error", "internal error: extraction was cancelled")
                window_bytes -= _weight(page)
            window.popleft()
            yield _resolve(head.job, result)
    finally:
        ex.shutdown()


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
