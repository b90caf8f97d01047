"""Unit tests of benchmarks/evalkit.py: the metrics must not drift silently.

The figures here are worked out by hand from the definitions in shared/data/README.md.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import evalkit as ek  # noqa: E402

# ------------------------------------------------------------------------------------------- tokens


def test_tokenize_latin_runs_of_word_characters():
    assert ek.tokenize("Hello, world! It's 2024_x.") == ["Hello", "world", "It", "s", "2024_x"]
    assert ek.tokenize("Ärger über Öl") == ["Ärger", "über", "Öl"]  # case and accents kept


def test_tokenize_empty():
    assert ek.tokenize("") == []
    assert ek.tokenize(None) == []
    assert ek.tokenize("  ,.;!? \n\t— ") == []


def test_tokenize_cjk_one_token_per_character():
    assert ek.tokenize("中文文本") == ["中", "文", "文", "本"]
    # CJK punctuation is dropped like any punctuation
    assert ek.tokenize("你好，世界。「引號」") == ["你", "好", "世", "界", "引", "號"]


def test_tokenize_mixed_scripts_split_at_script_boundary():
    assert ek.tokenize("iPhone手机2024年") == ["iPhone", "手", "机", "2024", "年"]


def test_tokenize_kana_and_marks():
    assert ek.tokenize("カメラーは、ｶﾒﾗ") == ["カ", "メ", "ラ", "ー", "は", "ｶ", "ﾒ", "ﾗ"]
    assert ek.tokenize("人々〇") == ["人", "々", "〇"]
    assert ek.tokenize("・") == []  # katakana middle dot is punctuation


def test_tokenize_ideographs_outside_the_bmp():
    assert ek.tokenize("𠀀𪚥") == ["𠀀", "𪚥"]


def test_tokenize_hangul_is_written_with_spaces():
    assert ek.tokenize("한국어 텍스트입니다.") == ["한국어", "텍스트입니다"]


def test_tokenize_thai_characters_keep_their_marks():
    # ก + MAI EK (combining) is one token; า and น are letters of their own.
    assert ek.tokenize("ก่าน") == ["ก่", "า", "น"]


# ------------------------------------------------------------------------------------------- shingles


def test_shingles_multiset_of_four_token_windows():
    assert ek.shingles("a b c d e a b c d") == Counter(
        {("a", "b", "c", "d"): 2, ("b", "c", "d", "e"): 1, ("c", "d", "e", "a"): 1, ("d", "e", "a", "b"): 1,
         ("e", "a", "b", "c"): 1})


@pytest.mark.parametrize("text,expected", [("one", ("one",)), ("one two", ("one", "two")),
                                           ("一二三", ("一", "二", "三"))])
def test_shingles_of_short_texts_is_one_shingle(text, expected):
    assert ek.shingles(text) == Counter([expected])


def test_shingles_of_no_tokens_is_none():
    assert ek.shingles("") == Counter()
    assert ek.shingles("!!!") == Counter()


def test_shingle_page_perfect():
    pg = ek.shingle_page("The quick brown fox jumps.", "The  quick\nbrown fox jumps")
    assert (pg.n_tp, pg.n_fp, pg.n_fn) == (2, 0, 0)
    assert (pg.tp, pg.fp, pg.fn) == (1.0, 0.0, 0.0)
    assert pg.precision == 1.0 and pg.recall == 1.0 and pg.f1 == 1.0


def test_shingle_page_empty_output():
    pg = ek.shingle_page("", "a b c d e")
    assert (pg.n_tp, pg.n_fp, pg.n_fn) == (0, 0, 2)
    assert pg.precision is None and pg.recall == 0.0 and pg.f1 == 0.0


def test_shingle_page_half_and_normalisation():
    # truth: 8 tokens -> 5 shingles; output = first 5 tokens -> 2 shingles, both in the truth.
    truth = "t1 t2 t3 t4 t5 t6 t7 t8"
    pg = ek.shingle_page("t1 t2 t3 t4 t5", truth)
    assert (pg.n_tp, pg.n_fp, pg.n_fn) == (2, 0, 3)
    assert pg.tp == pytest.approx(2 / 5) and pg.fn == pytest.approx(3 / 5)
    assert pg.precision == 1.0 and pg.recall == pytest.approx(0.4)
    # half the output is boilerplate: 2 good shingles + 2 bad ones
    pg = ek.shingle_page("a b c d e x y", "a b c d e")
    assert (pg.n_tp, pg.n_fp, pg.n_fn) == (2, 2, 0)
    assert pg.precision == 0.5 and pg.recall == 1.0


def test_shingle_page_multiset_minimum():
    pg = ek.shingle_page("a b c d a b c d a b c d", "a b c d")
    # output: abcd x3, bcda x2, cdab x2, dabc x2 ; truth: abcd x1
    assert (pg.n_tp, pg.n_fp, pg.n_fn) == (1, 8, 0)


def test_shingle_page_cjk():
    truth = "北京今日天气晴朗"  # 8 characters -> 5 shingles
    pg = ek.shingle_page("首页 > 北京今日天气晴朗", truth)
    assert (pg.n_tp, pg.n_fn) == (5, 0)
    assert pg.n_fp == 2  # 首页北京, 页北京今
    pg = ek.shingle_page("北京今日", truth)
    assert (pg.n_tp, pg.n_fp, pg.n_fn) == (1, 0, 4)


def test_shingle_page_nothing_expected_nothing_given():
    pg = ek.shingle_page("", "")
    assert (pg.n_tp, pg.n_fp, pg.n_fn) == (0, 0, 0)
    assert pg.precision is None and pg.recall is None


def test_shingle_scores_means_over_pages_with_denominators():
    pages = [
        ek.shingle_page("a b c d e", "a b c d e"),  # p=1, r=1
        ek.shingle_page("", "a b c d e"),  # no output: only in recall (0)
        ek.shingle_page("a b c d e x y", "a b c d e"),  # p=0.5, r=1
    ]
    s = ek.shingle_scores(pages)
    assert s.pages == 3
    assert s.precision == pytest.approx((1 + 0.5) / 2)
    assert s.recall == pytest.approx((1 + 0 + 1) / 3)
    p, r = 0.75, 2 / 3
    assert s.f1 == pytest.approx(2 * p * r / (p + r))


def test_shingle_scores_all_empty():
    s = ek.shingle_scores([ek.shingle_page("", "a b c d")])
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)


# ------------------------------------------------------------------------------------------- snippets


def test_snippet_page_counts():
    out = "Title\n\nThe first   paragraph\nof the text.  Share this"
    pg = ek.snippet_page(out, ["first paragraph of", "missing one", "The first"], ["Share this", "Impressum"])
    assert (pg.tp, pg.fn, pg.fp, pg.tn) == (2, 1, 1, 1)
    assert pg.missing == ("missing one",) and pg.leaked == ("Share this",)


def test_snippet_page_is_case_sensitive_and_collapses_whitespace_in_snippets():
    pg = ek.snippet_page("Hello World", ["hello world", "Hello\n  World"], [])
    assert (pg.tp, pg.fn) == (1, 1)


def test_snippet_page_empty_output():
    pg = ek.snippet_page(None, ["a", "b"], ["c"])
    assert (pg.tp, pg.fn, pg.fp, pg.tn) == (0, 2, 0, 1)
    assert pg.f1 == 0.0


def test_snippet_scores_over_set_totals():
    pages = [ek.snippet_page("alpha beta", ["alpha", "beta"], ["gamma"]),  # tp2 tn1
             ek.snippet_page("alpha gamma", ["delta"], ["gamma", "alpha"])]  # fn1 fp2
    s = ek.snippet_scores(pages)
    assert (s.tp, s.fp, s.fn, s.tn) == (2, 2, 1, 1)
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(4 / 7)


def test_snippet_scores_perfect():
    s = ek.snippet_scores([ek.snippet_page("x y z", ["x y", "z"], ["w"])])
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


# ------------------------------------------------------------------------------------------- dispatch, data


def test_score_case_and_aggregate(tmp_path: Path):
    folder = tmp_path / "mini"
    (folder / "html").mkdir(parents=True)
    (folder / "html" / "a.html.gz").write_bytes(gzip.compress(b"<html><p>a b c d e</p></html>"))
    (folder / "html" / "b.html.gz").write_bytes(gzip.compress(b"<html><p>x</p></html>"))
    rows = [
        {"id": "a", "url": None, "html": "html/a.html.gz", "lang": "en", "body": "a b c d e", "title": "T",
         "date": "2020-1-2", "authors": ["Ann"]},
        {"id": "b", "url": "http://x", "html": "html/b.html.gz", "lang": "en", "with": ["x"], "without": ["y"]},
    ]
    (folder / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    cases = ek.load_set(folder)
    assert [c.id for c in cases] == ["a", "b"] and cases[0].set == "mini"
    assert cases[0].data == b"<html><p>a b c d e</p></html>"
    assert [c.metric for c in cases] == ["shingles", "snippets"]
    assert ek.aggregate([ek.score_case(cases[0], "a b c d e")]).f1 == 1.0
    assert ek.aggregate([ek.score_case(cases[1], "x")]).f1 == 1.0
    with pytest.raises(ValueError):
        ek.aggregate([ek.score_case(cases[0], ""), ek.score_case(cases[1], "")])
    assert ek.discover_sets(tmp_path) == [folder]


def test_load_seed(tmp_path: Path):
    (tmp_path / "p.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "p.expected.json").write_text(json.dumps({"file": "p.txt", "title": "T", "with": ["hello"],
                                                          "without": ["bye"]}), encoding="utf-8")
    (case,) = ek.load_seed(tmp_path)
    assert case.set == "seed" and case.data == b"hello" and case.title == "T"
    assert ek.aggregate([ek.score_case(case, "hello")]).f1 == 1.0


# ------------------------------------------------------------------------------------------- metadata


def test_title_match():
    assert ek.title_match("  A  title\n", "A title") is True
    assert ek.title_match("A Title", "A title") is False
    assert ek.title_match(None, "A title") is False
    assert ek.title_match("x", None) is None


@pytest.mark.parametrize("truth,pred,ok", [
    ("2005-5-7 21:23:57", dt.datetime(2005, 5, 7, 3, 0), True),
    ("2005-5-7 21:23:57", "2005-05-08", False),
    ("1998-3", dt.date(1998, 3, 30), True),
    ("1998-3", "1998-04-01", False),
    ("2018", "2018-12-31", True),
    ("2018", None, False),
    ("2024-04-28 05:00:00+02:00", dt.datetime(2024, 4, 28, 3, 0, tzinfo=dt.timezone.utc), True),
    # 23:30 UTC on the 27th is the 28th at +02:00, where the truth puts it
    ("2024-04-28 01:30:00+02:00", dt.datetime(2024, 4, 27, 23, 30, tzinfo=dt.timezone.utc), True),
    ("2024-04-28 16:15:45.403000+02:00", "2024-04-28T16:15:45+02:00", True),
    ("2024-04-28 00:00:00", dt.datetime(2024, 4, 28, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))), True),
])
def test_date_match(truth, pred, ok):
    assert ek.date_match(pred, truth) is ok


def test_date_match_not_comparable():
    assert ek.date_match("2020-01-01", None) is None
    assert ek.date_match("2020-01-01", "UNKNOWN") is None
    assert ek.parse_truth_date("2005-5-7 21:23:57").precision == "day"
    assert ek.parse_truth_date("1998-3").precision == "month"
    assert ek.parse_truth_date("2018").precision == "year"


def test_authors_match():
    r = ek.authors_match(["anne  Smith", "Bob"], ["Bob", "Anne Smith"])
    assert r.exact and r.overlap and r.jaccard == 1.0
    r = ek.authors_match("Anne Smith; Carl", ["Anne Smith", "Bob"])
    assert not r.exact and r.overlap and r.jaccard == pytest.approx(1 / 3)
    assert ek.authors_match([], ["Bob"]).overlap is False
    assert ek.authors_match(["Bob"], None) is None


def test_meta_tally():
    c = ek.Case(id="x", set="s", url=None, lang=None, path=Path("x"), body="b", title="T", date="2018",
                authors=["A"])
    t = ek.MetaTally()
    t.add(c, "T", "2018-05-01", ["a"])
    t.add(c, "U", None, [])
    assert (t.title_pct, t.date_pct, t.authors_pct, t.authors_overlap_pct) == (50.0, 50.0, 50.0, 50.0)
    assert (t.title_n, t.date_n, t.date_truths, t.auth_n) == (2, 2, 2, 2)
