"""newsgrab.workers: the extraction processes behind the pipeline (results, errors, a dying worker, shutdown,
what a worker imports), and the pipeline surviving a worker killed mid-batch."""

from __future__ import annotations

import operator
import os
import signal
import sys
import time
from concurrent import futures
from pathlib import Path

import pytest
from conftest import PAGES

from newsgrab.config import Settings
from newsgrab.pipeline import clean_paths
from newsgrab.store import Store
from newsgrab.workers import BrokenWorkers, Workers

MODULES = "sorted(__import__('sys').modules)"  # eval'd in a worker: what it has imported


def make_pages(folder: Path, n: int, *, empty=()) -> list[str]:
    """n distinct English pages (page i has no article when i is in ``empty``)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = (PAGES / "cli-en.html").read_text(encoding="utf-8")
    for i in range(n):
        html = (PAGES / "cli-empty.html").read_text(encoding="utf-8") if i in empty else (
            base.replace("Harbour council", f"Harbour council {i:03d}").replace("fish market", f"fish market {i}")
            .replace("/sea-wall", f"/sea-wall-{i}"))
        (folder / f"p{i:03d}.html").write_text(html, encoding="utf-8")
    return [str(folder / f"p{i:03d}.html") for i in range(n)]


@pytest.fixture
def pool():
    p = Workers(2, preload=["newsgrab.extraction"])
    yield p
    p.shutdown(wait=True)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # a pid reused by another user's process
        return True
    return False


def test_results_come_back_for_every_task(pool):
    fs = [pool.submit(pow, i, 2) for i in range(50)]
    assert [f.result(timeout=60) for f in fs] == [i * i for i in range(50)]


def test_big_tasks_and_big_results_cross_without_deadlock(pool):
    """Tasks are written ahead of results: a 3 MiB page going in while a 3 MiB result comes out must not wait
    on each other (each is bigger than a pipe's buffer, 1 MiB at most: see the next test)."""
    big = [bytes([65 + i]) * (3 << 20) for i in range(12)]
    fs = [pool.submit(bytes.lower, b) for b in big]
    assert [f.result(timeout=60) for f in fs] == [b.lower() for b in big]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pipe sizes are set on Linux only")
def test_worker_pipes_hold_whole_pages(pool):
    """A 64 KiB pipe (Linux's default) made every page of 200 KB cross in four fills, each putting a side to
    sleep; measured on a 2-worker clean, 1 MiB pipes halved the workers' context switches."""
    import fcntl

    from newsgrab.workers import PIPE_BYTES

    if int(Path("/proc/sys/fs/pipe-max-size").read_text()) < PIPE_BYTES:
        pytest.skip("this machine caps pipes below PIPE_BYTES: they keep their default size")
    getsize = getattr(fcntl, "F_GETPIPE_SZ", 1032)
    for w in pool._workers:
        for stream in (w.proc.stdin, w.proc.stdout):
            assert fcntl.fcntl(stream.fileno(), getsize) == PIPE_BYTES


def test_pages_cross_out_of_band_and_arrive_as_bytes(pool):
    """Big ``bytes`` arguments travel beside the task's pickle, not in it; they must arrive whole, in order, as
    ``bytes`` (what extraction expects), mixed with small and other arguments."""
    from newsgrab.workers import OUT_OF_BAND

    a, b = b"a" * OUT_OF_BAND, os.urandom(3 * OUT_OF_BAND + 5)
    assert pool.submit(operator.concat, a, b).result(timeout=60) == a + b
    assert pool.submit(operator.concat, b"x" * (OUT_OF_BAND - 1), b).result(timeout=60) == b"x" * (OUT_OF_BAND - 1) + b
    assert pool.submit(type, a).result(timeout=60) is bytes
    assert pool.submit(operator.concat, bytearray(a), bytearray(b"!")).result(timeout=60) == bytearray(a + b"!")
    assert pool.submit(len, b"").result(timeout=60) == 0


def test_an_exception_in_a_task_is_raised_by_its_future_only(pool):
    bad = pool.submit(int, "not a number")
    good = pool.submit(int, "42")
    with pytest.raises(ValueError):
        bad.result(timeout=60)
    assert good.result(timeout=60) == 42


def test_stray_output_in_a_worker_does_not_corrupt_results(pool):
    assert pool.submit(print, "hello from a worker").result(timeout=60) is None
    assert pool.submit(os.write, 1, b"raw bytes on fd 1\n").result(timeout=60) == 18
    assert pool.submit(pow, 3, 3).result(timeout=60) == 27


def test_workers_import_only_what_they_are_told():
    """The point of the pool: no CLI, typer or HTTP client in a worker, whatever the parent has imported."""
    import typer  # noqa: F401  (the CLI process has it)

    import newsgrab.cli  # noqa: F401
    import newsgrab.fetch  # noqa: F401

    p = Workers(1, preload=["newsgrab.extraction"])
    try:
        mods = p.submit(eval, MODULES).result(timeout=60)
    finally:
        p.shutdown(wait=True)
    assert "newsgrab.extraction" in mods
    for heavy in ("typer", "click", "rich", "httpx", "pydantic", "newsgrab.cli", "newsgrab.fetch", "multiprocessing"):
        assert heavy not in mods


def test_a_preload_entry_with_a_function_is_called_before_the_worker_is_ready():
    """``module:function`` in preload: a warm-up (the pipeline's extracts a page once), run before any task."""
    called, plain = Workers(1, preload=["gc:disable"]), Workers(1, preload=["gc"])
    try:
        assert called.submit(eval, "__import__('gc').isenabled()").result(timeout=60) is False
        assert plain.submit(eval, "__import__('gc').isenabled()").result(timeout=60) is True
    finally:
        called.shutdown(wait=True)
        plain.shutdown(wait=True)


def test_a_dying_worker_breaks_the_pool():
    p = Workers(1)
    try:
        assert p.submit(pow, 2, 5).result(timeout=60) == 32
        dies = p.submit(os._exit, 7)
        queued = p.submit(pow, 2, 6)
        with pytest.raises(BrokenWorkers):
            dies.result(timeout=60)
        with pytest.raises(futures.BrokenExecutor):  # what the pipeline catches
            queued.result(timeout=60)
        with pytest.raises(BrokenWorkers):
            p.submit(pow, 2, 7)
    finally:
        p.shutdown(wait=True)


def test_shutdown_ends_idle_and_busy_workers():
    p = Workers(2)
    pids = p.pids
    assert len(pids) == 2 and os.getpid() not in pids
    assert p.submit(pow, 2, 2).result(timeout=60) == 4
    busy = p.submit(time.sleep, 120)
    while not busy.running():
        time.sleep(0.01)
    p.shutdown(wait=True)  # kills the sleeping one rather than waiting two minutes
    assert all(_gone(pid) for pid in pids)
    with pytest.raises(RuntimeError):
        p.submit(pow, 2, 2)


def test_end_of_input_ends_a_worker():
    """A worker whose parent is gone (its stdin closed) exits by itself."""
    p = Workers(1)
    [pid] = p.pids
    p.shutdown(wait=True, cancel_futures=False)
    assert _gone(pid)


def _worker_children() -> list[int]:
    me = str(os.getpid())
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_bytes()
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat[stat.rfind(b")") + 2 :].split()[1] == me.encode() and b"newsgrab.workers" in cmd:
            out.append(int(entry.name))
    return out


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the worker processes in /proc")
def test_pipeline_is_this_process_plus_one_worker_per_slot_and_survives_a_kill(tmp_path):
    n = 300
    paths = make_pages(tmp_path / "p", n, empty={11})
    with Store.open(tmp_path / "s.db") as store:
        outcomes = clean_paths([str(tmp_path / "p")], Settings(workers=2), store)
        outs = [next(outcomes)]  # the first batch is committed: the pool is at work on the pages after it
        workers = _worker_children()
        # no fork server, no resource tracker: the pool is the workers
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGKILL)
        later: set[int] = set()
        for o in outcomes:
            outs.append(o)
            if len(outs) % 20 == 0:
                later.update(_worker_children())
        assert [o.input for o in outs] == paths
        assert [o.status for o in outs] == ["no-content" if i == 11 else "saved" for i in range(n)]
        assert store.count() == n - 1
    assert later - set(workers)  # the broken pool was replaced by a new one
    # and once the batch is over, no worker is left behind (they exit when their stdin closes)
    for _ in range(600):
        if not _worker_children():
            break
        time.sleep(0.05)
    assert _worker_children() == []


class _FakePool:
    """A pool run in this process: the first one dies after ``dies_at`` tasks, seen first by a submit, with
    tasks of its own still unfinished (they fail too). Every later pool works."""

    made: list[_FakePool] = []

    def __init__(self, dies_at: int | None) -> None:
        self.dies_at = dies_at
        self.broken = False
        self.held: list[tuple[futures.Future, tuple]] = []  # unfinished tasks (the first pool keeps some)
        self.ran = 0
        _FakePool.made.append(self)

    def submit(self, fn, *args):
        if self.broken:
            raise futures.BrokenExecutor("dead")
        if self.dies_at is not None and self.ran + len(self.held) >= self.dies_at:
            self.broken = True
            for f, _ in self.held:
                f.set_exception(futures.BrokenExecutor("dead"))
            raise futures.BrokenExecutor("dead")
        f: futures.Future = futures.Future()
        if self.dies_at is not None and self.ran >= self.dies_at // 2:
            self.held.append((f, args))  # never finished: the worker is stuck, then dies
        else:
            f.set_result(fn(*args))
            self.ran += 1
        return f

    def shutdown(self, wait=False, *, cancel_futures=True):
        pass


def test_a_break_seen_at_submit_does_not_blame_the_next_pool(tmp_path, monkeypatch):
    """Futures of a dead pool still in the window go to its successor; the successor is not taken for broken
    (and extraction does not fall back to this process) when they fail."""
    import newsgrab.extractstage as extractstage

    _FakePool.made = []
    monkeypatch.setattr(extractstage, "_new_pool", lambda workers: _FakePool(20 if not _FakePool.made else None))
    paths = make_pages(tmp_path / "p", 40)
    outs = list(clean_paths([str(tmp_path / "p")], Settings(workers=2), None))
    assert [o.input for o in outs] == paths
    assert [o.status for o in outs] == ["printed"] * 40
    assert len(_FakePool.made) == 2  # one replacement, no third pool
    first, second = _FakePool.made
    assert first.ran + second.ran == 40  # every page extracted by a pool, none in this process


# ------------------------------------------------------------------------------------ time per page
def _slow_page(path: Path) -> str:
    """A page that is slow to extract for real, within every limit of extraction/guard.py and the size cap:
    48,000 paragraphs (the tag cap is 50,000) and 8 MB. ~0.36 s here (a 2 MB page of 12,000 paragraphs took
    0.5 s before the extractor's C parts, 0.22 s after: too close to the 0.1 s limit of the test below);
    every other page of these tests takes a few milliseconds."""
    para = "Words of a long paragraph that goes on and on about the council and its budget. " * 2
    body = "".join(f"<p>{i} {para}</p>" for i in range(48000))
    path.write_text(f"<html><head><title>Slow</title></head><body>{body}</body></html>", encoding="utf-8")
    return str(path)


def test_a_task_is_stamped_when_its_worker_starts_on_it():
    p = Workers(1)
    try:
        # Once the worker is ready, a task is stamped before it is written to the pipe, so never after the worker
        # starts on it. (Sent before then, it is stamped when the parent reads "ready", which under load can
        # come a little after the worker has started on it.)
        p.submit(time.sleep, 0).result(timeout=30)
        first = p.submit(time.sleep, 0.4)
        second = p.submit(time.sleep, 0)
        second.result(timeout=30)
        # The second waited in the worker's pipe behind the first: its clock starts after the first's sleep.
        assert second.started - first.started >= 0.4
        assert first.started <= second.started
    finally:
        p.shutdown(wait=True)


def test_a_page_over_the_time_limit_fails_and_the_batch_goes_on(tmp_path):
    paths = make_pages(tmp_path / "p", 12)
    slow = _slow_page(tmp_path / "p" / "p005x-slow.html")
    paths.insert(6, slow)  # folder order: p005.html, p005x-slow.html, p006.html...
    with Store.open(tmp_path / "s.db") as store:
        outs = list(clean_paths([str(tmp_path / "p")], Settings(workers=2, page_timeout=0.1), store))
        assert [o.input for o in outs] == paths
        bad = outs[6]
        assert bad.status == "failed" and bad.error == "extraction took over 0.1 s: page given up"
        assert [o.status for o in outs if o is not bad] == ["saved"] * 12  # pages after it were sent again
        assert store.count() == 12


def test_without_a_time_limit_the_slow_page_is_extracted(tmp_path):
    paths = make_pages(tmp_path / "p", 5)
    _slow_page(tmp_path / "p" / "p002x-slow.html")
    with Store.open(tmp_path / "s.db") as store:
        outs = list(clean_paths([str(tmp_path / "p")], Settings(workers=2, page_timeout=0), store))
        assert [o.status for o in outs] == ["saved"] * 6
        assert len(paths) + 1 == store.count()
