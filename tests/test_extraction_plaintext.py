"""newsgrab.extraction.plaintext: telling HTML from plain-text saves, and splitting a plain-text save."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsgrab.extraction.plaintext import looks_like_html, split_plain_text

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "saved-page-zh.txt"


@pytest.mark.parametrize(
    "text",
    [
        "<html><body>x</body></html>",
        "  \n<!DOCTYPE html><html>",
        "<p>one paragraph</p>",
        "Saved from somewhere\n<div class=a>text</div><p>more</p><a href=x>link</a>",
        "<?xml version='1.0'?><rss></rss>",
        "使用 <div> 和 <span> 标签，还有 <table> 标签",
    ],
)
def test_looks_like_html(text):
    assert looks_like_html(text) is True


@pytest.mark.parametrize(
    "text",
    [
        "Title\n\nBody text with a < b and c > d.",
        "Price < 5 and > 3\nno tags here",
        "数学：a<b，b>c",
        "當前位置:\n首頁 > 新聞 > 標題\n\n標題\n\n正文。",
        "",
        "Just one <p> mention in a sentence about HTML.",
    ],
)
def test_plain_text_is_not_html(text):
    assert looks_like_html(text) is False


def test_only_the_start_of_the_text_is_examined():
    assert looks_like_html("x" * 9000 + "<html><body><div><p>late</p></div></body></html>") is False


def test_split_title_and_paragraphs():
    title, blocks = split_plain_text("Title line\n\nFirst paragraph of the article, which is long enough.\n\nSecond paragraph here.")
    assert title == "Title line"
    assert [b.text for b in blocks] == ["First paragraph of the article, which is long enough.", "Second paragraph here."]
    assert all(b.kind == "p" for b in blocks)


def test_split_breadcrumb_then_title_then_boilerplate():
    text = "当前位置：\n首页 > 新闻 > 标题在这里\n\n标题在这里\n\n正文第一段，说的是一件事情。\n\n责任编辑：张三\n分享到：微信 微博"
    title, blocks = split_plain_text(text)
    assert title == "标题在这里"
    assert [b.text for b in blocks] == ["正文第一段，说的是一件事情。"]


def test_split_title_from_the_last_crumb_when_no_title_line():
    title, blocks = split_plain_text("首页 > 新闻 > 某某新闻标题\n正文第一段，内容比较长，这是一个完整的句子。\n正文第二段。")
    assert title == "某某新闻标题"
    assert [b.text for b in blocks] == ["正文第一段，内容比较长，这是一个完整的句子。", "正文第二段。"]


def test_a_sentence_is_not_taken_for_a_title():
    title, blocks = split_plain_text("This is a sentence ending with a full stop.\nAnother one.")
    assert title is None
    assert [b.text for b in blocks] == ["This is a sentence ending with a full stop.", "Another one."]


def test_line_endings_and_spaces_are_normalised():
    title, blocks = split_plain_text("A title\r\nB paragraph\u3000of  text.\rC third.")
    assert title == "A title"
    assert [b.text for b in blocks] == ["B paragraph of text.", "C third."]


def test_empty():
    assert split_plain_text("") == (None, [])
    assert split_plain_text("\n \n\t\n") == (None, [])


@pytest.mark.skipif(not SEED.exists(), reason="shared/seed is absent")
def test_seed_page_splits():
    title, blocks = split_plain_text(SEED.read_text("utf-8"))
    assert title == "市科技工作黨委聚焦科技創新工作的突出矛盾和問題"
    body = [b.text for b in blocks]
    assert body[0].startswith("科研人員可持普通護照出國")
    assert body[-1].endswith("長三角科技資源共享服務平台已整合大型科學儀器設施達2.67萬台套。")
    assert not any("喜歡這篇文章嗎" in t or "TAG" in t or "當前位置" in t for t in body)
