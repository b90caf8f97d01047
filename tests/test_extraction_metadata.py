"""newsgrab.extraction.metadata: JSON-LD, OpenGraph/<meta> fallbacks, canonical URL, title trimming,
clean_authors, find_source, and the visible byline/dateline readers."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from newsgrab.extraction.bylines import byline_authors, byline_near_title, dateline_near_title, find_source, visible_byline
from newsgrab.extraction.dom import parse
from newsgrab.extraction.metadata import clean_authors, read_metadata

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


@pytest.mark.parametrize(("label", "expected"), [
    ("Written by", ["Jane Doe"]),
    ("Verfasst von", ["Jane Doe"]),
    ("Est. reading time", []),  # the other pair Yoast writes
])
def test_author_from_a_twitter_card_label_pair(label, expected):
    head = (f'<meta name="twitter:label1" content="{label}"><meta name="twitter:data1" content="Jane Doe">'
            '<meta name="twitter:label2" content="Est. reading time"><meta name="twitter:data2" content="3 minutes">')
    assert meta_of(head).authors == expected


def test_a_twitter_card_author_does_not_override_an_author_meta():
    head = ('<meta name="author" content="Real Name">'
            '<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Site Admin Account">')
    assert meta_of(head).authors == ["Real Name"]


@pytest.mark.parametrize("desk", ["Redaktion", "admin", "La rédaction", "编辑部"])
def test_a_desk_is_not_an_author(desk):
    assert meta_of(f'<meta name="author" content="{desk}">').authors == []
    assert meta_of(f'<meta name="author" content="Jane Doe, {desk}">').authors == ["Jane Doe"]
    assert meta_of(f'<meta name="author" content="By {desk}">').authors == []


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
        ("Autorin/Autor Roman Goncharenko", ["Roman Goncharenko"]),
        ("Datum 28.04.2023 Autor*in Jane Doe", ["Jane Doe"]),
        ("Der Autor Thomas Mann schrieb den Roman", []),
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


_LONG_ZH = "市政府昨日召开会议，研究部署老旧小区改造工作，会议指出要把好事办好，让居民住得更舒心。" * 4


@pytest.mark.parametrize(("closing", "expected"), [
    ("（总台记者 张倩）", ["张倩"]),
    ("（本报记者 王明 李华）", ["王明", "李华"]),
    ("(記者 陳大文)", ["陳大文"]),
    ("（完）", []),  # the end mark of a wire story names nobody
    ("（记者会现场）", []),  # a press conference, not a reporter
])
def test_visible_byline_reads_a_reporter_in_brackets_closing_the_story(closing, expected):
    texts = [_LONG_ZH] * 6 + [_LONG_ZH + closing]
    assert visible_byline(texts, None)[1] == expected


def test_a_bracketed_reporter_inside_a_paragraph_is_not_its_byline():
    texts = [_LONG_ZH] * 6 + ["（记者 张倩）" + _LONG_ZH]
    assert visible_byline(texts, None)[1] == []


def test_dateline_near_title():
    body = "站点导航 首页 新闻\n江南市推进老旧小区改造\n2023-06-18 09:30 来源：江南日报\n" + "正文内容。" * 40 + "\n版权所有 © 2003-2023"
    assert dateline_near_title(body, "江南市推进老旧小区改造", None) == datetime(2023, 6, 18, 9, 30)


def test_find_source_zhuanzai_without_colon():
    assert find_source(["轉載自 聯合報"]) == "聯合報"


def test_photo_credit_is_not_the_source():
    assert find_source(["图片来源：视觉中国"]) is None
    assert find_source(["图片来源：视觉中国", "来源：新华社"]) == "新华社"


# ---- issue #3: titles ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "og,site,expected",
    [
        ("Rates rise again - Valley Tribune", "Valley Tribune", "Rates rise again"),
        ("Rates rise again | Royal | News | Express.co.uk", "Express.co.uk", "Rates rise again"),  # sections go too
        ("Rates rise again | Mirror Online", "The Mirror", "Rates rise again"),  # the site under a longer name
        ("Valley Tribune: Rates rise again for the third time", "Valley Tribune", "Rates rise again for the third time"),
        ("장동혁 부담 커졌다-정치ㅣ한국일보", "한국일보", "장동혁 부담 커졌다"),  # Korean bar and a glued section
        ("Rates rise again", "Valley Tribune", "Rates rise again"),
    ],
)
def test_site_name_is_stripped_from_metadata_titles(og, site, expected):
    m = meta_of(f'<meta property="og:title" content="{og}"><meta property="og:site_name" content="{site}">')
    assert m.title == expected


def test_site_suffix_does_not_outvote_the_h1():
    # og:title and twitter:title both carry " - Site": stripped, they agree with the <h1>.
    m = meta_of('<meta property="og:title" content="Council approves the flood wall - Valley Tribune">'
                '<meta name="twitter:title" content="Council approves the flood wall - Valley Tribune">'
                '<meta property="og:site_name" content="Valley Tribune">',
                body="<h1>Council approves the flood wall</h1><p>x</p>")
    assert m.title == "Council approves the flood wall"


def test_h1_equal_to_og_title_is_not_a_site_name():
    # <title> reads "Kicker: - Headline", which made the headline look like a trailing site name.
    m = meta_of("<title>«Kicker»: - Man sentenced to life</title>"
                '<meta property="og:title" content="Man sentenced to life">'
                + ld({"@type": "NewsArticle", "headline": "«Kicker»: Man sentenced to life"}),
                body="<h1>Man sentenced to life</h1><p>x</p>")
    assert m.title == "Man sentenced to life"


def test_french_space_before_colon_is_kept_when_the_sources_have_it():
    m = meta_of('<meta property="og:title" content="Guerre en Ukraine\u00a0: la Russie avance">',
                body="<h1>Guerre en Ukraine : la Russie avance</h1><p>x</p>")
    assert m.title == "Guerre en Ukraine : la Russie avance"
    # A kicker <span> joined to the headline still loses the stray space.
    m = meta_of('<meta property="og:title" content="Kicker: the headline of the story">',
                body="<h1><span>Kicker</span> : the headline of the story</h1><p>x</p>")
    assert m.title == "Kicker: the headline of the story"


# ---- issue #3: JSON-LD ---------------------------------------------------------------------------------


def test_jsonld_article_subtypes_and_main_entity():
    m = meta_of(ld({"@type": "ReportageNewsArticle", "headline": "Reportage", "datePublished": "2022-10-10T13:21:17Z"}))
    assert m.title == "Reportage" and m.published == datetime(2022, 10, 10, 13, 21, 17, tzinfo=timezone.utc)
    m = meta_of(ld({"@type": "WebPage", "mainEntity": {"@type": "NewsArticle", "headline": "Inside",
                                                      "author": {"@type": "Person", "name": "Nadja Muster"}}}))
    assert m.title == "Inside" and m.authors == ["Nadja Muster"]


def test_jsonld_in_cdata_and_given_family_names():
    raw = ('<script type="application/ld+json">\n//<![CDATA[\n{"@type":"NewsArticle","headline":"Wrapped",'
           '"author":[{"@type":"Person","givenName":"Anna Giulia","familyName":"Fink"}]}\n//]]>\n</script>')
    m = meta_of(raw)
    assert m.title == "Wrapped"
    assert m.authors == ["Anna Giulia Fink"]


# ---- issue #3: authors ---------------------------------------------------------------------------------


def test_outlet_named_as_author_is_dropped():
    # by another of its names: the host (mdr.de), its initials on the host (LTO on lto.de), its
    # website in brackets, the publisher.
    assert meta_of('<meta name="author" content="mdr.de">', url="https://www.mdr.de/a").authors == []
    assert meta_of('<meta name="author" content="LTO">', url="https://www.lto.de/a").authors == []
    assert meta_of('<meta name="author" content="Deutsche Welle (www.dw.com)">').authors == []
    m = meta_of(ld({"@type": "NewsArticle", "headline": "H", "author": {"@type": "Person", "name": "Krautreporter "},
                    "publisher": {"name": "Krautreporter eG"}}) + '<meta property="og:site_name" content="Krautreporter">')
    assert m.authors == []


def test_the_next_author_meta_value_when_the_first_is_the_outlet():
    m = meta_of('<meta name="author" content="한국일보"><meta name="author" content="신현주 기자">'
                '<meta property="og:site_name" content="한국일보">')
    assert m.authors == ["신현주"]  # the role word 기자 (reporter) goes too


def test_repeated_article_author_metas_are_all_authors():
    m = meta_of('<meta property="article:author" content="Deutsche Presse-Agentur">'
                '<meta property="article:author" content="MM-Redaktion">')
    assert m.authors == ["Deutsche Presse-Agentur", "MM-Redaktion"]


def test_photo_credits_tagged_author_are_not_authors():
    m = meta_of('<meta name="author" content="Emma Mackenzie">',
                body='<figure><meta itemprop="author" content="(Image: Getty Images/iStockphoto)"></figure><p>x</p>')
    assert m.authors == ["Emma Mackenzie"]


def test_cxense_author_and_date_keys():
    m = meta_of('<meta name="cxenseparse:author" content="松岡大地">'
                '<meta name="cxenseparse:publishtime" content="2012-05-10T14:29:05.000Z">')
    assert m.authors == ["松岡大地"]
    assert m.published == datetime(2012, 5, 10, 14, 29, 5, tzinfo=timezone.utc)


def test_japanese_names_keep_their_space():
    m = meta_of('<meta name="author" content="大渡 美咲">', body="<p>これは日本語の記事です。ひらがなとカタカナ。</p>")
    assert m.authors == ["大渡 美咲"]
    assert meta_of('<meta name="author" content="张三 李四">', body="<p>这是一篇中文新闻报道的正文内容。</p>").authors == ["张三", "李四"]


@pytest.mark.parametrize(
    "raw,expected",
    [
        (["ByMadeleine Howell"], ["Madeleine Howell"]),
        (["Eva Kirchner-Rätsch Eva Kirchner-Rätsch"], ["Eva Kirchner-Rätsch"]),
        (["105092"], []),
        (["L_104485"], []),
        (["박준석 기자"], ["박준석"]),
    ],
)
def test_clean_authors_more(raw, expected):
    assert clean_authors(raw) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("接受记者采访时称，《广告法》有明确规定", []),  # 记者 in prose
        ("本刊记者经历了近4个小时的车程", []),
        ("研究部的郭励弘却撰文指出，把民资", []),
        ("气象庁は調査終了を受けた記者会見で", []),  # 記者会見: a press conference
        ("作者： size=\"20\" 来源： size=\"20\"", []),  # markup, not a name
        ("作者：芊草凡凡 时间：2005-08-22 19:13:18", ["芊草凡凡"]),  # 时间： is the next label
        ("本报实习生 刘国栋 周炜本报记者 王燕平 方云凤 柏建斌2003-7-24", ["刘国栋", "周炜", "王燕平", "方云凤", "柏建斌"]),
        ("本报记者罗科苏盈发自北京", ["罗科苏盈"]),
        ("“这样的说法没有道理。”（姚峰 上海报道）", ["姚峰"]),
        ("（ 责任编辑：魏喆 ）", ["魏喆"]),  # an editor when nobody else is named
        ("□ 本报记者 葛灵丹 (责编：萧潇、张妍)", ["葛灵丹"]),  # ... but the reporter first
        ("capital von Jemima Kelly 05. November 2024 15:36 Uhr", ["Jemima Kelly"]),
        ("von Dr. Max Kolter 20.10.2025 Bei dem Verfahren", ["Dr. Max Kolter"]),
        ("Die Rede von Angela Merkel war lang", []),  # lower-case "von" in prose
        ("Author of the article: Joseph Brean Published Aug 28, 2024", ["Joseph Brean"]),
    ],
)
def test_byline_authors_more(text, expected):
    assert byline_authors(text) == expected


def test_visible_byline_on_two_lines():
    _, authors = visible_byline(["标题", "本报实习生刘国栋 周炜", "本报记者王燕平 方云凤 柏建斌", "正文"], None)
    assert authors == ["刘国栋", "周炜", "王燕平", "方云凤", "柏建斌"]


def test_byline_after_the_second_copy_of_the_headline():
    body = "民间资本路在何方-搜狐财经 导航 首页\n民间资本路在何方\n04年10月21日14:18 作者：郭励弘\n正文……"
    assert byline_near_title(body, "民间资本路在何方") == ["郭励弘"]


def test_outlet_is_dropped_from_a_visible_byline():
    from newsgrab.extraction import extract

    page = ("<html><head><title>Das harte Geschäft | MDR.DE</title></head><body><h1>Das harte Geschäft</h1>"
            "<p>von David Straub, MDR THÜRINGEN Stand: 28. April 2023, 05:00 Uhr</p>"
            + "<p>" + "Im Schlachthof wird früh am Morgen gearbeitet, und das seit Jahren. " * 8 + "</p></body></html>")
    art = extract(page, url="https://www.mdr.de/nachrichten/a.html")
    assert art.authors == ["David Straub"]


# ---- issue #3: dates -----------------------------------------------------------------------------------


def test_prose_and_captions_at_the_top_are_not_datelines():
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    caption = "Helpers in protective suits walk towards the cruise ship that was hit by the outbreak: 11 May 2026 (AFP)"
    assert visible_byline([caption], now)[0] is None
    assert visible_byline(["由于电价的提高可以上溯到2004年6月15日，东电股份的一位人士表现得极为兴奋。"], now)[0] is None
    assert visible_byline(["2024-03-01 10:00 来源：新华网"], now)[0] == datetime(2024, 3, 1, 10, 0)


def test_dateline_just_above_the_headline():
    body = "往期 返回 下一版 2022年02月13日\n“厕所革命”改善农牧区人居环境\n去年改造户用卫生厕所4.66万座……"
    assert dateline_near_title(body, "“厕所革命”改善农牧区人居环境", None) == datetime(2022, 2, 13)


def test_labelled_us_date():
    body = "孙丰：巴黎举行座谈会 作者： 来源： 发布日期： 9/17/2004 5:54:13 AM 正文"
    assert dateline_near_title(body, "谢谢您访问本站", None) == datetime(2004, 9, 17, 5, 54, 13)


def test_copyright_year_is_never_the_date():
    body = "标题在这里的新闻\n正文没有日期。" + "正文。" * 20 + "\nCopyright © 2004-2008 版权所有 2008年1月1日"
    assert dateline_near_title(body, "标题在这里的新闻", None) is None


def test_footer_date_after_a_copyright_mark_is_not_the_date():
    body = "导航 首页\n一篇没有日期的文章\n正文。" + "正文内容。" * 80 + "\n版权所有 © 2003-2023 本网 更新时间：2023-01-01"
    assert dateline_near_title(body, "一篇没有日期的文章", None) is None
    assert visible_byline(["Copyright © 2023-01-01 Harbor Ledger"], None)[0] is None


def test_the_headline_copy_with_the_closest_date_wins():
    body = ("Malaga, die Metropole im Süden\nSuche Startseite Registrieren Artikel Kontakt " + "Menü " * 30 + "Expo 2008-02-11\n"
            "Malaga, die Metropole im Süden ⋅ November 22, 2011 ⋅ Email this post\nText.")
    assert dateline_near_title(body, "Malaga, die Metropole im Süden", None) == datetime(2011, 11, 22)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Von Patrick Czerny - 4. Februar 2022", ["Patrick Czerny"]),
        ("Warum Sie stärken sollten Von Christian Thiele, 07 Dezember, 2022", ["Christian Thiele"]),
        ("“Alone” By Tim Anderson July 11, 2011 Salute", ["Tim Anderson"]),
        ("Film 30.07.2024 Von Iron Man zu Doctor Doom Robert Downey Jr.: Ein neuer Schurke", []),  # a teaser
        ("Sequilho com Chocolate (0) por CyberCook Unidades 40Peso", []),
        ("Webdesign & Umsetzung © 2010 by Medienhaus Artz 2010", []),  # the site's maker
        ("Autor: Multimedia Redaktion Kategorie: Diakonie", ["Multimedia Redaktion"]),  # stops at the next label
    ],
)
def test_latin_bylines_need_a_dateline_after_them(text, expected):
    assert byline_authors(text) == expected


def test_outlet_imprint_is_not_a_list_of_people():
    m = meta_of('<meta name="author" content="SPIEGEL ONLINE, Hamburg, Germany">'
                '<meta property="og:site_name" content="SPIEGEL ONLINE">')
    assert m.authors == []
    assert clean_authors(["Autor/in: Korinna Hennig"]) == ["Korinna Hennig"]


def test_by_line_right_under_the_headline():
    body = "News Arts Sport\nMuseum returns stolen painting\nBy Jane Doe and John Roe\nA city museum on Wednesday handed back a painting."
    assert byline_near_title(body, "Museum returns stolen painting") == ["Jane Doe", "John Roe"]


def test_author_label_before_the_reporter_label():
    assert byline_authors("2023-06-18 09:30:12 来源：江南日报 作者：本报记者 王小明 我要评论(12)") == ["王小明"]


# -- byline patterns: the first-character lookahead each starts with must not change what it finds --------

import re as _re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from newsgrab.extraction import metadata as _metadata  # noqa: E402

_BYLINE_PIECES = st.sampled_from(
    ["作者", "记者", "記者", "撰文", "编译", "采写", "发布者", "博主", "实习生", "通讯员", "责任编辑", "责编", "文", "：", ":", "/", " ",
     "张三", "王小明", "李", "（", "【", "|", "김민수", " 기자", "특파원", "By ", "by ", "Von ", "von ", "Par ", "Door ", "Written by ",
     "Autorin", "Author of the article", "Jane Doe", " and ", "John Roe", ", ", "5. März 2024", "Updated", " | ", "x", "\n"]
)
from newsgrab.extraction import bylines as _bylines  # noqa: E402
from newsgrab.extraction import metadata as _metadata  # noqa: E402

@settings(max_examples=600, deadline=None)
@given(st.lists(_BYLINE_PIECES, max_size=14).map("".join))
def test_byline_lookaheads_find_what_the_patterns_without_them_find(text):
    for name in ("_BYLINE_CJK", "_BYLINE_KO", "_BYLINE_LATIN_IN", "_BYLINE_LATIN_LOWER"):
        fast = getattr(_bylines, name)
        assert fast.pattern.startswith("(?=[")
        plain = _re.compile(fast.pattern[fast.pattern.index("]") + 2:], fast.flags)
        assert [m.groups() for m in fast.finditer(text)] == [m.groups() for m in plain.finditer(text)], name


@pytest.mark.parametrize("pure", [False, True])
@pytest.mark.parametrize(("title", "body", "lang", "expected"), [
    ("東京の天気", "今日は晴れです", None, "ja"),
    ("서울 날씨", "오늘 서울은 맑고 기온이 높겠습니다 내일은", "en", "ko"),
    ("北京天气", "今天北京晴转多云，气温较高，明天有雨", "en", "zh"),
    ("Wetter", "Heute ist es sonnig in Berlin", "de", "de"),
    ("北京", "短", None, None),
])
def test_page_language_guess_with_and_without_the_c_counts(monkeypatch, pure, title, body, lang, expected):
    from newsgrab.extraction import language
    from newsgrab.extraction.dom import Head

    if pure:
        monkeypatch.setattr(language, "_fast", [None])
    assert _metadata._page_language(Head(lang=lang, title=title, body_text=body)) == expected
