"""The C copy of the light tree (_lightcopy.c) must build exactly the tree dom._copy builds.

dom.py checks one page at start-up before trusting the C walk; these tests hold it to the Python
walk on the golden pages, on hand-made edge cases and on generated markup.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from newsgrab.encoding import decode
from newsgrab.extraction import dom

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "golden"

fast = dom._fast_module()


def _both(html: str):
    """(python signature, C signature), each with the signatures of its `texty` list."""
    out = []
    for use_c in (False, True):
        body = LexborHTMLParser(html).body
        root, texty = dom.El("body", "", None, None), []
        if use_c:
            fast.copy(body.mem_id, root, texty)
        else:
            dom._copy(body, root, 0, False, texty)
        out.append((dom.signature(root), [dom.signature(e) for e in texty]))
    return out


def test_extension_is_built_and_trusted():
    # CI machines have a compiler: a missing or distrusted extension is a build problem to see, not to hide.
    if os.environ.get("NEWSGRAB_PURE_PYTHON"):
        pytest.skip("pure-Python walk forced")
    assert fast is not None


needs_c = pytest.mark.skipif(fast is None, reason="C extension not available")


@needs_c
def test_node_fields_are_read_directly_after_the_layout_check():
    # The self-check at load has compared lexbor's node struct with its accessors: the walks read fields.
    tree = LexborHTMLParser("<html><body>" + "<div class=a id=b><p>t<br>u</p><!-- c --></div>" * 10 + "</body></html>")
    assert fast.check_layout(tree.root.mem_id) is True
    # A tree too small to tell anything is no evidence: the accessors are used again.
    assert fast.check_layout(LexborHTMLParser("<p>x</p>").body.mem_id) is False
    try:
        root, texty = dom.El("body", "", None, None), []
        fast.copy(tree.body.mem_id, root, texty)  # the accessor path still copies alike
        expected_root, expected_texty = dom.El("body", "", None, None), []
        dom._copy(tree.body, expected_root, 0, False, expected_texty)
        assert dom.signature(root) == dom.signature(expected_root)
    finally:
        assert fast.check_layout(tree.root.mem_id) is True


@needs_c
@pytest.mark.parametrize("page", sorted(GOLDEN.glob("*.html")), ids=lambda p: p.stem)
def test_golden_pages_copy_alike(page):
    python, c = _both(dom.cap_html(decode(page.read_bytes())[0]))
    assert python == c


EDGE_CASES = {
    "whitespace kinds": "<p>\u00a0\u3000\u2009 x \u205f</p><p>\u200b</p><p>\u1680\u2028y\u0085</p>",
    "punctuation only when long": "<p>a, b.</p><p>long enough, text. here，中文。顿、号</p>",
    "links": '<a>short</a><a> </a><a><b>x</b></a><a>t1<i>t2</i></a><a>CJK，长链接文字。足够长了</a>',
    "hidden rules": '<div style="display:none">a</div><p style="DISPLAY :\tNONE">b</p>'
    '<span style="visibility: hidden">c</span><li aria-hidden="true">d</li><div aria-hidden="TRUE">e</div>'
    '<section hidden="">f</section>',
    "hints": '<div class="" id="X">a</div><div class="A  B" id="">b</div><div id="Ünï">c</div><div class>d</div>',
    "ol start": '<ol start="7"><li>a</li></ol><ol start=""><li>b</li></ol><ol><li>c</li></ol>',
    "skipped": "<script>x</script><svg><text>y</text></svg><template><p>z</p></template><img alt=q>t",
    "custom and unknown": "<x-card class=c>one</x-card><blink>two</blink><font>three</font>",
    "tables": "<table><tr><td>a</td><td>b, c. d</td></tr></table>",
    "empty": "",
    "text only": "just text, nothing else. " * 5,
}


@needs_c
@pytest.mark.parametrize("name", EDGE_CASES)
def test_edge_cases_copy_alike(name):
    python, c = _both(EDGE_CASES[name])
    assert python == c


@needs_c
def test_past_max_depth_copy_alike():
    deep = "<div>" * (dom.MAX_DEPTH + 20) + "deep text, here. " + "<b>more</b>" + "</div>" * (dom.MAX_DEPTH + 20)
    python, c = _both(deep)
    assert python == c
    # past MAX_DEPTH the subtree is read as its text nodes joined by a space
    assert python[0][3] == len("deep text, here.  more")


_tags = st.sampled_from(["div", "p", "a", "span", "b", "li", "ul", "ol", "h2", "script", "br", "td", "section", "x-y"])
_attrs = st.sampled_from(
    ["", ' class="Lead"', ' id="Main Body"', ' hidden', ' style="display:none"', ' aria-hidden="true"', ' start="4"', ' class="新闻"']
)
_texts = st.sampled_from(["", " ", "word", "Sentence one, two.", "中文句子，逗号。", "\u00a0", "\n\t", "a.b,c"])


@st.composite
def _markup(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(_tags)
            inner = "" if tag == "br" else draw(_markup(depth + 1))
            parts.append(f"<{tag}{draw(_attrs)}>{inner}</{tag}>")
        else:
            parts.append(draw(_texts))
    return "".join(parts)


@needs_c
@settings(max_examples=300, deadline=None)
@given(_markup())
def test_generated_markup_copies_alike(html):
    python, c = _both(html)
    assert python == c


@needs_c
def test_release_clears_every_parent_link():
    head, root, texty = dom.parse("<div><p>one <b>two</b></p><ul><li>three</li></ul></div>")
    assert any(el.parent is not None for el in root.iter())
    dom.release(root)
    assert all(el.parent is None for el in root.iter())
    # the children stay: release only cuts the upward links
    assert root.text() == "one two three"


def test_pure_python_walk_and_release(monkeypatch):
    monkeypatch.setattr(dom, "_fast", [None])  # as on a machine where the extension did not build
    head, root, texty = dom.parse("<div><p>one, two. three four five six seven</p></div>")
    assert [el.tag for el in texty] == ["p", "div", "body"]
    dom.release(root)
    assert all(el.parent is None for el in root.iter())


# -- the head: _lightcopy.head against dom._read_head(tree, dom._head_items(tree)) (a CSS query) + body.text()

def _heads(html: str):
    tree = LexborHTMLParser(html)
    return dom._head_of(None, tree), dom._head_of(fast, tree)


HEAD_CASES = {
    "every kind": '<html lang="de"><head><title> A  <b>t</b> </title><meta name="x" content="y"><meta name="z">'
    '<link rel="canonical" href="/c"><link rel="icon"><script type="application/ld+json">{"a": 1}</script>'
    '<script type="application/json">{"b": 2}</script><script>var c</script></head><body>'
    '<h1> Head <span>line</span> </h1><time datetime="2024-01-02"> 2 Jan </time><article>x</article>'
    '<span itemprop="author"> <b>Ann</b> Lee </span><div itemprop="datePublished" content="">d</div>'
    '<p itemprop="x" datetime="2024">t</p><p itemprop="y">not matched</p></body></html>',
    "an element matching several selectors is listed once": '<meta itemprop="datePublished" content="2020-01-01">'
    '<time itemprop="datePublished" datetime="2020">t</time><h1 itemprop="author">Ann</h1>',
    "itemprop text when the value attributes are empty": '<article itemprop="author" datetime="">Text <i>here</i></article>',
    "body text keeps scripts and ignores the head": "<head><title>t</title></head><body>a<script>b</script> c\u00a0</body>",
    "no body": "<frameset><frame src=a></frameset>",
    "empty": "",
    "meta keys in order, empty ones skipped": '<meta property="" name=" OG:Title " content=" x "><meta http-equiv="X" content>'
    '<meta itemprop="author" content=""><meta name=a content=b name=c content=d><meta content="v" itemprop>',
    "valueless and odd attributes": '<html xml:lang="fr"><link rel href=" /x "><link itemprop="author" rel="A">'
    '<script itemprop="author">var x</script><title></title><title>second</title><time>no datetime</time>'
    '<h1> </h1><h1>a\n\u3000b</h1><span itemprop="datePublished" datetime content=" 2024 ">s</span>',
    "long itemprop value": '<div itemprop="author">' + "x" * 400 + "</div>",
    "empty lang": '<html lang=""><body>x</body></html>',
}


@needs_c
@pytest.mark.parametrize("name", HEAD_CASES)
def test_head_matches_the_css_query_and_read_head(name):
    python, c = _heads(HEAD_CASES[name])
    assert python == c


@needs_c
@pytest.mark.parametrize("page", sorted(GOLDEN.glob("*.html")), ids=lambda p: p.stem)
def test_head_golden_pages(page):
    python, c = _heads(dom.cap_html(decode(page.read_bytes())[0]))
    assert python == c
    assert python.title or python.metas  # every golden page has a title or meta tags to read


@needs_c
def test_head_every_evaluation_page():
    import gzip
    import json

    manifests = sorted((Path(__file__).resolve().parents[2] / "shared" / "data").glob("*/manifest.jsonl"))
    if not manifests:
        pytest.skip("../shared/data is not here")
    for manifest in manifests:
        for line in manifest.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            html = decode(gzip.decompress((manifest.parent / rec["html"]).read_bytes()))[0]
            python, c = _heads(dom.cap_html(html))
            assert python == c, rec["id"]


# -- the whole parse: C scan + region skipping against the CSS query + lexbor decompose ---------------

def _parse_both(html: str, monkeypatch):
    c = dom.parse(html)
    with monkeypatch.context() as m:
        m.setattr(dom, "_fast", [None])
        python = dom.parse(html)
    return [(head, dom.signature(root), [dom.signature(e) for e in texty]) for head, root, texty in (python, c)]


REGION_PAGE = (
    "<body><nav>Home News Sport</nav><header>Site</header><main><article><h1>Title here</h1>"
    "<p>" + "Story text, with sentences. " * 30 + "</p><aside>Related: other story</aside>"
    "<footer>Tags: a, b</footer></article><aside>" + "A long sidebar that is most of the page, really. " * 40
    + "<nav>nested nav</nav></aside></main><footer>(c) 2024 <nav>About</nav></footer></body>"
)


@needs_c
def test_parse_with_regions_alike(monkeypatch):
    python, c = _parse_both(REGION_PAGE, monkeypatch)
    assert python == c
    text = " ".join(s for s in _strings(python[1]))
    assert "Related: other story" not in text and "Tags: a, b" not in text  # small regions dropped
    assert "most of the page" in text and "nested nav" not in text  # the big aside stays, its nav goes


def _strings(sig):
    for c in sig[-1]:
        if isinstance(c, str):
            yield c
        else:
            yield from _strings(c)


@needs_c
@pytest.mark.parametrize("page", sorted(GOLDEN.glob("*.html")), ids=lambda p: p.stem)
def test_parse_golden_pages_alike(page, monkeypatch):
    python, c = _parse_both(decode(page.read_bytes())[0], monkeypatch)
    assert python == c
