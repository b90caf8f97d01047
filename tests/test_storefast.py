"""The C text work of the store (_storefast.c) must give exactly what the Python code gives.

A stored repost sketch is compared with sketches other processes compute, and the contentless search index
must get the same text at delete time as at insert time: so the C sketch, index text and NFKC are held to the
Python reference bit for bit, on generated text of every script, on edge cases, and on the data's articles.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsgrab import reposts, storetext

try:
    from newsgrab import _storefast
except ImportError:  # no compiler at install: the Python code is used, and these tests have nothing to test
    _storefast = None

if _storefast is not None:  # as reposts does on first use, which NEWSGRAB_PURE_PYTHON=1 skips
    _storefast.init(reposts._token_values)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_c = pytest.mark.skipif(_storefast is None, reason="C extension not built")


def test_extension_is_built_and_trusted():
    # CI machines have a compiler: a missing or distrusted extension is a build problem to see, not to hide.
    if os.environ.get("NEWSGRAB_PURE_PYTHON"):
        pytest.skip("pure-Python code forced")
    assert _storefast is not None
    assert reposts._load_fast() is _storefast.sketch
    assert storetext._load_fast() is _storefast


def test_pure_python_can_be_forced():
    code = "from newsgrab import reposts, storetext; print(reposts._load_fast(), storetext._load_fast())"
    env = {**os.environ, "NEWSGRAB_PURE_PYTHON": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True).stdout.decode()
    assert out.split() == ["None", "None"]


def same(text: str) -> None:
    """C and Python agree on ``text``: sketch (as given and normalised), index text, NFKC."""
    assert _storefast.sketch(text) == reposts.sketch_python(text)
    norm = reposts.normalize(text)  # (lone surrogates: U+FFFD before OpenCC, which takes valid UTF-8 only)
    assert _storefast.sketch(norm) == reposts.sketch_python(norm)
    assert _storefast.index_folded(text) == storetext._index_folded_python(text)
    done = _storefast.nfkc(text)
    if done is not None:
        assert done == unicodedata.normalize("NFKC", text)


# Characters from every class the code tells apart: ASCII words, digits, '_', punctuation, Latin with marks,
# combining marks, full-width forms, CJK ideographs (BMP, Extension B), kana, hangul and jamo, 々〆〇, the
# edges of each CJK range, surrogates, controls, and anything else.
_ALPHABET = st.one_of(
    st.sampled_from(list("abcXYZ019_ -,.\n\t'\"é")),
    st.sampled_from(list("中国华为發臺灣经济发展。，、：（）《》“”…　々〆〇ぁゟ゠ヿカタ가힣ᄀᇿ㐀䶿豈﫿ｦﾟＡｚ１！")),
    st.sampled_from(["\u0301", "\u3099", "\u1161", "\u11a8", "\u00a0", "\u2026", "\u2024", "\ufb01", "\u00bd"]),
    st.sampled_from([chr(c) for c in (0x10FF, 0x1100, 0x11FF, 0x1200, 0x3004, 0x3008, 0x303F, 0x3040, 0x30FF,
                                      0x3100, 0x312F, 0x3130, 0x318F, 0x31F0, 0x31FF, 0x33FF, 0x4DC0, 0x4DFF,
                                      0x9FFF, 0xA000, 0xA960, 0xA97F, 0xABFF, 0xD7AF, 0xD7B0, 0xD7FF, 0xF8FF,
                                      0xFB00, 0xFF65, 0xFF66, 0xFF9F, 0xFFA0, 0x1FFFF, 0x20000, 0x2A6DF,
                                      0x3134F, 0x31350, 0xD800, 0xDC80, 0xDFFF)]),
    st.characters(),
)


@needs_c
@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(_ALPHABET, st.sampled_from(["word ", "华为 ", "the news ", "新闻"])), max_size=400))
def test_generated_text(parts):
    same("".join(parts))


@needs_c
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text(text):
    same(text)


@needs_c
@pytest.mark.parametrize("text", [
    "", " ", "中", "中国", "a", "_", "__init__", "x" * 5000, "中" * 10000, "\ud800" * 50, "\U00020000" * 3,
    "𠀋𠀌𠀍 " * 30, " ".join(f"w{i}" for i in range(42)), " ".join(f"w{i}" for i in range(41)),
    " ".join(["same"] * 300), "華為發布新款摺疊手機，臺灣消費者" * 20, "Ｈｅｌｌｏ，ｗｏｒｌｄ！１２３　…" * 10,
    "ｅ\u0301", "e\u0301 " * 60, "한국어 텍스트 " * 30, "カタカナとひらがな、漢字。" * 20,
])
def test_edge_cases(text):
    same(text)


@needs_c
def test_token_table_overflow_and_freak_tokens():
    # more distinct tokens than the C table keeps (it is emptied and refilled) and tokens too long to keep
    words = [f"tok{i}x" for i in range(80_000)]
    text = " ".join(words)
    assert _storefast.sketch(text) == reposts.sketch_python(text)
    freak = " ".join(["a" * 5000, "b" * 4097, "c"] * 20)
    assert _storefast.sketch(freak) == reposts.sketch_python(freak)
    assert _storefast.sketch(text) == reposts.sketch_python(text)  # after the table was emptied


@needs_c
def test_nfkc_tables_hold_code_point_by_code_point():
    # STABLE: NFKC leaves each as it is, none combines or reorders (combining class 0, never the second
    # character of a canonical composition, no Hangul jamo); MAPPED: NFKC gives the listed ASCII.
    seconds = set()
    for cp in range(0x110000):
        d = unicodedata.decomposition(chr(cp))
        if d and not d.startswith("<") and len(d.split()) == 2:
            seconds.add(int(d.split()[1], 16))
    stable, mapped = _storefast.nfkc_tables()
    count = 0
    for first, last in stable:
        for cp in range(first, last + 1):
            c = chr(cp)
            assert unicodedata.normalize("NFKC", c) == c, hex(cp)
            assert unicodedata.combining(c) == 0 and cp not in seconds, hex(cp)
            assert not (0x1100 <= cp <= 0x11FF or 0xD800 <= cp <= 0xDFFF), hex(cp)
            count += 1
    assert count > 27_000  # ASCII, Latin, punctuation and 27,584 CJK ideographs
    for cp, value in mapped.items():
        assert unicodedata.normalize("NFKC", chr(cp)) == value and value.isascii(), hex(cp)
        assert unicodedata.combining(chr(cp)) == 0


def _data_texts() -> list[str]:
    texts = []
    for manifest in sorted(DATA.glob("*/manifest.jsonl")):
        for line in manifest.open(encoding="utf-8"):
            body = json.loads(line).get("body")
            if body:
                texts.append(body)
    return texts


@needs_c
@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")
def test_the_data_texts():
    texts = _data_texts()
    assert texts
    for text in texts:
        same(text)
        folded = storetext.to_simplified(storetext._nfkc(text))
        assert _storefast.index_folded(folded) == storetext._index_folded_python(folded)
