"""Turn the chosen part of the light tree into blocks, dropping what is boilerplate by its markup.

A `Block` is one paragraph-level unit (paragraph, heading, list item, quote, table, code). Text held
in <br>-separated lines becomes one block per line: old Chinese templates write whole articles that
way, and line-level blocks let the phrase filter drop a 责任编辑 line without losing its neighbours.

Markup-level cleaning follows Readability's "prepArticle": drop nav/aside/footer/forms, drop
elements whose class/id says boilerplate (unless it also says content), and drop link-heavy or
image-heavy containers with little prose ("clean conditionally").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..native import trusted
from . import hints
from .dom import _SPACE_AFTER, El  # (_SPACE_AFTER: the C renderer does El.text() for table cells)
from .scoring import class_weight, link_density
from .stories import lead_in
from .tables import BLOCK_TAGS, HEADING_TAGS, MAYBE_HINT, REMOVE_TAGS, UNLIKELY_HINT, UNLIKELY_STRONG_HINT

__all__ = ["Block", "prose_paragraphs", "render_blocks", "render_blocks_python"]

# Runs of whitespace to collapse into one space. A lone space is left alone (replacing it by itself is
# most of the matches in ordinary text): a run starts with another whitespace or with two.
_WS = re.compile(r"(?:[\t\r\f\v\u00a0\u3000\u200b\ufeff]| (?=[ \t\r\f\v\u00a0\u3000\u200b\ufeff]))[ \t\r\f\v\u00a0\u3000\u200b\ufeff]*")


@dataclass(slots=True)
class Block:
    kind: str  # p, h, li, quote, pre, table
    text: str
    level: int = 0  # heading level, list depth
    link_ratio: float = 0.0  # share of the block's text inside links
    ordered: bool = False
    number: int = 0  # the item's number in an ordered list (<ol start=...> respected)
    cells: list | None = None  # rows of cells for tables


# Elements whose children are running text, in which a <span> is part of a sentence.
_RUNNING_TEXT = frozenset(("p", "li", "blockquote", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6"))


class _Renderer:
    def __init__(self, top_len: int):
        self.blocks: list[Block] = []
        self.buf: list[str] = []
        self.link_chars = 0
        self.kind = "p"
        self.level = 0
        self.ordered = False
        self.counter = 1  # next number in the innermost ordered list
        self.number = 0
        self.top_len = top_len

    # -- block assembly ---------------------------------------------------------------------------
    def flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        self.buf = []
        links = self.link_chars
        self.link_chars = 0
        if self.kind == "pre":
            text = raw.strip("\n")
            if text.strip():
                self.blocks.append(Block("pre", text))
            return
        text = _WS.sub(" ", raw.replace("\n", " ").replace("\u00ad", "")).strip()
        if text:
            self.blocks.append(Block(self.kind, text, self.level, min(1.0, links / len(text)), self.ordered, self.number))

    # -- walking ------------------------------------------------------------------------------------
    def walk(self, el: El, in_link: bool = False) -> None:
        # A <span> in running text (a paragraph, list item, heading, cell) is part of a sentence
        # ("<span class=dateline>KOBE –</span> A total of..."): its hint may still drop it (a share
        # button), its class weight, size and links may not.
        in_p = el.tag in _RUNNING_TEXT
        for c in el.children:
            if type(c) is str:
                if c:
                    self.buf.append(c if self.kind == "pre" else c.replace("\n", " "))
                    if in_link:
                        self.link_chars += len(c.strip())
                continue
            tag = c.tag
            if tag == "br":
                if self.kind == "pre":
                    self.buf.append("\n")
                elif self.kind in ("p",):
                    self.flush()
                else:
                    self.buf.append(" ")
                continue
            if tag == "hr":
                self.flush()
                continue
            if tag == "rt" and not any(type(x) is El and x.tag == "rp" for x in el.children):
                continue  # a ruby reading (furigana) with no fallback parentheses would glue into the words
            if _drop(c, self.top_len, in_link or (in_p and tag == "span")):
                if tag == "header":  # an article header goes, its standfirst stays
                    for lead in lead_in(c):
                        self.block(lead, in_link)
                continue
            if tag in BLOCK_TAGS:
                self.block(c, in_link)
            else:
                self.walk(c, in_link or tag == "a")

    def block(self, el: El, in_link: bool) -> None:
        tag = el.tag
        saved = (self.kind, self.level, self.ordered)
        counters = (self.counter, self.number)
        self.flush()
        if tag in HEADING_TAGS:
            self.kind, self.level = "h", int(tag[1])
        elif tag == "li":
            self.kind = "li"
            self.number = self.counter
            counters = (self.counter + 1, counters[1])  # the next item's number
        elif tag in ("ul", "ol"):
            self.level += 1
            self.ordered = tag == "ol"
            self.counter = _ol_start(el.get("start") or "1")
        elif tag == "blockquote":
            self.kind = "quote"
        elif tag == "pre":
            self.kind = "pre"
        elif tag == "table" and _is_data_table(el):
            self.table(el)
            self.kind, self.level, self.ordered = saved
            return
        elif tag in ("p", "div", "section", "article", "td", "th", "dd", "dt", "center", "main"):
            if self.kind not in ("li", "quote", "pre"):
                self.kind = "p"
        self.walk(el, in_link)
        self.flush()
        self.kind, self.level, self.ordered = saved
        self.counter, self.number = counters

    def table(self, el: El) -> None:
        rows: list[list[str]] = []
        for tr in el.iter():
            if tr.tag != "tr":
                continue
            cells = [c.text() for c in tr.children if type(c) is El and c.tag in ("td", "th")]
            if any(cells):
                rows.append(cells)
        if rows:
            text = "\n".join(" | ".join(r) for r in rows)
            self.blocks.append(Block("table", text, cells=rows))


def _ol_start(start: str) -> int:
    """The first number of a list, from its start attribute (an odd value such as "--3" raises)."""
    return int(start) if start.strip().lstrip("-").isdigit() else 1


def _is_data_table(el: El) -> bool:
    """Layout tables (one column, nested tables, long prose cells) are walked as containers; only
    small grids of short cells are kept as tables."""
    rows = 0
    cols = 0
    for sub in el.iter():
        if sub is not el and sub.tag == "table":
            return False
        if sub.tag == "tr":
            rows += 1
            n = sum(1 for c in sub.children if type(c) is El and c.tag in ("td", "th"))
            cols = max(cols, n)
        elif sub.tag in ("td", "th") and sub.text_len > 600:
            return False
        elif sub.tag in ("p", "div") and sub.text_len > 300:
            return False
    return rows >= 2 and cols >= 2


@lru_cache(maxsize=20_000)
def _unlikely(hint: str) -> int:
    """2: never article (comments, share bars), 1: a layout region, 0: no opinion."""
    if hints.current() is not None:  # the C matcher scoring.py trusts
        if hints.matches(hints.MAYBE, hint):
            return 0
        if hints.matches(hints.UNLIKELY_STRONG, hint):
            return 2
        return 1 if hints.matches(hints.UNLIKELY, hint) else 0
    maybe, strong, weak = _TIER_PATTERNS_ASCII if hint.isascii() else _TIER_PATTERNS
    if hint.isascii():
        hint = hint.lower()
    if maybe.search(hint):
        return 0
    if strong.search(hint):
        return 2
    return 1 if weak.search(hint) else 0


def _case_sensitive(pattern: re.Pattern) -> re.Pattern:
    """`pattern` without re.IGNORECASE, which finds in lower-case ASCII text what `pattern` finds in
    that text in any case: `re` runs long ignore-case alternations about 4x slower, and a page brings
    a dozen class strings never seen before. Exact when the source is ASCII with no upper-case letter
    (no escape such as \\S that lower-casing would change); otherwise `pattern` itself."""
    if pattern.flags & re.IGNORECASE and pattern.pattern.isascii() and pattern.pattern == pattern.pattern.lower():
        return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)
    return pattern


_TIER_PATTERNS = (MAYBE_HINT, UNLIKELY_STRONG_HINT, UNLIKELY_HINT)
_TIER_PATTERNS_ASCII = tuple(_case_sensitive(p) for p in _TIER_PATTERNS)


def _reads_like_prose(el: El) -> bool:
    """Sentences, few links: what a layout region holding the story looks like. Tables are data."""
    if el.tag in ("table", "tbody", "tr", "td", "th"):
        return True
    return el.text_len > 300 and el.punct >= 6 and link_density(el) < 0.35


def _lists_not_prose(el: El) -> bool:
    """More than three list items, and more than twice as many as paragraphs: a link list."""
    li = p = 0
    for sub in el.iter():
        t = sub.tag
        if t == "li":
            li += 1
        elif t == "p":
            p += 1
    return li > 3 and li > p * 2


def _drop(el: El, top_len: int, in_link: bool = False) -> bool:
    """Markup says this element is not article text. Inside a link (`in_link`), link density says
    nothing: an inline link's <span> is all link text, and dropping it would cut words out of a
    sentence."""
    tag = el.tag
    if tag in REMOVE_TAGS:
        # ...unless it holds most of the article: some templates wrap the story in <aside> or <form>.
        return tag == "figcaption" or el.text_len < 0.5 * top_len
    if tag == "figure":
        # A figure is an image with its caption and credit, unless it holds a table, a quote or code.
        return not any(sub.tag in ("table", "blockquote", "pre") for sub in el.iter())
    if tag == "header" and el.text_len < 0.3 * top_len and (link_density(el) > 0.3 or el.punct < 2):
        return True  # a site header or a bare title block; an article header with a lead stays
    if el.text_len == 0:
        return tag not in ("td", "th")  # empty (images are never text); keep table grid cells
    if tag == "a" or tag in HEADING_TAGS:
        return False
    if el.hint and el.text_len < 0.5 * top_len:
        tier = _unlikely(el.hint)
        if tier == 2 or (tier == 1 and not _reads_like_prose(el)):
            return True
    if tag in ("div", "section", "ul", "ol", "table", "dl", "span", "p") and not in_link:
        return _clean_conditionally(el)
    return False


_PROSE_AROUND_LINKS = 300  # bytes of text outside links, in sentences: links set in prose, not a list


def _prose_of(el: El) -> int:
    """Text outside links, when it has sentence punctuation."""
    return el.text_len - el.link_len if el.punct >= 3 else 0


def _clean_conditionally(el: El) -> bool:
    """Readability's test for containers that look like link lists, galleries or widgets."""
    weight = class_weight(el)
    ld = link_density(el)
    if weight < 0 and (ld > 0.2 or el.text_len < 300):
        return True
    if el.tag == "p":
        return el.text_len < 120 and ld > 0.6
    if el.punct >= 10:
        return False
    n = el.text_len
    if n < 25:
        return el.tag != "span" and n == 0
    if (weight < 25 and ld > 0.33 or weight >= 25 and ld > 0.5) and not (ld < 0.5 and _prose_of(el) >= _PROSE_AROUND_LINKS):
        return True
    if el.tag not in ("ul", "ol"):
        if ld > 0.2 and _lists_not_prose(el):
            return True
    return False


def render_blocks(parts: list[El], top_len: int, lead: list[El] | None = None) -> list[Block]:
    """render_blocks_python's blocks, made by the C renderer once this process trusts it."""
    fast = _fast[0] if _fast else _fast_module()
    if fast is not None:
        blocks = fast.render_blocks(parts, top_len, lead)
        if blocks is not NotImplemented:  # (input it leaves to Python: odd slot values, very deep trees)
            return blocks
    return render_blocks_python(parts, top_len, lead)


def render_blocks_python(parts: list[El], top_len: int, lead: list[El] | None = None) -> list[Block]:
    """Blocks of the article's parts, in order. `lead` elements (scoring.find_lead: the standfirst
    kept in the header) come first and are taken as they are: their class ("article-header__lead")
    often reads like a layout region that _drop would remove."""
    r = _Renderer(top_len)
    for el in lead or ():
        r.block(el, False)
    for part in parts:
        if part.tag in BLOCK_TAGS or part.tag == "body":
            if part.tag == "body" or not _drop(part, top_len) or len(parts) == 1:
                r.block(part, False)
            elif part.tag == "header":  # an article header goes, its standfirst stays
                for el in lead_in(part):
                    r.block(el, False)
        elif not _drop(part, top_len):
            r.walk(part)
            r.flush()
    r.flush()
    return r.blocks


def prose_paragraphs(top: El) -> list[El]:
    """The paragraphs of prose in `top`, past the containers render_blocks dropped as widgets; for a top
    candidate that rendered to nothing. A paywalled page shows one teaser paragraph in a container
    that tag lists, share buttons and "related videos" make mostly links; Readability's conditional
    cleaning drops the whole container, and the article with it. Containers the markup names as not
    article (strong unlikely hints, <aside>, figures) are still skipped."""
    out: list[El] = []
    stack = [iter(top.children)]  # pre-order, in document order, without recursion (trees can be deep)
    while stack:
        c = next(stack[-1], None)
        if c is None:
            stack.pop()
        elif type(c) is not El or c.tag in REMOVE_TAGS or c.tag == "figure" or (c.hint and _unlikely(c.hint) == 2):
            continue
        elif c.tag == "p":
            if c.text_len >= 40 and c.punct >= 1 and link_density(c) < 0.5:
                out.append(c)
        else:
            stack.append(iter(c.children))
    return out


# The C renderer (_render.c) gives the same blocks at a fraction of the cost. It is used only once this
# process has seen both renderers agree on a page that exercises every rule above; a missing extension
# (no compiler at install) or a disagreement means the Python renderer. NEWSGRAB_PURE_PYTHON=1 forces it.
_SELF_CHECK_PAGE = """<html><body><header class="masthead"><a href="/">Site</a> <a href="/n">News</a></header>
<article class="story"><header class="article-header"><h1>The headline of the story</h1>
<p class="lead">A standfirst that tells what happened in more than eighty bytes of words but no stops</p></header>
<div class="article-body"><h2>Sub\u00adhead</h2><p>First paragraph, with <a href="/a">a link <span>inside</span> it</a>,
soft\u00adhyphens, NBSP\u00a0\u00a0runs, ideographic\u3000space, zero\u200bwidth, BOM\ufeff, tabs\t\tand\r\nnewlines.</p>
<p>Line one<br>line two<br> <br>line three, after a break.</p><hr><p>After the rule, still prose. More.</p>
<ol start="3"><li>three, <b>bold</b><ul><li>nested one</li><li>nested<br>two</li></ul></li><li>four.</li></ol>
<ol start=" 7 "><li>seven</li></ol><ul start="-2"><li>minus two</li></ul><ol start="x"><li>one</li></ol><ol start=""><li>e</li></ol>
<pre>
  code line\u00ad one
<b>bold</b>  two<br>three\t
</pre><pre>  \n  </pre><blockquote>A quote, <p>with a paragraph. Inside</p> it.</blockquote>
<p>漢字<ruby>漢<rt>kan</rt></ruby>と<ruby>字<rp>(</rp><rt>ji</rt><rp>)</rp></ruby>，中文。</p>
<figure><img src="a.png"><figcaption>A caption</figcaption></figure><figure><table><tr><td>a</td><td>b</td></tr>
<tr><td>c</td><td>d</td></tr></table></figure><figcaption>loose caption</figcaption>
<table><tr><th>Year</th><th>Sales</th></tr><tr><td>2023</td><td>\n1<br>200 <b>k</b><p>€</p>x</td></tr><tr><td></td><td></td></tr></table>
<table><tr><td><p>A layout table, one column, holding prose. With sentences, commas.</p></td></tr></table>
<aside class="box">Aside text</aside><div class="share-tools"><a href="/s">Share</a></div>
<div class="sidebar-grid"><p>Prose in a weak hint, long enough? no.</p></div><div class="comments">x, y.</div>
<div class="links"><a href="/1">One link</a> <a href="/2">Two link</a> <a href="/3">Three link</a></div>
<div class="teasers"><ul><li><a href="/a">A</a></li><li><a href="/b">B</a></li><li><a href="/c">C</a></li>
<li><a href="/d">D</a></li><li>e</li></ul> words words</div><span class="ad">Ad</span><td></td>
<h3>Tail heading</h3><dl><dt>Term</dt><dd>Definition, with text.</dd></dl><center>Centered</center>
<p>Last paragraph of the story, with a closing sentence. And another one, to make it long.</p></div></article>
<footer class="site-footer">Copyright</footer></body></html>"""


def block_fields(block: Block) -> tuple:
    """A block's fields with their types: two renderers agree when these do (1 == True, 0 == 0.0)."""
    return tuple((type(v), v) for v in (block.kind, block.text, block.level, block.link_ratio, block.ordered,
                                        block.number, block.cells))


def renders_of(root: El, texty: list[El], parts: list[El], top_len: int, lead: list[El] | None) -> list[tuple]:
    """(parts, top_len, lead) calls covering many shapes of one page: the article as extraction renders
    it, then the element children of the root and of every texty element, together and one by one."""
    calls = [(parts, top_len, lead), (parts, top_len, None), ([root], root.text_len, None)]
    for container in [root, *texty]:
        children = [c for c in container.children if type(c) is El]
        calls.append((children, top_len, None))
        calls.append(([container], container.text_len, None))
    return calls


def _self_check(module) -> bool:
    from .dom import parse
    from .stories import find_lead

    _, root, _ = parse(_SELF_CHECK_PAGE)
    top = next(el for el in root.iter() if el.hint == "article-body")  # (what scoring finds; not run here)
    first_p = next(el for el in top.iter() if el.tag == "p")
    # The story as extraction renders it, the whole page, and element children as parts (the article's:
    # a header to drop keeping its lead; the page's; a paragraph's: inline parts). A few milliseconds,
    # paid by the first page of every worker process: not every shape renders_of makes for the tests.
    calls = [([top], top.text_len, find_lead([top])), ([root], root.text_len, None)]
    for container in (top.parent, root, first_p):
        calls.append(([c for c in container.children if type(c) is El], top.text_len, None))
    for args in calls:
        c, python = module.render_blocks(*args), render_blocks_python(*args)
        if c is NotImplemented or [block_fields(b) for b in c] != [block_fields(b) for b in python]:
            return False
    return True


class _Hinted:
    """Stands for an element in class_weight(), which reads only the hint (anything else it read would
    raise here, and the self-check would turn the C renderer off rather than give other weights)."""

    __slots__ = ("hint",)

    def __init__(self, hint: str):
        self.hint = hint


def _class_weight_of(hint: str) -> int:
    """scoring.class_weight of an element with this class/id hint (it reads nothing else)."""
    return class_weight(_Hinted(hint))


_fast: list = []  # [the _render module, or None], filled by the first _fast_module() call


def _fast_module():
    return trusted(_fast, _load_fast_module)


def _import_fast():
    from . import _render

    return _render


def _load_fast_module():
    try:
        module = _import_fast()
        module.init(El, Block, BLOCK_TAGS, HEADING_TAGS, REMOVE_TAGS, _SPACE_AFTER, _unlikely, _class_weight_of, lead_in, _ol_start)
        return module if _self_check(module) else None
    except Exception:  # noqa: BLE001 - whatever goes wrong, the Python renderer is the answer
        return None
