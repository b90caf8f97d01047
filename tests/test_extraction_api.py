"""The public extraction API (CONTRACT.md): ``newsgrab.extract(data, url=None)``.

bytes or str in, an ``Article`` out or ``NoContentError``; never None; pure (same input, same output).
"""

from __future__ import annotations

import json
import time
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import newsgrab
from newsgrab import Article, NewsgrabError, NoContentError, extract

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "fixtures" / "golden"
SEED_DIR = ROOT.parent / "shared" / "seed"
SEED = SEED_DIR / "saved-page-zh.txt"
SEED_EXPECTED = SEED_DIR / "saved-page-zh.expected.json"
needs_seed = pytest.mark.skipif(not SEED.exists() or not SEED_EXPECTED.exists(), reason="shared/seed is absent")

PARA1 = "The council voted on Tuesday to build a flood wall along the harbour, ending a decade of arguments over the waterfront."
PARA2 = "The project will be paid for with federal grants and a bond measure, and construction is expected to begin next spring."
PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Council approves flood wall - The Ledger</title>
<meta property="og:site_name" content="The Ledger"></head><body><nav><a href="/">Home</a> <a href="/local">Local</a></nav>
<article><h1>Council approves flood wall</h1><p>{PARA1}</p><p>{PARA2}</p></article><footer>© 2024 The Ledger</footer></body></html>"""

ZH_REL = ("<html><head><meta charset='utf-8'><title>快讯：市区一路段发生交通事故</title></head><body>"
          "<div class='content'><h1>快讯：市区一路段发生交通事故</h1><p>发布于 3分钟前</p>"
          "<p>今天上午，市区人民路发生一起交通事故，所幸没有人员伤亡，交警部门正在调查事故原因，并提醒过往车辆注意绕行。</p>"
          "<p>目击者称，事故发生时路面湿滑，一辆货车在转弯时失控撞上了护栏，造成附近路段短暂拥堵，目前交通已经恢复正常。</p>"
          "</div></body></html>")


def test_extract_is_the_contract_name():
    from newsgrab.extraction import extract as inner

    assert newsgrab.extract is inner
    assert issubclass(NoContentError, NewsgrabError)


def test_bytes_and_str_give_the_same_article():
    a = extract(PAGE.encode("utf-8"), url="https://x.example/a")
    b = extract(PAGE, url="https://x.example/a")
    assert a == b
    assert isinstance(a, Article)
    assert a.title == "Council approves flood wall"
    assert a.text == f"{PARA1}\n\n{PARA2}"
    assert a.url == "https://x.example/a"
    assert a.site_name == "The Ledger"
    assert a.language == "en"


def test_bytes_parsed_as_they_are_match_the_text_when_the_guard_cuts():
    # UTF-8 bytes go to lexbor as they are, unless the guard changed the text (here: a tag with more
    # attributes than guard.MAX_ATTRS): then the cut text must be what is parsed, not the bytes.
    from newsgrab.extraction import guard
    from newsgrab.extraction.guard import MAX_ATTRS

    if guard._tagscan is None:
        pytest.skip("no tag scan (pure Python): the guard does not cut attributes")
    # (The cut takes the `hidden` past the limit away, so the paragraph shows; parsed uncut, it would not.)
    attrs = " ".join(f'data-a{i}="中"' for i in range(MAX_ATTRS + 50))
    page = PAGE.replace(f"<p>{PARA2}</p>", f"<p {attrs} hidden>{PARA2}</p>", 1)
    assert page != PAGE
    from_bytes = extract(page.encode("utf-8"), url="https://x.example/a")
    assert from_bytes == extract(page, url="https://x.example/a")
    assert PARA2 in from_bytes.text


def test_article_field_types():
    a = extract(PAGE)
    assert [f.name for f in fields(Article)] == [
        "url", "canonical_url", "title", "authors", "published", "site_name", "source", "language", "text", "markdown"]
    assert a.url is None and a.canonical_url is None
    assert a.authors == [] and a.published is None and a.source is None
    assert isinstance(a.text, str) and isinstance(a.markdown, str)


@pytest.mark.parametrize("bad", [None, 5, 3.5, ["<p>x</p>"], {"a": 1}, Path("page.html"), object()])
def test_other_types_are_a_type_error(bad):
    with pytest.raises(TypeError):
        extract(bad)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        "",
        "   \n\t ",
        b"\x00\x00\x00",
        "<html><head><title>Only a title</title></head></html>",
        "<html><body>  </body></html>",
        b"<html><head><script>var a = 'lots of text here in the script that is long enough to be a paragraph';</script></head><body></body></html>",
        "<html><body><script>document.write('x'.repeat(1000))</script><style>p { color: red }</style></body></html>",
        "<!-- a comment only, long enough to look like some text but it is a comment -->",
        "<html><body><img src=a.jpg><img src=b.jpg></body></html>",
        "<html><head><title>No body</title><meta name='description' content='A page whose only content is in the head.'></head></html>",
    ],
)
def test_pages_without_an_article_raise_no_content(data):
    with pytest.raises(NoContentError):
        extract(data)


def test_never_returns_none():
    inputs = [PAGE, PAGE.encode(), "plain words only", "<p>x</p>", b"\xff\xfe\xfd", "<html><body><p>Hi.</p></body></html>", ZH_REL]
    for data in inputs:
        try:
            result = extract(data)
        except NoContentError:
            continue
        assert isinstance(result, Article) and result.text.strip(), data


def test_nul_bytes_are_dropped():
    page = PAGE.replace("harbour", "har\x00bour")
    a = extract(page)
    assert "\x00" not in a.text and "harbour" in a.text
    b = extract(page.encode("utf-8"))
    assert b == a


def test_utf16_with_bom():
    a = extract(PAGE.encode("utf-16"))
    assert a.text == f"{PARA1}\n\n{PARA2}"


def test_charset_from_content_type_header():
    html = ("<html><head><title>江南市推进老旧小区改造</title></head><body><div class='content'><h1>江南市推进老旧小区改造</h1>"
            "<p>记者从市住房和城乡建设局获悉，今年我市计划完成120个老旧小区改造项目，涉及房屋1800余栋，惠及居民三万余户。</p>"
            "<p>目前，已有46个项目开工建设，改造内容涵盖管网更新、加装电梯、外墙保温、停车设施等方面。</p></div></body></html>")
    a = extract(html.encode("gbk"), content_type="text/html; charset=GBK")
    assert "惠及居民三万余户" in a.text
    assert a.title == "江南市推进老旧小区改造"
    assert a.language == "zh-Hans"


def test_pure_same_input_same_output():
    for path in sorted(GOLDEN.glob("*.html"))[:8]:
        data = path.read_bytes()
        assert extract(data) == extract(data), path.name
    assert extract(PAGE) == extract(PAGE)


def test_relative_dateline_resolves_against_fetched_at():
    fetched = datetime(2024, 3, 5, 12, 0, tzinfo=timezone.utc)
    a = extract(ZH_REL, fetched_at=fetched)
    assert a.published == fetched - timedelta(minutes=3)
    assert extract(ZH_REL, fetched_at=fetched) == a


def test_pure_even_with_a_relative_dateline_and_no_fetched_at():
    first = extract(ZH_REL)
    time.sleep(0.002)
    second = extract(ZH_REL)
    assert first == second


def test_japanese_dateline_is_not_china_time():
    a = extract((GOLDEN / "ja_news.html").read_bytes())
    assert a.published is not None and a.published.date().isoformat() == "2024-03-05"
    assert a.published.utcoffset() in (None, timedelta(hours=9))


def test_text_has_no_title_and_single_blank_lines():
    a = extract(PAGE)
    assert not a.text.startswith(a.title)
    assert "\n\n\n" not in a.text and a.text == a.text.strip()


# ---- the seed page (shared/seed) -------------------------------------------------------------------


@needs_seed
@pytest.mark.parametrize("as_bytes", [True, False], ids=["bytes", "str"])
def test_seed_page(as_bytes):
    exp = json.loads(SEED_EXPECTED.read_text("utf-8"))
    data = SEED.read_bytes() if as_bytes else SEED.read_text("utf-8")
    a = extract(data)
    assert a.title == exp["title"] == "市科技工作黨委聚焦科技創新工作的突出矛盾和問題"
    assert a.source == exp["source_publication"] == "上觀新聞"
    assert a.language == "zh-Hant"
    missing = [s for s in exp["with"] if s not in a.text]
    assert not missing
    kept = [s for s in exp["without"] if s in a.text or s in a.markdown]
    assert not kept
    assert not a.text.startswith(exp["title"])
    assert "\n\n\n" not in a.text


@needs_seed
def test_seed_page_with_windows_line_endings_and_bom():
    exp = json.loads(SEED_EXPECTED.read_text("utf-8"))
    data = b"\xef\xbb\xbf" + SEED.read_text("utf-8").replace("\n", "\r\n").encode("utf-8")
    a = extract(data)
    assert a.title == exp["title"]
    assert a.source == "上觀新聞"
    assert all(s in a.text for s in exp["with"])
    assert not any(s in a.text for s in exp["without"])


# ---- markdown through the whole pipeline ------------------------------------------------------------

_PROSE = "This paragraph is an ordinary sentence of the article, with commas, clauses, and a full stop at the end. " * 2
LISTS_PAGE = f"""<html><head><title>Steps to apply for the grant</title></head><body><article><h1>Steps to apply for the grant</h1>
<p>{_PROSE}</p>
<ul><li>Top level one with enough words in it<ul><li>Nested item alpha with words</li><li>Nested item beta with words</li></ul></li>
<li>Top level two with enough words</li></ul>
<p>{_PROSE.replace("ordinary", "second")}</p>
<ol><li>First step of the list</li><li>Second step of the list</li></ol>
<p>{_PROSE.replace("ordinary", "third")}</p>
<ol start="3"><li>Third step of the list</li><li>Fourth step of the list</li></ol>
<p>{_PROSE.replace("ordinary", "fourth")}</p></article></body></html>"""


def test_markdown_nested_lists():
    md = extract(LISTS_PAGE).markdown
    assert ("- Top level one with enough words in it\n  - Nested item alpha with words\n  - Nested item beta with words\n"
            "- Top level two with enough words") in md
    assert "1. First step of the list\n1. Second step of the list" in md or "1. First step of the list\n2. Second step of the list" in md
    text = extract(LISTS_PAGE).text
    assert "Nested item alpha with words\n\nNested item beta with words" in text


def test_markdown_ordered_list_keeps_its_start_number():
    md = extract(LISTS_PAGE).markdown
    assert "3. Third step of the list" in md
