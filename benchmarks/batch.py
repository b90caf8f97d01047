"""Batch throughput of ``newsgrab clean FOLDER`` with 1 and 2 worker processes, and trafilatura alongside.

    python benchmarks/batch.py                        # 2,000 files, 3 rounds
    python benchmarks/batch.py --files 4000 --rounds 5 --workers 1,2
    python benchmarks/batch.py --exact-copies         # replicas byte-identical (the store sees duplicates)

The pages of ``<repo>/../shared/data`` (every set, gunzipped) are written as ``.html`` files to a temporary
folder and replicated up to ``--files``. Each replica after the first copy of a page gets a marker
(`` (copy N)``) inserted before the ``</p>`` of its longest paragraph and a canonical link of its own first in
``<head>``, so most replicas extract to a text and a URL of their own and the store saves them (a real batch
saves; byte-identical copies would only be looked up as duplicates). ASCII before ``<`` is safe in every ASCII-compatible charset (``<`` is never a trail byte).

Each round runs, in a rotating order so that machine noise hits every contender alike:

- ``newsgrab clean --workers N --format jsonl -q FOLDER --store <fresh store>`` (a subprocess, timed from
  start to exit, so start-up, the process pool and the store commits are all counted), for each N;
- with ``--ceiling`` (on by default), ``2x w1``: two ``clean --workers 1`` processes at once, each on every
  other file and into a store of its own, timed until both have exited. Nothing is shared and nothing
  coordinates them, so ``2x w1 / w1`` is the most any two-way split of this work can gain on this machine
  (two busy cores are each slower than one busy core with an idle neighbour); ``w2 / 2x w1`` says how
  much of that ceiling the process pool reaches;
- trafilatura, single process: a subprocess that reads the same files and runs ``trafilatura.extract(bytes)``
  on each (its defaults; no store), over the first ``--trafilatura-files`` files (default: as many as there are
  distinct pages, so each page once).

Prints pages/s per contender per round, the CPU seconds the newsgrab process tree used (parent, fork
server and workers, sampled from /proc every 50 ms) and how many cores that kept busy on average (cpu / wall), the 1 -> 2 worker scaling per round (a ratio within the round) and the
ratio of newsgrab to trafilatura. Never asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit as bk  # noqa: E402

TRAFI_SCRIPT = r"""
import logging, os, sys, time
for name in ("trafilatura", "htmldate", "courlan", "charset_normalizer"):
    logging.getLogger(name).setLevel(logging.CRITICAL)
import trafilatura
folder, n = sys.argv[1], int(sys.argv[2])
names = sorted(os.listdir(folder))[:n]
t0, c0 = time.perf_counter(), time.process_time()
ok = 0
for name in names:
    with open(os.path.join(folder, name), "rb") as f:
        data = f.read()
    try:
        ok += trafilatura.extract(data) is not None
    except Exception:
        pass
print(len(names), ok, time.perf_counter() - t0, time.process_time() - c0)
"""


def build(folder: Path, files: int, exact: bool) -> tuple[int, int, int]:
    pages = bk.real_pages()
    total = bk.write_corpus(folder, bk.Corpus(pages, files, exact))
    return files, total, len(pages)


def run_clean(folder: Path, tmp: Path, workers: int, tag: str) -> dict:
    store = bk.fresh_store(tmp, tag)
    res = bk.run_cli(
        ["clean", "--workers", str(workers), "--format", "jsonl", "-q", "--store", str(store), str(folder)],
        bk.bench_env(tmp),
    )
    res["counts"] = bk.count_statuses(res["stdout"])
    res["pages"] = sum(res["counts"].values())
    bk.fresh_store(tmp, tag)  # removes the store and its log
    return res


def run_split(folder: Path, tmp: Path, tag: str) -> dict:
    """Two ``clean --workers 1`` at once, on the even and the odd files, each with its own store. Their output
    goes to files: a pipe read only after the other process ended would stall the second one."""
    names = sorted(str(p) for p in folder.iterdir())
    stores = [bk.fresh_store(tmp, f"{tag}-{half}") for half in (0, 1)]
    outputs = [tmp / f"{tag}-{half}.out" for half in (0, 1)]
    errors = [tmp / f"{tag}-{half}.err" for half in (0, 1)]
    env = bk.bench_env(tmp)
    procs, samplers = [], []
    t0 = time.perf_counter()
    for half in (0, 1):
        with open(outputs[half], "wb") as out, open(errors[half], "wb") as err:
            args = ["clean", "--workers", "1", "--format", "jsonl", "-q", "--store", str(stores[half]), *names[half::2]]
            procs.append(subprocess.Popen(bk.newsgrab_cmd() + args, stdout=out, stderr=err, env=env))
        samplers.append(bk.TreeSampler(procs[-1].pid, rss=False))
    for p in procs:
        p.wait()
    seconds = time.perf_counter() - t0
    counts: Counter[str] = Counter()
    for sampler, output in zip(samplers, outputs):
        sampler.stop()
        counts.update(bk.count_statuses(output.read_text("utf-8", "replace")))
    stderr = errors[-1].read_text("utf-8", "replace")
    for half in (0, 1):
        bk.fresh_store(tmp, f"{tag}-{half}")  # removes the store and its log
        outputs[half].unlink()
        errors[half].unlink()
    return {"seconds": seconds, "cpu": sum(s.cpu for s in samplers), "counts": dict(counts),
            "pages": sum(counts.values()), "code": max(p.returncode for p in procs), "stderr": stderr[-2000:]}


def run_trafilatura(folder: Path, n: int) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", TRAFI_SCRIPT, str(folder), str(n)], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        return {"error": proc.stderr[-500:]}
    pages, ok, seconds, cpu = proc.stdout.split()
    return {"pages": int(pages), "ok": int(ok), "seconds": float(seconds), "cpu": float(cpu), "wall": wall}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2000, help="files in the batch (default 2000)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--workers", default="1,2", help="comma-separated --workers values (default 1,2)")
    ap.add_argument("--trafilatura-files", type=int, default=-1,
                    help="files trafilatura extracts per round (default: one per distinct page; 0 skips it)")
    ap.add_argument("--exact-copies", action="store_true", help="replicas byte-identical to the originals")
    ap.add_argument("--no-ceiling", dest="ceiling", action="store_false",
                    help="skip the 2x w1 contender (two single-process cleans on halves of the files at once)")
    ap.add_argument("--folder", help="write the corpus here (default: a temporary folder, removed after)")
    args = ap.parse_args(argv)
    workers = [int(w) for w in args.workers.split(",") if w.strip()]

    with tempfile.TemporaryDirectory(prefix="newsgrab-batch-") as tmpname:
        tmp = Path(tmpname)
        folder = Path(args.folder) if args.folder else tmp / "pages"
        files, nbytes, distinct = build(folder, args.files, args.exact_copies)
        trafi_n = distinct if args.trafilatura_files < 0 else min(args.trafilatura_files, files)
        try:
            import trafilatura  # noqa: F401
        except ImportError:
            print("trafilatura not installed (pip install -e '.[bench]'): skipped")
            trafi_n = 0
        print(f"batch: {files} files, {nbytes / 1e6:.0f} MB ({distinct} distinct pages"
              f"{', byte-identical copies' if args.exact_copies else ', copies marked'}) in {folder}")
        print(f"machine: {bk.cpu_info()}; python {sys.version.split()[0]}; cmd: {' '.join(bk.newsgrab_cmd())}")
        contenders = [f"w{w}" for w in workers] + (["2x w1"] if args.ceiling else []) + (["trafilatura"] if trafi_n else [])
        rates: dict[str, list[float]] = {c: [] for c in contenders}
        cpu_per_page: dict[str, list[float]] = {c: [] for c in contenders}
        scaling: list[float] = []
        ceiling: list[float] = []  # 2x w1 / w1
        reached: list[float] = []  # w2 / 2x w1
        vs_trafi: dict[str, list[float]] = {f"w{w}": [] for w in workers}
        print(f"\n{'round':<6} {'contender':<12} {'seconds':>8} {'pages/s':>8} {'cpu s':>7} {'cores':>6}  statuses")
        for r in range(args.rounds):
            order = contenders[r % len(contenders):] + contenders[: r % len(contenders)]
            got: dict[str, float] = {}
            for c in order:
                if c == "trafilatura":
                    res = run_trafilatura(folder, trafi_n)
                    if "error" in res:
                        print(f"{r + 1:<6} {c:<12} failed: {res['error']}")
                        continue
                    rate = res["pages"] / res["seconds"]
                    note = f"{res['ok']}/{res['pages']} extracted (extraction loop only; wall {res['wall']:.1f} s)"
                else:
                    res = run_split(folder, tmp, f"{r}-split") if c == "2x w1" else run_clean(folder, tmp, int(c[1:]), f"{r}-{c}")
                    rate = res["pages"] / res["seconds"]
                    note = json.dumps(res["counts"], sort_keys=True)
                    if res["code"] not in (0, 1) or res["pages"] != files:
                        note += f" exit {res['code']}: {res['stderr'][-300:]}"
                got[c] = rate
                rates[c].append(rate)
                cpu_per_page[c].append(res["cpu"] / res["pages"])
                cores = res["cpu"] / res["seconds"]
                print(f"{r + 1:<6} {c:<12} {res['seconds']:>8.2f} {rate:>8.1f} {res['cpu']:>7.1f} {cores:>6.2f}  {note}",
                      flush=True)
            if "w1" in got and "w2" in got:
                scaling.append(got["w2"] / got["w1"])
            if "w1" in got and "2x w1" in got:
                ceiling.append(got["2x w1"] / got["w1"])
            if "w2" in got and "2x w1" in got:
                reached.append(got["w2"] / got["2x w1"])
            for w in workers:
                if f"w{w}" in got and "trafilatura" in got:
                    vs_trafi[f"w{w}"].append(got[f"w{w}"] / got["trafilatura"])

        print(f"\n{'contender':<12} {'median pages/s':>15} {'all rounds':>30} {'CPU ms/page':>12}")
        for c in contenders:
            if rates[c]:
                print(f"{c:<12} {statistics.median(rates[c]):>15.1f} {' '.join(f'{x:.1f}' for x in rates[c]):>30} "
                      f"{statistics.median(cpu_per_page[c]) * 1000:>12.1f}")
        print()
        if scaling:
            print(f"scaling workers 1 -> 2 (w2/w1 within each round): {bk.fmt_ratio(scaling)}")
        if ceiling:
            print(f"machine ceiling for two-way splits (2x w1 / w1 within each round): {bk.fmt_ratio(ceiling)}")
        if reached:
            print(f"share of that ceiling the pool reaches (w2 / 2x w1 within each round): {bk.fmt_ratio(reached)}")
        if cpu_per_page.get("w1") and cpu_per_page.get("w2"):
            extra = statistics.median(cpu_per_page["w2"]) / statistics.median(cpu_per_page["w1"])
            print(f"CPU per page w2 / w1: {extra:.2f} (the work the pool adds: 1.10 = 10% more; with two idle "
                  f"cores the scaling could reach 2 / max(1, this))")
        for k, v in vs_trafi.items():
            if v:
                print(f"newsgrab clean {k} (extract + store) / trafilatura single process (extract only), "
                      f"pages/s: {bk.fmt_ratio(v)}")
        if cpu_per_page.get("trafilatura") and cpu_per_page.get("w1"):
            print(f"trafilatura CPU per page / newsgrab w1 CPU per page: "
                  f"{statistics.median(cpu_per_page['trafilatura']) / statistics.median(cpu_per_page['w1']):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
