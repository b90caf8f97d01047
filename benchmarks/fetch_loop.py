"""CPU and throughput of fetch's download loop alone: ``fetch_pages`` over the bench server, no extraction.

    python benchmarks/fetch_loop.py                      # 2,000 pages, sent as they are, 2 rounds
    python benchmarks/fetch_loop.py --encoding gzip --pages 3000 --rounds 3

The pages and the server are fetch_bench.py's (8 loopback hosts, 20-100 ms per answer). The loop runs in
its own thread of this process (as in ``newsgrab fetch``); its CPU is that thread's CPU time, per page.
Pages/s here is what downloads alone can deliver, the ceiling for a whole fetch. Never asserts.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
import benchkit as bk  # noqa: E402
import fetch_bench as fb  # noqa: E402

from newsgrab import fetch  # noqa: E402
from newsgrab.config import Settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000, help="pages (default 2000)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds (default 2)")
    ap.add_argument("--encoding", choices=["identity", "gzip"], default="identity", help="as fetch_bench.py")
    args = ap.parse_args(argv)

    loop_cpu: list[float] = []
    original = fetch._Runner._run

    def timed_run(self: fetch._Runner) -> None:  # the loop thread's own CPU time
        start = time.thread_time()
        try:
            original(self)
        finally:
            loop_cpu.append(time.thread_time() - start)

    fetch._Runner._run = timed_run  # type: ignore[method-assign]
    server = fb.PageServer(bk.real_pages(), args.pages, encoding=args.encoding)
    try:
        urls = [server.url(i) for i in range(args.pages)]
        settings = Settings(ignore_robots=True)
        print(f"fetch_pages alone: {args.pages} pages sent {args.encoding}, 8 hosts, 20-100 ms; {bk.cpu_info()}")
        rates, per_page = [], []
        for r in range(args.rounds):
            start = time.perf_counter()
            ok = sum(res.page is not None for res in fetch.fetch_pages(urls, settings))
            wall = time.perf_counter() - start
            time.sleep(0.2)  # the loop thread ends after the last result
            rates.append(args.pages / wall)
            per_page.append(loop_cpu[-1] / args.pages * 1000)
            print(f"round {r + 1}: {ok}/{args.pages} pages, {rates[-1]:.0f} pages/s, "
                  f"download loop {per_page[-1]:.3f} ms CPU a page")
        print(f"median: {statistics.median(rates):.0f} pages/s, {statistics.median(per_page):.3f} ms CPU a page")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
