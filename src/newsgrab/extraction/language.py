"""Language of the article text, as a BCP 47 tag: zh-Hans / zh-Hant, ja, ko, or a Latin-script
language picked by its most frequent function words.

Chinese pages often declare the wrong variant (content farms repost Simplified articles as
Traditional and keep the template's lang="zh-CN"), so for Chinese the script is always read from
the text: characters that exist in only one of the two scripts decide.
"""

from __future__ import annotations

import re

from ..native import trusted

__all__ = ["detect_language", "script_counts"]

# Frequent characters whose form differs between the scripts (Traditional, Simplified).
_HANT = set("這個們來為說國時會對學過還後發經開關與從當無現實點頭長門問間聽見電話車東將體處對應氣錢麼讓請邊記認號響總類進運達過機與場區園際產業經濟術報導傳統華臺灣總統數據環計劃設轉載讀寫聯絡網絡營資訊視頻廣範團隊價値雙員選舉議組織係專屬際")
_HANS = set("这个们来为说国时会对学过还后发经开关与从当无现实点头长门问间听见电话车东将体处应气钱么让请边记认号响总类进运达机场区园际产业济术报导传统华湾统数据环计划设转载读写联络网营资讯视频广范团队价值双员选举议组织系专属")
# Runs, not single characters: counting by runs (see _count) makes a few strings instead of one per character.
_KANA = re.compile(r"[\u3040-\u30ff]+")
_HANGUL = re.compile(r"[\uac00-\ud7af]+")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_WORD = re.compile(r"[a-zà-öø-ÿąćęłńśźżčďěňřšťůžğış]+")
_STOPWORDS = {
    "en": "the and of to in is that for it was on with as are be this by from have at not",
    "de": "der die und das ist nicht ein eine zu den mit sich auf für des dem im auch von",
    "fr": "le la les et des est une pour que dans qui pas sur au du avec ce il elle",
    "es": "el la los las y de que en un una es por para con no se del al lo",
    "it": "il la che di e un una per non sono della con del le gli è nel alla",
    "pt": "o a os as e de que em um uma para com não do da dos se é no na",
    "nl": "de het een en van is dat op te in niet met voor zijn er die",
    "pl": "i w na z się nie do to że jest o jak po co ale od za",
    "sv": "och i att det som en på är av för med till den har inte om",
    "no": "og i det som en på er av for med til den har ikke om å ble",
    "da": "og i det som en på er af for med til den har ikke om at blev",
    "cs": "a v se na je že to s z do o k jako ale pro",
    "tr": "ve bir bu da de için ile olarak çok daha gibi en",
}
# Other scripts name their language (or family) outright.
_SCRIPTS = [
    (re.compile(r"[\u0400-\u04ff]+"), "ru"), (re.compile(r"[\u0370-\u03ff]+"), "el"),
    (re.compile(r"[\u0600-\u06ff]+"), "ar"), (re.compile(r"[\u0590-\u05ff]+"), "he"),
    (re.compile(r"[\u0e00-\u0e7f]+"), "th"),
]
_STOP_SETS = {lang: set(words.split()) for lang, words in _STOPWORDS.items()}


def _languages_of_words(stop_sets: dict[str, set[str]]) -> dict[str, tuple[str, ...]]:
    """word -> the languages listing it: one lookup per word of the sample, not one per language."""
    index: dict[str, tuple[str, ...]] = {}
    for lang, words in stop_sets.items():
        for w in words:
            index[w] = index.get(w, ()) + (lang,)
    return index


_LANGS_OF_WORD = _languages_of_words(_STOP_SETS)
_HANT_RE = re.compile("[" + "".join(sorted(_HANT)) + "]+")
_HANS_RE = re.compile("[" + "".join(sorted(_HANS)) + "]+")


def _count(pattern: re.Pattern, text: str) -> int:
    """Characters of `text` matched by `pattern` (a character class with +)."""
    return sum(map(len, pattern.findall(text)))


# Any character of the scripts counted below. Most Latin-script samples have none, and then one
# search replaces the nine counts.
_COUNTED_SCRIPTS = re.compile(r"[\u0370-\u06ff\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


def detect_language(text: str, declared: str | None = None) -> str | None:
    sample = text[:3000]
    fast = _fast_module()
    if fast is None and not _COUNTED_SCRIPTS.search(sample):
        return _latin_language(sample, _primary(declared), fast)
    han, kana, hangul, trad, simp, *others = fast.counts(sample) if fast is not None else _counts_python(sample)
    if fast is not None and not (han or kana or hangul or any(others)):
        return _latin_language(sample, _primary(declared), fast)
    letters = max(1, len(sample))
    if kana > 20 and kana * 10 > han:
        return "ja"
    if hangul > 20 and hangul > han:
        return "ko"
    if han > 0.2 * letters or (han > 30 and han > 0.1 * letters):
        if trad > simp:
            return "zh-Hant"
        if simp > trad:
            return "zh-Hans"
        return _zh_from_declared(declared)
    base = _primary(declared)
    for count, (_pattern, lang) in zip(others, _SCRIPTS):
        if count > 0.3 * letters:
            return base if base and base != "en" else lang
    return _latin_language(sample, base, fast)


def script_counts(text: str) -> tuple[int, ...] | None:
    """(han, kana, hangul, Traditional-only, Simplified-only, then each of _SCRIPTS) characters of `text`,
    counted in C; None without the extension (then callers use their own patterns)."""
    fast = _fast_module()
    return fast.counts(text) if fast is not None else None


def _counts_python(sample: str) -> tuple[int, ...]:
    """(han, kana, hangul, Traditional-only, Simplified-only, then each of _SCRIPTS): _scripts.counts' reference."""
    return (
        _count(_HAN, sample), _count(_KANA, sample), _count(_HANGUL, sample),
        _count(_HANT_RE, sample), _count(_HANS_RE, sample), *(_count(p, sample) for p, _lang in _SCRIPTS),
    )


def _latin_language(sample: str, base: str | None, fast=None) -> str | None:
    if base and base not in _STOP_SETS and base not in ("en", "zh", "ja", "ko"):
        return base  # a declared language we cannot check: trust it
    lowered = sample.lower()
    if fast is not None:
        n_words, by_number = fast.stop_counts(lowered, _LANG_NUMBERS_OF_WORD, len(_LANGS))
        counts = dict(zip(_LANGS, by_number))
    else:
        counts, n_words = _stop_counts_python(lowered)
    if n_words >= 20:
        best = max(counts, key=counts.get)
        if counts[best] >= 3 and (base is None or base not in counts or counts[best] > 1.5 * counts.get(base, 0)):
            return best
    return base


def _stop_counts_python(lowered: str) -> tuple[dict[str, int], int]:
    """(stop words of each language, number of words) in a lower-cased sample: _scripts.stop_counts' reference."""
    words = _WORD.findall(lowered)
    counts = dict.fromkeys(_STOP_SETS, 0)
    for w in words:
        for lang in _LANGS_OF_WORD.get(w, ()):
            counts[lang] += 1
    return counts, len(words)


_LANGS = tuple(_STOP_SETS)  # (dict order: max() breaks ties by it)
_LANG_NUMBERS_OF_WORD = {w: tuple(_LANGS.index(lang) for lang in langs) for w, langs in _LANGS_OF_WORD.items()}


# The C counts (_scripts.c) are used once they have agreed with the patterns above on a sample of every
# script this module counts; a missing extension or a disagreement means the patterns.
_SELF_CHECK_TEXT = (
    "The council said, and the mayor agreed: à bientôt, Grüße aus Köln, zażółć gęślą jaźń, İstanbul'da ılık. "
    "這個國家的經濟發展與臺灣 这个国家的经济发展与台湾 中文 ひらがなとカタカナ 한국어 문장 Русский текст "
    "Ελληνικά العربية עברית ภาษาไทย \U0001f600 \u00b5\u0131\u0130\u212a \ufb01"
)
_fast: list = []


def _fast_module():
    return trusted(_fast, _load_fast_module)


def _load_fast_module():
    try:
        from .. import _scripts

        _scripts.init("".join(sorted(_HANT)), "".join(sorted(_HANS)))
    except (ImportError, ValueError):
        return None
    for text in (_SELF_CHECK_TEXT, _SELF_CHECK_TEXT.lower(), _SELF_CHECK_TEXT.upper()):
        n_words, by_number = _scripts.stop_counts(text, _LANG_NUMBERS_OF_WORD, len(_LANGS))
        if _scripts.counts(text) != _counts_python(text) or (
            (dict(zip(_LANGS, by_number)), n_words) != _stop_counts_python(text)
        ):
            return None
    return _scripts


def _primary(declared: str | None) -> str | None:
    if not declared:
        return None
    tag = declared.strip().replace("_", "-").split("-")[0].lower()
    return tag if re.fullmatch(r"[a-z]{2,3}", tag) else None


def _zh_from_declared(declared: str | None) -> str:
    d = (declared or "").lower()
    if any(x in d for x in ("hant", "tw", "hk", "mo")):
        return "zh-Hant"
    return "zh-Hans"
