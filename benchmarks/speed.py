"""Extraction throughput: newsgrab vs trafilatura vs a bare HTML parse, on all pages, in one process.

    PYTHONPATH=src python benchmarks/speed.py                   # every page of <repo>/../shared/data, once
    PYTHONPATH=src python benchmarks/speed.py --repeat 3 --limit 200

For each page, one after the other (the order rotates page by page, so machine noise hits all alike):

- ``newsgrab.extract(raw_bytes, url=...)``
- ``trafilatura.extract(raw_bytes)`` (its defaults)
- decode: ``newsgrab.encoding.decode(raw_bytes)`` (stdlib fallback when newsgrab has no encoding module),
  timed separately, then ``selectolax.lexbor.LexborHTMLParser(text)`` on that already-decoded text: the floor
  any selectolax-based extractor stands on.

Each tool is called once, untimed, before the run: one-time set-up (lazy imports, compiled patterns, the C
parts' self-checks) is not throughput. With ``--repeat N`` each page is timed N times per tool and the minimum is kept. Failures (NoContentError or
any exception) are timed like successes and counted. Prints totals, medians and ratios; never asserts.
"""

from __future__ import annotations

import argparse
import logging
import platform
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
if str(REPO / "src") not in sys.path:
    sys.path.append(str(REPO / "src"))

import evalkit as ek  # noqa: E402

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)


def _fallback_decode(data: bytes) -> str:
    """Stand-in for newsgrab.encoding.decode: BOM/UTF-8, else <meta charset> (GB -> gb18030), replace."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    m = _META_CHARSET.search(data[:4096])
    label = m.group(1).decode("ascii", "replace").lower() if m else "cp1252"
    if label in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
        label = "gb18030"
    try:
        return data.decode(label, "replace")
    except LookupError:
        return data.decode("cp1252", "replace")


def _timed(fn: Callable[[], object], repeat: int) -> tuple[float, bool, object]:
    best, ok, result = float("inf"), True, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        try:
            result = fn()
            ok = True
        except Exception:  # noqa: BLE001 - NoContentError and crashes are timed all the same
            ok = False
            result = None
        best = min(best, time.perf_counter() - t0)
    return best, ok, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="folder of the sets (default <repo>/../shared/data)")
    ap.add_argument("--sets", help="comma-separated set names (default all)")
    ap.add_argument("--repeat", type=int, default=1, help="time each page N times per tool, keep the minimum")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (over all sets)")
    ap.add_argument("--no-trafilatura", action="store_true", help="skip trafilatura")
    args = ap.parse_args(argv)
    repeat = max(1, args.repeat)

    data_dir = Path(args.data) if args.data else ek.default_data_dir()
    wanted = {s.strip() for s in args.sets.split(",")} if args.sets else None
    cases = [c for p in ek.discover_sets(data_dir) if wanted is None or p.name in wanted for c in ek.load_set(p)]
    if args.limit:
        cases = cases[: args.limit]
    if not cases:
        print(f"speed: no pages found in {data_dir}", file=sys.stderr)
        return 0
    for c in cases:  # read and gunzip before timing anything
        c.data  # noqa: B018

    import selectolax
    from selectolax.lexbor import LexborHTMLParser

    tools: dict[str, Callable[[ek.Case], Callable[[], object]]] = {}
    try:
        import newsgrab

        ng_extract = newsgrab.extract
        tools["newsgrab"] = lambda c: (lambda: ng_extract(c.data, url=c.url))
    except Exception as e:  # noqa: BLE001
        print(f"speed: newsgrab not available ({type(e).__name__}: {e})", file=sys.stderr)
    try:
        from newsgrab.encoding import decode as ng_decode

        decode: Callable[[bytes], str] = lambda b: ng_decode(b)[0]  # noqa: E731
        decode_name = "newsgrab.encoding.decode"
    except Exception:  # noqa: BLE001
        decode, decode_name = _fallback_decode, "stdlib fallback decode"
    if not args.no_trafilatura:
        try:
            import trafilatura

            for name in ("trafilatura", "htmldate", "courlan"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
            tools["trafilatura"] = lambda c: (lambda: trafilatura.extract(c.data))
        except Exception as e:  # noqa: BLE001
            print(f"speed: trafilatura not available ({type(e).__name__}: {e})", file=sys.stderr)

    # One untimed call of each tool first: one-time set-up (lazy imports, compiled patterns, the C parts'
    # self-checks; newsgrab ~45 ms, trafilatura its own) is not throughput.
    for name in tools:
        _timed(tools[name](cases[0]), 1)
    LexborHTMLParser(decode(cases[0].data))

    names = list(tools) + ["decode", "parse"]
    times: dict[str, list[float]] = {n: [] for n in names}
    fails: dict[str, int] = {n: 0 for n in names}
    t_all = time.perf_counter()
    for i, case in enumerate(cases):
        order = list(tools)
        k = i % len(order) if order else 0
        order = order[k:] + order[:k]
        order.insert(i % (len(order) + 1), "bare")
        for name in order:
            if name == "bare":
                dt, ok, text = _timed(lambda: decode(case.data), repeat)
                times["decode"].append(dt)
                if not ok or text is None:
                    fails["decode"] += 1
                    text = case.data.decode("utf-8", "replace")
                dt, ok, _ = _timed(lambda: LexborHTMLParser(text), repeat)
                times["parse"].append(dt)
                fails["parse"] += not ok
            else:
                dt, ok, _ = _timed(tools[name](case), repeat)
                times[name].append(dt)
                fails[name] += not ok
        if sys.stderr.isatty() and i % 20 == 0:
            print(f"\r{i + 1}/{len(cases)}", end="", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t_all
    if sys.stderr.isatty():
        print("\r", end="", file=sys.stderr)

    mb = sum(len(c.data) for c in cases) / 1e6
    print(f"pages: {len(cases)} ({mb:.1f} MB) from {data_dir}; repeat={repeat} (min kept); wall {wall:.1f} s")
    print(f"python {platform.python_version()}, selectolax {getattr(selectolax, '__version__', '?')}, "
          f"decode = {decode_name}")
    print(f"\n{'':<14} {'total s':>8} {'pages/s':>8} {'MB/s':>7} {'median ms':>10} {'p90 ms':>8} {'failed':>7}")
    for n in names:
        ts = times[n]
        if not ts:
            continue
        tot = sum(ts)
        p90 = statistics.quantiles(ts, n=10)[-1] if len(ts) >= 10 else max(ts)
        print(f"{n:<14} {tot:>8.2f} {len(ts) / tot if tot else 0:>8.1f} {mb / tot if tot else 0:>7.2f} "
              f"{statistics.median(ts) * 1000:>10.2f} {p90 * 1000:>8.2f} {fails[n]:>7}")
    bare = [d + p for d, p in zip(times["decode"], times["parse"])]
    print(f"{'decode+parse':<14} {sum(bare):>8.2f}")

    def ratio(a: list[float], b: list[float]) -> tuple[float, float]:
        total = sum(a) / sum(b) if sum(b) else float("nan")
        per_page = statistics.median(x / y for x, y in zip(a, b) if y > 0)
        return total, per_page

    print(f"\n{'ratio':<34} {'total':>7} {'median per page':>16}")
    rows = []
    if "newsgrab" in times and "trafilatura" in times and times["newsgrab"] and times["trafilatura"]:
        rows.append(("trafilatura / newsgrab", times["trafilatura"], times["newsgrab"]))
    if times.get("newsgrab"):
        rows.append(("newsgrab / bare parse", times["newsgrab"], times["parse"]))
        rows.append(("newsgrab / (decode + bare parse)", times["newsgrab"], bare))
    if times.get("trafilatura"):
        rows.append(("trafilatura / bare parse", times["trafilatura"], times["parse"]))
    for label, a, b in rows:
        t, m = ratio(a, b)
        print(f"{label:<34} {t:>7.2f} {m:>16.2f}")
    return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
