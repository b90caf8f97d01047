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

from .dom import El
from .stories import titled_story
from .tables import COMMENT_HINT, NEGATIVE_HINT, POSITIVE_HINT, STRONG_NEGATIVE_HINT

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
        w = (-25 if NEGATIVE_HINT.search(hint) else 0) + (25 if POSITIVE_HINT.search(hint) else 0)
        if len(_WEIGHTS) < 50_000:
            _WEIGHTS[hint] = w
    return w


_WEIGHTS: dict[str, int] = {}


# What a class/id string says, matched once per distinct string (templates repeat them), with the
# cheapest patterns that answer each question.
@lru_cache(maxsize=20_000)
def _comments_hint(hint: str) -> bool:
    return COMMENT_HINT.search(hint) is not None


@lru_cache(maxsize=20_000)
def _boiler_hint(hint: str) -> bool:
    """Comments, related stories, sidebars, share bars..."""
    return STRONG_NEGATIVE_HINT.search(hint) is not None or _comments_hint(hint)


def _score(texty: list[El]) -> list[El]:
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
    candidates = _score(texty)
    if not candidates:
        return root, [root]
    for c in candidates:
        c.score *= 1 - link_density(c)
    candidates.sort(key=lambda c: c.score, reverse=True)
    # Reader comments are prose too: the best candidates inside a comment thread are passed over.
    seen: dict[int, bool] = {}
    head = [c for c in candidates[:12] if not _in_comments(c, root.text_len, seen)]
    if head:
        candidates = head + candidates[12:]
    top = candidates[0]

    # A page holding several whole stories (endless scroll, a day's stories one after another):
    # the page's own story is the one under the heading that carries its title.
    # (`story` is that story's box: the climb and the gathering below stop at it.)
    titled, story = None, None
    if title and (article_count > 1 or h1_count > 1):
        titled, story = titled_story(root, texty, candidates, top, title)
        if titled is not None:
            top = titled

    # Several strong candidates under one ancestor mean the article is split in parts (lead,
    # body, continuation): take the ancestor that holds most of them.
    # (Candidates inside or around the top one are the same evidence counted again: skip them.)
    top_chain = {id(a) for a in top.ancestors()}
    strong = [
        c for c in candidates[1:6]
        if c.score >= 0.75 * top.score and id(c) not in top_chain and id(top) not in {id(a) for a in c.ancestors()}
    ]
    if len(strong) >= 2 and titled is None:
        chains = [set(map(id, c.ancestors())) for c in strong]
        for anc in top.ancestors():
            if anc.tag == "body":
                break
            if sum(1 for ch in chains if id(anc) in ch) >= 2:
                top = anc
                break

    # The top candidate is often one of several sibling boxes of the same story (text beside a
    # picture, an accordion of sections, a table cell). Climb while the parent adds prose, not links.
    # Wrappers that add (almost) nothing are climbed through on the way.
    for _ in range(8):
        parent = top.parent
        if parent is None or parent.tag == "body" or STRONG_NEGATIVE_HINT.search(parent.hint or ""):
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
    return top, [top] if top is story else gather(top)  # (the titled story's siblings are other stories)


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


def _prose(el: El) -> int:
    """Text of the subtree that sits in paragraph-like blocks with punctuation (not links, labels),
    outside containers whose class/id says comments, related stories, sidebar..."""
    total = 0
    stack = [el]
    while stack:
        e = stack.pop()
        if e.hint and _boiler_hint(e.hint):
            continue
        if e.tag in ("p", "pre", "blockquote", "li", "td", "dd") or not (e.flag & 1):
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
        if sib.score and sib.score + bonus >= threshold and not STRONG_NEGATIVE_HINT.search(sib.hint):
            out.append(sib)
        elif sib.tag in ("p", "blockquote", "h2", "h3", "ul", "ol", "table") or (sib.tag == "div" and not (sib.flag & 1)):
            ld = link_density(sib)
            n = sib.text_len
            if class_weight(sib) < 0:
                continue
            if n > 80 and ld < 0.25:
                out.append(sib)
            elif 0 < n <= 80 and ld == 0 and sib.tag == "p" and sib.text().endswith((".", "。", "!", "?", "！", "？", "”")):
                out.append(sib)
    return out
