"""Extraction quality: newsgrab vs trafilatura, side by side, on every evaluation set and the seed.

    PYTHONPATH=src python benchmarks/quality.py                 # all sets in <repo>/../shared/data + seed
    PYTHONPATH=src python benchmarks/quality.py --sets cwce-dev,seed --only newsgrab
    PYTHONPATH=src python benchmarks/quality.py --per-page /tmp/pages.jsonl --worst 20

Each page is run with both tools one after the other (the order alternates page by page), so machine noise
hits both alike. trafilatura runs as ``trafilatura.extract(raw_bytes)`` with its defaults; its metadata comes
from a separate, untimed ``extract_metadata`` call. newsgrab gets ``extract(raw_bytes, url=<manifest url>)``
(``--no-url`` withholds the URL). A page a tool fails on (exception, None, NoContentError) scores as empty
output. Metrics: see ``benchmarks/evalkit.py``. This script reports; it never fails a run (exit 0).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
if str(REPO / "src") not in sys.path:
    sys.path.append(str(REPO / "src"))

import evalkit as ek  # noqa: E402

META_SETS = ("fundus-dev", "cwce-dev", "seed")
TOOLS = ("newsgrab", "trafilatura")


# ------------------------------------------------------------------------------------------- the tools


class Tool:
    name: str
    ok: bool = True
    why: str = ""

    def extract(self, case: ek.Case) -> tuple[str, float, dict[str, Any], str | None]:
        """-> (text or "", seconds, metadata {title, date, authors}, error or None)."""
        raise NotImplementedError


class Newsgrab(Tool):
    name = "newsgrab"

    def __init__(self, use_url: bool = True) -> None:
        self.use_url = use_url
        try:
            import newsgrab

            self._extract: Callable = newsgrab.extract
            self._nocontent = newsgrab.NoContentError
            if not callable(self._extract):
                raise ImportError("newsgrab.extract is not callable")
        except Exception as e:  # noqa: BLE001 - any import problem means "not available yet"
            self.ok = False
            self.why = f"{type(e).__name__}: {e}"

    def extract(self, case):
        data = case.data
        url = case.url if self.use_url else None
        t0 = time.perf_counter()
        try:
            art = self._extract(data, url=url)
            dt = time.perf_counter() - t0
        except self._nocontent:
            return "", time.perf_counter() - t0, {}, None
        except Exception as e:  # noqa: BLE001
            dt = time.perf_counter() - t0
            return "", dt, {}, f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=-3)}"
        meta = {"title": art.title, "date": art.published, "authors": list(art.authors or [])}
        return art.text or "", dt, meta, None


class Trafilatura(Tool):
    name = "trafilatura"

    def __init__(self, with_meta: bool = True) -> None:
        self.with_meta = with_meta
        try:
            import trafilatura

            self._t = trafilatura
            logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
            logging.getLogger("htmldate").setLevel(logging.CRITICAL)
            logging.getLogger("courlan").setLevel(logging.CRITICAL)
        except Exception as e:  # noqa: BLE001
            self.ok = False
            self.why = f"{type(e).__name__}: {e}"

    def extract(self, case, meta_wanted: bool = False):
        data = case.data
        t0 = time.perf_counter()
        try:
            text = self._t.extract(data)
            dt = time.perf_counter() - t0
        except Exception as e:  # noqa: BLE001
            dt = time.perf_counter() - t0
            return "", dt, {}, f"{type(e).__name__}: {e}"
        meta: dict[str, Any] = {}
        if meta_wanted:  # untimed: only `extract` is what trafilatura's speed is measured on
            try:
                tree = self._t.load_html(data)
                if tree is not None:
                    doc = self._t.extract_metadata(tree)
                    meta = {"title": doc.title, "date": doc.date, "authors": doc.author}
            except Exception:  # noqa: BLE001
                meta = {}
        return text or "", dt, meta, None


# ------------------------------------------------------------------------------------------- running


def load_cases(data_dir: Path, seed_dir: Path, wanted: set[str] | None) -> dict[str, list[ek.Case]]:
    sets: dict[str, list[ek.Case]] = {}
    for folder in ek.discover_sets(data_dir):
        if wanted is None or folder.name in wanted:
            sets[folder.name] = ek.load_set(folder)
    if (wanted is None or "seed" in wanted) and seed_dir.exists():
        seed = ek.load_seed(seed_dir)
        if seed:
            sets["seed"] = seed
    if wanted:
        missing = wanted - set(sets)
        if missing:
            print(f"quality: no such set: {', '.join(sorted(missing))} "
                  f"(have: {', '.join(p.name for p in ek.discover_sets(data_dir))}, seed)", file=sys.stderr)
    return sets


def run(args: argparse.Namespace) -> int:
    data_dir = Path(args.data) if args.data else ek.default_data_dir()
    seed_dir = Path(args.seed) if args.seed else ek.default_seed_dir()
    wanted = {s.strip() for s in args.sets.split(",") if s.strip()} if args.sets else None
    sets = load_cases(data_dir, seed_dir, wanted)
    if not sets:
        print(f"quality: no data sets found in {data_dir}", file=sys.stderr)
        return 0

    tools: list[Tool] = [Newsgrab(use_url=not args.no_url)]
    if args.only != "newsgrab":
        tools.append(Trafilatura())
    if args.only == "trafilatura":
        tools = [t for t in tools if t.name == "trafilatura"]
    for t in tools:
        if not t.ok:
            print(f"quality: {t.name} not available ({t.why}); its columns stay empty", file=sys.stderr)
    active = [t for t in tools if t.ok]
    names = [t.name for t in tools]

    # results[tool][set] -> list of (case, pagescore, seconds, error)
    results: dict[str, dict[str, list]] = {t.name: defaultdict(list) for t in tools}
    meta: dict[str, dict[str, ek.MetaTally]] = {t.name: {} for t in tools}
    per_page = open(args.per_page, "w", encoding="utf-8") if args.per_page else None
    tty = sys.stderr.isatty()
    i = 0
    for set_name, cases in sets.items():
        t_set = time.perf_counter()
        for case in cases:
            order = active if i % 2 == 0 else active[::-1]
            i += 1
            row: dict[str, Any] = {"id": case.id, "set": set_name, "lang": case.lang, "metric": case.metric}
            want_meta = set_name in META_SETS
            for tool in order:
                if isinstance(tool, Trafilatura):
                    text, dt, md, err = tool.extract(case, meta_wanted=want_meta)
                else:
                    text, dt, md, err = tool.extract(case)
                score = ek.score_case(case, text)
                results[tool.name][set_name].append((case, score, dt, err))
                rec = score.as_dict()
                rec["ms"] = round(dt * 1000, 2)
                rec["chars"] = len(text)
                if err:
                    rec["error"] = err.splitlines()[0]
                if want_meta:
                    tally = meta[tool.name].setdefault(set_name, ek.MetaTally())
                    rec["meta"] = tally.add(case, md.get("title"), md.get("date"), md.get("authors"))
                row[tool.name] = rec
            if per_page:
                per_page.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            case.drop_data()
            if tty:
                print(f"\r{set_name}: {len(results[active[0].name][set_name]) if active else 0}/{len(cases)}",
                      end="", file=sys.stderr, flush=True)
        if tty:
            print(f"\r{set_name}: {len(cases)} pages in {time.perf_counter() - t_set:.1f} s", file=sys.stderr)
    if per_page:
        per_page.close()

    print(environment_line(tools))
    print_quality(sets, results, names)
    print_speed(sets, results, names)
    print_errors(results, names)
    print_meta(meta, names)
    if args.worst and len(active) == 2:
        print_worst(results, args.worst)
    elif args.worst:
        print("\n--worst needs both tools", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------------- printing


def environment_line(tools: list[Tool]) -> str:
    """Versions, and whether trafilatura has cchardet: without it, trafilatura 2.3.1 decodes many GB2312
    pages as mojibake (cwce-dev F1 about 0.72 instead of 0.88), so say which trafilatura was measured."""
    from importlib import metadata as md

    def ver(dist: str) -> str:
        try:
            return md.version(dist)
        except md.PackageNotFoundError:
            return "absent"

    parts = [f"python {sys.version.split()[0]}"]
    for t in tools:
        if t.name == "newsgrab":
            parts.append(f"newsgrab {getattr(sys.modules.get('newsgrab'), '__version__', '?') if t.ok else 'absent'}")
        elif t.ok:
            try:
                from trafilatura import utils as tu

                cc = "with cchardet" if getattr(tu, "cchardet_detect", None) else "without cchardet"
            except Exception:  # noqa: BLE001
                cc = "?"
            parts.append(f"trafilatura {ver('trafilatura')} ({cc}; lxml {ver('lxml')}, "
                         f"charset-normalizer {ver('charset-normalizer')})")
    return "# " + ", ".join(parts)



def _f(x: float | None, nd: int = 3) -> str:
    return "-" if x is None else f"{x:.{nd}f}"


def _scores(rows: list) -> ek.Scores | None:
    return ek.aggregate([r[1] for r in rows]) if rows else None


def print_quality(sets, results, names) -> None:
    a, b = names[0], names[-1] if len(names) > 1 else None
    head = f"{'set':<16} {'lang':<5} {'pages':>5} {'metric':<8} | {a + ' F1':>11} {'P':>5} {'R':>5}"
    if b and b != a:
        head += f" | {b + ' F1':>14} {'P':>5} {'R':>5} | {'dF1':>6}"
    print("\n== extraction quality (F1 / precision / recall; dF1 = newsgrab - trafilatura)")
    print(head)
    print("-" * len(head))
    for set_name, cases in sets.items():
        langs = sorted({c.lang or "?" for c in cases}, key=lambda l: (-sum((c.lang or "?") == l for c in cases), l))
        groups = [("all", None)] + ([(l, l) for l in langs] if len(langs) > 1 else [])
        for label, lang in groups:
            line = None
            cells = []
            for name in names:
                rows = results[name].get(set_name, [])
                if lang is not None:
                    rows = [r for r in rows if (r[0].lang or "?") == lang]
                cells.append(_scores(rows))
            n = sum(1 for c in cases if lang is None or (c.lang or "?") == lang)
            metric = cases[0].metric if cases else ""
            sa = cells[0]
            line = f"{set_name if label == 'all' else '':<16} {label:<5} {n:>5} {metric:<8} | " \
                   f"{_f(sa and sa.f1):>11} {_f(sa and sa.precision):>5} {_f(sa and sa.recall):>5}"
            if b and b != a:
                sb = cells[-1]
                d = sa.f1 - sb.f1 if sa and sb else None
                line += f" | {_f(sb and sb.f1):>14} {_f(sb and sb.precision):>5} {_f(sb and sb.recall):>5} | " \
                        f"{('-' if d is None else f'{d:+.3f}'):>6}"
            print(line)


def print_speed(sets, results, names) -> None:
    print("\n== speed (median ms per page; ratio = trafilatura / newsgrab, >1 means newsgrab is faster)")
    head = f"{'set':<16} {'pages':>5} | " + " | ".join(f"{n + ' ms':>14}" for n in names)
    two = len(names) == 2
    if two:
        head += f" | {'ratio(med)':>10} {'ratio(total)':>12}"
    print(head)
    print("-" * len(head))
    tot: dict[str, list[float]] = {n: [] for n in names}
    pairs: list[float] = []
    for set_name, cases in list(sets.items()) + [("ALL", None)]:
        if cases is None:
            times = tot
        else:
            times = {n: [r[2] for r in results[n].get(set_name, [])] for n in names}
            for n in names:
                tot[n].extend(times[n])
        npages = max((len(v) for v in times.values()), default=0)
        line = f"{set_name:<16} {npages:>5} | " + " | ".join(
            f"{(_f(ek.median(times[n]) * 1000, 1) if times[n] else '-'):>14}" for n in names)
        if two and times[names[0]] and times[names[1]]:
            ra = ek.median(times[names[1]]) / max(ek.median(times[names[0]]), 1e-9)
            rt = sum(times[names[1]]) / max(sum(times[names[0]]), 1e-9)
            line += f" | {ra:>10.2f} {rt:>12.2f}"
        print(line)


def print_errors(results, names) -> None:
    lines = []
    for n in names:
        for set_name, rows in results[n].items():
            errs = [(r[0].id, r[3]) for r in rows if r[3]]
            if errs:
                lines.append(f"{n} {set_name}: {len(errs)} page(s) raised (scored as empty): "
                             + ", ".join(e[0] for e in errs[:8]) + (" ..." if len(errs) > 8 else ""))
                lines.append("    first: " + errs[0][1].splitlines()[0])
    if lines:
        print("\n== failures (exceptions other than NoContentError)")
        print("\n".join(lines))


def print_meta(meta, names) -> None:
    if not any(meta[n] for n in names):
        return
    print("\n== metadata accuracy (title exact / date right at the truth's precision / authors exact set; "
          "n = pages with that truth)")
    head = f"{'set':<12} {'tool':<12} | {'title %':>8} {'n':>4} | {'date %':>7} {'n':>4} {'(truths)':>8} | " \
           f"{'authors %':>9} {'overlap %':>9} {'n':>4}"
    print(head)
    print("-" * len(head))
    set_names = sorted({s for n in names for s in meta[n]}, key=lambda s: META_SETS.index(s) if s in META_SETS else 99)
    for s in set_names:
        for n in names:
            t = meta[n].get(s)
            if t is None:
                continue
            print(f"{s:<12} {n:<12} | {_f(t.title_pct, 1):>8} {t.title_n:>4} | {_f(t.date_pct, 1):>7} "
                  f"{t.date_n:>4} {t.date_truths:>8} | {_f(t.authors_pct, 1):>9} {_f(t.authors_overlap_pct, 1):>9} "
                  f"{t.auth_n:>4}")


def print_worst(results, n: int) -> None:
    ng, tr = results["newsgrab"], results["trafilatura"]
    losses = []
    for set_name, rows in ng.items():
        by_id = {r[0].id: r for r in tr.get(set_name, [])}
        for case, sc, _dt, err in rows:
            other = by_id.get(case.id)
            if other is None:
                continue
            losses.append((other[1].f1 - sc.f1, set_name, case, sc, other[1], err))
    losses.sort(key=lambda x: -x[0])
    print(f"\n== {n} pages where newsgrab loses most to trafilatura (page F1)")
    print(f"{'loss':>6} {'newsgrab':>8} {'trafi':>6}  set / id (lang)")
    for loss, set_name, case, sc, osc, err in losses[:n]:
        if loss <= 0:
            break
        extra = ""
        if isinstance(sc, ek.SnippetPage):
            if sc.missing:
                extra += f" missing={list(sc.missing)[:3]}"
            if sc.leaked:
                extra += f" leaked={list(sc.leaked)[:3]}"
        else:
            extra = f" p={_f(sc.precision, 2)} r={_f(sc.recall, 2)} (trafi p={_f(osc.precision, 2)} r={_f(osc.recall, 2)})"
        if err:
            extra += f" ERROR {err.splitlines()[0][:80]}"
        print(f"{loss:>6.3f} {sc.f1:>8.3f} {osc.f1:>6.3f}  {set_name}/{case.id} ({case.lang}){extra}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="folder of the sets (default <repo>/../shared/data)")
    ap.add_argument("--seed", help="seed folder or .expected.json (default <repo>/../shared/seed)")
    ap.add_argument("--sets", help="comma-separated set names (the seed is 'seed'); default all")
    ap.add_argument("--only", choices=["newsgrab", "trafilatura"], help="run one tool only")
    ap.add_argument("--per-page", metavar="FILE", help="write per-page scores of both tools as JSONL")
    ap.add_argument("--worst", type=int, default=0, metavar="N",
                    help="print the N pages where newsgrab loses most to trafilatura")
    ap.add_argument("--no-url", action="store_true", help="do not pass the manifest URL to newsgrab")
    args = ap.parse_args(argv)
    try:
        return run(args)
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    main()
    sys.exit(0)
