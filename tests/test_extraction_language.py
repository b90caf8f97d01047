"""newsgrab.extraction.language.detect_language: BCP 47 from the text, the declared language as a hint."""

from __future__ import annotations

import pytest

from newsgrab.extraction.language import detect_language

HANS = "市政府昨天公布了新的公共交通计划，准备在未来五年内新建三条地铁线路，并把公交车全部换成电动车。这项计划的关键在于资金能否按时到位，以及各部门之间能否做好协调。"
HANT = "市政府昨天公佈了新的公共交通計劃，準備在未來五年內新建三條地鐵線路，並把公車全部換成電動車。這項計劃的關鍵在於資金能否按時到位，以及各部門之間能否做好協調。"
JA = "市教育委員会は4日、市立中央図書館の開館時間を来月から試行的に延長すると発表した。平日はこれまでの午後7時から午後9時まで開館し、仕事帰りの会社員や学生の利用を見込む。"
KO = "시는 도심 중앙공원에 길이 2.4킬로미터의 야간 산책로를 조성하고 다음 달부터 시민들에게 개방한다고 20일 밝혔다. 시 관계자는 시민들이 밤에도 안심하고 공원을 이용할 수 있도록 하겠다고 말했다."
EN = ("The city council voted on Tuesday night to build a flood wall along the harbour, ending more than a decade "
      "of arguments over how to protect the waterfront from storm surges, and it was the end of a long fight that "
      "has divided the town for years.")
DE = ("Der Stadtrat hat den Bau der Linie 7 beschlossen. Die neue Straßenbahn soll die Neubaugebiete im Norden mit "
      "dem Hauptbahnhof verbinden, und das ist nicht nur für die Stadt ein großer Schritt auf dem Weg zur Verkehrswende, "
      "sagt die Oberbürgermeisterin, die sich seit Jahren für das Projekt einsetzt.")
FR = ("Le conseil municipal a voté mardi soir la construction d'une digue le long du port, mettant fin à plus d'une "
      "décennie de débats sur la manière de protéger le front de mer et les habitants qui vivent dans le quartier.")
ES = ("El ayuntamiento aprobó el martes la construcción de un muro de contención a lo largo del puerto, que pondrá fin "
      "a más de una década de debates sobre la manera de proteger a los vecinos que viven en la zona de las inundaciones.")
RU = "Городской совет во вторник проголосовал за строительство дамбы вдоль гавани, положив конец многолетним спорам."


@pytest.mark.parametrize(
    "text,declared,expected",
    [
        (HANS, None, "zh-Hans"),
        (HANT, None, "zh-Hant"),
        (HANS, "zh-TW", "zh-Hans"),  # the declaration lies: the text decides
        (HANT, "zh-CN", "zh-Hant"),  # content farms repost Traditional text under lang=zh-CN
        (HANT, "zh-Hans", "zh-Hant"),
        (HANS, "en", "zh-Hans"),
        (JA, None, "ja"),
        (JA, "zh-CN", "ja"),  # kana decide, whatever the page says
        (KO, None, "ko"),
        (KO, "en", "ko"),
        (EN, None, "en"),
        (EN, "en-US", "en"),
        (DE, None, "de"),
        (DE, "en", "de"),  # a template left at lang=en
        (FR, None, "fr"),
        (ES, None, "es"),
        (RU, None, "ru"),
        (RU, "en", "ru"),
    ],
)
def test_detect(text, declared, expected):
    assert detect_language(text, declared) == expected


def test_mixed_page_with_traditional_nav_but_simplified_body_is_hans():
    body = HANS * 2
    nav = "首頁 新聞 國際 財經 體育 娛樂"
    assert detect_language(body + nav) == "zh-Hans"


def test_chinese_without_script_specific_characters_follows_the_declaration():
    neutral = "中文中文中文" * 5  # characters written the same in both scripts
    assert detect_language(neutral, "zh-TW") == "zh-Hant"
    assert detect_language(neutral, "zh-HK") == "zh-Hant"
    assert detect_language(neutral, "zh-Hant-TW") == "zh-Hant"
    assert detect_language(neutral, "zh-CN") == "zh-Hans"
    assert detect_language(neutral, None) == "zh-Hans"


def test_short_latin_text_keeps_the_declared_language():
    assert detect_language("Short text.", "en-GB") == "en"
    assert detect_language("Short text.", None) is None
    assert detect_language("", None) is None


def test_declared_language_we_cannot_check_is_trusted():
    assert detect_language("Hali ya hewa leo ni nzuri sana katika mji wetu wa pwani.", "sw") == "sw"


def test_always_a_bcp47_tag_or_none():
    for text, declared in [(HANS, "zh_CN"), (EN, "EN_us"), (DE, "de-DE"), ("x", "not a tag!")]:
        got = detect_language(text, declared)
        assert got is None or got in {"zh-Hans", "zh-Hant", "en", "de"} or got.isalpha() and got.islower()


def test_taiwanese_text_with_tai_is_traditional():
    assert detect_language("中央氣象署表示，台北、台中、台南今天都是晴天，台東午後有雷陣雨。") == "zh-Hant"


# -- the C counts (_scripts.c) against the patterns they replace ------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from newsgrab.extraction import language  # noqa: E402

_fast = language._fast_module()
needs_c = pytest.mark.skipif(_fast is None, reason="C extension not available")


def test_extension_is_built_and_trusted():
    import os

    if os.environ.get("NEWSGRAB_PURE_PYTHON"):
        pytest.skip("pure-Python path forced")
    assert _fast is not None  # CI has a compiler: a missing or distrusted extension is a build problem


_PIECES = st.sampled_from(
    [HANS[:20], HANT[:20], JA[:20], KO[:20], EN[:40], DE[:40], FR[:40], RU[:30], " ", ",", "İ", "ı", "ß", "é", "À",
     "ſ", "\u212a", "Ελληνικά", "العربية", "עברית", "ภาษาไทย", "\U0001f600", "the", "und", "og", "både", "ąę", "\u00ff"]
)


@needs_c
@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_c_counts_agree_with_the_patterns(text):
    assert _fast.counts(text) == language._counts_python(text)
    for sample in (text, text.lower()):
        n_words, by_number = _fast.stop_counts(sample, language._LANG_NUMBERS_OF_WORD, len(language._LANGS))
        assert (dict(zip(language._LANGS, by_number)), n_words) == language._stop_counts_python(sample)


@pytest.mark.parametrize("text,expected", [(HANS, "zh-Hans"), (HANT, "zh-Hant"), (JA, "ja"), (KO, "ko"), (DE, "de"),
                                           (FR, "fr"), (RU, "ru")])
def test_same_answers_without_the_extension(monkeypatch, text, expected):
    monkeypatch.setattr(language, "_fast", [None])
    assert detect_language(text) == expected
