"""extraction/_tagscan.c (attributes past a limit, found with the tokenizer's view of tags) against its Python
reference, and guard.cap_html cutting them so that lexbor never sees thousands of attributes on one element."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser
from tagscan_reference import cuts as reference

import newsgrab
from newsgrab.extraction import guard

_tagscan = guard._tagscan  # None when built without a compiler, or with NEWSGRAB_PURE_PYTHON set
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def test_extension_is_built_and_used():
    # CI machines have a compiler: a missing extension is a build problem to see, not to hide.
    if os.environ.get("NEWSGRAB_PURE_PYTHON"):
        pytest.skip("pure-Python path forced")
    assert _tagscan is not None


needs_c = pytest.mark.skipif(_tagscan is None, reason="C extension not available")


def cut(html: str, limit: int) -> str:
    return guard._cut(html, _tagscan.cuts(html, limit, 1000))


@needs_c
@pytest.mark.parametrize(
    ("html", "limit", "spans"),
    [
        ("<div a b c d>x</div>", 2, [(9, 12)]),
        ("<div a b>x</div>", 2, []),
        ('<p e=1 f="2"g=3>', 2, [(12, 15)]),  # a quoted value ends an attribute: g starts the next one
        ("<p a/b/c/d>", 2, [(7, 10)]),  # "/" separates attributes
        ('<p a=">" b c>', 2, [(11, 12)]),  # ">" in quotes does not end the tag
        ("<p a='>' b=\"'\" c>", 2, [(15, 16)]),
        ("<!-- <p a b c> --><p>", 2, []),  # no tags in a comment
        ("<script>'<p a b c>'</script><p a b c>", 2, [(35, 36)]),  # nor in script text
        ("<SCRIPT>x</script ><p a b c>", 2, [(26, 27)]),
        ("<title><p a b c></title>", 2, []),
        ("</div a b c>", 2, [(10, 11)]),  # end tags have attributes too, for the tokenizer
        ("<p a b c", 2, []),  # a tag cut by the end of the page is dropped by the parser
        ("<plaintext><p a b c>", 2, []),
        ("a < b c d > e", 0, []),  # "< " starts no tag
        ("<p 中 文 字 👍>", 2, [(7, 10)]),  # any character can be a name
        ("<p =a b c>", 2, [(8, 9)]),  # '=' can start a name
    ],
)
def test_spans(html, limit, spans):
    assert _tagscan.cuts(html, limit, 1000) == spans == reference(html, limit, 1000)


@needs_c
def test_a_cut_tag_keeps_its_first_attributes_and_its_end():
    html = '<div a="1" b=\'2\' c=3 d e>text</div><p>after</p>'
    assert cut(html, 2) == "<div a=\"1\" b='2' >text</div><p>after</p>"


_PIECES = st.sampled_from(
    ["<", ">", "/", "=", '"', "'", " ", "\n", "a", "B", "x1", "中", "é", "\U0001f600", "<!--", "-->", "--",
     "<div", "</div", "<p ", "<script>", "</script>", "</SCRIPT ", "<title>", "</title>", "<!DOCTYPE", "<?",
     "</>", "<plaintext>", "<style>", "</style>", "<select>", "</select>", "<option>", "</option ", "<OPTGROUP"]
)


@needs_c
@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join), st.integers(min_value=0, max_value=4), st.integers(0, 2))
def test_c_agrees_with_the_reference(html, limit, max_options):
    assert _tagscan.cuts(html, limit, max_options) == reference(html, limit, max_options)


@needs_c
def test_no_page_of_the_test_sets_has_a_tag_near_the_limit():
    from newsgrab.encoding import decode

    manifests = sorted(DATA.glob("*/manifest.jsonl"))
    if not manifests:
        pytest.skip("../shared/data is not here")
    heavy = []
    for manifest in manifests:
        for line in manifest.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            html = decode(gzip.decompress((manifest.parent / rec["html"]).read_bytes()))[0]
            if _tagscan.cuts(html, guard.MAX_ATTRS // 2, guard.MAX_OPTIONS // 2):
                heavy.append(rec["id"])
    assert heavy == []  # their 873 pages have under 128 attributes on any tag, under 500 options in any list


@needs_c
def test_thousands_of_attributes_on_one_element_are_cut_to_the_limit():
    attrs = " ".join(f"data-x{i}={i}" for i in range(60_000))  # unguarded, lexbor takes ~6 s on this
    article = "<p>The harbour council approved the sea wall on Tuesday after a long debate about its cost.</p>" * 5
    html = f"<html><head><title>Wall</title></head><body><div {attrs}>{article}</div></body></html>"
    capped = guard.cap_html(html)
    div = LexborHTMLParser(capped).css_first("div")
    assert len(div.attributes) == guard.MAX_ATTRS
    assert div.attributes["data-x0"] == "0" and "data-x256" not in div.attributes
    assert "sea wall on Tuesday" in newsgrab.extract(html.encode()).text


@needs_c
@pytest.mark.parametrize(
    ("html", "spans"),
    [
        ("<select><option>a<option>b<option>c</select>", [(17, 25), (26, 34)]),
        ("<select><option>a</option><option>b</option></select>", [(26, 34), (35, 44)]),  # end tags too
        ("<select><optgroup><option>a</select><select><option>b</select>", [(18, 26)]),  # counted per select
        ("<option>a<option>b<option>c", []),  # outside a select nothing is re-examined
    ],
)
def test_options_past_the_limit_are_cut_whole(html, spans):
    assert _tagscan.cuts(html, 256, 1) == spans == reference(html, 256, 1)


@needs_c
def test_a_select_of_tens_of_thousands_of_options_keeps_the_first_and_the_text():
    options = "".join(f"<option value={i}>choice {i}" for i in range(40_000))  # unguarded, lexbor takes ~6 s
    article = "<p>The harbour council approved the sea wall on Tuesday after a long debate about its cost.</p>" * 5
    html = f"<html><body><form><select>{options}</select></form><div>{article}</div></body></html>"
    tree = LexborHTMLParser(guard.cap_html(html))
    assert len(tree.css("option")) == guard.MAX_OPTIONS
    assert "choice 39999" in tree.body.text()
    assert "sea wall on Tuesday" in newsgrab.extract(html.encode()).text


# -- the same scan on the page's UTF-8 bytes (dom.parse hands lexbor the bytes when the guard has nothing to cut)


def _to_bytes_spans(html: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(len(html[:a].encode()), len(html[:b].encode())) for a, b in spans]


@needs_c
@settings(max_examples=600, deadline=None)
@given(st.lists(_PIECES, max_size=60).map("".join), st.integers(min_value=0, max_value=4), st.integers(0, 2))
def test_the_scan_of_the_utf8_bytes_finds_the_same_spans(html, limit, max_options):
    data = html.encode()
    assert _tagscan.cuts(data, limit, max_options) == _to_bytes_spans(html, _tagscan.cuts(html, limit, max_options))
    assert _tagscan.count_lt(data) == html.count("<")


@needs_c
@pytest.mark.parametrize("html", [
    "",
    "<p>中文 “quotes” 👍</p>" * 3,
    "<div " + " ".join(f"a{i}=中" for i in range(guard.MAX_ATTRS + 1)) + ">x</div>",  # an attribute to cut
    "<select>" + "<option>é" * (guard.MAX_OPTIONS + 1) + "</select>",  # an option to cut
    "<br>" * guard.MAX_TAGS,  # too many tags
    "<div>" * 20_000 + "deep",  # too deep for lexbor's stack walks: the text's tags are dropped
    "<div>" * 18_000 + "</div>" * 17_900,  # many tags, few left open: nothing to drop
])
def test_bytes_are_judged_unchanged_exactly_when_the_text_is(html):
    unchanged = guard.cap_html(html) is html
    # (False only ever means "cap the text": a deep page may come back unchanged from cap_html anyway.)
    assert guard.leaves_unchanged(html, html.encode()) == unchanged


def test_without_the_extension_the_text_is_always_capped(monkeypatch):
    monkeypatch.setattr(guard, "_tagscan", None)
    assert guard.leaves_unchanged("<p>x</p>", b"<p>x</p>") is False
