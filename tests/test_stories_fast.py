"""stories.find_lead and stories.lead_in in C (_scorefast.leads, _scorefast.lead_in) must give exactly the
elements find_lead_python and lead_in_python give.

scoring.py trusts the C code after stories.self_check agrees on two check pages; these tests hold it to the
Python code on every page of the evaluation sets (from the article's parts, as extraction calls it, from a
sample of elements, and lead_in of every header), on hand-made edge cases and generated markup, and check
the fallback when the module is not trusted or meets a tree it does not expect.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest
from evalsets import evaluation_sets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgrab import extraction
from newsgrab.encoding import decode
from newsgrab.extraction import dom, hints, scoring, stories
from newsgrab.extraction.dom import El
from newsgrab.extraction.metadata import read_metadata

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

fast = scoring._fast_module()
needs_c = pytest.mark.skipif(fast is None, reason="C extension not available")


@contextlib.contextmanager
def python_reference():
    """The Python code as it runs without the extension: `re` for the hint patterns, nothing cached from
    the C matcher's answers."""
    saved = hints.current()
    hints.use(None)
    stories._lead_hint.cache_clear()
    try:
        yield
    finally:
        hints.use(saved)
        stories._lead_hint.cache_clear()


def compare_page(html: str, url: str | None = None, every: int = 1) -> str | None:
    """Parse the page twice; compare the Python code on one tree with the C code on the other: find_lead of
    the article's parts (as extraction._article calls it), find_lead from every `every`-th element, lead_in
    of every header and hgroup and of every `every`-th element."""
    head, python_root, python_texty = dom.parse(html)
    _, c_root, c_texty = dom.parse(html)
    try:
        meta = read_metadata(head, url, None)
        args = (head.article_count, meta.title, len(head.h1s))
        _, python_parts = scoring.find_article(python_root, python_texty, *args)
        _, c_parts = scoring.find_article(c_root, c_texty, *args)
        python_els, c_els = list(python_root.iter()), list(c_root.iter())
        index = {id(e): i for i, e in enumerate(python_els)}
        parts = [index[id(e)] for e in python_parts]
        if [c_els[i] for i in parts] != c_parts:
            return "find_article differs"
        sample = list(range(0, len(python_els), every))
        headers = sorted({*sample, *(i for i, e in enumerate(python_els) if e.tag in ("header", "hgroup"))})
        with python_reference():
            return stories.compare_leads(python_root, c_root, fast, sample, headers, parts)
    finally:
        dom.release(python_root)
        dom.release(c_root)


def test_extension_is_built_and_trusted():
    if os.environ.get("NEWSGRAB_PURE_PYTHON"):
        pytest.skip("pure-Python scoring forced")
    assert fast is not None
    assert stories._fast[0] is fast  # (scoring handed it to stories once trusted)


@needs_c
def test_self_check_pages_agree():
    with python_reference():
        assert stories.self_check(fast)
    for page in (stories._CHECK_PAGE, stories._SCAN_CHECK_PAGE):
        assert compare_page(page) is None


def _sets():
    return evaluation_sets()


@needs_c
@pytest.mark.skipif(not DATA.is_dir(), reason="no shared/data")
@pytest.mark.parametrize("name", sorted(_sets()) or ["-"])
def test_every_evaluation_page_finds_the_same_leads(name):
    evalkit, set_dir = _sets()[name]
    failures, pages = [], 0
    for case in evalkit.load_set(set_dir):
        if (diff := compare_page(decode(case.data)[0], case.url, every=7)) is not None:
            failures.append((case.url, diff))
        pages += 1
    assert pages > 0
    assert failures == []


def _leads(html: str) -> list[str]:
    """find_lead of the element with class "part", in C, as the leads' texts (checked against Python)."""
    _, root, _ = dom.parse(html)
    part = next(e for e in root.iter() if e.hint == "part")
    c = fast.leads([part])
    with python_reference():
        assert c == stories.find_lead_python([part])
    return [e.text() for e in c]


S = "a sentence long enough to be a lead paragraph, more than eighty bytes of text in it"


@needs_c
def test_the_scan_stops_past_400_elements():
    def page(near: int) -> str:  # the nearest sibling holds `near` elements (itself included)
        return (f'<div><p class="lead">far {S}</p><p class="lead">mid {S}</p><div>{"<i></i>" * (near - 1)}</div>'
                f'<div class="part"><p>{S}</p></div></div>')

    assert _leads(page(399)) == [f"far {S}", f"mid {S}"]  # 399, then 400 read: not past 400, go on
    assert _leads(page(400)) == [f"mid {S}"]  # 400, then 401: past it
    assert _leads(page(401)) == []  # past it at once (a sibling is read whole however big)
    assert _leads(page(2000)) == []


@needs_c
def test_four_levels_outer_first_three_kept():
    html = "".join(f'<div><p class="lead">{n} {S}</p>' for n in range(6)) + '<div class="part"></div>' + "</div>" * 6
    assert _leads(html) == [f"{n} {S}" for n in (2, 3, 4)]  # levels 4, 3, 2 of 1-4 (0 and 1 are too far)


EDGE_CASES = {
    "empty": "",
    "no body children": "<html><body></body></html>",
    "deep": "<div>" * 250 + f'<p class="lead">{S}</p><div class="part">x</div>' + "</div>" * 250,
    "many siblings": "<div>" + f'<p class="lead">{S}</p>' * 3000 + '<div class="part">x</div></div>',
    "many h1": "<div>" + f"<h1>one</h1><p>{S}</p><header><h1>two</h1><p>{S}</p></header>" * 3
    + '<div class="part">x</div></div>',
    "header without h1": f'<article><header><p>{S}</p><h2>{S}</h2></header><div class="part">x</div></article>',
    "nested leads": f'<div><div class="intro"><p class="lead"><strong class="dek">{S}</strong></p>'
    f'<span class="lead">{S}</span></div><div class="part">x</div></div>',
    "non-ascii hints": f'<div><p class="l\u00e9ad lead">{S}</p><div class="\u212aomment"><p class="lead">{S}</p></div>'
    f'<div class="part">x</div></div>',
    "boilerplate": f'<div><aside class="lead">{S * 40}</aside><nav><p class="lead">{S}</p></nav>'
    f'<footer><p class="lead">{S}</p></footer><form><p class="lead">{S}</p></form><div class="part">x</div></div>',
}


@needs_c
@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_cases_agree(name):
    html = EDGE_CASES[name]
    # (Every element of the small ones; the Python code reads 400 siblings x 3000 roots from each of "many".)
    assert compare_page(f"<html><body>{html}</body></html>", every=1 if len(html) < 20_000 else 397) is None


def _tree() -> tuple[El, El, El]:
    """A hand-made tree: html > (p.lead, body > (p.lead, div.part)), measured as dom.parse measures."""

    def el(tag, hint, parent, text_len=0, flag=0):
        e = El(tag, hint, None, parent)
        e.text_len, e.link_len, e.punct, e.flag, e.direct = text_len, 0, 0, flag, 0
        if parent is not None:
            parent.children.append(e)
        return e

    html = el("html", "", None, 200, 1)
    el("p", "lead", html, 100).children.append("x" * 100)
    body = el("body", "", html, 100, 1)
    el("p", "lead", body, 100).children.append("y" * 100)
    part = el("div", "part", body)
    return html, body, part


@needs_c
def test_the_search_stops_at_body_even_with_a_parent():
    # (dom.parse's body is the root; a tree made otherwise must still stop there, as the Python code does)
    _, body, part = _tree()
    assert fast.leads([part]) == stories.find_lead_python([part]) == [body.children[0]]
    assert fast.leads([body]) == stories.find_lead_python([body]) == []


@needs_c
def test_an_unexpected_tree_falls_back_to_python():
    _, body, part = _tree()
    lead = body.children[0]
    expected = stories.find_lead_python([part])
    lead.text_len = 100.0  # not an int: the C code declines, the Python code answers
    assert fast.leads([part]) is NotImplemented
    assert stories.find_lead([part]) == stories.find_lead_python([part]) == expected
    lead.text_len = 100
    body.children = tuple(body.children)  # not a list
    assert fast.leads([part]) is NotImplemented
    assert fast.lead_in(body) is NotImplemented
    assert stories.lead_in(body) == stories.lead_in_python(body)
    assert fast.leads((part,)) is NotImplemented  # parts not a list
    assert stories.find_lead((part,)) == stories.find_lead_python((part,))
    assert fast.leads(["x"]) is NotImplemented
    assert fast.lead_in("x") is NotImplemented
    assert fast.leads([]) == stories.find_lead([]) == []


@needs_c
def test_no_references_are_leaked():
    _, root, _texty = dom.parse(stories._CHECK_PAGE)  # (texty holds references too: kept as they are)
    els = list(root.iter())
    for e in els:  # (once first: the hint cache keeps the hints it has seen)
        fast.leads([e]), fast.lead_in(e)
    def counts():
        return [sys.getrefcount(e) for e in els] + [sys.getrefcount(e.hint) for e in els if e.hint]

    before = counts()
    for _round in range(20):
        for e in els:
            fast.leads([e]), fast.lead_in(e)
    assert counts() == before
    dom.release(root)


# ---- generated markup -------------------------------------------------------------------------------

_TAGS = ["div", "p", "span", "strong", "section", "h1", "h2", "h3", "header", "hgroup", "article", "figure",
         "figcaption", "form", "ul", "li", "a", "blockquote", "aside", "em"]
_HINTS = ["", "", "", "lead", "article-lead", "intro", "summary", "teaser-list", "byline", "meta", "media",
          "related", "share", "caption", "wrap", "story", "l\u00e9ad lead", "part"]
_TEXTS = ["short", S, S[:79], S[:80], S * 3, "x" * 1990, "中文的句子，有标点。" * 4, "  "]

_text = st.sampled_from(_TEXTS)


def _element(children):
    return st.tuples(st.sampled_from(_TAGS), st.sampled_from(_HINTS), children)


_tree_strategy = st.recursive(_text, lambda inner: _element(st.lists(inner, max_size=5)), max_leaves=40)


def _html(node) -> str:
    if isinstance(node, str):
        return node
    tag, hint, children = node
    inner = "".join(_html(c) for c in children)
    if tag == "a":
        return f'<a href="/x">{inner}</a>'
    return f"<{tag}" + (f' class="{hint}"' if hint else "") + f">{inner}</{tag}>"


@needs_c
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_tree_strategy, min_size=1, max_size=5))
def test_generated_pages_agree(nodes):
    assert compare_page("<html><body>" + "".join(_html(n) for n in nodes) + "</body></html>") is None


# ---- the fallback -----------------------------------------------------------------------------------

PAGE = stories._CHECK_PAGE


def _article_leads() -> list[str]:
    _, root, _ = dom.parse(PAGE)
    part = next(e for e in root.iter() if e.hint == "article-body")
    out = [e.text() for e in stories.find_lead([part])] + [e.text() for e in stories.lead_in(part.parent)]
    dom.release(root)
    return out


def test_missing_extension_falls_back_to_python(monkeypatch):
    expected = _article_leads()
    # scoring hands the module to stories only once it trusts it: without the extension, never.
    monkeypatch.setitem(sys.modules, "newsgrab.extraction._scorefast", None)  # (import raises ImportError)
    monkeypatch.delattr(extraction, "_scorefast", raising=False)
    monkeypatch.setattr(scoring, "_fast", [])
    monkeypatch.setattr(hints, "_matcher", [None])
    monkeypatch.setattr(stories, "_fast", [None])
    assert scoring._fast_module() is None
    assert stories._fast[0] is None
    assert _article_leads() == expected


@needs_c
def test_a_distrusted_module_is_not_handed_to_stories(monkeypatch):
    monkeypatch.setattr(scoring, "_fast", [])
    monkeypatch.setattr(hints, "_matcher", [None])
    monkeypatch.setattr(stories, "_fast", [None])
    monkeypatch.setattr(stories, "self_check", lambda module: False)
    assert scoring._fast_module() is None
    assert stories._fast[0] is None and hints.current() is None


def test_pure_python_is_forced_by_the_environment(monkeypatch):
    monkeypatch.setenv("NEWSGRAB_PURE_PYTHON", "1")
    monkeypatch.setattr(scoring, "_fast", [])
    monkeypatch.setattr(hints, "_matcher", [None])
    monkeypatch.setattr(stories, "_fast", [None])
    assert scoring._fast_module() is None
    assert stories._fast[0] is None


@needs_c
def test_not_implemented_means_python(monkeypatch):
    class Declining:
        def leads(self, parts):
            return NotImplemented

        lead_in = leads

    expected = _article_leads()
    monkeypatch.setattr(stories, "_fast", [Declining()])
    assert _article_leads() == expected


class _Wrong:
    """The real module, but one lead short now and then: the self-check must see it."""

    def __init__(self, module, which):
        self._module, self._which = module, which

    def leads(self, parts):
        out = self._module.leads(parts)
        return out[:-1] if self._which == "leads" and len(out) >= 2 else out

    def lead_in(self, header):
        out = self._module.lead_in(header)
        return out[:-1] if self._which == "lead_in" and len(out) >= 2 else out


@needs_c
@pytest.mark.parametrize("which", ["leads", "lead_in"])
def test_a_disagreeing_module_is_not_trusted(which):
    with python_reference():
        assert stories.self_check(_Wrong(fast, which)) is False
        assert stories.self_check(fast) is True
