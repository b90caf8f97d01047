"""Hostile markup: how long lexbor alone, and newsgrab.extract (with guard.cap_html in front), take on pages
shaped to hit the HTML tree builder's slow paths.

    PYTHONPATH=src python benchmarks/hostile.py            # every shape at 24,000 repetitions
    PYTHONPATH=src python benchmarks/hostile.py --n 48000

Each shape is repeated ``--n`` times inside <body>, followed by one sentence of article. Prints the page size and
the seconds of a bare parse and of ``extract`` for each; the bare parse of a shape the guard handles can take
many seconds. Never asserts (tests/test_hostile_html.py and tests/test_tagscan.py hold the behaviour).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent / "src") not in sys.path:
    sys.path.append(str(HERE.parent / "src"))

from selectolax.lexbor import LexborHTMLParser  # noqa: E402

import newsgrab  # noqa: E402


def shapes(n: int) -> dict[str, str]:
    return {
        "distinct attributes": "<div " + " ".join(f"a{i}=1" for i in range(n)) + ">x</div>",
        "repeated attribute": "<div " + " ".join("a=1" for _ in range(n)) + ">x</div>",
        "options in a select": "<select>" + "<option>x" * n,
        "closed options": "<select>" + "<option>x</option>" * (n // 2),
        "nested divs": "<div>" * n,
        "nested list items": "<ul><li>" * (n // 2),
        "distinct formatting": "".join(f"<b id={i}>x" for i in range(n)),
        "misnested formatting": "<b><i></b></i>" * (n // 4),
        "links around blocks": "".join(f"<a href={i}><div>x" for i in range(n // 2)),
        "table foster-parenting": "<table>" + "".join(f"<a id={i}>x" for i in range(n)),
        "templates": "<template>" * n,
        "svg groups": "<svg>" + "<g>" * n,
        "math": "<math>" + "<mi>" * n,
        "forms": "<form>x" * n,
        "ruby": "<ruby>" + "<rb>x<rt>y" * (n // 2),
        "definition list": "<dl>" + "<dt>a<dd>b" * (n // 2),
        "headings": "<h1><h2><h3>" * (n // 3),
        "buttons": "<button>x" * n,
        "tables in cells": "<table><tr><td>" * (n // 3),
        "captions": "<table><caption>x" * (n // 2),
        "comments": "<!--x-->" * n,
        "entities": "&amp;&lt;&notin;&xyz;" * n,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=24_000, help="repetitions of each shape (default 24,000)")
    ap.add_argument("--only", help="comma-separated shape names")
    args = ap.parse_args(argv)
    wanted = set(args.only.split(",")) if args.only else None
    newsgrab.extract(b"<html><body><p>A warm-up page: the extractor's tables and self-checks load once.</p></body></html>")
    print(f"hostile: shapes x {args.n}; python {sys.version.split()[0]}")
    print(f"{'shape':24s} {'bytes':>9s} {'bare parse s':>13s} {'extract s':>10s}")
    for name, body in shapes(args.n).items():
        if wanted and name not in wanted:
            continue
        html = f"<html><head><title>t</title></head><body>{body}<p>The end of an article with some words.</p></body></html>"
        t = time.perf_counter()
        LexborHTMLParser(html)
        parse_s = time.perf_counter() - t
        t = time.perf_counter()
        try:
            newsgrab.extract(html.encode())
        except Exception:  # noqa: BLE001 - NoContentError is an answer too
            pass
        print(f"{name:24s} {len(html):9d} {parse_s:13.2f} {time.perf_counter() - t:10.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
