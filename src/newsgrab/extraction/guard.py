"""Bound what a hostile page can make the HTML parser do, before it parses.

lexbor builds trees of any depth, but some of its tree-construction steps walk the stack of open
elements (every ``<div>``, ``<section>``, ``<ul>``... first looks for an open ``<p>`` to close; an end tag
that matches nothing walks down to the first block), so a page of 100,000 nested ``<div>`` costs it ~40 s:
the work grows with tags x depth. And extraction itself walks every element. :func:`cap_html` runs first:

* the page is cut at :data:`MAX_CHARS` characters, and before its :data:`MAX_TAGS`-th ``<``;
* when tags x (possible depth) could be large (depth is at most the number of opening tags, so a page
  with few of them is let through without a look), a cheap tokenizer follows the open elements (with the
  implicit closings real pages rely on: ``<p>``, ``<li>``, ``<dt>``/``<dd>``, table rows and cells, ``<a>``,
  headings, ``/>`` in SVG) and, past :data:`MAX_DEPTH` open elements, drops further opening tags and the
  end tags that match them. The text inside them is kept;
* lexbor's cost also grows with the square of the number of attributes on one element (10,000 distinct
  names: 0.2 s; 100,000: ~20 s; a 10 MB page holds a million), and with the square of the options of one
  ``<select>`` (24,000: 2 s): attributes past :data:`MAX_ATTRS` on a tag and option tags past
  :data:`MAX_OPTIONS` in a select are cut out (the options' text stays). Finding them takes the tokenizer's view of every tag (quoted values may hold ``>``), which
  only C does cheaply enough for every page: ``_tagscan.c``. Without the C part (no compiler at install,
  or ``NEWSGRAB_PURE_PYTHON=1``) attributes are left alone, and the pipeline's per-page time limit is what
  remains.

On a normal page nothing is dropped and the same string comes back; the checks cost one or two
``str.count`` passes and the C scan (together a few % of ``dom.parse``); the depth tokenizer runs only on
pages with tens of thousands of tags.
"""

from __future__ import annotations

import re
from typing import Any

from ..native import pure_python

__all__ = ["cap_html", "leaves_unchanged", "MAX_DEPTH", "MAX_CHARS", "MAX_TAGS", "MAX_ATTRS", "MAX_OPTIONS"]

MAX_DEPTH = 400  # open elements; real pages stay under ~100
MAX_CHARS = 10 * 1024 * 1024  # characters of markup (fetch caps bodies at 10 MiB too); ~2 s of extraction
MAX_TAGS = 50_000  # "<" characters; real news pages have 1,000-20,000 (extraction: ~50k tags/s)
MAX_ATTRS = 256  # attributes on one tag; real pages stay under ~40 (lexbor: ~0.2 ms for 256 distinct ones)
MAX_OPTIONS = 1000  # options in one <select>; a country list has ~250 (lexbor: 24,000 cost 2 s, 48,000 8 s)
# Left alone when tags x opening tags (a bound on lexbor's stack walks) is below this: at worst ~0.5 s
# of parsing, whatever the nesting (measured on the worst shapes). All 873 pages of the test sets are
# under it (the largest: 19,600 tags, 10,100 of them opening, 2e8), so none pays for the tokenizer.
_WORK = 300_000_000
_tagscan: Any = None
if not pure_python():
    try:
        from . import _tagscan  # optional C part (setup.py)
    except ImportError:  # built without a compiler
        pass
_NTH_LT = re.compile(r"(?:[^<]*<){%d}" % MAX_TAGS)

# A start or end tag, or the start of a comment. Names as the HTML tokenizer reads them.
_TOKEN = re.compile(r"<(/?)([A-Za-z][^\t\n\f\r />\x00]*)|<!--")

_VOID = frozenset(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta param source track wbr".split()
)
# Their content is text, not tags (for the tree builder, with scripting as lexbor has it).
_RAW_TEXT = frozenset("script style textarea title xmp iframe noembed noframes".split())
# Opening one of these closes an open <p> (WHATWG: "close a p element" when one is in button scope).
_CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer "
    "header hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing form li dd dt "
    "table hr xmp plaintext".split()
)
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
# Never nest in a parsed tree: each one closes the previous of the same group.
_SELF_CLOSING_GROUPS = {
    "li": ("li",),
    "dt": ("dt", "dd"),
    "dd": ("dt", "dd"),
    "td": ("td", "th"),
    "th": ("td", "th"),
    "tr": ("tr", "td", "th"),
    "tbody": ("tbody", "thead", "tfoot", "tr", "td", "th"),
    "thead": ("tbody", "thead", "tfoot", "tr", "td", "th"),
    "tfoot": ("tbody", "thead", "tfoot", "tr", "td", "th"),
    "option": ("option",),
    "optgroup": ("option", "optgroup"),
    "a": ("a",),
    "nobr": ("nobr",),
    "button": ("button",),
    "form": ("form",),
    "rb": ("rb", "rt", "rp", "rtc"),
    "rt": ("rb", "rt", "rp"),
    "rp": ("rb", "rt", "rp"),
    "rtc": ("rb", "rt", "rp", "rtc"),
}
# Where the search for an element to close implicitly stops (roughly WHATWG's scopes).
_BOUNDARY = {
    "li": ("ul", "ol", "table", "td", "th"),
    "dt": ("dl", "table", "td", "th"),
    "dd": ("dl", "table", "td", "th"),
    "td": ("table",),
    "th": ("table",),
    "tr": ("table",),
    "tbody": ("table",),
    "thead": ("table",),
    "tfoot": ("table",),
    "p": ("button", "table", "td", "th", "caption", "object", "marquee", "applet", "template", "svg", "math"),
}
_END_OF_RAW: dict[str, re.Pattern] = {name: re.compile(rf"</{name}[\t\n\f\r />]", re.I) for name in _RAW_TEXT}


def cap_html(html: str) -> str:
    """``html`` cut to size, and with opening tags past :data:`MAX_DEPTH` open elements removed.

    Cheap, and a no-op on ordinary pages, which come back unchanged.
    """
    if len(html) > MAX_CHARS:
        html = html[:MAX_CHARS]
    tags = html.count("<")
    if tags >= MAX_TAGS:
        m = _NTH_LT.match(html)
        if m is not None:
            html = html[: m.end() - 1]  # keep everything before the MAX_TAGS-th "<"
            tags = MAX_TAGS - 1
    if _tagscan is not None and tags > 1:
        cuts = _tagscan.cuts(html, MAX_ATTRS, MAX_OPTIONS)
        if cuts:
            html = _cut(html, cuts)
            tags = html.count("<")
    if tags <= MAX_DEPTH or tags * tags <= _WORK:  # one count settles ~all real pages
        return html
    opening = tags - html.count("</")  # an upper bound on opening tags, so on the depth
    if opening <= MAX_DEPTH or tags * opening <= _WORK:
        return html
    drops = _deep_tags(html)
    return _cut(html, drops) if drops else html


def leaves_unchanged(html: str, utf8: bytes) -> bool:
    """True when ``cap_html(html)`` would return ``html`` unchanged, judged on ``utf8``, which must be exactly
    ``html`` in UTF-8 (encoding.decode_source). False means "cap the text", not that it changes.

    The same tests as cap_html, on bytes: a '<' is one byte in UTF-8 and the tag scan decides on ASCII
    characters alone (every byte of any other character is >= 0x80), so the counts and the tags found are
    the same, and in bytes the scan runs on memchr: 0.1 of a parse instead of 0.25 on the text of a page
    with a character past Latin-1 (curly quotes suffice).
    """
    if _tagscan is None or len(html) > MAX_CHARS:
        return False
    tags = _tagscan.count_lt(utf8)
    if tags >= MAX_TAGS or (tags > 1 and _tagscan.cuts(utf8, MAX_ATTRS, MAX_OPTIONS)):
        return False
    if tags <= MAX_DEPTH or tags * tags <= _WORK:
        return True
    opening = tags - utf8.count(b"</")
    return opening <= MAX_DEPTH or tags * opening <= _WORK


def _cut(html: str, spans: list[tuple[int, int]]) -> str:
    """``html`` without the (ordered, disjoint) ``spans``."""
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        parts.append(html[pos:start])
        pos = end
    parts.append(html[pos:])
    return "".join(parts)


def _deep_tags(html: str) -> list[tuple[int, int]]:
    """Spans of the tags to drop: opening tags past MAX_DEPTH, and the closing tags that match them."""
    stack: list[str] = []  # open element names
    where: dict[str, list[int]] = {}  # name -> its indices in stack (for O(1) "is one open, and where")
    dropped: dict[str, int] = {}  # name -> opening tags dropped and not yet closed
    drops: list[tuple[int, int]] = []
    skip_to = 0  # inside a comment or raw text until this offset
    n = len(html)

    def pop_to(i: int) -> None:  # close stack[i] and everything above it
        while len(stack) > i:
            name = stack.pop()
            where[name].pop()

    def last(name: str) -> int:
        idx = where.get(name)
        return idx[-1] if idx else -1

    for m in _TOKEN.finditer(html):
        start = m.start()
        if start < skip_to:
            continue
        name = m.group(2)
        if name is None:  # a comment: skip to its end
            end = html.find("-->", m.end())
            skip_to = n if end < 0 else end + 3
            continue
        name = name.lower()
        if m.group(1):  # an end tag
            if dropped.get(name):
                dropped[name] -= 1
                end = html.find(">", m.end())
                skip_to = n if end < 0 else end + 1
                drops.append((start, skip_to))
            elif where.get(name):
                pop_to(where[name][-1])
            continue
        if name in _RAW_TEXT:
            close = _END_OF_RAW[name].search(html, m.end())
            skip_to = n if close is None else close.start()
            continue
        if name == "plaintext":
            break  # the rest of the page is text
        if name in _VOID:
            continue
        if stack:
            # Implicit closings, so that sloppy but ordinary markup does not look deep.
            if name in _CLOSES_P and where.get("p"):
                p = last("p")
                if all(last(b) < p for b in _BOUNDARY["p"]):
                    pop_to(p)
            group = _SELF_CLOSING_GROUPS.get(name)
            if group:
                target = max(last(g) for g in group)
                if target >= 0 and all(last(b) < target for b in _BOUNDARY.get(name, ())):
                    pop_to(target)
            elif name in _HEADINGS and stack and stack[-1] in _HEADINGS:
                pop_to(len(stack) - 1)  # a heading inside a heading closes it
            if stack and (where.get("svg") or where.get("math")):
                # Foreign content: <path/> is complete in itself.
                end = html.find(">", m.end())
                if end > 0 and html[end - 1] == "/":
                    continue
        if len(stack) >= MAX_DEPTH:
            dropped[name] = dropped.get(name, 0) + 1
            end = html.find(">", m.end())
            skip_to = n if end < 0 else end + 1
            drops.append((start, skip_to))
            continue
        where.setdefault(name, []).append(len(stack))
        stack.append(name)
    return drops
