"""Where an extraction's time goes: each stage of ``newsgrab.extract`` timed on every page, in one process.

    PYTHONPATH=src python benchmarks/phases.py              # every page of <repo>/../shared/data, 2 rounds
    PYTHONPATH=src python benchmarks/phases.py --rounds 1

Per page, in order: a bare lexbor parse of the decoded text (the unit), then decode (encoding.decode_source),
dom.parse (guard, parse of the page's UTF-8 bytes when they are the text, C head walk and copy), metadata,
scoring (find_article), render (with find_lead), the phrase filter, text/markdown output and language detection, each as extract() runs them (the cycle collector paused, as extract() pauses it), then the
whole ``extract(bytes)`` alone. Prints ms per page and each stage as a multiple of the bare parse. Without
trafilatura in the same process: compare with benchmarks/speed.py's newsgrab / bare-parse ratio to see what
running interleaved with trafilatura costs. Never asserts.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if str(HERE.parent / "src") not in sys.path:
    sys.path.append(str(HERE.parent / "src"))

import evalkit as ek  # noqa: E402
from selectolax.lexbor import LexborHTMLParser  # noqa: E402

import newsgrab.extraction as extraction  # noqa: E402
from newsgrab.encoding import decode_source  # noqa: E402
from newsgrab.extraction import clean, dom, language, metadata, output, render, scoring, stories  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="folder of the sets (default <repo>/../shared/data)")
    ap.add_argument("--rounds", type=int, default=2, help="passes over all pages (default 2)")
    args = ap.parse_args(argv)
    pages = []
    for set_dir in ek.discover_sets(args.data):
        for case in ek.load_set(set_dir):
            text, _charset, utf8 = decode_source(case.data)
            pages.append((case.url, case.data, text, utf8))
    totals: dict[str, float] = {}

    def add(stage: str, seconds: float) -> None:
        totals[stage] = totals.get(stage, 0.0) + seconds

    clock = time.perf_counter
    for _ in range(max(1, args.rounds)):
        for url, raw, html, utf8 in pages:
            gc.disable()
            t = clock()
            LexborHTMLParser(html)
            add("bare parse", clock() - t)
            t = clock()
            decode_source(raw)
            add("decode", clock() - t)
            t0 = clock()
            head, root, texty = dom.parse(html, utf8)
            t1 = clock()
            meta = metadata.read_metadata(head, url, None)
            t2 = clock()
            top, parts = scoring.find_article(root, texty, head.article_count, meta.title, len(head.h1s))
            t3 = clock()
            blocks = render.render_blocks(parts, top.text_len, stories.find_lead(parts))
            t4 = clock()
            kept = clean.filter_blocks(blocks, meta.title)
            t5 = clock()
            text = output.to_text(kept)
            output.to_markdown(kept)
            t6 = clock()
            language.detect_language(text, meta.language)
            t7 = clock()
            dom.release(root)
            # Drop the page's last references now: freeing its tree would otherwise be timed in the next
            # page's stages (when find_article's and render's results rebind these names).
            head = root = texty = top = parts = blocks = kept = None
            for stage, a, b in (("dom.parse", t0, t1), ("metadata", t1, t2), ("scoring", t2, t3), ("render", t3, t4),
                                ("phrase filter", t4, t5), ("output", t5, t6), ("language", t6, t7)):
                add(stage, b - a)
            gc.enable()
            t = clock()
            try:
                extraction.extract(raw, url=url)
            except Exception:  # noqa: BLE001 - NoContentError pages are timed like the others
                pass
            add("extract(bytes), whole", clock() - t)
    n = len(pages) * max(1, args.rounds)
    unit = totals["bare parse"]
    print(f"phases: {len(pages)} pages x {max(1, args.rounds)} rounds; python {sys.version.split()[0]}")
    print(f"{'stage':24s} {'ms/page':>8s} {'x bare parse':>13s}")
    for stage, seconds in totals.items():
        print(f"{stage:24s} {seconds * 1000 / n:8.3f} {seconds / unit:13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
