"""extraction/patterns.py: a label list written to scan fast must find what the plain alternation finds."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgrab.extraction.patterns import labels_pattern

LABELS = ["发表于", "发布时间", "发布于", "时间", "日期", "Posted on", "Published on", "Published", "Veröffentlicht am",
          "Publié le", "pub"]
TAIL = r"\s*[:：]?\s*"


def _plain(labels):
    return re.compile("(?:" + "|".join(re.escape(x) for x in labels) + ")" + TAIL, re.I)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(
    ["发", "发布", "时间", "于", "日期", "Posted", "posted", "POSTED", " on", " ON", "Published", "PUBLISHED", "publi",
     "é", "É", "Veröffentlicht", "VERÖFFENTLICHT", " am", " le", "：", ":", " ", "x", "p", "P", "中"]
), max_size=20).map("".join))
def test_finds_what_the_case_insensitive_alternation_finds(text):
    # (Texts without the characters re.IGNORECASE folds oddly, 'ſ' for 's', 'ı' for 'i': there they differ.)
    fast, plain = labels_pattern(LABELS, TAIL), _plain(LABELS)
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_at_one_position_the_first_listed_label_wins():
    assert labels_pattern(["Published", "Published on"]).match("Published on").group() == "Published"
    assert labels_pattern(["Published on", "Published"]).match("Published on").group() == "Published on"


def test_cased_letters_match_in_either_case_only():
    p = labels_pattern(["Veröffentlicht am"])
    assert p.match("VERÖFFENTLICHT AM") and p.match("veröffentlicht am")
    assert not p.match("Veroffentlicht am")
    assert not labels_pattern(["Posted"]).match("Poſted")  # no re.IGNORECASE folding of ſ


# -- alternation_gate: a text the gate turns away must be one the alternation finds nothing in ---------------

import json  # noqa: E402
from importlib import resources  # noqa: E402

from newsgrab.extraction.patterns import alternation_gate  # noqa: E402

_TABLE = json.loads(resources.files("newsgrab.extraction").joinpath("data/phrases.json").read_text("utf-8"))
DROP_RE = [r for lang, t in _TABLE.items() if lang != "_doc" for r in t.get("drop_re", []) if not r.startswith("^")]
SYNTHETIC = [r"Download (?:the|our) apps?\b", r"[（(]编辑[：:][^）)]{0,5}[）)]", r"©\s*\w+$", r"(?:ab){2}c", r"x[:：]y",
             r"Sign in", r"K\d", r"(?:Foto|Bild)\s*:", r"(?i:Zed)", r"[Éé]t"]


@pytest.mark.parametrize("patterns", [DROP_RE, SYNTHETIC])
@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(
    ["download", "DOWNLOAD", "Download", " the ", " our ", "app", "APPS", "（", "(", "）", ")", "编辑", "：", ":", "©", "x",
     "y", "ab", "AB", "c", "Foto", "foto", "bild", " ", "sign", "SIGN IN", "ſ", "ı", "İ", "ign in", "s", "gn in", "\u212a", "K", "1", "zed", "ZED",
     "ét", "ÉT", "中", "\n"]
), max_size=16).map("".join))
def test_the_gate_never_turns_away_a_text_the_alternation_matches(patterns, text):
    gate = alternation_gate(patterns, re.I)
    plain = re.compile("|".join(f"(?:{p})" for p in patterns), re.I)
    if plain.search(text):
        assert gate is None or gate(text, text.lower())


def test_the_gate_turns_away_blocks_without_what_every_pattern_needs():
    gate = alternation_gate(DROP_RE, re.I)
    assert gate is not None
    assert not gate("The council met on Tuesday and voted", "the council met on tuesday and voted")
    assert gate("（责任编辑：王小明）", "（责任编辑：王小明）")
    assert alternation_gate([r"a|b", r"\w+"], re.I) is None  # a pattern that needs nothing: no gate


@pytest.mark.parametrize("text", ["ſign in", "sıgn in", "SİGN IN", "\u212aey", "Straße"])
def test_case_folds_that_lower_does_not_make_never_fool_the_gate(text):
    # re.IGNORECASE matches 's' to 'ſ' and 'i' to 'ı'; text.lower() keeps them: such letters are not gated on.
    patterns = ["Sign in", "Key", "strasse|straße"]
    if re.search("|".join(f"(?:{p})" for p in patterns), text, re.I):
        assert alternation_gate(patterns, re.I)(text, text.lower())
