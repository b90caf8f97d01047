"""Which story, and what of it lies outside the container the scoring found.

Two questions scoring.find_article cannot answer from the evidence of paragraphs alone:

- `titled_story`: on a page holding several whole stories (an endless page, a day's stories one
  after another), the strongest container may be another story than the page's own. The page's
  own story is the one under the heading that carries its title.
- `find_lead` / `lead_in`: templates put the standfirst (the lead paragraph under the headline) in
  the article's header, beside the body rather than in it; rendering would lose it.

Both work on the light tree of dom.parse, with the same byte lengths as scoring.py. find_lead and lead_in
run in C (_scorefast.leads, _scorefast.lead_in) once scoring.py trusts that module; the Python code here
is their reference.
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import hints
from .dom import El
from .tables import REMOVE_TAGS

__all__ = ["find_lead", "find_lead_python", "lead_in", "lead_in_python", "titled_story"]


# ---- the titled story ---------------------------------------------------------------------------------


def _norm_title(s: str) -> str:
    return "".join(filter(str.isalnum, s.lower()))


def title_headings(root: El, texty: list[El], size: int) -> list[El]:
    """The headings (h1-h3) whose length is near a title of `size` bytes, in document order.
    (scoring.py has the same scan in C, _scorefast.headings.)"""
    # Headings of 25+ bytes are all in `texty`, in document order (post-order, and headings do not
    # nest); a shorter title needs the whole walk.
    lo, hi = 0.7 * size, 1.5 * size + 10
    return [
        h for h in (texty if size >= 36 else root.iter())
        if (h.tag == "h1" or h.tag == "h2" or h.tag == "h3") and lo <= h.text_len <= hi
    ]


def titled_story(
    root: El, texty: list[El], candidates: list[El], top: El, title: str, headings=title_headings
) -> tuple[El | None, El | None]:
    """The best candidate of the story headed by the page's title, when that is not `top`'s story.

    A heading (h1-h3) whose text is the title, outside `top`, and `top` are told apart at their
    lowest common ancestor: below it, the branch holding the heading and the branch holding `top`
    must be two stories. `top`'s branch has a headline of its own (h1, h2 or a heading of the
    title's tag) before `top`, and either the two are the same kind of box (same tag, same class/id
    but for numbers: "story-1", "story-2") or the titled one is no <header> and holds a body of
    some length (a next story appended to the page's own). The heading's story must hold a
    candidate of some weight; its best one replaces `top`. Returns (that candidate, the story's
    box), or (None, None). `headings` is title_headings or the same in C."""
    want = _norm_title(title)
    if len(want) < 8:
        return None, None
    size = len(title.encode())
    top_chain = [top] + top.ancestors()
    top_ids = {id(a): i for i, a in enumerate(top_chain)}
    for h in headings(root, texty, size):
        if _norm_title(h.text()) != want:
            continue
        prev = h
        for anc in h.ancestors():
            if id(anc) in top_ids:
                break
            prev = anc
        else:
            return None, None
        if anc is top or anc.tag == "body" or prev is h:
            return None, None  # the title heads top's own story, or the two meet only at the page
        other = top_chain[top_ids[id(anc)] - 1]  # top's branch below the common ancestor
        if not _headline_before(other, top, h.tag):
            return None, None  # top's box has no headline like the title's: parts of one story
        if _same_kind(other, prev):
            least = 200  # two boxes of one list: the titled story may be a short one
        elif prev.tag != "header":
            least = 0.3 * top.text_len  # another story follows the page's own (an endless page)
        else:
            return None, None
        # (A box holding the heading itself is the story's header, not its body.)
        inside = [
            c for c in candidates
            if c.score >= 0.2 * top.score and c.text_len >= least and _within(c, prev) and not _within(h, c)
        ]
        return (max(inside, key=lambda c: c.score), prev) if inside else (None, None)
    return None, None


def _headline_before(branch: El, top: El, tag: str) -> bool:
    """`branch` holds a headline of its own (h1, h2 or a `tag` heading) before `top`: it is another
    story, not one more section of the page's."""
    for e in branch.iter():
        if e is top:
            return False
        if (e.tag == "h1" or e.tag == "h2" or e.tag == tag) and e.text_len >= 20:
            return True
    return False


def _same_kind(a: El, b: El) -> bool:
    """Two boxes of one list: same tag, and most class/id words shared once numbers are ignored
    (a story's slug or number often rides along: "list__item post-12 my-story-slug")."""
    if a.tag != b.tag:
        return False
    ha, hb = _DIGITS.sub("", a.hint).split(), _DIGITS.sub("", b.hint).split()
    if ha == hb:
        return True
    wa, wb = set(ha), set(hb)
    return bool(ha and hb) and ha[0] == hb[0] and 2 * len(wa & wb) >= max(len(wa), len(wb))


_DIGITS = re.compile(r"\d+")


def _within(el: El, anc: El) -> bool:
    p = el
    while p is not None:
        if p is anc:
            return True
        p = p.parent
    return False


# ---- the standfirst -------------------------------------------------------------------------------------


@lru_cache(maxsize=5_000)
def _lead_hint(hint: str) -> int:
    """1: says lead/standfirst; -2: says it is never text (share bar, caption, related...);
    -1: leans to boilerplate (byline, meta, media...); 0: neither."""
    if hints.matches(hints.LEAD, hint):
        return 1
    if hints.matches(hints.UNLIKELY_STRONG, hint):
        return -2
    return -1 if hints.matches(hints.NEGATIVE, hint) else 0


# Tags a standfirst is written in.
_LEAD_TAGS = frozenset(("p", "h2", "h3", "div", "span", "section", "strong"))
_MIN_LEAD = 80  # bytes: a sentence, not a kicker or a date
_MAX_LEAD_BOX = 2000  # bytes: a lead box (a few paragraphs or bullet points), not a story
_LEAD_SCAN = 400  # elements before the story looked at, per level


def find_lead(parts: list[El]) -> list[El]:
    """The standfirst beside the article's first part (find_lead_python), in C once it is trusted."""
    fast = _fast[0]
    if fast is not None:
        found = fast.leads(parts)
        if found is not NotImplemented:  # (the C code met something it does not expect in the tree)
            return found
    return find_lead_python(parts)


def lead_in(header: El) -> list[El]:
    """The standfirst inside an article <header> (lead_in_python), in C once it is trusted."""
    fast = _fast[0]
    if fast is not None:
        found = fast.lead_in(header)
        if found is not NotImplemented:
            return found
    return lead_in_python(header)


def find_lead_python(parts: list[El]) -> list[El]:
    """The standfirst (lead paragraph) that templates put in the article's header, beside the body
    the scoring found rather than in it. Searched among the elements that come before the article's
    first part, closest levels first, up to 4 levels:

    - once the headline (<h1>) is among them, only what follows it counts, and the search stops;
    - a candidate is prose (80+ bytes, few links) that says it is a lead by its class/id
      (LEAD_HINT: on a paragraph, on its wrapper, or on a small box of paragraphs), or a paragraph
      in a <header>/<hgroup> after the headline;
    - nothing inside boilerplate wrappers (nav/aside/figcaption, a class/id saying share, caption,
      related...; one merely leaning that way, "media", "meta", vetoes unhinted text only)."""
    if not parts:
        return []
    node = parts[0]
    found: list[El] = []
    for _ in range(4):
        parent = node.parent
        if parent is None or node.tag == "body":
            break
        before: list[El] = []
        for c in parent.children:
            if c is node:
                break
            if type(c) is El:
                before.append(c)
        # The elements of those siblings in document order, the nearest ones only: a lead sits
        # close to the story, and the page's masthead and menus need no walk.
        parts_of: list[list[El]] = []
        n = 0
        for sib in reversed(before):
            if n > _LEAD_SCAN:
                break
            sub = list(sib.iter())
            parts_of.append(sub)
            n += len(sub)
        seq = [e for sub in reversed(parts_of) for e in sub]
        h1 = max((i for i, e in enumerate(seq) if e.tag == "h1"), default=-1)
        found = _leads(seq[h1 + 1:], before, h1 >= 0) + found
        if h1 >= 0:
            break
        node = parent
    return found[:3]


def lead_in_python(header: El) -> list[El]:
    """The standfirst inside an article <header> that rendering drops (a title block with a lead)."""
    seq = list(header.iter())
    h1 = max((i for i, e in enumerate(seq) if e.tag == "h1"), default=-1)
    return _leads(seq[h1 + 1:], [header], h1 >= 0)[:3]


def _leads(seq: list[El], roots: list[El], after_h1: bool) -> list[El]:
    out: list[El] = []
    taken: set[int] = set()
    for e in seq:
        if e.parent is not None and id(e.parent) in taken:
            taken.add(id(e))  # inside a lead already taken
            continue
        if _is_lead(e, roots, after_h1):
            out.append(e)
            taken.add(id(e))
    return out


def _is_lead(el: El, roots: list[El], after_h1: bool) -> bool:
    if el.tag not in _LEAD_TAGS or el.text_len < _MIN_LEAD or el.link_len > 0.3 * el.text_len:
        return False
    box = bool(el.flag & 1)  # holds paragraphs: a lead box only if it says so itself
    if box and not (el.text_len <= _MAX_LEAD_BOX and el.hint and _lead_hint(el.hint) == 1):
        return False
    hinted = in_header = False
    anc: El | None = el
    while anc is not None:
        if anc.tag in REMOVE_TAGS or anc.tag == "figure":
            return False
        if anc.hint:
            says = _lead_hint(anc.hint)
            if says == 1:
                hinted = True
            elif says < 0 and (not hinted or says == -2):
                return False  # bylines, captions, share bars, teaser lists
        if anc.tag in ("header", "hgroup"):
            in_header = True
        if any(anc is r for r in roots):
            break
        anc = anc.parent
    return hinted or (in_header and after_h1 and not box)


# ---- the C code -------------------------------------------------------------------------------------------
# _scorefast.leads and _scorefast.lead_in are find_lead_python and lead_in_python in C: find_lead costs about
# 0.075x a bare parse of the page in Python, 0.013x in C (mostly reading a tree the caches have lost). scoring.py
# hands the module to `use` once this process has seen it agree with the Python code on the pages below (and
# with scoring's own on its page); until then, and without the extension, the Python code runs.

_fast: list = [None]  # the trusted _scorefast module, or None


def use(module) -> None:
    """Answer find_lead and lead_in with `module` (None: the Python code) from now on."""
    _fast[0] = module


_S = "words of a sentence that is long enough to be a lead, eighty bytes and more of text"  # 84 bytes

# What self_check tries on this page: a story five levels below its
# leads (four levels are searched, the outer ones first, three leads kept). Then an article header: before
# the headline, cut off; after it, first what is never a lead (unhinted text under hints saying byline or
# meta, even inside a lead box; a lead hint under "related"; figure, form; link-heavy, short; a tag no
# standfirst is written in), then an unhinted box (its paragraphs are leads in a header, it is not), a
# hinted box too long to be one (its paragraph is), unhinted and hinted paragraphs, a hinted box whose
# paragraphs are taken with it. Then boundaries of length, link share and box size, non-ASCII hints
# (matched by `re`), a second headline inside a lead box (the last one counts), an <hgroup> without one;
# boxes that do not say lead inside one that does (their paragraphs are leads, they are not).
_CHECK_PAGE = f"""<html><body><div class="page">
<div class="top"><p class="lead">{_S} five</p><section><p class="intro">{_S} four</p>
<div><p class="summary">{_S} three</p><div><p class="standfirst">{_S} two</p>
<div><p class="dek">{_S} one</p><div class="story-body"><p>{_S} body</p></div></div></div></div></section></div>
<article class="story"><header class="article-header"><p>{_S} before the headline</p>
<h1>The headline of the story on this page</h1>
<p class="byline">{_S} byline</p><blockquote class="lead-box"><div class="meta"><p>{_S} meta</p></div></blockquote>
<div class="related"><p class="lead">{_S} related</p></div><figure><p class="lead">{_S} figure</p></figure>
<form><span class="intro">{_S} form</span></form><p class="summary">{_S} <a href="/x">{_S}</a></p>
<p class="lead">Too short.</p><ul><li class="lead">{_S} item</li></ul>
<div class="wrap"><p>{_S} a</p><p>{_S} b</p></div><div class="summary"><p>{"x" * 1001}</p><p>{"x" * 1000}</p></div>
<p>{_S} the standfirst</p><div class="meta"><p class="summary">{_S} hinted</p></div>
<div class="intro"><p>{_S} c</p><p><strong class="lead">{_S} d</strong></p></div><h2 class="subtitle">{_S} h2</h2>
</header>
<section class="teaser-list"><p class="relat\u00e9d related">{_S} re</p><p>{"y" * 79}</p><p>{"y" * 80}</p>
<p>{"z" * 70}<a href="/y">{"z" * 31}</a></p><p>{"z" * 70}<a href="/z">{"z" * 30}</a></p>
<div class="chap\u00f4 chapo"><p>{"w" * 1000}</p><p>{"w" * 1000}</p></div></section>
<div class="intro"><h1>A second headline, inside a box</h1><p>{_S} after</p><h3 class="dek">{_S} h3</h3></div>
<hgroup><h2>A heading, no headline</h2><p>{_S} in the hgroup</p></hgroup>
<div class="article-body"><p>{_S} the body</p><p>{_S} more of it</p></div></article>
<blockquote class="intro"><div class="wrap"><p>{_S} e</p><p>{_S} f</p></div><div><p>{_S} g</p><p>{_S} h</p></div></blockquote>
</div></body></html>"""

# find_lead from the story: the 400 elements before it are read, and the sibling reached with 400 read,
# not the one after it.
_SCAN_CHECK_PAGE = (
    f'<html><body><div><p class="lead">{_S} not read</p><p class="lead">{_S} read</p>'
    f'<div>{"<i></i>" * 399}</div><div class="story-body"><p>{_S}</p></div></div></body></html>'
)


def self_check(fast) -> bool:
    """Whether `fast` (_scorefast, initialised) answers find_lead and lead_in as the Python code does on
    the check pages."""
    from .dom import parse, release

    for page in (_CHECK_PAGE, _SCAN_CHECK_PAGE):
        _, python_root, _ = parse(page)
        _, c_root, _ = parse(page)
        els = list(python_root.iter())
        # find_lead from the stories' bodies and from within the article header (a few milliseconds in
        # Python from everywhere, paid by the first page of every worker process); lead_in of every
        # element holding elements. (Each rule above decides at least one of these answers.)
        starts = [
            i for i, e in enumerate(els) if e.hint in ("story-body", "article-body")
            or (e.parent is not None and e.parent.tag == "header" and any(type(c) is El for c in e.children))
        ]
        holders = [i for i, e in enumerate(els) if any(type(c) is El for c in e.children)]
        diff = compare_leads(python_root, c_root, fast, starts, holders if page is _CHECK_PAGE else [])
        release(python_root)
        release(c_root)
        if diff is not None:
            return False
    return True


def compare_leads(
    python_root: El, c_root: El, fast, starts: list[int] | None = None, headers: list[int] | None = None,
    parts: list[int] | None = None,
) -> str | None:
    """Run find_lead_python and lead_in_python on one tree and `fast` on a second copy of it: None when
    they give the same elements in the same order, else what differed. Tried: find_lead([]), find_lead from
    each element at the positions `starts` (in root.iter() order; all when None), lead_in of each element at
    the positions `headers` (all when None), find_lead of the elements at the positions `parts`. (The tests
    call this on every page.)"""
    python_els, c_els = list(python_root.iter()), list(c_root.iter())
    if len(python_els) != len(c_els):
        return "the two trees differ"
    python_index = {id(e): i for i, e in enumerate(python_els)}
    c_index = {id(e): i for i, e in enumerate(c_els)}

    def differ(python: list[El], c) -> bool:
        return c is NotImplemented or type(c) is not list or (
            [c_index.get(id(e), -1) for e in c] != [python_index[id(e)] for e in python]
        )

    if differ(find_lead_python([]), fast.leads([])):
        return "find_lead([])"
    if parts is not None and differ(find_lead_python([python_els[i] for i in parts]), fast.leads([c_els[i] for i in parts])):
        return f"find_lead of the parts {parts}"
    everything = range(len(python_els))
    for i in everything if starts is None else starts:
        if differ(find_lead_python([python_els[i]]), fast.leads([c_els[i]])):
            return f"find_lead from element {i} ({python_els[i].tag} {python_els[i].hint!r})"
    for i in everything if headers is None else headers:
        if differ(lead_in_python(python_els[i]), fast.lead_in(c_els[i])):
            return f"lead_in of element {i} ({python_els[i].tag} {python_els[i].hint!r})"
    return None
