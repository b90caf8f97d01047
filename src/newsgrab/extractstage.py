"""The pipeline's extraction stage: jobs in, one result per job out, in input order.

Inputs are read (``load``) or downloaded (``fetch``) in a background thread, a few items ahead (:class:`_Ahead`),
so the loop of :func:`_extract_stream` can ask "is the next page here yet?" without blocking, and announce
each wait (:data:`_WAIT`) so that the save stage commits what it holds meanwhile. Pages go to worker processes
(:class:`newsgrab.workers.Workers`) in a bounded window; a worker that dies or overruns its time costs no
other input. :mod:`newsgrab.pipeline` puts this stage in front of the store.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections import deque
from concurrent import futures
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from .config import MAX_BYTES
from .errors import NoContentError
from .models import Article, Outcome, Page
from .workers import trim_heap

__all__ = ["extract_page", "warm_up"]

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
    ``"newsgrab.extractstage:warm_up"``). A process's first extraction loads tables and checks the C parts
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
        return Workers(workers, preload=["newsgrab.extraction", "newsgrab.store", "newsgrab.extractstage:warm_up"])
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
                    window_bytes += job.page.nbytes
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
                    window_bytes -= head.job.page.nbytes  # type: ignore[union-attr]
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
                window_bytes -= page.nbytes
            window.popleft()
            yield _resolve(head.job, result)
    finally:
        ex.shutdown()
