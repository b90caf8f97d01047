"""Drop boilerplate blocks by what they say: editor lines, share prompts, related reading, tags.

Markup cleaning (render.py) cannot see boilerplate written as ordinary paragraphs inside the
article body, which is where every extractor fails today: 责任编辑 lines, "喜歡這篇文章嗎" prompts,
"Read more:" links, reprint notices. The phrase tables (data/phrases.json, per language) are
matched on SHORT blocks only, so a real paragraph that quotes such a phrase survives.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..native import pure_python
from .metadata import _norm  # (spaces and punctuation gone, lower-cased: how titles are compared)
from .patterns import alternation_gate
from .render import Block

__all__ = ["Phrases", "phrases", "filter_blocks", "is_cjk_heavy", "trim_title"]

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_DATE_LINE = re.compile(
    r"^[\s\W]*(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|\d{1,2}[./]\d{1,2}[./](?:19|20)\d{2})"
    r"(?:\s*\d{1,2}[:：]\d{2}(?::\d{2})?)?[\s\W]*$"
)


# A photo caption rendered as a paragraph ends with its credit: "(Foto: dpa)", "Photo: Name/AFP",
# "| © Name", "© Agency", "IMAGO/Name", "Name/dpa", "(AFP / NAME)". Agencies and credit words are
# the same in every language; a paragraph that cites an agency ends with a full stop instead.
_AGENCY = r"(?:IMAGO|Imago|Getty Images|Getty|AFP|dpa|Reuters|AP Photo|AP|EPA|Keystone|picture alliance|ANP|Xinhua|KEYSTONE|APA)"
_CREDIT_WORD = r"(?:Foto|Fotos|Photo|Photos|Bild|Image|Credit|Crédit|Fotó|Zdjęcie)"
# Three groups of credit forms, by the character each needs (a colon, a ©, a slash): one alternation
# of all of them was tried at every position of every block's end (38 us a block with a ':' or '/').
_COLON_CREDIT = re.compile(
    r"(?:\((?:Foto|Fotos|Photo|Photos|Bild|Bilder|Image|Credit|Crédit|Fotó|Zdjęcie)\s*:[^()]{1,60}\)"
    # (a dot inside a word, "fdp.de", and a colon before a space, "Screenshot: source", do not end a credit)
    rf"|{_CREDIT_WORD}\s*:\s*(?:[^.!?:]|\.(?=\w)|:(?=\s\S)){{2,60}})\s*$"
)
_COPYRIGHT_CREDIT = re.compile(r"(?:\|\s*©[^|]{1,60}|©\s*[^.!?©]{1,40})\s*$")
_AGENCY_CREDIT = re.compile(rf"(?:\(?\b{_AGENCY}\s*/\s*[^/\s][^/]{{1,40}}|[^\s/][^/]{{1,40}}/\s*{_AGENCY}\b\)?)\s*$")
_AGENCY_NAME = re.compile(_AGENCY)  # (an agency's name must be there first: the slash forms backtrack a lot)


def _has_credit(tail: str) -> bool:
    return (
        (":" in tail and _COLON_CREDIT.search(tail) is not None)
        or ("©" in tail and _COPYRIGHT_CREDIT.search(tail) is not None)
        or ("/" in tail and _AGENCY_NAME.search(tail) is not None and _AGENCY_CREDIT.search(tail) is not None)
    )


_MAX_CAPTION = 300
_CREDIT_SPAN = 100  # a credit is the last few words: only the block's end is searched
_SENTENCE_END = frozenset(".!?。！？…\"”»")  # no credit form ends so


@dataclass(frozen=True, slots=True)
class Phrases:
    drop: _Literals
    short_only: frozenset  # drop phrases too common in real sentences to judge a longer tail block by
    drop_re: re.Pattern  # unanchored patterns
    drop_re_gate: object  # patterns.alternation_gate of drop_re's patterns: (text, lowered) -> may it match? (or None)
    drop_start: re.Pattern  # patterns anchored at the start of a block (matched with .match)
    cut: re.Pattern
    end: re.Pattern  # like cut, but the story never resumes after these (comments, about the author)
    reply: re.Pattern  # reply headers of a comment thread: the article ended before them
    caption: re.Pattern  # starts of figure captions ("Abbildung 2:", "Fig. 3.", "Symbolbild")
    lead: _Literals
    lead_re: re.Pattern


class _Literals:
    """Find any of many literal phrases in a short lower-cased text, fast.

    A regex alternation of ~500 phrases tries every branch at every position (50-150 us a block
    in Python's re). Instead, phrases are indexed by their first word (Latin scripts) or first
    character (CJK and other unspaced scripts), and only the phrases whose key occurs in the text
    are tested with `in`: a few microseconds a block."""

    def __init__(self, items: list[str]):
        self.by_word: dict[str, list[str]] = {}
        self.by_char: dict[str, list[str]] = {}
        for item in {i.lower() for i in items if i.strip()}:
            m = _WORD.search(item)
            if m:  # keyed by its first run of letters: "read more:" -> "read", "打开app" -> "app"
                self.by_word.setdefault(m.group(), []).append(item)
            else:
                self.by_char.setdefault(item[0], []).append(item)
        # A text with no character at or past the lowest first character of these phrases holds none of them.
        lowest = min(self.by_char, default="")
        self.above_lowest = re.compile(f"[{re.escape(lowest)}-\U0010ffff]") if lowest else None

    def search(self, text: str) -> str | None:
        """The first phrase found in `text` (which must be lower-cased), else None."""
        by_word = self.by_word
        first_phrase = _first_phrase()
        if first_phrase is not None:  # the same loop in C (_scripts.c)
            found = first_phrase(text, by_word)
            if found is not None:
                return found
        else:
            for w in _WORD.findall(text):
                for phrase in by_word.get(w, ()):
                    if phrase in text:
                        return phrase
        by_char = self.by_char
        if not by_char or (self.above_lowest is not None and not self.above_lowest.search(text)):
            return None  # (the unspaced scripts' phrases start past U+3000: Latin text holds none of them)
        for ch in by_char.keys() & set(text):  # the intersection is computed in C
            for phrase in by_char[ch]:
                if phrase in text:
                    return phrase
        return None


_WORD = re.compile(r"[^\W\d_\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")


@lru_cache(maxsize=1)
def _first_phrase():
    """_scripts.first_phrase, the word-keyed half of _Literals.search in C, once it has found what the
    Python loop finds on a sample of scripts and word shapes; else None (NEWSGRAB_PURE_PYTHON=1 too)."""
    if pure_python():
        return None
    try:
        from .._scripts import first_phrase
    except ImportError:
        return None
    by_word = {"read": ["read more", "read"], "più": ["leggi di più"], "ｒｅａｄ": ["ｒｅａｄ"], "x2": ["x2"], "ß": ["ßa"]}
    for text in ("to read more: x", "leggi di più", "ｒｅａｄ ｍｏｒｅ", "x2 x²_read", "中文read更多", "ßa", "readers", "", "read"):
        expected = next((p for w in _WORD.findall(text) for p in by_word.get(w, ()) if p in text), None)
        if first_phrase(text, by_word) != expected:
            return None
    return first_phrase


@lru_cache(maxsize=1)
def phrases() -> Phrases:
    """All languages' tables merged: a page's language is not always known (or honest), and the
    phrases of different languages do not collide."""
    raw = json.loads(resources.files(__package__).joinpath("data/phrases.json").read_text("utf-8"))
    drop, drop_re, cut, end, lead, lead_re, reply, short_only, caption = [], [], [], [], [], [], [], [], []
    for lang, table in raw.items():
        if lang == "_doc":
            continue
        drop += table.get("drop", [])
        short_only += table.get("short_only", [])
        drop_re += table.get("drop_re", [])
        cut += table.get("cut", [])
        end += table.get("end", [])
        lead += table.get("lead", [])
        lead_re += table.get("lead_re", [])
        reply += table.get("reply_re", [])
        caption += table.get("caption_re", [])
    return Phrases(
        drop=_Literals(drop),
        short_only=frozenset(x.lower() for x in short_only),
        drop_re=re.compile("|".join(f"(?:{r})" for r in drop_re if not r.startswith("^")) or r"(?!x)x", re.I),
        drop_re_gate=alternation_gate([r for r in drop_re if not r.startswith("^")], re.I),
        drop_start=re.compile("|".join(f"(?:{r[1:]})" for r in drop_re if r.startswith("^")) or r"(?!x)x", re.I),
        # A cut marker is a heading-like block that *starts* with the phrase.
        reply=re.compile("|".join(f"(?:{r})" for r in reply) or r"(?!x)x", re.I),
        caption=re.compile("|".join(f"(?:{r})" for r in caption) or r"(?!x)x", re.I),
        cut=_starts_with(cut),
        end=_starts_with(end),
        lead=_Literals(lead),
        lead_re=re.compile("|".join(f"(?:{r})" for r in lead_re) or r"(?!x)x", re.I),
    )


def _starts_with(items: list[str]) -> re.Pattern:
    return re.compile(r"^[\s\W_]*(?:" + "|".join(re.escape(c) for c in sorted(set(items), key=len, reverse=True)) + ")", re.I)


def is_cjk_heavy(text: str) -> bool:
    sample = text[:200]
    return len(_CJK.findall(sample)) * 3 > len(sample)


# No phrase is longer than ~40 characters, so no block longer than this is ever "short".
_LONGEST_SHORT = 160


# In the tail of the article (after most of its text), where promos, licence notes, "about the
# author" boxes and "this entry was posted in..." lines gather, a phrase of several words is
# evidence enough in a block of a few sentences.
_TAIL = 0.7  # share of the text before the block
_TAIL_PHRASE = 14  # characters: several words, not one ("anzeige", "cookie")
_LONGEST_TAIL = 240
_LONGEST_TAIL_CJK = 100


def _short_limit(text: str, match_len: int, tail: bool = False) -> int:
    """How long a block may be and still be judged by a phrase in it."""
    if is_cjk_heavy(text):
        return max(60, 3 * match_len, _LONGEST_TAIL_CJK if tail and match_len >= 6 else 0)
    return max(80, 3 * match_len + 20, _LONGEST_TAIL if tail and match_len >= _TAIL_PHRASE else 0)


# A block that is nothing but a template placeholder the site's script fills in ($$ARTICLEAD$$,
# {{ad_slot}}, %%AD%%, [[ad]]): met in bodies taken from a page's embedded state.
_PLACEHOLDER = re.compile(r"(?:\$\$\w+\$\$|\{\{\s*[\w.]+\s*\}\}|%%\w+%%|\[\[\w+\]\])\Z")


# The interviewer's label before a question in a Q&A interview (the answers start with the guest's name).
_INTERVIEW_QUESTION = re.compile(r"(?:记者|記者|问|問|Q)\s*[：:]")


def _is_boilerplate(block: Block, ph: Phrases, tail: bool = False) -> bool:
    text = block.text
    n = len(text)
    if n <= 40 and text[0] in "${%[" and _PLACEHOLDER.match(text):
        return True
    if text[-1] in "？?" and n > 12 and _INTERVIEW_QUESTION.match(text):
        return False  # "记者：你怎样看待农业税补贴问题？": an interview's question, not a reporter line
    if n <= _MAX_CAPTION and (
        text[-1] not in _SENTENCE_END and _has_credit(text[-_CREDIT_SPAN:]) or ph.caption.match(text)
    ):
        return True  # a photo caption: it ends with its credit, or starts "Figure 2:"
    if n > (_LONGEST_TAIL if tail else _LONGEST_SHORT):
        return False
    lowered = text.lower()
    phrase = ph.drop.search(lowered)
    if phrase and n <= _short_limit(text, len(phrase), tail and phrase not in ph.short_only):
        return True
    gate = ph.drop_re_gate
    m = ph.drop_start.match(text) or ((gate is None or gate(text, lowered)) and ph.drop_re.search(text))
    if m and n <= _short_limit(text, len(m.group()), tail):
        return True
    return False


def filter_blocks(blocks: list[Block], title: str | None) -> list[Block]:
    """Drop boilerplate blocks; cut trailing junk; drop the title and lead clutter at the top."""
    if not blocks:
        return blocks
    ph = phrases()
    total = sum(len(b.text) for b in blocks)

    # 1. Cut at the first "related reading / comments" marker found after most of the text. A
    #    "related" marker that the story goes on after (prose follows, not a list of teaser
    #    links) heads a box of teasers set inside the article: only the marker goes. After a
    #    comments or about-the-author marker, or a reply header, the story never resumes.
    seen = 0
    out: list[Block] = []
    for i, b in enumerate(blocks):
        if i and ph.reply.match(b.text):
            break
        if i and len(b.text) <= 40 and seen >= 0.5 * total:
            if ph.end.search(b.text):
                break
            if ph.cut.search(b.text):
                if not _story_resumes(blocks[i + 1:]):
                    break
                seen += len(b.text)
                continue
        out.append(b)
        seen += len(b.text)
    blocks = out

    # 2. Block by block. A block repeating an earlier one is a caption shown twice (gallery and
    #    inline), a pull quote, or a teaser echoing the lead: keep the first.
    kept: list[Block] = []
    seen_texts: set[str] = set()
    total = sum(len(b.text) for b in blocks)
    pos = 0
    for b in blocks:
        tail = pos >= _TAIL * total
        pos += len(b.text)
        if len(b.text) > 20:
            if b.text in seen_texts:
                continue
            seen_texts.add(b.text)
        if b.kind == "table" or b.kind == "pre":
            kept.append(b)
            continue
        if _is_boilerplate(b, ph, tail):
            continue
        if b.link_ratio > 0.7 and len(b.text) < 160 and (b.kind != "h" or kept):
            continue  # a line of links: "相关新闻：…", "Read more: …", tag clouds, teaser headlines
        if b.link_ratio and len(b.text) <= 400 and _is_teaser(b):
            continue
        kept.append(b)

    # 3. The top: breadcrumbs, toolbars, a repeated title, bare dates.
    norm_title = _norm(title) if title else None
    while kept:
        b = kept[0]
        t = b.text
        if norm_title and (_norm(t) == norm_title or (b.kind == "h" and _similar_title(t, title))):
            kept.pop(0)
            continue
        if len(t) <= 80 and (ph.lead.search(t.lower()) or ph.lead_re.search(t)):
            kept.pop(0)
            continue
        if _DATE_LINE.match(t) or _is_label(b, kept):
            kept.pop(0)
            continue
        break
    # 4. The bottom: lone dates, single short heading left dangling.
    while kept and (_DATE_LINE.match(kept[-1].text) or (kept[-1].kind == "h" and len(kept) > 1)):
        kept.pop()
    return kept


# A teaser of another story: a summary that ends on a "more" link after its last sentence
# ("Doch auch am Montag bestehen Chancen, den Himmel grün zu sehen. mehr").
_MORE_AT_END = re.compile(
    r"[.!?…»“\"』」。！？]\s*(mehr|weiter|weiterlesen|more|read more|lire la suite|leer más|leggi tutto|meer|"
    r"lees meer|więcej|更多|详情|詳情|全文|続きを読む|더보기)\s*[›»>→]?$",
    re.I,
)


def _is_teaser(b: Block) -> bool:
    m = _MORE_AT_END.search(b.text)
    return m is not None and b.link_ratio * len(b.text) >= len(m.group(1)) - 0.5


def _story_resumes(rest: list[Block]) -> bool:
    """After a "related" marker: the next block is no link, and a paragraph of prose follows."""
    return bool(rest) and rest[0].link_ratio <= 0.3 and any(_is_prose(x) for x in rest)


def _is_prose(b: Block) -> bool:
    """A paragraph of the story: long, no links (a teaser's summary is shorter)."""
    return b.kind == "p" and b.link_ratio < 0.1 and len(b.text.encode()) >= _PROSE_BYTES


_PROSE_BYTES = 200  # UTF-8 bytes: a long sentence or two (about 70 CJK characters)


def _is_label(b: Block, blocks: list[Block]) -> bool:
    """A short line before the story starts that is no sentence: a kicker, a byline, a reading
    time, a date with words around it. Only while real paragraphs follow."""
    t = b.text
    if b.kind != "p" or len(t) > 30 or len(blocks) < 4:
        return False
    if t.endswith((".", "!", "?", "。", "！", "？", ":", "：", "”", "\"", "»", "«")):
        return False
    return any(len(x.text) > 120 for x in blocks[1:4])


def _similar_title(text: str, title: str | None) -> bool:
    if not title:
        return False
    a, b = _norm(text), _norm(title)
    return bool(a) and (a in b or b in a) and min(len(a), len(b)) >= 0.6 * max(len(a), len(b))


def trim_title(title: str | None, site_name: str | None) -> str | None:
    """Strip the site name that <title> usually carries: 'Headline - Site', 'Headline_频道_网站'."""
    if not title:
        return title
    t = re.sub(r"\s+", " ", title).strip()
    # Separators: spaced dashes and bars, underscores, '——', and a bare '-'/'--' between CJK words
    # (Chinese sites write '标题--频道--网站' without spaces).
    parts = re.split(r"\s+[|\-–—»:]\s+|\s*[_|｜]\s*|\s+-{1,2}\s*|——|(?<=[\u3400-\u9fff）」』])-{1,2}(?=[\u3400-\u9fff（「『])", t)
    if len(parts) > 1:
        best = max(parts, key=len)
        if site_name:
            rest = [p for p in parts if _norm(p) != _norm(site_name)]
            if rest:
                best = rest[0] if len(rest[0]) >= 0.5 * len(best) else best
        # Keep the first part when it is the headline: headlines lead, site names trail.
        first = parts[0]
        if len(first) >= 0.6 * len(best):
            best = first
        return best.strip() or t
    return t
