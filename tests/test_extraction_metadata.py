"""newsgrab.extraction.metadata: JSON-LD, OpenGraph/<meta> fallbacks, canonical URL, title trimming,
clean_authors, find_source, and the visible byline/dateline readers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from newsgrab.extraction.dom import parse
from newsgrab.extraction.metadata import (
    byline_authors,
    clean_authors,
    dateline_near_title,
    find_source,
    read_metadata,
    visible_byline,
)

CST = timezone(timedelta(hours=8))


def meta_of(head: str = "", body: str = "<p>Body.</p>", url: str | None = None, html_attrs: str = ""):
    h, _root, _texty = parse(f"<!DOCTYPE html><html{html_attrs}><head>{head}</head><body>{body}</body></html>")
    return read_metadata(h, url, None)


def ld(obj) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj, ensure_ascii=False)}</script>'


# ---- JSON-LD -------------------------------------------------------------------------------------


def test_jsonld_graph_with_author_objects():
    m = meta_of(ld({
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "Site", "url": "https://x.example/"},
            {"@type": "WebPage", "name": "Page name", "url": "https://x.example/p"},
            {"@type": ["NewsArticle"], "headline": "Graph headline",
             "author": [{"@type": "Person", "name": "Ann One"}, {"@type": "Person", "name": "Bob Two"}],
             "datePublished": "2024-03-05T10:00:00+01:00",
             "publisher": {"@type": "Organization", "name": "The Publisher"}},
        ],
    }))
    assert m.title == "Graph headline"
    assert m.authors == ["Ann One", "Bob Two"]
    assert m.published == datetime(2024, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert m.site_name == "The Publisher"


def test_jsonld_top_level_list_and_date_created():
    m = meta_of(ld([{"@type": "BreadcrumbList", "itemListElement": []},
                    {"@type": "Article", "headline": "List headline", "author": "Carla Three", "dateCreated": "2024-01-02"}]))
    assert m.title == "List headline"
    assert m.authors == ["Carla Three"]
    assert m.published == datetime(2024, 1, 2)


def test_jsonld_author_string_with_role_words_is_cleaned():
    m = meta_of(ld({"@type": "NewsArticle", "headline": "H", "author": "By Jane Doe and John Roe"}))
    assert m.authors == ["Jane Doe", "John Roe"]


def test_jsonld_article_types_win_over_webpage():
    m = meta_of(ld({"@type": "WebPage", "headline": "Webpage headline", "datePublished": "2020-01-01"})
                + ld({"@type": "NewsArticle", "headline": "Real headline", "datePublished": "2024-02-02"}))
    assert m.title == "Real headline"
    assert m.published == datetime(2024, 2, 2)


def test_jsonld_main_entity_and_article_body():
    m = meta_of(ld({"@type": "ItemPage", "mainEntity": {"@type": "ReportageNews", "headline": "Inside main entity",
                                                          "articleBody": "First line.\nSecond line."}}))
    assert m.title == "Inside main entity"
    assert m.article_body == "First line.\nSecond line."


def test_jsonld_organization_author_equal_to_site_is_not_an_author():
    m = meta_of(ld({"@type": "NewsArticle", "headline": "H", "author": {"@type": "Organization", "name": "The Harbor Ledger"},
                    "publisher": {"name": "The Harbor Ledger"}}))
    assert m.authors == []
    assert m.site_name == "The Harbor Ledger"


def test_jsonld_control_characters_are_tolerated():
    raw = '<script type="application/ld+json">{"@type":"NewsArticle","headline":"Ctl\tchar\nin it","datePublished":"2024-03-05"}</script>'
    m = meta_of(raw)
    assert m.title == "Ctl char in it"
    assert m.published == datetime(2024, 3, 5)


def test_broken_jsonld_is_ignored_not_fatal():
    m = meta_of('<script type="application/ld+json">{not json at all</script><meta property="og:title" content="OG wins">')
    assert m.title == "OG wins"


def test_jsonld_trailing_comma_is_tolerated():
    raw = ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
           '"headline":"Trailing comma headline","datePublished":"2024-03-05T10:00:00Z",}</script>')
    m = meta_of(raw)
    assert m.title == "Trailing comma headline"
    assert m.published == datetime(2024, 3, 5, 10, 0, tzinfo=timezone.utc)


# ---- OpenGraph and <meta> fallbacks ------------------------------------------------------------------


def test_og_and_meta_fallbacks():
    m = meta_of('<title>OG title - OG Site</title><meta property="og:title" content="OG title">'
                '<meta property="og:site_name" content="OG Site">'
                '<meta property="article:published_time" content="2024-03-05T10:00:00Z">'
                '<meta name="author" content="Jane Doe"><meta property="og:url" content="https://x.example/a?id=1">'
                '<meta property="og:description" content="A description.">')
    assert m.title == "OG title"
    assert m.site_name == "OG Site"
    assert m.published == datetime(2024, 3, 5, 10, 0, tzinfo=timezone.utc)
    assert m.authors == ["Jane Doe"]
    assert m.canonical_url == "https://x.example/a?id=1"
    assert m.description == "A description."


def test_meta_author_url_is_not_an_author():
    m = meta_of('<meta name="author" content="https://www.facebook.com/someone"><meta name="dc.creator" content="Real Name">')
    assert m.authors == ["Real Name"]  # the URL is skipped, the next author key is used
    assert meta_of('<meta name="author" content="https://www.facebook.com/someone">').authors == []


@pytest.mark.parametrize(
    "tag,expected",
    [
        ('<meta name="pubdate" content="20240305">', datetime(2024, 3, 5)),
        ('<meta name="publishdate" content="2024-04-02">', datetime(2024, 4, 2)),
        ('<meta itemprop="datePublished" content="2024-04-02T08:00:00+02:00">', datetime(2024, 4, 2, 8, tzinfo=timezone(timedelta(hours=2)))),
        ('<meta name="dc.date" content="2024-04-02">', datetime(2024, 4, 2)),
    ],
)
def test_date_meta_keys(tag, expected):
    assert meta_of(tag).published == expected


def test_time_element_and_h1_when_no_metadata():
    m = meta_of("", body='<h1>H1 headline of the story</h1><time datetime="2024-03-05T08:00:00+08:00">3月5日</time><p>x</p>')
    assert m.title == "H1 headline of the story"
    assert m.published == datetime(2024, 3, 5, 8, tzinfo=CST)


def test_entities_in_titles_are_decoded():
    assert meta_of('<meta property="og:title" content="Fish &amp; Chips at the Pier">').title == "Fish & Chips at the Pier"
    assert meta_of('<title>Headline &amp; more | Site</title><meta property="og:site_name" content="Site">').title == "Headline & more"


def test_language_from_html_lang_then_meta():
    assert meta_of("", html_attrs=' lang="de-AT"').language == "de-AT"
    assert meta_of('<meta http-equiv="content-language" content="zh-TW">').language == "zh-TW"
    assert meta_of('<meta property="og:locale" content="fr_FR">').language == "fr_FR"
    assert meta_of("").language is None


# ---- canonical URL ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head,url,expected",
    [
        ('<link rel="canonical" href="/local/2024/story">', "https://x.example/local/2024/story?utm_source=a", "https://x.example/local/2024/story"),
        ('<link rel="canonical" href="../news/b.html">', "https://x.example/news/2024/a.html", "https://x.example/news/news/b.html"),
        ('<link rel="canonical" href="//cdn.example/a">', "https://x.example/a", "https://cdn.example/a"),
        ('<link rel="canonical" href="https://other.example/a">', "https://x.example/a", "https://other.example/a"),
        ('<link rel="canonical" href="javascript:void(0)">', "https://x.example/a", None),
        ('<meta property="og:url" content="/og/path">', "http://x.example/a", "http://x.example/og/path"),
        ("", "https://x.example/a", None),
    ],
)
def test_canonical_resolved_against_page_url(head, url, expected):
    assert meta_of(head, url=url).canonical_url == expected


def test_relative_canonical_without_page_url_is_dropped():
    assert meta_of('<link rel="canonical" href="/a/b">').canonical_url is None


def test_canonical_from_jsonld_url():
    assert meta_of(ld({"@type": "NewsArticle", "headline": "H", "url": "https://x.example/ld"})).canonical_url == "https://x.example/ld"


# ---- title ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "head,expected",
    [
        ("<title>Only title here - The Site</title>", "Only title here"),
        ("<title>标题在这里_国内新闻_新浪网</title>", "标题在这里"),
        ('<title>Headline here | The Site</title><meta property="og:site_name" content="The Site">', "Headline here"),
        ('<meta property="og:title" content="Headline here | The Site"><meta property="og:site_name" content="The Site">', "Headline here"),
        ('<meta property="og:title" content="The Site"><meta property="og:site_name" content="The Site">', "The Site"),
    ],
)
def test_site_name_trimmed_from_title(head, expected):
    assert meta_of(head).title == expected


def test_h1_is_preferred_when_it_matches_the_title_sources():
    m = meta_of('<meta property="og:title" content="SEO title: council flood wall approved">'
                '<meta property="og:site_name" content="Harbor Ledger">'
                "<title>City council approves flood wall - Harbor Ledger</title>",
                body="<h1>Harbor Ledger</h1><h1>City council approves flood wall</h1><p>x</p>")
    assert m.title == "City council approves flood wall"


def test_logo_h1_is_not_the_title_without_a_site_name():
    m = meta_of("<title>City council approves flood wall - Harbor Ledger</title>",
                body="<h1>Harbor Ledger</h1><h1>City council approves flood wall</h1><p>x</p>")
    assert m.title == "City council approves flood wall"


# ---- clean_authors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,expected",
    [
        (["By Jane Doe and John Roe"], ["Jane Doe", "John Roe"]),
        (["Jane Doe, John Roe"], ["Jane Doe", "John Roe"]),
        (["By Jane Doe, John Roe and Max Mustermann"], ["Jane Doe", "John Roe", "Max Mustermann"]),
        (["Von Anna Schmidt und Peter Meier"], ["Anna Schmidt", "Peter Meier"]),
        (["Text: Anna Schmidt"], ["Anna Schmidt"]),
        (["Bruce Wayne & Clark Kent"], ["Bruce Wayne", "Clark Kent"]),
        (["本报记者 张三 李四"], ["张三", "李四"]),
        (["记者 张三"], ["张三"]),
        (["记者张三 李四"], ["张三", "李四"]),
        (["作者：王小明"], ["王小明"]),
        (["张三、李四"], ["张三", "李四"]),
        (["Jane Doe (jd@example.com)"], ["Jane Doe"]),
        (["jane@example.com"], []),
        (["Jane Doe", "Jane Doe"], ["Jane Doe"]),
        (["Diana Prince"], ["Diana Prince"]),  # 'Di' as a role word only when a word of its own
        (["Andy Anderson"], ["Andy Anderson"]),
        ([""], []),
        ([], []),
    ],
)
def test_clean_authors(raw, expected):
    assert clean_authors(raw) == expected


def test_clean_authors_drops_the_site_name():
    assert clean_authors(["The Harbor Ledger"], "The Harbor Ledger") == []
    assert clean_authors(["Jane Doe", "the harbor ledger"], "The Harbor Ledger") == ["Jane Doe"]
    assert clean_authors(["东江日报"], "东江日报") == []


def test_clean_authors_caps_the_list():
    assert len(clean_authors([f"Person Number{i}" for i in range(30)])) == 10


def test_clean_authors_drops_urls():
    assert clean_authors(["https://example.com/staff/jane"]) == []


def test_clean_authors_keeps_middle_initials():
    assert clean_authors(["Robert E. Smith"]) == ["Robert E. Smith"]
    assert clean_authors(["Mary Y. Chen"]) == ["Mary Y. Chen"]


def test_clean_authors_keeps_the_given_name_di():
    assert clean_authors(["Di Wang"]) == ["Di Wang"]


# ---- byline_authors / visible_byline / dateline_near_title -------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
        ("By Jane Doe | March 5, 2024", ["Jane Doe"]),
        ("作者：王小明", ["王小明"]),
        ("文/李四", ["李四"]),
        ("【文/王五】", ["王五"]),
        ("中新网北京3月5日电(记者 张三)", ["张三"]),
        ("Jane Doe", []),  # a bare name is not a byline
        ("今天天气很好", []),
    ],
)
def test_byline_authors(text, expected):
    assert byline_authors(text) == expected


def test_byline_authors_stop_at_the_names():
    assert byline_authors("记者 张三 李四 报道") == ["张三", "李四"]
    assert byline_authors("本报记者 张三 李四 昨日，记者从市商务局获悉") == ["张三", "李四"]


def test_visible_byline_reads_the_top_lines():
    now = datetime(2024, 3, 5, 12, tzinfo=CST)
    texts = ["By Jane Doe", "2024-03-01 10:00", "First paragraph of the story, long enough to be prose."]
    date, authors = visible_byline(texts, now)
    assert date == datetime(2024, 3, 1, 10, 0)
    assert authors == ["Jane Doe"]
    date, authors = visible_byline(["3小时前"], now)
    assert date == now - timedelta(hours=3)
    assert visible_byline(["A paragraph without any byline or date in it at all."], now) == (None, [])


def test_visible_byline_reads_a_signature_at_the_end():
    texts = ["Paragraph one of the post, long enough."] * 10 + ["作者：李四"]
    assert visible_byline(texts, None)[1] == ["李四"]


def test_dateline_near_title():
    body = "站点导航 首页 新闻\n江南市推进老旧小区改造\n2023-06-18 09:30 来源：江南日报\n" + "正文内容。" * 40 + "\n版权所有 © 2003-2023"
    assert dateline_near_title(body, "江南市推进老旧小区改造", None) == datetime(2023, 6, 18, 9, 30)


def test_find_source_zhuanzai_without_colon():
    assert find_source(["轉載自 聯合報"]) == "聯合報"


def test_photo_credit_is_not_the_source():
    assert find_source(["图片来源：视觉中国"]) is None
    assert find_source(["图片来源：视觉中国", "来源：新华社"]) == "新华社"
