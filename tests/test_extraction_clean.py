"""newsgrab.extraction.clean: the phrase tables (data/phrases.json), filter_blocks and trim_title."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from newsgrab.extraction.clean import filter_blocks, is_cjk_heavy, phrases, trim_title
from newsgrab.extraction.render import Block

ZH = "市政府昨天公布了新的公共交通计划，准备在未来五年内新建三条地铁线路，并把公交车全部换成电动车，这是本市有史以来规模最大的一笔交通投资。"
ZH2 = "不少市民对计划表示欢迎，但也有人担心施工期间道路拥堵会更加严重。市政府承诺，施工将尽量安排在夜间进行，并提前公布绕行路线。"
ZH3 = "专家认为，这项计划的关键在于资金能否按时到位，以及各部门之间能否做好协调，否则工期延误在所难免，市民的出行也会受到影响。"
EN = "The mayor announced the plan on Monday, saying it would take five years and cost about two hundred million dollars in total."
EN2 = "Council members are expected to vote on the proposal next month, after a series of public hearings in every district of the city."
EN3 = "Opponents say the money would be better spent on repairing the roads and bridges that the city already has, many of them old."


def P(text: str, kind: str = "p", **kw) -> Block:
    return Block(kind, text, **kw)


def texts(blocks) -> list[str]:
    return [b.text for b in blocks]


# ---- the phrase tables ------------------------------------------------------------------------------


def test_phrase_tables_cover_the_languages_and_are_well_formed():
    raw = json.loads(resources.files("newsgrab.extraction").joinpath("data/phrases.json").read_text("utf-8"))
    for lang in ("zh-Hans", "zh-Hant", "en", "de", "ja", "ko"):
        assert raw[lang]["drop"] and raw[lang]["cut"], lang
    for table in raw.values():
        if isinstance(table, dict):
            for key, items in table.items():
                assert all(isinstance(i, str) and i.strip() for i in items), key
    assert "责任编辑" in raw["zh-Hans"]["drop"]
    assert "喜歡這篇文章嗎" in raw["zh-Hant"]["drop"]
    assert "请您继续阅读更多来自" in raw["zh-Hans"]["cut"] or "請您繼續閱讀更多來自" in raw["zh-Hant"]["cut"]


def test_phrase_lookup():
    ph = phrases()
    assert ph.drop.search("share this article") is not None
    assert ph.drop.search("责任编辑：刘洋") in ("责任编辑", "编辑：")
    assert ph.drop.search("一段普通的文字") is None
    assert ph.cut.search("Related stories")
    assert ph.cut.search("  相关阅读")
    assert not ph.cut.search("The related stories were")


@pytest.mark.parametrize(
    "line",
    [
        "责任编辑：刘洋", "（编辑：孙丽）", "分享到：微信 微博 QQ空间", "版权声明：本文版权归原作者所有，未经授权不得转载。",
        "來源：中央社", "喜歡這篇文章嗎？立刻分享出去讓更多人知道吧！", "本站內容充實豐富，博大精深，小編精選每日熱門資訊",
        "Share this article", "SHARE THIS ARTICLE", "Sign up for our newsletter", "Advertisement", "Read more: City budget passes",
        "Lesen Sie auch: Das neue Busnetz", "Foto: Peter Meier/dpa", "Alle Rechte vorbehalten",
        "関連記事", "記事・写真の無断転載を禁じます", "무단전재 및 재배포 금지", "Photo: Getty Images", "© Reuters 2024",
    ],
)
def test_short_boilerplate_blocks_are_dropped(line):
    # in the first third of the text, so that no cut marker is in play: the phrase alone drops the block
    assert texts(filter_blocks([P(ZH), P(line), P(ZH2), P(ZH3)], "标题")) == [ZH, ZH2, ZH3]


def test_long_paragraph_quoting_zeren_bianji_survives():
    para = ("记者注意到，这篇报道在网上流传时，末尾被人加上了“责任编辑：某某”的字样，而原文并没有这一行，"
            "报社随后发表声明澄清，称网络流传版本与报纸刊发版本不一致，提醒读者以报社官网为准。")
    out = texts(filter_blocks([P(ZH), P(para), P("责任编辑：刘洋")], "标题"))
    assert out == [ZH, para]


def test_long_paragraph_quoting_share_this_survives():
    para = ("Share this article with your friends, the campaign urged, and within a week the post had been shared "
            "more than two million times, far more than any message the health department had ever published.")
    out = texts(filter_blocks([P(EN), P(para), P("Share this article"), P("Share this:")], "T"))
    assert out == [EN, para]


def test_link_lines_are_dropped_but_a_linked_heading_at_the_top_is_kept():
    out = filter_blocks([P("Read more from the city desk", link_ratio=1.0), P(EN), P("City budget passes", link_ratio=0.9)], "T")
    assert texts(out) == [EN]
    out = filter_blocks([P("Section heading", kind="h", level=2, link_ratio=1.0), P(EN)], "T")
    assert texts(out) == ["Section heading", EN]


def test_tables_and_code_are_never_phrase_filtered():
    code = P("# share this\nprint('责任编辑')", kind="pre")
    table = P("Share this | 1", kind="table", cells=[["Share this", "1"]])
    assert filter_blocks([P(EN), code, table, P(EN2)], "T") == [P(EN), code, table, P(EN2)]


# ---- cut markers ---------------------------------------------------------------------------------


def test_cut_marker_after_most_of_the_text_drops_the_rest():
    blocks = [P(EN), P(EN2), P(EN3), P("Related stories", kind="h", level=2), P("A teaser headline that is long enough to count as text.")]
    assert texts(filter_blocks(blocks, "T")) == [EN, EN2, EN3]
    blocks = [P(ZH), P(ZH2), P(ZH3), P("相关阅读"), P("城东区启动背街小巷整治行动，预计年底前完成全部改造工作。")]
    assert texts(filter_blocks(blocks, "标题")) == [ZH, ZH2, ZH3]


def test_cut_marker_early_in_the_text_does_not_cut():
    blocks = [P(EN), P("Comments", kind="h", level=2), P(EN2), P(EN3)]
    assert texts(filter_blocks(blocks, "T")) == [EN, "Comments", EN2, EN3]


def test_cut_marker_must_start_a_short_block():
    later = "Read more about the plan in the council's report, which runs to three hundred pages and was published online."
    blocks = [P(EN), P(EN2), P(EN3), P(later)]
    assert texts(filter_blocks(blocks, "T")) == [EN, EN2, EN3, later]


def test_repost_prompt_cuts_the_trailing_list():
    blocks = [P(ZH), P(ZH2), P(ZH3), P("請您繼續閱讀更多來自 上觀新聞 的精彩文章："), P("一泓清水浸潤了張家90年歲月")]
    assert texts(filter_blocks(blocks, "標題")) == [ZH, ZH2, ZH3]


# ---- the top of the article -------------------------------------------------------------------------


def test_lead_breadcrumbs_title_and_bare_dates_are_dropped():
    blocks = [P("当前位置：首页 > 新闻 > 正文"), P("市政府公布新的交通计划", kind="h", level=1), P("2024-03-05 10:00"), P(ZH)]
    assert texts(filter_blocks(blocks, "市政府公布新的交通计划")) == [ZH]
    blocks = [P("當前位置："), P("首頁 > 新聞 > 某某標題"), P(ZH)]
    assert texts(filter_blocks(blocks, "某某標題")) == [ZH]
    blocks = [P("Home > News > Local"), P(EN)]
    assert texts(filter_blocks(blocks, "T")) == [EN]


def test_a_title_like_heading_is_dropped_only_at_the_top():
    blocks = [P("City approves flood wall", kind="h", level=1), P(EN), P(EN2)]
    assert texts(filter_blocks(blocks, "City approves flood wall after debate")) == [EN, EN2]
    blocks = [P(EN), P("Who is affected", kind="h", level=2), P(EN2)]
    assert texts(filter_blocks(blocks, "Who is affected")) == [EN, "Who is affected", EN2]


def test_dangling_heading_and_date_at_the_bottom_are_dropped():
    blocks = [P(EN), P(EN2), P("Further reading", kind="h", level=3)]
    assert texts(filter_blocks(blocks, "T")) == [EN, EN2]
    blocks = [P(EN), P(EN2), P("2024-03-05")]
    assert texts(filter_blocks(blocks, "T")) == [EN, EN2]


# ---- duplicates ----------------------------------------------------------------------------------


def test_duplicate_blocks_keep_the_first():
    assert texts(filter_blocks([P(EN), P(EN2), P(EN)], "T")) == [EN, EN2]


def test_short_repeated_lines_are_not_deduplicated():
    out = texts(filter_blocks([P(EN), P("“They die,” he said."), P(EN2), P("“They die,” he said.")], "T"))
    assert out == [EN, "“They die,” he said.", EN2, "“They die,” he said."]


def test_empty_input():
    assert filter_blocks([], "T") == []


def test_is_cjk_heavy():
    assert is_cjk_heavy(ZH)
    assert is_cjk_heavy("中文中文中文abc")
    assert not is_cjk_heavy(EN)
    assert not is_cjk_heavy("abc def 中")


# ---- trim_title ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title,site,expected",
    [
        ("Headline here - Site", None, "Headline here"),
        ("Headline here | The Site", "The Site", "Headline here"),
        ("Headline – Site", None, "Headline"),
        ("Headline — Site", None, "Headline"),
        ("Site » Headline of the story", "Site", "Headline of the story"),
        ("Ukraine-Krieg: Was wir wissen - tagesschau.de", "tagesschau.de", "Ukraine-Krieg: Was wir wissen"),
        ("标题在这里_国内新闻_新浪网", None, "标题在这里"),
        ("标题在这里_新浪网", "新浪网", "标题在这里"),
        ("标题在这里｜网站", None, "标题在这里"),
        ("标题在这里——网站", None, "标题在这里"),
        ("Covid-19 cases rise in city", None, "Covid-19 cases rise in city"),
        ("T-Mobile and AT&T merge", "Site", "T-Mobile and AT&T merge"),
        ("Kicker: Headline here | Site", "Site", "Kicker: Headline here"),
        ("  spaced   title  ", None, "spaced title"),
        ("", None, ""),
        (None, None, None),
    ],
)
def test_trim_title(title, site, expected):
    assert trim_title(title, site) == expected


def test_trim_title_cjk_hyphen_without_spaces():
    assert trim_title("市府擴大補助社區長照據點 明年增設二十處-南投鄉親報", None) == "市府擴大補助社區長照據點 明年增設二十處"
    assert trim_title("西山镇农民专业合作社带动千户增收--三农频道--江北新闻网", None) == "西山镇农民专业合作社带动千户增收"


# -- photo credits at the end of a block -----------------------------------------------------------------


@pytest.mark.parametrize(("tail", "credit"), [
    ("Der Bürgermeister bei der Eröffnung. Foto: Peter Meier", True),
    ("Die Brücke im Winter (Foto: dpa)", True),
    ("The mayor at the opening | © Jane Roe", True),
    ("Harbour at dawn © Reuters", True),
    ("Protesters outside parliament. IMAGO/Christian Ohde", True),
    ("Rescue workers on Tuesday. Michael Kappeler/dpa", True),
    ("Das Team nach dem Spiel (AFP / JOHN SMITH)", True),
    ("The council met on Tuesday to discuss the budget", False),
    ("Prices rose 3.2% in 2024/25 according to the office", False),
    ("Meeting at 10:30 in the town hall", False),
    ("Die Grafik zur Wahl. Bild: Screenshot: fdp.de", True),  # a domain and a nested label in the credit
    ("Zu sehen ist auf dem Bild: das Rathaus. Es wurde abgerissen", False),  # a sentence after the label
])
def test_photo_credits(tail, credit):
    from newsgrab.extraction.clean import _has_credit

    assert _has_credit(tail) is credit


def test_credit_groups_answer_as_the_single_pattern_did():
    # The three patterns split by the character each needs must say what the one alternation said.
    import random
    import re

    from newsgrab.extraction.clean import _AGENCY, _has_credit

    single = re.compile(
        r"(?:\((?:Foto|Fotos|Photo|Photos|Bild|Bilder|Image|Credit|Crédit|Fotó|Zdjęcie)\s*:[^()]{1,60}\)"
        r"|(?:Foto|Fotos|Photo|Photos|Bild|Image|Credit|Crédit|Fotó|Zdjęcie)\s*:\s*(?:[^.!?:]|\.(?=\w)|:(?=\s\S)){2,60}"
        r"|\|\s*©[^|]{1,60}|©\s*[^.!?©]{1,40}"
        rf"|\(?\b{_AGENCY}\s*/\s*[^/\s][^/]{{1,40}}|[^\s/][^/]{{1,40}}/\s*{_AGENCY}\b\)?)\s*$"
    )
    pieces = ["Foto", "Bilder", ":", " ", "/", "©", "AFP", "dpa", "(", ")", "|", "x", "Getty Images", ".", "é", "中"]
    rnd = random.Random(7)
    for _ in range(20_000):
        tail = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 14)))
        assert _has_credit(tail) == (single.search(tail) is not None), tail


# -- the word-keyed phrase search in C (_scripts.first_phrase) against the Python loop -----------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from newsgrab.extraction import clean as clean_module  # noqa: E402


def _python_first_phrase(text, by_word):
    return next((p for w in clean_module._WORD.findall(text) for p in by_word.get(w, ()) if p in text), None)


@pytest.mark.skipif(clean_module._first_phrase() is None, reason="C extension not available")
@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(
    ["read more", "share", "this", " ", ":", "the", "der", "weiterlesen", "mehr", "更多", "阅读", "x2", "²", "_", "é",
     "ｒｅａｄ", "ß", "ı", "ſ", "lire aussi", "abonnez-vous", "1", "\U0001f600", "read", "more", "…"]
), max_size=30).map("".join))
def test_c_phrase_search_finds_what_the_loop_finds(text):
    by_word = phrases().drop.by_word
    assert clean_module._first_phrase()(text, by_word) == _python_first_phrase(text, by_word)


@pytest.mark.parametrize("pure", [False, True])
def test_phrase_search_with_and_without_the_extension(monkeypatch, pure):
    if pure:
        monkeypatch.setattr(clean_module, "_first_phrase", lambda: None)
    assert phrases().drop.search("read more: the council") == "read more:"
    assert phrases().drop.search("相关阅读：市政府发布新规") is not None  # (CJK phrases: the character index)
    assert phrases().drop.search("the council met on tuesday") is None
