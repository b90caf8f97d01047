"""Peak memory of ``newsgrab clean`` and ``newsgrab fetch`` batches of 1,000 and 10,000 pages.

    python benchmarks/memory.py                          # clean and fetch, 1k and 10k pages
    python benchmarks/memory.py --sizes 1000,5000 --only clean
    python benchmarks/memory.py --workers 2 --interval 0.02

The RSS of the whole newsgrab process tree (the CLI process and every process below it: the extraction workers,
and whatever else a version of newsgrab starts, e.g. a fork server) is summed and sampled every ``--interval``
seconds (psutil when installed, else /proc/PID/status); the peak is reported, with the number of processes at
that moment, and the peaks of the CLI process ("parent") and of the biggest child, and the peak of the summed
PSS (``/proc/PID/smaps_rollup``: pages shared by several processes -- the interpreter, libpython, the C
libraries, and with a fork server whatever it preloaded -- are divided among them instead of counted in each,
so the PSS sum is the memory the batch really takes; summed RSS counts the shared pages once per process). Pages are the real pages
of ``<repo>/../shared/data``, replicated and marked as in ``batch.py`` (``benchkit.Corpus``): ``clean`` reads
them from a temporary folder, ``fetch`` downloads them from the local server of ``fetch_bench.py`` (127.0.0.1-8,
20-100 ms per answer, ``--ignore-robots``). Every run uses a fresh store. ``p50``/``p90``: the median and 90th
percentile of the summed RSS over the samples (the first tenth, start-up, left out): the peak is the top of
short spikes (a worker parsing one of the 1-2 MB pages), the median what the batch holds most of the time.
The goal: at most 200 MB, and flat from 1k to 10k pages. Never asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit as bk  # noqa: E402
import fetch_bench as fb  # noqa: E402


def mb(n: float) -> str:
    return f"{n / 1e6:.0f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="batch sizes (default 1000,10000)")
    ap.add_argument("--only", choices=["clean", "fetch"], help="only this command")
    ap.add_argument("--workers", type=int, default=0, help="--workers (default 0: one per CPU)")
    ap.add_argument("--interval", type=float, default=0.05, help="sampling interval in seconds (default 0.05)")
    args = ap.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    commands = [args.only] if args.only else ["clean", "fetch"]

    pages = bk.real_pages()
    biggest = max(sizes)
    server = fb.PageServer(pages, biggest) if "fetch" in commands else None
    results: dict[tuple[str, int], dict] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="newsgrab-memory-") as tmpname:
            tmp = Path(tmpname)
            print(f"memory: batches of {', '.join(map(str, sizes))} pages ({len(pages)} distinct); "
                  f"--workers {args.workers}; RSS of the process tree sampled every {args.interval:g} s")
            print(f"machine: {bk.cpu_info()}; python {sys.version.split()[0]}")
            print(f"\n{'command':<7} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'peak RSS':>9} {'p50':>7} {'p90':>7} "
                  f"{'procs':>6} {'parent':>7} {'child':>7} {'PSS':>7} {'samples':>8}  statuses")
            for n in sizes:
                folder = tmp / "pages"
                if "clean" in commands:
                    bk.write_corpus(folder, bk.Corpus(pages, n))
                for what in commands:
                    extra = ["--workers", str(args.workers)]
                    if what == "clean":
                        res = _run(["clean", *extra, str(folder)], tmp, args.interval)
                    else:
                        urls = tmp / "urls.txt"
                        with open(urls, "w", encoding="ascii") as f:
                            f.writelines(server.url(i) + "\n" for i in range(n))
                        res = _run(["fetch", *extra, "--ignore-robots", "--from", str(urls)], tmp, args.interval)
                    results[(what, n)] = res
                    statuses = " ".join(f"{k}={v}" for k, v in sorted(res["counts"].items()))
                    if res["code"] not in (0, 1):
                        statuses += f"  exit {res['code']}: {res['stderr'][-300:]}"
                    print(f"{what:<7} {n:>6} {res['seconds']:>8.1f} {res['pages'] / res['seconds']:>8.1f} "
                          f"{mb(res['peak_rss']):>9} {mb(res['rss_p50']):>7} {mb(res['rss_p90']):>7} "
                          f"{res['peak_procs']:>6} {mb(res['parent_rss']):>7} "
                          f"{mb(res['child_rss']):>7} {mb(res['peak_pss']):>7} {res['samples']:>8}  {statuses}",
                          flush=True)
                if folder.exists():
                    import shutil

                    shutil.rmtree(folder)
            print()
            lo, hi = min(sizes), max(sizes)
            for what in commands:
                a, b = results.get((what, lo)), results.get((what, hi))
                if a and b and lo != hi:
                    print(f"{what}: peak {mb(a['peak_rss'])} at {lo} pages, {mb(b['peak_rss'])} at {hi} pages "
                          f"({b['peak_rss'] / a['peak_rss']:.2f}x for {hi / lo:g}x the pages); peak PSS "
                          f"{mb(a['peak_pss'])} -> {mb(b['peak_pss'])}; median RSS {mb(a['rss_p50'])} -> "
                          f"{mb(b['rss_p50'])} ({b['rss_p50'] / max(1, a['rss_p50']):.2f}x)")
    finally:
        if server is not None:
            server.stop()
    return 0


def _run(args: list[str], tmp: Path, interval: float) -> dict:
    store = bk.fresh_store(tmp, "mem")
    res = bk.run_cli([*args, "--format", "jsonl", "-q", "--store", str(store)], bk.bench_env(tmp), sample=True,
                     interval=interval, pss=True)
    res["counts"] = bk.count_statuses(res["stdout"])
    res["pages"] = sum(res["counts"].values())
    bk.fresh_store(tmp, "mem")
    return res


if __name__ == "__main__":
    sys.exit(main())
