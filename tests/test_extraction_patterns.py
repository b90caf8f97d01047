"""extraction/patterns.py: a label list written to scan fast must find what the plain alternation finds."""

from __future__ import annotations

import re

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
