"""Where the expected titles of a set come from, and what a general rule for choosing a title can reach.

    PYTHONPATH=src python benchmarks/title_sources.py                  # fundus-dev
    PYTHONPATH=src python benchmarks/title_sources.py --set fundus-dev --list

A page offers its title several times: the JSON-LD ``headline``, ``og:title``, ``twitter:title``, the first
``<h1>`` and ``<title>`` (the metadata ones with the site's name taken off, as newsgrab does). For every page
with a title in its truth this prints which of them equal it (whitespace collapsed, as quality.py compares),
then the share of pages a few fixed rules get right -- newsgrab's own choice, "JSON-LD first", "og:title
first" -- and an oracle that always picks a matching source (the ceiling for any choice among the page's
own titles). A truth that follows og:title on some sites and JSON-LD or <h1> on others can only be matched
by rules per site. Never asserts.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
if str(HERE.parent / "src") not in sys.path:
    sys.path.append(str(HERE.parent / "src"))

import evalkit as ek  # noqa: E402

from newsgrab.encoding import decode_source  # noqa: E402
from newsgrab.extraction.dom import parse, release  # noqa: E402
from newsgrab.extraction.metadata import _ld_objects, _names, _site_keys, _strip_site, read_metadata  # noqa: E402

_WS = re.compile(r"\s+")


def _norm(s: str | None) -> str:
    return _WS.sub(" ", s or "").strip()


def sources(data: bytes, url: str | None) -> tuple[dict[str, str], str]:
    """The page's title sources (name -> title) and newsgrab's title."""
    text, _charset, utf8 = decode_source(data, None)
    head, root, _texty = parse(text, utf8)
    try:
        metas: dict[str, str] = {}
        for k, v in head.metas:
            metas.setdefault(k, v)
        lds = _ld_objects(head)
        ld = lds[0] if lds else {}
        sites = [x for x in (_names(ld.get("publisher")) if ld else []) + [metas.get(k) for k in ("og:site_name", "application-name", "twitter:site")] if x]
        keys = _site_keys(sites)

        def clean(v: object) -> str:
            return _norm(_strip_site(html.unescape(v), keys)) if isinstance(v, str) and v.strip() else ""

        found = {
            "json-ld": clean(ld.get("headline")),
            "og:title": clean(metas.get("og:title")),
            "twitter:title": clean(metas.get("twitter:title")),
            "h1": _norm(head.h1s[0]) if head.h1s else "",
            "<title>": clean(head.title),
        }
        return {k: v for k, v in found.items() if v}, _norm(read_metadata(head, url, None).title)
    finally:
        release(root)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", help="folder of the sets (default <repo>/../shared/data)")
    ap.add_argument("--set", default="fundus-dev", help="set name (default fundus-dev)")
    ap.add_argument("--list", action="store_true", help="list the pages newsgrab's title misses")
    args = ap.parse_args(argv)
    folder = next((d for d in ek.discover_sets(args.data) if d.name == args.set), None)
    if folder is None:
        print(f"no set {args.set!r}")
        return 0
    n = 0
    rules = Counter()
    matched_by: Counter = Counter()
    misses: list[tuple[str, str, str, list[str]]] = []
    for case in ek.load_set(folder):
        truth = _norm(case.title)
        if not truth:
            continue
        n += 1
        found, ours = sources(case.data, case.url)
        hits = [k for k, v in found.items() if v == truth]
        matched_by[" + ".join(hits) or "(none)"] += 1
        rules["newsgrab"] += ours == truth
        rules["json-ld, else og:title, else newsgrab"] += (found.get("json-ld") or found.get("og:title") or ours) == truth
        rules["og:title, else json-ld, else newsgrab"] += (found.get("og:title") or found.get("json-ld") or ours) == truth
        rules["h1, else newsgrab"] += (found.get("h1") or ours) == truth
        rules["oracle (any matching source)"] += bool(hits)
        if ours != truth:
            misses.append((case.id, ours, truth, hits))
    print(f"{args.set}: {n} pages with a title in the truth\n")
    print("which sources equal the expected title        pages")
    for k, v in matched_by.most_common():
        print(f"  {k:44s} {v:5d}")
    print("\nrule                                           right")
    for k, v in rules.items():
        print(f"  {k:44s} {v:5d}  {100 * v / n:5.1f}%")
    print("\nnewsgrab's misses, by the sources the truth follows:")
    for k, v in Counter(" + ".join(h) or "(none)" for *_, h in misses).most_common():
        print(f"  {k:44s} {v:5d}")
    if args.list:
        for pid, ours, truth, hits in misses:
            print(f"\n{pid}  (truth = {' + '.join(hits) or 'none of them'})\n  ours : {ours}\n  truth: {truth}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
