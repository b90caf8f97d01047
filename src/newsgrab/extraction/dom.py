"""The only module that touches selectolax: parse once, read the head, copy the body into a light tree.

Everything after parsing works on `El`, a small Python tree with only what extraction needs
(tag, class/id hints, a few attributes, children, text). Walking selectolax nodes from Python costs a
call per attribute access; copying the body once, skipping what can never be content (scripts,
styles, forms controls, hidden elements), makes every later pass a cheap walk over plain objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborHTMLParser

from ..native import trusted
from .guard import cap_html, leaves_unchanged
from .tables import BLOCK_TAGS, INLINE_TAGS

__all__ = ["El", "Head", "parse", "release", "MAX_DEPTH"]

# Elements never part of an article; their whole subtree is skipped while copying.
SKIP_TAGS = frozenset(
    "script style noscript template svg math canvas iframe object embed select option textarea button "
    "input link meta head title audio video source track map area dialog frameset frame applet "
    "img picture wbr".split()  # images never reach text; figcaption is dropped by render.py
)

_WO_EVENTS = 1  # selectolax.lexbor.LexborDocumentOptions.WO_EVENTS (lexbor's LXB_DOM_DOCUMENT_OPT_WO_EVENTS)

# Lexbor's tree building is fine with deep nesting, but recursion over a 100,000-deep tree is not.
# Past this depth the copy flattens: deeper elements are read as text only.
MAX_DEPTH = 180

_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WS = re.compile(r"\s+")


class El:
    """An element of the light tree. `children` holds `El`s and `str`s (text), in document order."""

    __slots__ = ("tag", "hint", "attrs", "children", "parent", "score", "text_len", "link_len", "punct", "flag", "direct")

    def __init__(self, tag: str, hint: str, attrs: dict | None, parent: "El | None"):
        self.tag = tag
        self.hint = hint  # "class id" lower-cased, for the class/id weight patterns
        self.attrs = attrs
        self.children: list = []
        self.parent = parent
        self.score = 0.0
        # Set by _copy once the subtree is copied (not here: this runs once per node of the page):
        # text_len  text length of the subtree, in UTF-8 bytes of trimmed text nodes
        # link_len  the part of text_len inside <a>
        # punct     sentence punctuation in the subtree (commas, full stops, CJK marks)
        # flag      bit 1: has block-level children
        # direct    text held directly (text nodes, inline children), not in block children

    def get(self, name: str) -> str | None:
        return self.attrs.get(name) if self.attrs else None

    def iter(self):
        """Pre-order walk over the elements of this subtree (self included)."""
        stack = [self]
        pop, push = stack.pop, stack.extend
        while stack:
            el = pop()
            yield el
            if el.children:
                push([c for c in reversed(el.children) if type(c) is El])

    def ancestors(self) -> list["El"]:
        """Parent, grandparent, ... up to the root."""
        out = []
        p = self.parent
        while p is not None:
            out.append(p)
            p = p.parent
        return out

    def text(self) -> str:
        """Raw text of the subtree, whitespace collapsed; <br> counts as a space."""
        out: list[str] = []
        _collect_text(self, out)
        return _WS.sub(" ", "".join(out)).strip()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<El {self.tag} {self.hint!r} len={self.text_len} score={self.score:.1f}>"


def _collect_text(el: El, out: list[str]) -> None:
    for c in el.children:
        if type(c) is str:
            out.append(c)
        elif c.tag == "br":
            out.append(" ")
        else:
            _collect_text(c, out)
            if c.tag in _SPACE_AFTER:
                out.append(" ")


_SPACE_AFTER = frozenset("p div li td th tr h1 h2 h3 h4 h5 h6 section article blockquote dd dt ul ol table".split())


@dataclass(slots=True)
class Head:
    """What extraction reads from outside the body copy: metadata sources."""

    lang: str | None = None
    title: str | None = None
    metas: list[tuple[str, str]] = field(default_factory=list)  # (name|property|itemprop lower-cased, content)
    links: list[tuple[str, str]] = field(default_factory=list)  # (rel lower-cased, href)
    json_ld: list[str] = field(default_factory=list)  # raw JSON-LD script texts
    h1s: list[str] = field(default_factory=list)
    times: list[tuple[str, str]] = field(default_factory=list)  # (<time datetime>, text)
    body_text: str = ""  # the whole body's text (lexbor's, before pruning): for datelines near the title
    article_count: int = 0  # <article> elements on the page: one of them is the story's own boundary
    json_state: list[str] = field(default_factory=list)  # embedded app state (<script type=application/json>)


def parse(html: str, utf8: bytes | None = None) -> tuple[Head, El, list[El]]:
    """Parse `html` once; return its metadata sources, a measured light copy of the body, and the
    elements of that copy that hold some text (bottom-up order), which is all scoring looks at.
    `utf8`, when given, must be exactly `html` encoded in UTF-8 (encoding.decode_source): lexbor parses
    UTF-8, and handing it a str makes selectolax encode the whole page first."""
    # options=_WO_EVENTS: no DOM mutation callbacks while the tree is built (3% of a parse); they mirror
    # a selected <option> into <selectedcontent> and the like, form controls the copy skips anyway.
    if utf8 is not None and leaves_unchanged(html, utf8):
        tree = LexborHTMLParser(utf8, options=_WO_EVENTS)
    else:
        tree = LexborHTMLParser(cap_html(html), options=_WO_EVENTS)
    fast = _fast_module()
    body = tree.body
    if fast is not None and tree.root is not None:
        # _read_head(tree, _head_items(tree)) and the body's text, from one C walk of the document.
        lang, title, metas, links, json_ld, json_state, h1s, times, articles, body_text, regions = fast.head(tree.root.mem_id)
        head = Head(lang, title, metas, links, json_ld, [_WS.sub(" ", h) for h in h1s], times, "", articles, json_state)
    else:
        fast = None
        head = _read_head(tree, _head_items(tree))
        body_text = body.text(deep=True) if body is not None else ""
    root = El("body", "", None, None)
    texty: list[El] = []
    if body is not None:
        head.body_text = body_text
        if fast is not None:
            # The C copy skips the dropped regions instead of removing them from the tree.
            skip = {address for address, tag, chars in regions if _drop_region(tag, chars, len(body_text))}
            fast.copy(body.mem_id, root, texty, skip)
        else:
            _prune(tree, len(body_text))
            _copy(body, root, 0, False, texty)
    else:  # a frameset page has no body: an empty root, measured as _copy would
        root.text_len = root.link_len = root.punct = root.flag = root.direct = 0
    return head, root, texty


# Page-level regions that are never the article. Removing them in lexbor (C) before the copy halves
# the nodes Python has to visit on a typical news page.
_PRUNE_SELECTOR = "nav, footer, aside"


def _drop_region(tag: str, chars: int, total: int) -> bool:
    # A <nav> is navigation however much link text it holds (mega-menus can outweigh the story).
    return tag == "nav" or chars < 0.25 * total


def _prune(tree, total: int) -> None:
    """Drop nav/footer/aside regions that hold a small share of the page's text. Some templates wrap
    the whole story in an <aside> or a <footer>; the share test keeps those."""
    regions = tree.css(_PRUNE_SELECTOR)
    if not regions:
        return
    # Decide everything before removing anything: once a region is decomposed, the nodes of regions
    # nested in it are freed, and touching them would read freed memory.
    doomed = [region for region in regions if _drop_region(region.tag, len(region.text(deep=True)), total)]
    if len(doomed) > 1:
        ids = {r.mem_id for r in doomed}
        outer = []
        for r in doomed:
            p = r.parent
            while p is not None and p.mem_id not in ids:
                p = p.parent
            if p is None:
                outer.append(r)
        doomed = outer
    for region in doomed:
        region.decompose()


# Everything metadata needs, matched in one pass over the tree (each css() call is a full walk).
_HEAD_SELECTOR = (
    'title, meta[content], link[rel][href], script[type*="ld+json"], script[type="application/json"], '
    'h1, time, article, '
    "[itemprop][datetime], [itemprop=author], [itemprop=datePublished]"
)


_MAX_STATE = 4 * 1024 * 1024  # embedded state larger than this is not searched for the article


def _head_items(tree) -> list[tuple[str, dict, str | None, str | None]]:
    """The elements metadata reads, in document order, as (tag, attributes, text, spaced text).
    text: a <script>'s raw text; for <title>, <time>, <h1> and itemprop elements without a value
    attribute, the text nodes stripped and joined; spaced text: the same joined by spaces, for <h1>.
    _lightcopy.head builds the Head from one C walk instead (this CSS query tests eleven selectors
    against every node)."""
    items, seen = [], set()
    for node in tree.css(_HEAD_SELECTOR):
        if node.mem_id in seen:  # lexbor lists an element once per selector it matches
            continue
        seen.add(node.mem_id)
        tag, a = node.tag, node.attributes
        text = spaced = None
        if tag == "script":
            text = node.text(deep=True)
        elif tag in ("title", "time", "h1") or ("itemprop" in a and not (a.get("datetime") or a.get("content"))):
            text = node.text(strip=True)
        if tag == "h1":
            spaced = node.text(separator=" ", strip=True)
        items.append((tag, a, text, spaced))
    return items


def _read_head(tree, items) -> Head:
    head = Head()
    html = tree.root
    if html is not None and html.tag == "html":
        a = html.attributes
        head.lang = a.get("lang") or a.get("xml:lang") or None
    for tag, a, text, spaced in items:
        if tag == "meta":
            key = a.get("property") or a.get("name") or a.get("itemprop") or a.get("http-equiv")
            content = a.get("content")
            if key and content:
                head.metas.append((key.strip().lower(), content.strip()))
            continue
        if "itemprop" in a and tag != "script":
            value = a.get("datetime") or a.get("content") or text or ""
            head.metas.append((("itemprop:" + (a.get("itemprop") or "")).lower(), value[:300]))
        if tag == "title":
            if head.title is None:
                head.title = text or None
        elif tag == "link":
            head.links.append(((a.get("rel") or "").lower(), (a.get("href") or "").strip()))
        elif tag == "script":
            if text:
                if "ld+json" in (a.get("type") or ""):
                    head.json_ld.append(text)
                elif len(text) < _MAX_STATE:
                    head.json_state.append(text)
        elif tag == "h1":
            if spaced:
                head.h1s.append(_WS.sub(" ", spaced))
        elif tag == "article":
            head.article_count += 1
        elif tag == "time":
            head.times.append(((a.get("datetime") or "").strip(), text))
    return head


def _copy(node, parent: El, depth: int, in_link: bool, texty: list[El]) -> None:
    """Copy the children of selectolax `node` under `parent`, skipping what is never content, and
    measure on the way back up (one walk instead of two): text_len, link_len, punct, flag bit 1 =
    holds block children, and `direct`, the length of text held directly rather than in block
    children. Elements with some text are appended to `texty`."""
    children = parent.children
    tl = ll = pu = direct = 0
    has_block = False
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            t = child.text_content
            if t:
                children.append(t)
                s = t.strip()
                if s:
                    n = len(s.encode())  # UTF-8 bytes: a CJK character weighs 3, a Latin letter 1
                    tl += n
                    direct += n
                    if in_link:
                        ll += n
                    if n > 10:  # commas and full stops mark sentences; str.count is 7x a regex
                        pu += s.count(",") + s.count(".") + s.count("，") + s.count("。") + s.count("、")
            continue
        if not tag or tag in SKIP_TAGS or tag[0] == "-" or tag == "!doctype":
            continue
        attrs = child.attributes
        if attrs:
            if "hidden" in attrs or attrs.get("aria-hidden") == "true" and tag in ("div", "span", "ul", "section"):
                continue
            style = attrs.get("style")
            if style and _HIDDEN_STYLE.search(style):
                continue
            cls = attrs.get("class")
            ident = attrs.get("id")
            hint = (f"{cls} {ident}" if ident else cls).lower() if cls else (ident.lower() if ident else "")
            kept = attrs  # lexbor built this dict for us; keep it rather than copy parts of it
        else:
            hint, kept = "", None
        el = El(tag, hint, kept, parent)
        children.append(el)
        if tag == "a" and (only := child.first_child) is not None and only.tag == "-text" and only.next is None:
            # Most links hold one text node: read it directly instead of walking into the link
            # (a page has hundreds of links).
            txt = only.text_content or ""
            s = txt.strip()
            n = len(s.encode()) if s else 0
            if s:
                el.children.append(txt)
            el.text_len = el.link_len = el.direct = n
            el.punct = s.count(",") + s.count(".") + s.count("，") + s.count("。") + s.count("、") if n > 10 else 0
            el.flag = 0
        elif depth < MAX_DEPTH:
            _copy(child, el, depth + 1, in_link or tag == "a", texty)
        else:
            txt = child.text(separator=" ")
            if txt:
                el.children.append(txt)
            el.text_len = el.direct = len(txt.strip().encode()) if txt else 0
            el.link_len = el.punct = el.flag = 0
        n = el.text_len
        if n:
            tl += n
            ll += el.link_len
            pu += el.punct
            if tag in BLOCK_TAGS:
                has_block = True
            elif tag in INLINE_TAGS or tag == "br":
                direct += n
        elif tag in BLOCK_TAGS:
            has_block = True
    parent.text_len = tl
    parent.link_len = ll
    parent.punct = pu
    parent.flag = 1 if has_block else 0
    parent.direct = direct
    if tl >= 25:
        texty.append(parent)


# The C copy (_lightcopy.c) builds the same tree as _copy at about a tenth of the cost. It is used
# only once this process has seen both walks agree on a page that exercises every rule of _copy;
# a missing extension (no compiler at install) or a selectolax whose lexbor it cannot read means the
# Python walk. NEWSGRAB_PURE_PYTHON=1 forces the Python walk.
_SELF_CHECK_PAGE = """<html><body>
<div class="Story Main" id="Top"> Intro\u00a0text, with commas. And stops.\u3000 <b>bold</b> tail
 <a href="/x">one link text that is long enough</a><a href="/y"> <i>nested</i> link </a>
 <p class="É" id="ß">中文，标点。顿号、\u2003<span>  </span><br>x</p>
 <ol start="3"><li>three</li><li>four, five.</li></ol><ol start><li>bare</li></ol>
 <div hidden>gone</div><div aria-hidden="true">gone</div><span aria-hidden="true">gone</span>
 <p aria-hidden="true">kept: aria-hidden is trusted on wrappers only</p>
 <div style="COLOR:red; Display : None">gone</div><div style="visibility:hidden">gone</div>
 <script>var x = 1;</script><style>p{}</style><!-- comment --><img src="a.png">
 <my-widget class="w">custom element text here</my-widget><section><table><tr><td>cell</td></tr></table></section>
 <figure><figcaption>caption</figcaption></figure><p></p><p> </p>
</div></body></html>"""

_fast: list = []  # [the _lightcopy module, or None], filled by the first _fast_module() call


def _fast_module():
    return trusted(_fast, _load_fast_module)


def release(root: El) -> None:
    """Clear the parent links of a light tree that is no longer needed. Without them the tree has no
    cycles, so reference counting frees it at once instead of leaving it to the cycle collector."""
    fast = _fast_module()
    if fast is not None:
        fast.release(root)
        return
    for el in root.iter():
        el.parent = None


def _load_fast_module():
    try:
        import selectolax.lexbor as lexbor_module

        from . import _lightcopy
        _lightcopy.init(lexbor_module.__file__, El, SKIP_TAGS, frozenset(BLOCK_TAGS), frozenset(INLINE_TAGS), MAX_DEPTH)
    except (ImportError, OSError, TypeError):
        return None
    check_tree = LexborHTMLParser(_SELF_CHECK_PAGE)
    _lightcopy.check_layout(check_tree.root.mem_id)  # read lexbor's node fields directly if they are where expected
    body = check_tree.body
    python_root, python_texty = El("body", "", None, None), []
    c_root, c_texty = El("body", "", None, None), []
    _copy(body, python_root, 0, False, python_texty)
    _lightcopy.copy(body.mem_id, c_root, c_texty)
    if signature(python_root) != signature(c_root) or [signature(e) for e in python_texty] != [signature(e) for e in c_texty]:
        return None
    if _head_of(_lightcopy, LexborHTMLParser(_SELF_CHECK_HEAD)) != _head_of(None, LexborHTMLParser(_SELF_CHECK_HEAD)):
        return None
    return _lightcopy


# Every rule of _read_head: meta keys in order and empty ones skipped, itemprop values and their cut,
# links, JSON-LD and state scripts, <h1>s, <time>s, <article>s, the first title, lang and xml:lang.
_SELF_CHECK_HEAD = (
    '<html xml:lang="fr" lang=""><head><title> A <b>t</b> </title><title>second</title>'
    '<meta property="" name=" OG:Title " content=" x "><meta http-equiv="X" content><meta name="z">'
    '<meta itemprop="author" content=""><meta name=a content=b name=c content=d>'
    '<link rel="Canonical" href=" /c "><link rel="icon"><link itemprop="author" rel="A">'
    '<script type="application/ld+json">{"a": 1}</script><script type="application/json">{"b": 2}</script>'
    '<script>var c</script><script itemprop="author">var d</script></head><body>x'
    '<h1> Head <span>line</span> </h1><h1> </h1><time datetime=" 2024-01-02 "> 2 Jan </time><time>t</time>'
    '<article>x</article><span itemprop="author"> <b>Ann</b> Lee </span><div itemprop="datePublished" content="">d</div>'
    '<p itemprop="x" datetime="2024">t</p><p itemprop="y">not matched</p><div itemprop="author">' + "y" * 310
    + '</div><span itemprop="datePublished" datetime content=" 2024 ">s</span></body></html>'
)


def _head_of(fast, tree) -> Head:
    """The Head dom.parse makes of `tree`, with the C walk of `fast` or (None) the CSS query."""
    if fast is None:
        head = _read_head(tree, _head_items(tree))
        head.body_text = tree.body.text(deep=True) if tree.body is not None else ""
        return head
    lang, title, metas, links, json_ld, json_state, h1s, times, articles, body_text, _ = fast.head(tree.root.mem_id)
    return Head(lang, title, metas, links, json_ld, [_WS.sub(" ", h) for h in h1s], times, body_text, articles, json_state)


def signature(el: El) -> tuple:
    """Everything later passes read from a light tree, as nested tuples: two walks agree when these do."""
    return (
        el.tag, el.hint, el.get("start"), el.text_len, el.link_len, el.punct, el.flag, el.direct,
        tuple(c if type(c) is str else signature(c) for c in el.children),
    )
