"""Find the article in the light tree: one scoring algorithm, in the spirit of Readability.js.

1. dom.parse has already measured every element while copying it: its effective text length,
   the part of it inside links, and its sentence punctuation.
2. `score` treats every paragraph-like block (p, pre, td, and div-like elements that hold text
   directly, as old Chinese sites do with <br>-separated text) as evidence: a block earns
   1 + punctuation + length bonus, and hands that to its parent, half to its grandparent, and
   less to ancestors further up. Containers start from a tag prior and a class/id weight.
3. The best container, discounted by its link density, is the article; `gather` then adds siblings
   that score well or read like prose (leads, bylines kept apart from the body, continuation blocks).

Lengths are UTF-8 byte counts of whitespace-trimmed text: a CJK character counts three, a Latin
letter one. That is roughly the information each carries, so one set of thresholds serves
Chinese, Japanese and European pages alike.
"""

from __future__ import annotations

from functools import lru_cache

from ..native import trusted
from . import hints, stories
from .dom import El
from .stories import title_headings, titled_story
from .tables import COMMENT_HINT, REMOVE_TAGS, STRONG_NEGATIVE_HINT

__all__ = ["class_weight", "find_article", "link_density"]

# Prior of a container by tag: divs/articles usually hold articles; lists, headings and forms don't.
_TAG_PRIOR = {
    "article": 8, "main": 5, "div": 5, "section": 3, "td": 3, "pre": 3, "blockquote": 3, "center": 2,
    "font": 1, "span": 0, "form": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3,
    "address": -3, "th": -5, "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5,
    "nav": -25, "aside": -20, "footer": -25, "header": -8,
}
# Blocks whose own text counts as a paragraph of evidence.
_PARAGRAPH_TAGS = frozenset(("p", "pre"))
# List items are evidence too (protocols, recipes, explainers are lists), when they hold prose.
_LIST_ITEM = "li"
# Elements that may hold text directly between child elements (text + <br> sites).
_TEXT_HOLDERS = frozenset(
    ("div", "section", "article", "td", "dd", "blockquote", "font", "span", "center", "main", "body", "tbody", "table", "tr")
)
_MIN_PARAGRAPH = 25  # bytes: shorter blocks are captions, buttons, labels


def link_density(el: El) -> float:
    return el.link_len / el.text_len if el.text_len else 0.0


def class_weight(el: El) -> int:
    """Readability's class/id weight: -25 for hints of boilerplate, +25 for hints of content."""
    hint = el.hint
    if not hint:
        return 0
    w = _WEIGHTS.get(hint)
    if w is None:
        # Templates repeat the same few class strings hundreds of times: match each string once.
        w = (-25 if hints.matches(hints.NEGATIVE, hint) else 0) + (25 if hints.matches(hints.POSITIVE, hint) else 0)
        if len(_WEIGHTS) < _WEIGHTS_CAP:
            _WEIGHTS[hint] = w
    return w


_WEIGHTS: dict[str, int] = {}
_WEIGHTS_CAP = 50_000

# The patterns _scorefast.c matches, in the order its init() takes them.
_HINT_PATTERNS = hints.PATTERNS


def _strong_hint(hint: str) -> bool:
    return hints.matches(hints.STRONG_NEGATIVE, hint)


# What a class/id string says, matched once per distinct string (templates repeat them), with the
# cheapest patterns that answer each question.
@lru_cache(maxsize=20_000)
def _comments_hint(hint: str) -> bool:
    return COMMENT_HINT.search(hint) is not None


@lru_cache(maxsize=20_000)
def _boiler_hint(hint: str) -> bool:
    """Comments, related stories, sidebars, share bars..."""
    return STRONG_NEGATIVE_HINT.search(hint) is not None or _comments_hint(hint)


def _candidates_python(texty: list[El]) -> list[El]:
    """The scored containers, discounted by their link density, best first (the reference of
    _scorefast.candidates)."""
    candidates = _score_python(texty)
    for c in candidates:
        c.score *= 1 - link_density(c)
    candidates.sort(key=lambda c: c.score, reverse=True)
    return candidates


def _score_python(texty: list[El]) -> list[El]:
    """Score containers from the paragraphs they hold; return the scored containers."""
    scored: list[El] = []
    seen: set[int] = set()
    for el in texty:
        direct = el.direct
        tag = el.tag
        if tag in _PARAGRAPH_TAGS or (tag in _TEXT_HOLDERS and not (el.flag & 1)) or (
            tag == _LIST_ITEM and not (el.flag & 1) and el.text_len >= 150 and el.punct >= 2
        ):
            length = el.text_len
            punct = el.punct
            holder = el.parent
        elif tag in _TEXT_HOLDERS and direct >= _MIN_PARAGRAPH:
            # Text sitting directly in a container among block children: it is a paragraph of the
            # container itself (Readability wraps such text in a <p> first).
            length = int(direct)
            punct = max(1, el.punct // 4)
            holder = el
        else:
            continue
        if length < _MIN_PARAGRAPH or holder is None:
            continue
        if el.link_len > 0.6 * el.text_len and holder is not el:
            continue  # a paragraph of links is navigation, not evidence
        contribution = 1 + min(punct, 30) + min(length / 100, 3)
        level = 0
        anc = holder
        while anc is not None and level < 6:
            if id(anc) not in seen:
                seen.add(id(anc))
                anc.score = _TAG_PRIOR.get(anc.tag, 0) + class_weight(anc)
                scored.append(anc)
            anc.score += contribution / (1 if level == 0 else 2 if level == 1 else level * 3)
            anc = anc.parent
            level += 1
    return scored


def find_article(
    root: El, texty: list[El], article_count: int = 0, title: str | None = None, h1_count: int = 0
) -> tuple[El, list[El]]:
    """Return the best container and the list of top-level elements that make the article.

    `root` and `texty` come from dom.parse, already measured; `article_count` is the number of
    <article> elements on the page, `h1_count` the number of <h1>, `title` the page's headline."""
    return _find_article(_fast_module(), root, texty, article_count, title, h1_count)


def _find_article(fast, root: El, texty: list[El], article_count: int, title: str | None, h1_count: int):
    """find_article with the C hot paths of `fast`, or all in Python when `fast` is None."""
    candidates = NotImplemented if fast is None else fast.candidates(texty)
    if candidates is NotImplemented:  # (the C code met something it does not expect in the tree)
        candidates = _candidates_python(texty)
    if not candidates:
        return root, [root]
    # Reader comments are prose too: the best candidates inside a comment thread are passed over.
    head = NotImplemented if fast is None else fast.comment_free(candidates[:12], root.text_len)
    if head is NotImplemented:
        head = _comment_free_python(candidates[:12], root.text_len)
    if head:
        candidates = head + candidates[12:]
    top = candidates[0]

    # A page holding several whole stories (endless scroll, a day's stories one after another):
    # the page's own story is the one under the heading that carries its title.
    # (`story` is that story's box: the climb and the gathering below stop at it.)
    titled, story = None, None
    if title and (article_count > 1 or h1_count > 1):
        headings = title_headings if fast is None else fast.headings
        titled, story = titled_story(root, texty, candidates, top, title, headings)
        if titled is not None:
            top = titled

    if titled is None:
        split = NotImplemented if fast is None else fast.split_top(top, candidates)
        top = _split_top_python(top, candidates) if split is NotImplemented else split
    climbed = NotImplemented if fast is None else fast.climb(top, story, article_count)
    top = _climb_python(top, story, article_count) if climbed is NotImplemented else climbed
    if top is story:
        return top, [top]  # (the titled story's siblings are other stories)
    parts = NotImplemented if fast is None else fast.gather(top)
    return top, gather_python(top) if parts is NotImplemented else parts


def _split_top_python(top: El, candidates: list[El]) -> El:
    """Several strong candidates under one ancestor mean the article is split in parts (lead, body,
    continuation): the ancestor of `top` that holds most of them, else `top`. (The reference of
    _scorefast.split_top.)"""
    # (Candidates inside or around the top one are the same evidence counted again: skip them.)
    top_chain = {id(a) for a in top.ancestors()}
    strong = [
        c for c in candidates[1:6]
        if c.score >= 0.75 * top.score and id(c) not in top_chain and id(top) not in {id(a) for a in c.ancestors()}
    ]
    if len(strong) >= 2:
        chains = [set(map(id, c.ancestors())) for c in strong]
        for anc in top.ancestors():
            if anc.tag == "body":
                break
            if sum(1 for ch in chains if id(anc) in ch) >= 2:
                return anc
    return top


def _climb_python(top: El, story: El | None, article_count: int) -> El:
    """The top candidate is often one of several sibling boxes of the same story (text beside a
    picture, an accordion of sections, a table cell). Climb while the parent adds prose, not links.
    Wrappers that add (almost) nothing are climbed through on the way. (The reference of
    _scorefast.climb.)"""
    for _ in range(8):
        parent = top.parent
        if parent is None or parent.tag == "body" or _strong_hint(parent.hint or ""):
            break
        if top is story:
            break  # the titled story's box: above it are the other stories
        if top.tag == "article" and article_count == 1:
            break  # the page's one <article> is the story's own boundary: beyond it are comments, teasers
        extra = parent.text_len - top.text_len
        extra_links = parent.link_len - top.link_len
        if extra > 60:
            # The prose the parent adds lives in top's siblings: walk only those, not top again.
            # (Comments, related stories and sidebars add no prose: they mark a page-level region.)
            added = sum(_prose(c) for c in parent.children if type(c) is El and c is not top)
            if extra_links > 0.3 * extra or added < 0.5 * (extra - extra_links):
                break
        top = parent
    # A lone child wraps nothing: use its parent.
    while top.parent is not None and top.parent.tag != "body" and _element_children(top.parent) == 1:
        top = top.parent
    return top


def _comment_free_python(candidates: list[El], page_len: int) -> list[El]:
    """The candidates not inside a comment thread (the reference of _scorefast.comment_free)."""
    seen: dict[int, bool] = {}
    return [c for c in candidates if not _in_comments(c, page_len, seen)]


def _in_comments(el: El, page_len: int, seen: dict[int, bool]) -> bool:
    """Inside a container whose class/id says comments (one that wraps most of the page is a
    template's switch, "comments-open", not a thread). `seen` remembers the answer for the
    ancestors already walked: the candidates' chains overlap."""
    walked = []
    anc = el
    found = False
    while anc is not None and anc.tag != "body":
        known = seen.get(id(anc))
        if known is not None:
            found = known
            break
        walked.append(id(anc))
        if anc.hint and _comments_hint(anc.hint) and anc.text_len < 0.8 * page_len:
            found = True
            break
        anc = anc.parent
    for i in walked:
        seen[i] = found
    return found


_PROSE_TAGS = frozenset(("p", "pre", "blockquote", "li", "td", "dd"))


def _prose(el: El) -> int:
    """Text of the subtree that sits in paragraph-like blocks with punctuation (not links, labels),
    outside containers whose class/id says comments, related stories, sidebar..."""
    total = 0
    stack = [el]
    while stack:
        e = stack.pop()
        if e.hint and _boiler_hint(e.hint):
            continue
        if e.tag in _PROSE_TAGS or not (e.flag & 1):
            if e.punct and e.link_len < 0.5 * e.text_len:
                total += e.text_len - e.link_len
            continue
        stack.extend(c for c in e.children if type(c) is El)
    return total


def _element_children(el: El) -> int:
    n = 0
    for c in el.children:
        if type(c) is El:
            n += 1
        elif c.strip():
            return 99  # holds text of its own: not a mere wrapper
    return n


def gather(top: El) -> list[El]:
    """The article is the top candidate plus siblings that look like part of it."""
    fast = _fast_module()
    parts = NotImplemented if fast is None else fast.gather(top)
    return gather_python(top) if parts is NotImplemented else parts


def gather_python(top: El) -> list[El]:
    """gather's reference (of _scorefast.gather)."""
    parent = top.parent
    if parent is None:
        return [top]
    threshold = max(10.0, top.score * 0.2)
    out: list[El] = []
    for sib in parent.children:
        if type(sib) is not El:
            continue
        if sib is top:
            out.append(sib)
            continue
        bonus = top.score * 0.2 if top.hint and sib.hint == top.hint else 0
        if sib.score and sib.score + bonus >= threshold and not _strong_hint(sib.hint):
            out.append(sib)
        elif sib.tag in _GATHER_TAGS or (sib.tag == "div" and not (sib.flag & 1)):
            ld = link_density(sib)
            n = sib.text_len
            if class_weight(sib) < 0:
                continue
            if n > 80 and ld < 0.25:
                out.append(sib)
            elif 0 < n <= 80 and ld == 0 and sib.tag == "p" and sib.text().endswith(_SENTENCE_ENDS):
                out.append(sib)
    return out


# Siblings of these tags join the article when they read like prose.
_GATHER_TAGS = frozenset(("p", "blockquote", "h2", "h3", "ul", "ol", "table"))
_SENTENCE_ENDS = (".", "。", "!", "?", "！", "？", "”")


# ---- the C hot paths ------------------------------------------------------------------------------------
# _scorefast.c runs the functions named *_python above, _prose, stories.title_headings, stories.find_lead and
# stories.lead_in, and the hint patterns
# (`re` tries each alternative at every position of a class string not seen before: ~10 us a string, the
# C matcher well under 1 us). find_article costs about an eighth of what it cost in Python on a page seen for
# the first time. The C code is used only once this process has seen it agree with the Python code on a page
# and a list of hints that exercise every rule above; a missing extension means the Python code, and so
# does NEWSGRAB_PURE_PYTHON=1.

_SELF_CHECK_PAGE = """<html><body>
<header class="site-header"><p>Masthead text that is long enough to count, with a comma.</p></header>
<div class="Article-Body main" id="story">
 <p>First paragraph of the story, with commas, full stops. And more text to pass the length bonus of
 three hundred bytes: lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor
 incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation.</p>
 <p>Short one, twenty-five b.</p><p>Exactly twenty-five bytes</p><p>twenty-four bytes, here.</p>
 <p><a href="/a">A paragraph that is almost all link text, long enough to count</a> tail.</p>
 <div>Text held directly by a div, among block children, long enough to count as its own paragraph.
  <p>A block child, with a comma. And a stop.</p> more direct text, with commas, and stops. Yes.</div>
 <ul class="list"><li>A list item of prose, long enough: it has more than one hundred and fifty bytes of
 text, with commas, full stops. So it counts as evidence, like a paragraph would, in the scoring.</li>
 <li>Short item, one comma.</li></ul>
 <pre>preformatted text, with a comma. And long enough to count too.</pre>
 <td>中文段落，标点符号。顿号、还有更多的文字，足够长了。</td>
 <div><div><div><div><div><div><div><p>Deeply nested paragraph, seven levels down, with commas, stops.</p>
 </div></div></div></div></div></div></div>
 <div class="box-1"><p>Twin box paragraph, same text, same score, with a comma.</p></div>
 <div class="box-1"><p>Twin box paragraph, same text, same score, with a comma.</p></div>
 <article><section class="content"><p>Article section text, prose with commas, and a full stop.</p></section></article>
 <blockquote>Quoted text, long enough to count, with a comma, and a stop.</blockquote>
</div>
<div id="comments" class="comment-list"><p>A reader comment, with commas, and full stops. Long enough.</p>
 <div class="comment"><p>Another comment, with commas, and stops, long enough to count too.</p></div></div>
<div class="related-posts sidebar"><p>Related story teaser, with a comma, long enough to count.</p></div>
<div class="commentary"><p>An opinion column, not comments, with commas, and a stop, long enough.</p></div>
<nav class="menu"><p>Menu paragraph, with a comma, long enough to count as evidence.</p></nav>
<footer><p>Footer text, copyright, with commas, long enough to count here.</p></footer>
<div class="x\u00e9 post"><p>Non-ASCII hint box, with commas, and stops, long enough to count.</p></div>
<section class="hidden-xs share"><h2>Heading that is long enough to count</h2><p>Shared, text, here.</p></section>
<center><font class="txt">Old site text in a font tag, with commas, and stops, long enough.</font></center>
<table><tbody><tr><td>Table cell text, with commas, long enough to count as a paragraph.</td>
<th>Header cell text, with commas, long enough to be seen.</th></tr></tbody></table>
<dl><dd>Definition text, with commas, and stops, long enough to count, yes.</dd></dl>
</body></html>"""

# Hints that reach every rule of the four patterns: each alternative, the anchors and lookaheads, case.
_SELF_CHECK_HINTS = (
    "", " ", "a", "hidden", "hidden-xs", "hidden-x", "hidden-print", "x-hidden-mobile y", "hid", "hid-den", "hidx",
    "_hid_", "ad", "ads", " ad ", "x_ad-", "ad\n", "add", "bad", "nav", "nav\n", "navbar", "x nav", "x-nav-y",
    "comment", "comments", "commentary", "commentator", "Comment-Box", "kommentare", "hotnews", "hot-news",
    "hot_news", "morenews", "read-more", "readmore", "main-text", "maintext", "rich-text", "teaser-list",
    "page-content post", "entry-content hentry", "h-entry", "news_txt", "PINGLUN", "x\u00e9 post", "\u212aomment",
    "menu\t", "\x1cad\x1f", "story__body article", "respond", "discussion", "sidebar widget", "cookie-banner",
    "com-", "contact", "footnote", "gdpr masthead", "media meta", "outbrain promo", "related scroll share",
    "shoutbox skyscraper sponsor shopping tags tool widget", "breadcrumb crumb byline author dateline",
    "recommend newsletter subscribe social advert", "popup modal cookie rank copyright disclaimer",
    "pagination pager paging login signup", "xgyd tuijian xiangguan guanggao fenxiang", "body content entry",
    "artic zhengwen detail cont txt neirong wenzhang blog text", "replies disqus",
)

_fast: list = []  # [the _scorefast module, or None], filled by the first _fast_module() call


def _fast_module():
    return trusted(_fast, _load_fast_module)


def _load_fast_module():
    try:
        from . import _scorefast

        # Checked against a weight cache of its own, so that the C weights are computed, not read back.
        _init(_scorefast, {})
        if not _self_check(_scorefast) or not stories.self_check(_scorefast):
            return None
        _init(_scorefast, _WEIGHTS)
    except Exception:  # noqa: BLE001 - whatever goes wrong, the Python code is the answer
        return None
    hints.use(_scorefast)  # (class weights, stories' and render's hint tests ask it from now on)
    stories.use(_scorefast)  # (find_lead, lead_in)
    return _scorefast


def _init(module, weights: dict, patterns: tuple = _HINT_PATTERNS) -> None:
    tables = (_TAG_PRIOR, _PARAGRAPH_TAGS, _TEXT_HOLDERS, _PROSE_TAGS, _GATHER_TAGS, _SENTENCE_ENDS)
    module.init(El, patterns, *tables, weights, _WEIGHTS_CAP, REMOVE_TAGS, stories._LEAD_TAGS)


def _self_check(fast) -> bool:
    from .dom import parse

    _, python_root, python_texty = parse(_SELF_CHECK_PAGE)
    _, c_root, c_texty = parse(_SELF_CHECK_PAGE)
    hints = set(_SELF_CHECK_HINTS) | {e.hint for e in python_root.iter()}
    for hint in hints:
        for i, pattern in enumerate(_HINT_PATTERNS):
            if fast.search(i, hint) != (pattern.search(hint) is not None):
                return False
    title = "Heading that is long enough to count"  # (as on a page of two stories: find_article looks for it)
    return compare(python_root, python_texty, c_root, c_texty, fast, 2, title, 1) is None


def compare(
    python_root: El, python_texty: list[El], c_root: El, c_texty: list[El], fast,
    article_count: int = 0, title: str | None = None, h1_count: int = 0,
) -> str | None:
    """Run the Python code on one tree and `fast` on a second copy of it; None when they agree on
    everything (every element's score, the candidates and their order, the comment filter, the prose
    of every element, what find_article makes of its best candidates, find_article itself), else
    what differed. (The tests call this on every page.)"""
    python_els, c_els = list(python_root.iter()), list(c_root.iter())
    if len(python_els) != len(c_els) or len(python_texty) != len(c_texty):
        return "the two trees differ"
    python_index = {id(e): i for i, e in enumerate(python_els)}
    c_index = {id(e): i for i, e in enumerate(c_els)}
    python_cands = _candidates_python(python_texty)
    c_cands = fast.candidates(c_texty)
    if c_cands is NotImplemented:
        return "candidates: NotImplemented"
    if [python_index[id(e)] for e in python_cands] != [c_index[id(e)] for e in c_cands]:
        return "candidates differ"
    for i, (p, c) in enumerate(zip(python_els, c_els)):
        if type(p.score) is not type(c.score) or p.score != c.score:
            return f"score of element {i} ({p.tag} {p.hint!r}): python {p.score!r}, C {c.score!r}"
    page_len = python_root.text_len
    for n in (12, len(python_cands)):
        python_free = _comment_free_python(python_cands[:n], page_len)
        c_free = fast.comment_free(c_cands[:n], page_len)
        if c_free is NotImplemented or [python_index[id(e)] for e in python_free] != [c_index[id(e)] for e in c_free]:
            return "comment filter differs"
    for i, (p, c) in enumerate(zip(python_els, c_els)):
        for skip in [None, *(e for e in p.children if type(e) is El)][:3]:
            c_skip = None if skip is None else c_els[python_index[id(skip)]]
            python_prose = sum(_prose(e) for e in p.children if type(e) is El and e is not skip)
            if fast.prose(c, c_skip) != python_prose:
                return f"prose of element {i} ({p.tag} {p.hint!r})"
    # What find_article does with its top candidate, for each of the best ones as top.
    for python_top, c_top in zip(python_cands[:30], c_cands):
        i = python_index[id(python_top)]
        story = python_cands[1] if len(python_cands) > 1 else None
        c_story = None if story is None else c_cands[1]
        if c_index[id(fast.split_top(c_top, c_cands))] != python_index[id(_split_top_python(python_top, python_cands))]:
            return f"split_top of element {i}"
        for count in (0, 1, 2):
            for s, cs in ((None, None), (story, c_story)):
                if c_index[id(fast.climb(c_top, cs, count))] != python_index[id(_climb_python(python_top, s, count))]:
                    return f"climb of element {i}"
        if [c_index[id(e)] for e in fast.gather(c_top)] != [python_index[id(e)] for e in gather_python(python_top)]:
            return f"gather of element {i}"
    for size in {1, 20, 35, 36, 60, len(title.encode()) if title else 0}:
        c_heads = fast.headings(c_root, c_texty, size)
        if c_heads is NotImplemented or [c_index[id(e)] for e in c_heads] != [
            python_index[id(e)] for e in title_headings(python_root, python_texty, size)
        ]:
            return f"headings near {size} bytes"
    # And the whole of it (scoring the trees again: the scores come out the same).
    runs = [(0, None, 0)] if title is None else [(0, None, 0), (article_count, title, h1_count)]
    for args in runs:
        python_top, python_parts = _find_article(None, python_root, python_texty, *args)
        c_top, c_parts = _find_article(fast, c_root, c_texty, *args)
        if (c_index[id(c_top)], [c_index[id(e)] for e in c_parts]) != (
            python_index[id(python_top)], [python_index[id(e)] for e in python_parts]
        ):
            return f"find_article{args}"
        if any(type(p.score) is not type(c.score) or p.score != c.score for p, c in zip(python_els, c_els)):
            return f"scores after find_article{args}"
    return None
