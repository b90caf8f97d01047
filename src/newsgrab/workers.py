"""A small process pool for the pipeline's extraction: N worker interpreters fed over pipes.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: on Linux it needs a fork server (forking the
threaded CLI process is unsafe) and that brings two more interpreters into every batch — the fork server
itself (~28 MB RSS with the extractor preloaded) and multiprocessing's resource tracker (~13 MB) — and every
worker re-imports the main module of the parent (the ``newsgrab`` console script, so typer and the whole CLI,
~7 MB a worker). Here a batch is the CLI process plus exactly ``N`` workers, each started as
``python -c <bootstrap>`` with the parent's ``sys.path``, importing only the modules it is told to preload.

Protocol, on the worker's stdin and stdout (the worker moves its own fd 1 onto stderr, so a stray ``print``
cannot corrupt it): the parent sends frames ``(fn, args)``; the worker answers each, in order, with
``("ok", result)`` or ``("raise", exception)``. A frame is a pickle and the byte strings it refers to out of
band (pickle protocol 5): an 8-byte big-endian length of the pickle, a 4-byte count of those strings and an
8-byte length for each, then the pickle, then the strings. A task's page (a ``bytes`` argument of
:data:`OUT_OF_BAND` bytes or more) goes out of band: it is written to the pipe straight from the caller's
object, and the worker reads it into its own, instead of both copying it into and out of a pickle. The
worker's first frame is empty and says it has finished importing. From it the parent knows when a worker
starts on each task (``future.started``), which is how the pipeline gives up on a page that takes too long. Each
worker has a thread in the parent that takes tasks from a shared queue and keeps up to :data:`DEPTH` of them in
the worker's pipe, so the worker never waits for the parent between two tasks and a slow page holds up at most
one other.

Semantics the pipeline relies on (those of ProcessPoolExecutor): :meth:`Workers.submit` returns a
:class:`concurrent.futures.Future`; when a worker dies (a crash in native code, the OOM killer) its task and
every task still queued fail with :class:`BrokenWorkers` (a ``BrokenExecutor``) and further submits raise it;
:meth:`Workers.shutdown` cancels what is queued, ends idle workers by closing their stdin and kills busy ones
(their results are not wanted any more). Workers ignore SIGINT: Ctrl-C is the parent's to handle. A worker
whose parent died sees end-of-file on stdin and exits.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import struct
import sys
import threading
import time
from collections import deque
from concurrent import futures
from typing import Any, BinaryIO, Callable, Iterable

__all__ = ["Workers", "BrokenWorkers", "worker_main", "tune_malloc", "trim_heap"]

_LENGTH = struct.Struct(">Q")  # a frame's pickle, and each of its out-of-band strings: length in bytes
_HEADER = struct.Struct(">QI")  # a frame: the pickle's length, the number of out-of-band strings
# Arguments this big and bigger (the pages) cross the pipe out of band. Measured in the CLI process of a
# 2-worker ``clean``: pickling a page into the task's frame was 11% of the process's time holding the GIL.
OUT_OF_BAND = 16 * 1024
# Tasks written to a worker ahead of its results: with one, a worker idled between two pages for as long as its
# thread here took to get the GIL back (up to sys.getswitchinterval(), 5 ms, while the download loop ran), on
# pages that take 7 ms to extract.
DEPTH = 2
_PROTOCOL = pickle.HIGHEST_PROTOCOL
# The worker's code, run as ``python -c BOOT SYS_PATH_JSON PRELOAD``: the parent's sys.path is restored before
# anything of newsgrab is imported, so the worker finds the same newsgrab as the parent, however that was found.
_BOOT = (
    "import json, os, signal, sys\n"
    "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
    "try:\n"
    "    sys.path[:] = json.loads(sys.argv[1])\n"
    "    from newsgrab.workers import worker_main\n"
    "except BaseException:\n"
    "    os._exit(3)\n"
    "worker_main([m for m in sys.argv[2].split(',') if m])\n"
)


class BrokenWorkers(futures.BrokenExecutor):
    """An extraction process died; the pool cannot be used any more."""


def _read_exactly(stream: BinaryIO, n: int) -> bytes:
    data = stream.read(n)
    if len(data) < n:
        raise EOFError("frame cut short")
    return data


def _read_frame(stream: BinaryIO) -> tuple[bytes, list[bytes]] | None:
    """One frame: its pickle and its out-of-band strings; None at a clean end of file. Raises EOFError when
    cut short."""
    head = stream.read(_HEADER.size)
    if not head:
        return None
    if len(head) < _HEADER.size:
        raise EOFError("frame header cut short")
    n, count = _HEADER.unpack(head)
    lengths = _read_exactly(stream, _LENGTH.size * count)
    sizes = [_LENGTH.unpack_from(lengths, _LENGTH.size * i)[0] for i in range(count)]
    payload = _read_exactly(stream, n)
    return payload, [_read_exactly(stream, size) for size in sizes]


def _write_frame(stream: BinaryIO, payload: bytes, buffers: list[pickle.PickleBuffer] | None = None) -> None:
    views = [b.raw() for b in buffers or ()]
    stream.write(_HEADER.pack(len(payload), len(views)) + b"".join(_LENGTH.pack(v.nbytes) for v in views))
    stream.write(payload)
    for view in views:
        stream.write(view)  # past the stream's buffer size, written to the pipe from the caller's object
    stream.flush()


def _dumps_task(call: tuple[Callable[..., Any], tuple]) -> tuple[bytes, list[pickle.PickleBuffer]]:
    """A task's pickle, its big ``bytes`` arguments left out of band."""
    fn, args = call
    args = tuple(pickle.PickleBuffer(a) if type(a) is bytes and len(a) >= OUT_OF_BAND else a for a in args)
    buffers: list[pickle.PickleBuffer] = []
    return pickle.dumps((fn, args), _PROTOCOL, buffer_callback=buffers.append), buffers


MMAP_THRESHOLD = 256 * 1024  # bytes: glibc serves allocations this big and bigger with mmap, always


_libc_functions: dict[str, Any] = {}


def _libc(name: str) -> Any:
    """The glibc function ``name`` of this process's own C library, or None (not Linux, not glibc)."""
    if name not in _libc_functions:
        fn = None
        if sys.platform.startswith("linux"):
            try:
                import ctypes

                fn = getattr(ctypes.CDLL(None), name)
            except (OSError, AttributeError, ImportError):
                fn = None
        _libc_functions[name] = fn
    return _libc_functions[name]


def trim_heap() -> None:
    """glibc keeps what a big page's parse freed (the DOM, the text copies) as heap it will not give back, so
    a process's RSS stays at the high-water mark of the biggest page it has seen; ``malloc_trim(0)`` returns
    the free pages. A no-op where there is no glibc."""
    malloc_trim = _libc("malloc_trim")
    if malloc_trim is not None:
        malloc_trim(0)


def tune_malloc() -> None:
    """Make glibc give big buffers back to the system as soon as they are freed.

    A batch allocates and frees a page-sized buffer (the raw page, its decoded text, a pickled task) per
    page. glibc serves blocks from 128 KiB up with mmap and unmaps them on free, but each such free raises
    that threshold to the block's size (up to 32 MiB): after one 1.6 MB page, every page-sized buffer comes
    from the heap, whose free space is fragmented and stays resident. A fixed threshold (mallopt, which
    also turns the adjustment off) keeps the RSS of the CLI process and of each worker closer to what they
    hold (a 3,000-page ``clean`` with MALLOC_MMAP_THRESHOLD_ set: 172-180 MB summed peak RSS against 180-182;
    a small gain, near the noise of one run). Process-wide; a no-op without glibc.
    """
    mallopt = _libc("mallopt")
    if mallopt is not None:
        mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD (two C ints: ctypes' default conversion)


# --------------------------------------------------------------------------------------------- worker side
def worker_main(preload: Iterable[str] = ()) -> None:
    """The loop of a worker process (see the module docstring). Returns at end of file on stdin."""
    import gc
    import importlib

    tune_malloc()
    # The protocol gets private copies of fds 0 and 1; fd 1 then points at stderr, fd 0 at /dev/null, so
    # nothing else in this process can read a task or write into the result stream.
    rfd, wfd = os.dup(0), os.dup(1)
    os.dup2(2, 1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    sys.stdout = sys.stderr
    tasks = os.fdopen(rfd, "rb", buffering=1 << 16)
    results = os.fdopen(wfd, "wb", buffering=1 << 16)
    for name in preload:
        name, _, warm_up = name.partition(":")
        try:
            module = importlib.import_module(name)
            if warm_up:
                getattr(module, warm_up)()
        except Exception:
            pass  # the task itself will fail and say why
    # What is alive now (modules, tables, caches) lives as long as the process: out of the cycle
    # collector's sight, so that its passes only ever walk what the tasks allocate.
    gc.collect()
    gc.freeze()
    try:
        _write_frame(results, b"")  # "ready": the parent starts the clock of a task when its worker is on it
    except OSError:
        return
    while True:
        try:
            frame = _read_frame(tasks)
        except (EOFError, OSError):
            break
        if frame is None:
            break
        try:
            payload, buffers = frame
            del frame
            fn, args = pickle.loads(payload, buffers=buffers)
            del payload, buffers
            reply: tuple[str, Any] = ("ok", fn(*args))
        except Exception as e:
            reply = ("raise", e)
        try:
            data = pickle.dumps(reply, _PROTOCOL)
        except Exception as e:  # an unpicklable result or exception: say what it was
            data = pickle.dumps(("raise", RuntimeError(f"{type(e).__name__}: {e}")), _PROTOCOL)
        del reply
        try:
            _write_frame(results, data)
        except OSError:  # the parent is gone
            break
        del data


# --------------------------------------------------------------------------------------------- parent side
PIPE_BYTES = 1 << 20  # Linux's default limit for an unprivileged process (/proc/sys/fs/pipe-max-size)


def _grow_pipe(stream: Any) -> None:
    """Give a worker's pipe room for whole pages (Linux: 64 KiB by default). A page of 200 KB otherwise
    crosses in four fills, and each full pipe puts the writer to sleep until the other side has read."""
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), PIPE_BYTES)
    except (ImportError, OSError, ValueError):
        pass  # not Linux, or over a lowered limit: the default size works, a little slower


def _command(preload: Iterable[str]) -> list[str]:
    import json
    import subprocess

    flags: list[str] = []
    try:  # -B, -X dev, -W...: the interpreter options this process runs with, as multiprocessing passes them
        flags = list(subprocess._args_from_interpreter_flags())  # type: ignore[attr-defined]
    except Exception:
        pass
    return [sys.executable, *flags, "-c", _BOOT, json.dumps(list(sys.path)), ",".join(preload)]


class _Worker:
    def __init__(self, proc: Any) -> None:  # a subprocess.Popen
        self.proc = proc
        self.inflight: deque[futures.Future] = deque()  # sent, in the order the worker answers them
        self.slots = threading.Semaphore(DEPTH)  # taken per task sent, given back per result
        self.dead = False
        self.ready = False  # the worker has imported what it needs and said so
        self.threads: list[threading.Thread] = []

    def mark_started(self) -> None:
        """Stamp the task the worker is on now (the first in flight) with the time it started on it, as
        ``future.started`` (time.monotonic()): the caller can tell a page that takes long from one waiting.
        Called by both threads after each change; the first stamp stays."""
        if self.ready:
            try:
                future = self.inflight[0]
            except IndexError:
                return
            if getattr(future, "started", None) is None:
                future.started = time.monotonic()  # type: ignore[attr-defined]

    @property
    def busy(self) -> bool:
        return bool(self.inflight)


class Workers:
    """``workers`` extraction processes behind a ProcessPoolExecutor-like ``submit``/``shutdown``.

    ``preload``: modules each worker imports as it starts (while the parent is still reading its first
    inputs), before the state they create is frozen out of the cycle collector's way; ``"module:function"``
    also calls that function of the module (a warm-up) before the worker says it is ready, so that one-time
    set-up is neither in the first task's time nor left to the cycle collector. ``env``: the workers'
    environment (default: this process's). Raises OSError when processes cannot be started here.
    """

    def __init__(self, workers: int, preload: Iterable[str] = (), env: dict[str, str] | None = None) -> None:
        import subprocess

        if not sys.executable:
            raise OSError("no Python executable to start workers with")
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._broken = False
        self._closed = False
        self._workers: list[_Worker] = []
        command = _command(preload)
        try:
            for _ in range(max(1, workers)):
                proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
                self._workers.append(_Worker(proc))
                _grow_pipe(proc.stdin)
                _grow_pipe(proc.stdout)
        except BaseException:
            for w in self._workers:
                self._kill(w)
            raise
        # Two threads a worker: one writes its tasks, one reads its results. One thread doing both would
        # deadlock with a task and a result both bigger than a pipe's buffer (64 KiB) crossing.
        for i, w in enumerate(self._workers):
            for target, role in ((self._feed, "feed"), (self._collect, "collect")):
                t = threading.Thread(target=target, args=(w,), name=f"newsgrab-worker-{i}-{role}", daemon=True)
                w.threads.append(t)
                t.start()

    @property
    def pids(self) -> list[int]:
        return [w.proc.pid for w in self._workers]

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> futures.Future:
        """Run ``fn(*args)`` in a worker (``fn`` a module-level function, ``args`` picklable)."""
        with self._lock:
            if self._broken:
                raise BrokenWorkers("an extraction process died")
            if self._closed:
                raise RuntimeError("cannot submit after shutdown")
            future: futures.Future = futures.Future()
            # Pickled by the worker's thread when its turn comes, not here: a queued page is then only the
            # caller's bytes, not a second copy of them.
            self._tasks.put((future, (fn, args)))
            return future

    def shutdown(self, wait: bool = False, *, cancel_futures: bool = True) -> None:
        """Stop: queued tasks are cancelled (or, without ``cancel_futures``, still run), idle workers end,
        busy ones are killed when ``cancel_futures``. With ``wait``, until every worker has exited."""
        with self._lock:
            if self._closed:
                already = True
            else:
                already, self._closed = False, True
        if not already:
            if cancel_futures:
                self._drain(cancel=True)
            for _ in self._workers:
                self._tasks.put(None)  # one "stop" per worker thread, after whatever is still queued
            if cancel_futures:
                for w in self._workers:
                    if w.busy:
                        self._kill(w)
        if wait:
            for w in self._workers:
                for t in w.threads:
                    if t is not threading.current_thread():
                        t.join()

    # -- internals ------------------------------------------------------------------------------------
    def _feed(self, w: _Worker) -> None:
        """Writer thread of one worker: keep up to :data:`DEPTH` tasks in its pipe."""
        try:
            while True:
                w.slots.acquire()
                if w.dead:
                    return
                item = self._tasks.get()
                if item is None:
                    return  # stop: closing stdin below ends the worker once it has answered the rest
                future, call = item
                del item
                if not future.set_running_or_notify_cancel():
                    w.slots.release()
                    continue
                try:
                    payload, buffers = _dumps_task(call)
                except Exception as e:
                    future.set_exception(e)
                    w.slots.release()
                    continue
                del call
                w.inflight.append(future)
                del future
                w.mark_started()
                try:
                    _write_frame(w.proc.stdin, payload, buffers)
                except (OSError, ValueError):
                    self._died(w)
                    return
                del payload, buffers
        finally:
            with contextlib.suppress(OSError, ValueError):
                w.proc.stdin.close()

    def _collect(self, w: _Worker) -> None:
        """Reader thread of one worker: results, in the order the tasks were sent."""
        try:
            while True:
                try:
                    frame = _read_frame(w.proc.stdout)
                except (OSError, EOFError, ValueError):
                    frame = None
                if frame is None:  # the worker exited: after its last task when stopped, else it died
                    if w.inflight or not self._closed:
                        self._died(w)
                    return
                if not w.ready and not frame[0]:
                    w.ready = True
                    w.mark_started()
                    continue
                future = w.inflight.popleft()
                w.mark_started()
                try:
                    kind, value = pickle.loads(frame[0], buffers=frame[1])
                except Exception as e:
                    kind, value = "raise", RuntimeError(f"unreadable result: {type(e).__name__}: {e}")
                del frame
                w.slots.release()
                if kind == "ok":
                    future.set_result(value)
                else:
                    future.set_exception(value)
                del value, future
        finally:
            self._reap(w)

    def _died(self, w: _Worker) -> None:
        """A worker is gone: its tasks fail, and so does every task still queued (the pool is broken)."""
        with self._lock:
            closed = self._closed
            self._broken = True
            w.dead = True
        exc = BrokenWorkers("an extraction process died")
        while w.inflight:  # (after a shutdown that killed it, nobody waits for these)
            future = w.inflight.popleft()
            if not future.done():
                future.set_exception(exc)
        w.slots.release()  # a writer waiting for room sees ``dead``
        if not closed:
            self._drain(exc=exc)

    def _drain(self, *, cancel: bool = False, exc: BaseException | None = None) -> None:
        """Empty the task queue: every queued future is cancelled or failed with ``exc``."""
        keep = 0
        while True:
            try:
                item = self._tasks.get_nowait()
            except queue.Empty:
                break
            if item is None:
                keep += 1
                continue
            future = item[0]
            if cancel:
                future.cancel()
            elif future.set_running_or_notify_cancel():
                future.set_exception(exc or BrokenWorkers("an extraction process died"))
        for _ in range(keep):  # the stop markers stay: other threads still need them
            self._tasks.put(None)

    @staticmethod
    def _kill(w: _Worker) -> None:
        try:
            w.proc.kill()
        except OSError:
            pass

    @staticmethod
    def _reap(w: _Worker) -> None:
        """The worker has closed its end or died: close ours, wait for it; kill it if it lingers."""
        import subprocess

        proc = w.proc
        with contextlib.suppress(OSError, ValueError):
            proc.stdout.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            Workers._kill(w)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
