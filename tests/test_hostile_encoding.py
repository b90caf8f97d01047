"""Hostile charsets: wrong labels, no labels, contradicting BOMs, unknown labels, NULs, surrogates, mixtures.

The rule: wherever the bytes decode under some charset, no U+FFFD comes out — through ``decode`` and through
``extract`` (and so into the store). test_encoding.py has the ordinary cases; this file is the adversarial
side, including a hypothesis property over every kind of wrong label.
"""

from __future__ import annotations

import codecs
import json
import subprocess
import sys

import pytest
from conftest import cli_env, jsonl
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from newsgrab import extract
from newsgrab.encoding import decode

ZH_HANS = "今天市政府宣布了新的公共交通计划，市民们表示欢迎。我们的工作是为人民服务，这是国家发展的重要一步。"
ZH_HANT = "臺灣的裡面有很多人喜歡吃東西，這是我們的生活，也是我們的文化。今天政府宣布了新的計劃。"
FR = "Le conseil municipal a approuvé la construction d'une digue à Saint-Étienne ; les élèves s'en réjouissent."


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>t</title></head><body><article><p>{body}</p><p>{body}</p></article></body></html>"


def article_text(data: bytes, content_type: str | None = None) -> str:
    from newsgrab.extraction import extract as extract_ct

    return extract_ct(data, content_type=content_type).text


# --- wrong labels, every direction --------------------------------------------------------------------------

CASES = [
    # (text, real encoding, Content-Type header, <meta> label)
    (ZH_HANS, "gb18030", "text/html; charset=utf-8", "utf-8"),
    (ZH_HANS, "gbk", None, "utf-8"),
    (ZH_HANS, "gb2312", "text/html; charset=big5", None),
    (ZH_HANS, "gb18030", "text/html; charset=iso-8859-1", None),
    (ZH_HANS, "gb18030", None, "x-klingon"),
    (ZH_HANS, "gb18030", None, None),
    (ZH_HANS, "gb18030", "text/html; charset=utf-16", None),
    (ZH_HANT, "big5", "text/html; charset=utf-8", None),
    (ZH_HANT, "big5hkscs", None, "gb2312"),
    (ZH_HANT, "big5", None, "utf-8"),
    (ZH_HANT, "big5", None, None),
    (ZH_HANT, "big5", "text/html; charset=shift_jis", None),
    (ZH_HANT, "cp950", "text/html; charset=windows-1252", "euc-kr"),
    # the reverse: UTF-8 labelled as a legacy charset
    (ZH_HANS, "utf-8", "text/html; charset=gbk", None),
    (ZH_HANT, "utf-8", None, "big5"),
    (ZH_HANS, "utf-8", "text/html; charset=gb2312", "big5"),
    (FR, "utf-8", "text/html; charset=iso-8859-1", None),
    # Latin pages mislabelled
    (FR, "cp1252", "text/html; charset=utf-8", None),
    (FR, "latin-1", None, "gbk"),
    (FR, "cp1252", None, "x-unknown-label"),
    # labels that must never be honoured (UTF-7 can smuggle markup)
    (ZH_HANS, "utf-8", "text/html; charset=utf-7", "utf-7"),
    (FR, "utf-8", None, "base64"),
]


@pytest.mark.parametrize("text,enc,header,meta", CASES)
def test_wrong_label_decodes_without_replacement(text, enc, header, meta):
    raw = page(text, f'<meta charset="{meta}">' if meta else "").encode(enc)
    out, _ = decode(raw, header)
    assert "\ufffd" not in out
    assert text in out
    assert text in article_text(raw, header)


@pytest.mark.parametrize(
    "bom,label,text,enc",
    [
        (codecs.BOM_UTF8, "gbk", ZH_HANS, "utf-8"),  # BOM says UTF-8, label says GBK: the BOM wins
        (codecs.BOM_UTF8, "big5", ZH_HANT, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-8", ZH_HANS, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "gbk", ZH_HANT, "utf-16-be"),
    ],
)
def test_bom_contradicting_the_label(bom, label, text, enc):
    raw = bom + page(text, f'<meta charset="{label}">').encode(enc)
    for header in (None, f"text/html; charset={label}"):
        out, charset = decode(raw, header)
        assert text in out and "\ufffd" not in out and "\ufeff" not in out
        assert charset == enc
        assert text in article_text(raw, header)


def test_gbk_bytes_behind_a_utf8_bom_still_come_back():
    # A lying BOM: the rest is GBK. WHATWG would trust the BOM; we at least never crash, and say something.
    raw = codecs.BOM_UTF8 + page(ZH_HANS).encode("gbk")
    out, _ = decode(raw)
    assert isinstance(out, str) and out.encode("utf-8")


# --- NULs, surrogates, odd bytes ------------------------------------------------------------------------------


@pytest.mark.parametrize("enc", ["utf-8", "gb18030", "big5"])
def test_nul_bytes_are_dropped_and_text_survives(enc):
    text = ZH_HANS if enc != "big5" else ZH_HANT
    raw = page(text).encode(enc).replace(b"<p>", b"<p>\x00\x00").replace(b"</title>", b"\x00</title>")
    out, _ = decode(raw)
    assert "\x00" not in out and "\ufffd" not in out and text in out
    assert text in article_text(raw)


def test_nul_flood_with_a_cjk_page():
    raw = page(ZH_HANS).encode("gb18030") + b"\x00" * 100_000
    out, _ = decode(raw)
    assert ZH_HANS in out and "\x00" not in out


@pytest.mark.parametrize(
    "junk",
    [
        b"\xed\xa0\x80",  # a UTF-8-encoded surrogate (CESU-8 / WTF-8)
        b"\xed\xb2\x80\xed\xa0\x80",
        b"\xf4\x90\x80\x80",  # above U+10FFFF
        b"\xc0\xaf",  # overlong
        b"\xff\xfe\x00",  # a BOM in the middle
    ],
)
def test_invalid_utf8_sequences_never_become_surrogates(junk):
    raw = page(FR).encode("utf-8").replace(b"<p>", b"<p>" + junk, 1)
    out, _ = decode(raw)
    out.encode("utf-8")  # no lone surrogates: always storable
    assert FR in out


def test_lone_surrogates_in_str_input_are_storable(tmp_path):
    html = page("Breaking \ud800 news \udfff here. " + FR)
    article = extract(html)
    json.dumps(article.to_dict(), ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    article.text.encode("utf-8")
    (article.title or "").encode("utf-8")
    from newsgrab.models import Page
    from newsgrab.store import Store

    with Store.open(tmp_path / "s.db") as store:
        res = store.save(article, Page(data=html.encode("utf-8", "surrogatepass"), input="x"))
        assert store.get(res.id).article.text == article.text


@pytest.mark.parametrize("enc", ["gb18030", "big5hkscs", "utf-16-le", "utf-16-be", "cp1252"])
def test_truncated_mid_character(enc):
    text = ZH_HANS if enc != "big5hkscs" else ZH_HANT
    raw = page(text * 20, "").encode(enc if enc != "cp1252" else "utf-8")
    for cut in (1, 2, 3):
        out, _ = decode(raw[:-cut])
        assert out.count("\ufffd") <= 1
        assert text in out


def test_mixed_encodings_keep_the_main_one():
    # A UTF-8 page with one GBK paragraph pasted in: no single charset decodes all of it. The UTF-8 part
    # must come back whole; the GBK paragraph may be lost to U+FFFD, but not the page.
    raw = page(ZH_HANS * 10).encode("utf-8") + "<p>原来的段落。</p>".encode("gbk")
    out, charset = decode(raw)
    assert charset == "utf-8" and ZH_HANS in out
    # ...and a GBK page with one UTF-8 paragraph: the GBK majority wins.
    raw = page(ZH_HANS * 10).encode("gbk") + "<p>原来的段落。</p>".encode("utf-8")
    out, charset = decode(raw)
    assert charset == "gb18030" and ZH_HANS in out


@pytest.mark.parametrize(
    "content_type",
    ["text/html; charset=", "text/html; charset=\"", "text/html; charset=utf-8; charset=gbk", "charset=;;;",
     "text/html; charset=" + "x" * 10_000, "\x00\xff", "text/html; charset=utf\u00a08"],
)
def test_malformed_content_types_never_raise(content_type):
    out, _ = decode(page(ZH_HANS).encode("gb18030"), content_type)
    assert ZH_HANS in out


# --- the property ----------------------------------------------------------------------------------------------

_HANZI = ("的一是不了在人有我他这這个個们們中来來上大为為和国國地到以说說时時要就出会會可也你对對生能而子那得"
          "于於着著下自之年过過发發后後作里裏用道行所然家种種事成方多经經么麼去法学學如都同现現当當没沒动動面起看"
          "定天分还還进進好小部其些主样樣理心她本前开開但因只从從想实實日军軍者意无無力它与與长長把机機十民第公此")
_SEPS = ["，", "。", "、", "：", " ", "\n", "1", "a", "<br>", "《", "》", "「", "」"]
_WRONG_LABELS = [
    ("text/html; charset=utf-8", ""), (None, '<meta charset="utf-8">'), ("text/html; charset=iso-8859-1", ""),
    (None, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'), (None, ""),
    (None, '<meta charset="x-klingon">'), ("text/html; charset=shift_jis", ""), (None, '<meta charset="euc-kr">'),
]


def _encodable(c: str, enc: str) -> bool:
    try:
        c.encode(enc)
    except UnicodeEncodeError:
        return False
    return True


@st.composite
def chinese(draw, enc):
    alphabet = "".join(c for c in _HANZI if _encodable(c, enc))
    chars = list(draw(st.text(alphabet=alphabet, min_size=30, max_size=200)))
    for pos, sep in draw(st.lists(st.tuples(st.integers(0, len(chars)), st.sampled_from(_SEPS)), max_size=20)):
        chars.insert(pos, sep)
    return "".join(chars)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), enc=st.sampled_from(["gb18030", "big5hkscs"]), label=st.sampled_from(_WRONG_LABELS))
def test_mislabelled_chinese_always_comes_back(data, enc, label):
    text = data.draw(chinese(enc))
    other = "big5" if enc == "gb18030" else "gbk"
    header, meta = label if data.draw(st.booleans()) else (f"text/html; charset={other}", "")
    raw = page(text, meta).encode(enc)
    try:
        raw.decode("utf-8")
        assume(False)  # valid UTF-8 is read as UTF-8 by design
    except UnicodeDecodeError:
        pass
    out, charset = decode(raw, header)
    assert "\ufffd" not in out
    assert text in out
    assert charset == enc


# --- through the command line -------------------------------------------------------------------------------------


def test_mislabelled_files_through_clean(tmp_path):
    files = []
    for i, (text, enc, header, meta) in enumerate(CASES):
        f = tmp_path / f"{i:02d}.html"
        f.write_bytes(page(text, f'<meta charset="{meta}">' if meta else "").encode(enc))
        files.append((f, text))
    proc = subprocess.run(
        [sys.executable, "-m", "newsgrab", "clean", "--no-store", "--format", "jsonl", *[str(f) for f, _ in files]],
        capture_output=True, env=cli_env(tmp_path), cwd=tmp_path, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    lines = jsonl(proc.stdout.decode("utf-8"))
    assert len(lines) == len(files)
    for line, (_, text) in zip(lines, files):
        assert line["status"] == "printed"
        assert "\ufffd" not in line["text"] and text in line["text"]
