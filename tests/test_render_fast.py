"""The C renderer (_render.c) must give exactly the blocks render.render_blocks_python gives.

render.py checks one page at first use before trusting the C renderer; these tests hold it to the
Python renderer on every page of the evaluation sets, on generated markup, and check the fallback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgrab.encoding import decode
from newsgrab.extraction import dom, render
from newsgrab.extraction.metadata import read_metadata
from newsgrab.extraction.scoring import find_article
from newsgrab.extraction.stories import find_lead

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

fast = render._fast_module()
needs_c = pytest.mark.skipif(fast is None, reason="C renderer not available")


def _fields(blocks) -> list[tuple]:
    return [render.block_fields(b) for b in blocks]


def _compare(root, texty, parts, top_len, lead) -> int:
    """Render every call of render.renders_of both ways; return how many calls were compared."""
    calls = render.renders_of(root, texty, parts, top_len, lead)
    for args in calls:
        c = fast.render_blocks(*args)
        assert c is not NotImplemented
        assert _fields(c) == _fields(render.render_blocks_python(*args))
    return len(calls)


def _compare_page(html: str, url: str | None = None) -> int:
    head, root, texty = dom.parse(html)
    try:
        # as extraction._article does
        meta = read_metadata(head, url, None)
        top, parts = find_article(root, texty, head.article_count, meta.title, len(head.h1s))
        return _compare(root, texty, parts, top.text_len, find_lead(parts))
    finally:
        dom.release(root)


def test_extension_is_built_and_trusted():
    # CI machines have a compiler: a missing or distrusted extension is a build problem to see, not to hide.
    if os.environ.get("NEWSGRAB_PURE_PYTHON"):
        pytest.skip("pure-Python renderer forced")
    assert fast is not None


def _pages():
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import evalkit

    for set_dir in evalkit.discover_sets(DATA):
        for case in evalkit.load_set(set_dir):
            yield case


@needs_c
@pytest.mark.skipif(not DATA.is_dir(), reason="no shared/data")
def test_every_evaluation_page_renders_alike():
    pages = calls = 0
    for case in _pages():
        calls += _compare_page(decode(case.data)[0], case.url)
        pages += 1
    assert pages > 100 and calls > pages * 10


EDGE_CASES = {
    "self-check page": render._SELF_CHECK_PAGE,
    "whitespace kinds": "<p>\u00a0\u3000\u2009 x \u205f\u200b\ufeff y\u00ad \u00ad z\x1c</p><p>\u200b</p><p>\u00ad</p>"
    "<p>\u1680\u2028y\u0085</p><p> \u00a0</p><p>a \u2003 b\t\tc \u00a0d</p><a>\u3000 link \u00a0</a>",
    "pre": "<pre>\n\n  a\r\n\u00a0b\u00ad  \n\n</pre><pre>\n \u3000\n</pre><pre><br></pre><li><pre>x<br>y</pre></li>",
    "br everywhere": "<li>a<br>b</li><h2>c<br>d</h2><blockquote>e<br>f</blockquote><td>g<br>h</td>x<br>y",
    "ol starts": "".join(
        f'<ol start="{s}"><li>a</li><li>b</li></ol>'
        for s in ["3", "-4", "007", " 5", "5 ", "+6", "٣", "1e3", "-", "", "0", "-0", "123456789012345"]
    ) + "<ol start><li>bare</li></ol><ul start=9><li>ul</li></ul>",
    "nested lists": "<ol start=5><li>a<ol><li>b<ul><li>c</li></ul></li><li>d</li></ol></li><li>e</li></ol><li>f</li>",
    "ruby": "<p><ruby>漢<rt>kan</rt>字<rt>ji</rt></ruby> <ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby></p>",
    "tables": "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
    "<table><tbody><tr><th>h</th><td></td></tr><tr><td></td><td></td></tr><tr><td>x</td><td>y</td></tr></tbody></table>"
    "<table><tr><td>a</td><td><table><tr><td>n</td></tr></table></td></tr><tr><td>c</td><td>d</td></tr></table>"
    "<table><tr><td>" + "long cell words " * 50 + "</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>",
    "headers": '<header class="site-header"><a href="/">Home</a><a href="/n">News</a></header>'
    '<header><h1>Title</h1><p class="intro">' + "a lead without any stops in it at all " * 3 + "</p></header>"
    "<header><p>Prose header, with commas, and stops. Many.</p></header>",
    "links and hints": '<div class="share"><a>s</a></div><div class="sidebar">side text</div>'
    '<div class="sidebar article-body">' + "Main text, with commas. " * 20 + "</div>"
    '<p><a href="/x">link <span class="promo">inside</span> text</a> after.</p>'
    '<div class="nav-links">' + '<a href="/y">a link</a> ' * 10 + "</div>"
    '<span class="ad">advert</span><span>plain span</span><p class="comments">x</p>',
    "soft hyphen between runs": "<p>a \u00ad\u00a0b</p><p>\u00ad \u00ad</p><p>x\u00ad\u00ady</p>",
    "astral and wide": "<p>\U0001f600 emoji\u00a0and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 text, with comma.</p><a>\U0001f600\u3000</a>",
    "deep": "<div>" * 250 + "deep text, here. <b>more</b> <a>link</a>" + "</div>" * 250,
    "empty": "",
}


@needs_c
@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_cases_render_alike(name):
    assert _compare_page(EDGE_CASES[name]) > 0


_tags = st.sampled_from(
    ["div", "p", "a", "span", "b", "li", "ul", "ol", "h2", "h4", "br", "hr", "td", "tr", "table", "section", "pre",
     "blockquote", "header", "figure", "figcaption", "aside", "ruby", "rt", "rp", "dl", "dt", "article", "x-y", "nav"]
)
_attrs = st.sampled_from(
    ["", "", ' class="share-bar"', ' class="sidebar"', ' class="sidebar content"', ' id="comments"', ' class="lead"',
     ' class="related-links"', ' class="article-body"', ' class="promo widget"', ' start="4"', ' start="-2"',
     ' start=" 3"', ' start="x"', ' class="新闻"', ' class="caption"']
)
_texts = st.sampled_from(
    ["", " ", "word", "Sentence one, two.", "中文句子，逗号。", "\u00a0", "\n\t", "a.b,c", "soft\u00adhyphen",
     "\u3000wide\u3000", "zero\u200bwidth", "\ufeff", "  two  spaces  ", "\u2003em", "long prose, with commas. " * 8]
)


@st.composite
def _markup(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        if depth < 5 and draw(st.booleans()):
            tag = draw(_tags)
            inner = "" if tag in ("br", "hr") else draw(_markup(depth + 1))
            parts.append(f"<{tag}{draw(_attrs)}>{inner}</{tag}>")
        else:
            parts.append(draw(_texts))
    return "".join(parts)


@needs_c
@settings(max_examples=400, deadline=None)
@given(_markup())
def test_generated_markup_renders_alike(html):
    _compare_page(html)


def _unlikely_reference(hint: str) -> int:
    if render.MAYBE_HINT.search(hint):
        return 0
    if render.UNLIKELY_STRONG_HINT.search(hint):
        return 2
    return 1 if render.UNLIKELY_HINT.search(hint) else 0


@pytest.mark.skipif(not DATA.is_dir(), reason="no shared/data")
def test_unlikely_tiers_match_the_ignore_case_patterns_on_every_hint():
    # render._unlikely matches ASCII hints with case-sensitive copies of the patterns, on lower-cased text.
    hints = set()
    for case in list(_pages())[::3]:
        _, root, _ = dom.parse(decode(case.data)[0])
        hints.update(el.hint for el in root.iter() if el.hint)
        dom.release(root)
    assert len(hints) > 1000
    for hint in hints:
        for variant in (hint, hint.upper(), hint.title()):
            assert render._unlikely(variant) == _unlikely_reference(variant), variant


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(
    ["share", "SHARE", "Ad", "ads", "-ad-", "main", "Body", "nav", "NAV-x", "side", "bar", "caption", "fig", "tag",
     "list", "K", "\u212a", "\u017f", "\u0130", "\u0131", "credit", "s", " ", "_", "-", "\t", "\u3000", "hot", "news",
     "image", "extra", "header", "é", "wp", "text", "gallery"]), max_size=8).map("".join))
def test_unlikely_tiers_match_on_generated_hints(hint):
    assert render._unlikely(hint) == _unlikely_reference(hint)


def _expected(html: str):
    head, root, texty = dom.parse(html)
    top, parts = find_article(root, texty)
    args = (parts, top.text_len, find_lead(parts))
    return args, _fields(render.render_blocks_python(*args))


def _reload(monkeypatch, **patches):
    monkeypatch.setattr(render, "_fast", [])
    for name, value in patches.items():
        monkeypatch.setattr(render, name, value)
    return render._fast_module()


def test_fallback_without_the_module(monkeypatch):
    def missing():
        raise ImportError("no _render")

    assert _reload(monkeypatch, _import_fast=missing) is None
    args, want = _expected(EDGE_CASES["links and hints"])
    assert want and _fields(render.render_blocks(*args)) == want


def test_pure_python_forced(monkeypatch):
    monkeypatch.setenv("NEWSGRAB_PURE_PYTHON", "1")
    assert _reload(monkeypatch) is None
    args, want = _expected(render._SELF_CHECK_PAGE)
    assert _fields(render.render_blocks(*args)) == want


@needs_c
def test_self_check_rejects_a_disagreeing_module(monkeypatch):
    class Wrong:
        init = staticmethod(fast.init)

        @staticmethod
        def render_blocks(parts, top_len, lead=None):
            blocks = fast.render_blocks(parts, top_len, lead)
            if blocks:
                blocks[-1].text += "!"
            return blocks

    with monkeypatch.context() as m:
        assert _reload(m, _import_fast=lambda: Wrong) is None
    assert _reload(monkeypatch) is fast  # (the real module passes the same check)


@needs_c
def test_not_implemented_falls_back(monkeypatch):
    # A part tree the C renderer does not take (a tuple of children) is rendered by Python.
    el = dom.El("p", "", None, None)
    el.children = ("tuple of text",)
    el.text_len, el.link_len, el.punct = 13, 0, 0
    assert fast.render_blocks([el], 100, None) is NotImplemented
    assert [b.text for b in render.render_blocks([el], 100)] == ["tuple of text"]


@needs_c
def test_huge_list_start_is_left_to_python():
    head, root, texty = dom.parse('<ol start="99999999999999999999"><li>a</li><li>b</li></ol>')
    assert fast.render_blocks([root], root.text_len) is NotImplemented
    blocks = render.render_blocks([root], root.text_len)
    assert _fields(blocks) == _fields(render.render_blocks_python([root], root.text_len))
    assert [b.number for b in blocks] == [99999999999999999999, 100000000000000000000]


@needs_c
def test_odd_list_start_raises_like_python():
    head, root, texty = dom.parse('<ol start="--3"><li>a</li></ol>')
    with pytest.raises(ValueError):
        render.render_blocks_python([root], root.text_len)
    with pytest.raises(ValueError):
        fast.render_blocks([root], root.text_len)
