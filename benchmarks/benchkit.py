"""Shared helpers of the batch benchmarks (batch.py, fetch_bench.py, memory.py): stdlib only.

- :func:`real_pages`: the pages of ``<repo>/../shared/data`` (every set), gunzipped, as bytes.
- :func:`write_corpus`: those pages written to a folder as ``.html`` files, replicated to N files.
- :func:`newsgrab_cmd` / :func:`bench_env`: run the installed CLI as a subprocess on a throwaway store.
- :class:`TreeSampler`: peak RSS of a process and all its descendants, sampled (psutil, else /proc).

The page content belongs to its publishers: it is read from ``shared/`` and written to a temporary folder,
never into the repo.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = REPO.parent / "shared" / "data"


def real_pages(data: Path | None = None, limit: int = 0) -> list[tuple[str, bytes]]:
    """``(name, raw bytes)`` of every page of every set under ``data``, in a fixed order."""
    data = Path(data or DATA)
    if not data.is_dir():
        sys.exit(f"no evaluation data at {data} (see shared/data/README.md)")
    out: list[tuple[str, bytes]] = []
    for s in sorted(p for p in data.iterdir() if (p / "manifest.jsonl").is_file()):
        with open(s / "manifest.jsonl", encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                rec = json.loads(line)
                raw = (s / rec["html"]).read_bytes()
                out.append((f"{s.name}-{rec['id']}", gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw))
                if limit and len(out) >= limit:
                    return out
    return out


_P = re.compile(rb"<p[\s>][^<]*(?:<(?!/?p[\s>])[^<]*)*</p>", re.I)
_HEAD = re.compile(rb"<head(?:\s[^>]*)?>", re.I)


class Corpus:
    """``n`` pages made from the real ones: page ``i`` is real page ``i % len(pages)``, copy ``i // len(pages)``.

    Copy 0 is the page as it is. Later copies (unless ``exact``) get a marker `` (copy K)`` before the ``</p>``
    of the page's longest paragraph and a canonical link of their own (``https://bench.invalid/copy-K/I``) first
    in ``<head>``, so most of them extract to a text and a URL of their own and a store saves them, as a real
    batch would (byte-identical copies would only be looked up as duplicates). ASCII inserted before ``<`` is
    safe in every ASCII-compatible charset: ``<`` is never a trail byte.
    """

    def __init__(self, pages: list[tuple[str, bytes]], n: int, exact: bool = False) -> None:
        self.pages, self.n, self.exact = pages, n, exact
        self.width = len(str(max(n - 1, 1)))
        self._spots: list[tuple[int | None, int | None]] = []
        for _, data in pages:
            head = _HEAD.search(data)
            best = None
            for m in _P.finditer(data):
                if best is None or m.end() - m.start() > best.end() - best.start():
                    best = m
            self._spots.append((head.end() if head else None, best.end() - 4 if best else None))

    def __len__(self) -> int:
        return self.n

    def name(self, i: int) -> str:
        base = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.pages[i % len(self.pages)][0])[:80]
        return f"{i:0{self.width}d}-{base}.html"

    def data(self, i: int) -> bytes:
        j, k = i % len(self.pages), i // len(self.pages)
        data = self.pages[j][1]
        if k == 0 or self.exact:
            return data
        head, para = self._spots[j]
        cuts = []
        if head is not None:
            cuts.append((head, f'<link rel="canonical" href="https://bench.invalid/copy-{k}/{i}">'.encode()))
        if para is not None:
            cuts.append((para, f" (copy {k})".encode()))
        out, pos = [], 0
        for at, text in sorted(cuts):
            out += [data[pos:at], text]
            pos = at
        out.append(data[pos:])
        return b"".join(out)


def write_corpus(folder: Path, corpus: Corpus) -> int:
    """Write the pages of ``corpus`` into ``folder`` (emptied first) as ``.html`` files; returns the bytes."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    total = 0
    for i in range(len(corpus)):
        data = corpus.data(i)
        (folder / corpus.name(i)).write_bytes(data)
        total += len(data)
    return total


def newsgrab_cmd() -> list[str]:
    """The CLI of this venv: ``<venv>/bin/newsgrab`` next to this interpreter, else ``python -m newsgrab``."""
    exe = Path(sys.executable).with_name("newsgrab")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "newsgrab"]


def bench_env(tmp: Path) -> dict[str, str]:
    """An environment whose default store is under ``tmp``, never the user's, and with ``src/`` first."""
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSGRAB_STORE",)}
    env["XDG_DATA_HOME"] = str(tmp / "xdg")
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def fresh_store(tmp: Path, tag: str) -> Path:
    path = tmp / f"store-{tag}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def count_statuses(jsonl: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in jsonl.splitlines():
        if line.strip():
            st = json.loads(line)["status"]
            counts[st] = counts.get(st, 0) + 1
    return counts


def cpu_info() -> str:
    return f"{os.cpu_count()} cores (affinity {len(os.sched_getaffinity(0))}), load avg {os.getloadavg()[0]:.2f}"


def fmt_ratio(values: list[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


# --------------------------------------------------------------------------------------------- memory
def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


try:
    import psutil  # type: ignore[import-not-found]
except ImportError:  # /proc does as well on Linux
    psutil = None


def _rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (psutil when installed, else /proc/PID/status VmRSS); 0 when gone."""
    if psutil is not None:
        try:
            return psutil.Process(pid).memory_info().rss
        except psutil.Error:
            return 0
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _pss_bytes(pid: int) -> int:
    """Proportional set size of ``pid`` (shared pages divided among the processes sharing them), from
    /proc/PID/smaps_rollup; 0 when unreadable. Summed over a tree it does not count twice what a forked
    worker shares with its parent, as summed RSS does."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` so far (seconds), from /proc/PID/stat; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    kids = _children_map()
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo.extend(kids.get(p, []))
    return seen


def tree_rss(pid: int) -> tuple[int, int]:
    """(RSS in bytes of ``pid`` and all its descendants, number of processes)."""
    pids = tree_pids(pid)
    return sum(_rss_bytes(p) for p in pids), len(pids)


class TreeSampler:
    """Sample a process tree every ``interval`` seconds in a thread: the peak of its total RSS, and the CPU
    time each process was last seen with (so ``cpu`` ~ the CPU seconds the whole tree used; a process that
    lived less than one interval may be missed)."""

    def __init__(self, pid: int, interval: float = 0.05, rss: bool = True, pss: bool = False) -> None:
        self.pid = pid
        self.pss = pss
        self.peak_pss = 0
        self.interval = interval
        self.want_rss = rss
        self.peak = 0
        self.peak_procs = 0
        self.samples = 0
        self.cpu_by_pid: dict[int, float] = {}
        self.rss_by_pid: dict[int, int] = {}  # peak RSS of each process
        self.totals: list[int] = []  # the summed RSS of every sample (for percentiles: peak vs typical)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def cpu(self) -> float:
        return sum(self.cpu_by_pid.values())

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = tree_pids(self.pid)
            for p in pids:
                c = _cpu_seconds(p)
                if c:
                    self.cpu_by_pid[p] = max(c, self.cpu_by_pid.get(p, 0.0))
            if self.want_rss:
                total = 0
                for p in pids:
                    r = _rss_bytes(p)
                    total += r
                    if r > self.rss_by_pid.get(p, 0):
                        self.rss_by_pid[p] = r
                self.totals.append(total)
                if total > self.peak:
                    self.peak, self.peak_procs = total, len(pids)
                if self.pss:
                    self.peak_pss = max(self.peak_pss, sum(_pss_bytes(p) for p in pids))
            self.samples += 1
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run_cli(
    args: list[str], env: dict[str, str], *, sample: bool = False, stdout=subprocess.PIPE, interval: float = 0.05,
    pss: bool = False,
) -> dict:
    """Run newsgrab; returns seconds, exit code, stdout text, stderr tail, and the peak tree RSS if asked."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(newsgrab_cmd() + args, stdout=stdout, stderr=subprocess.PIPE, env=env)
    sampler = TreeSampler(proc.pid, interval, rss=sample, pss=pss)
    out, err = proc.communicate()
    seconds = time.perf_counter() - t0
    sampler.stop()
    res = {
        "seconds": seconds,
        "code": proc.returncode,
        "stdout": out.decode("utf-8", "replace") if isinstance(out, bytes) else "",
        "stderr": err.decode("utf-8", "replace")[-2000:],
    }
    res["cpu"] = sampler.cpu
    if sample:
        others = [r for p, r in sampler.rss_by_pid.items() if p != proc.pid]
        totals = sorted(sampler.totals[len(sampler.totals) // 10 :])  # the first tenth is start-up
        res.update(peak_rss=sampler.peak, peak_procs=sampler.peak_procs, samples=sampler.samples,
                   parent_rss=sampler.rss_by_pid.get(proc.pid, 0), child_rss=max(others, default=0),
                   peak_pss=sampler.peak_pss,
                   rss_p50=totals[len(totals) // 2] if totals else 0,
                   rss_p90=totals[int(len(totals) * 0.9)] if totals else 0)
    return res
