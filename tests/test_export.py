"""export.py: JSON Lines, CSV (formula injection) and Markdown files (front matter, safe names)."""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsgrab.export import (
    csv_cell,
    export_csv,
    export_jsonl,
    export_markdown,
    json_dumps,
    markdown_filename,
    slugify,
    yaml_quote,
)
from newsgrab.models import Article
from newsgrab.store import StoredArticle

SAVED = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)


def rec(id, title="Title", **kw):
    kw.setdefault("text", "Body text.")
    return StoredArticle(id=id, article=Article(title=title, **kw), saved_at=SAVED, input=f"in-{id}")


def gen(records):
    # export functions must accept a one-shot iterator (they stream; nothing is listed up front)
    yield from records


# ------------------------------------------------------------------------------------------ JSON Lines
def test_jsonl_one_object_per_line():
    out = io.StringIO()
    n = export_jsonl(gen([
        rec(1, "政府工作报告", authors=["张三"], published=datetime(2024, 3, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))),
        rec(2, "Two\nlines", text="a\u2028b"),
    ]), out)
    assert n == 2
    lines = out.getvalue().split("\n")
    assert lines[-1] == "" and len(lines) == 3
    first, second = (json.loads(x) for x in lines[:2])
    assert first["id"] == 1 and first["title"] == "政府工作报告"
    assert first["published"] == "2024-03-05T09:00:00+08:00"
    assert first["saved_at"] == SAVED.isoformat()
    assert "政府工作报告" in lines[0]  # readable UTF-8, not \u escapes
    assert second["title"] == "Two\nlines" and second["text"] == "a\u2028b"
    assert "\u2028" not in lines[1]  # escaped in the serialisation, same value after parsing


def test_json_dumps_escapes_terminal_controls_but_keeps_data():
    value = {"t": "a\x1b]8;;http://evil\x1b\\b\x9b31m\u202e"}
    s = json_dumps(value)
    assert "\x1b" not in s and "\x9b" not in s and "\u202e" not in s
    assert json.loads(s) == value


# ------------------------------------------------------------------------------------------ CSV
@pytest.mark.parametrize("value", ["=1+2", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cell_neutralises_formulas(value):
    assert csv_cell(value) == "'" + value


@pytest.mark.parametrize("value,expected", [("plain", "plain"), (None, ""), (3, "3"), (["a", "b"], "a; b"),
                                            ("a=b", "a=b"), ("中文", "中文")])
def test_csv_cell_leaves_the_rest(value, expected):
    assert csv_cell(value) == expected


def test_export_csv_round_trip():
    out = io.StringIO(newline="")
    n = export_csv(gen([
        rec(1, '=HYPERLINK("http://evil","click")', authors=["@x", "Y"], text="line one\n\nline two, with \"quotes\""),
        rec(2, "華為", site_name="-site"),
    ]), out)
    assert n == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0]["title"] == '\'=HYPERLINK("http://evil","click")'
    assert rows[0]["authors"] == "'@x; Y"
    assert rows[0]["text"] == 'line one\n\nline two, with "quotes"'
    assert rows[0]["id"] == "1"
    assert rows[1]["title"] == "華為" and rows[1]["site_name"] == "'-site"
    assert list(rows[0])[:3] == ["id", "title", "url"]


def test_export_csv_empty_store_writes_header_only():
    out = io.StringIO()
    assert export_csv(iter(()), out) == 0
    assert out.getvalue().startswith("id,title,url")
    assert out.getvalue().count("\n") == 1


# ------------------------------------------------------------------------------------------ names
@pytest.mark.parametrize(
    "title,slug",
    [
        ("Harbour Council Approves New Sea Wall", "harbour-council-approves-new-sea-wall"),
        ("市政府公布新的公共交通计划", "市政府公布新的公共交通计划"),
        ("../../etc/passwd", "etc-passwd"),
        ('a/b\\c:d*e?f"g<h>i|j', "a-b-c-d-e-f-g-h-i-j"),
        ("...hidden", "hidden"),
        ("CON", "_con"),
        ("lpt1", "_lpt1"),
        ("nul", "_nul"),
        ("", "article"),
        (None, "article"),
        ("\x1b[31m\x00\x07", "31m"),
        ("!!!", "article"),
        ("Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ", "fullwidth-abc"),
    ],
)
def test_slugify(title, slug):
    assert slugify(title) == slug


@given(st.text())
def test_slug_is_always_a_plain_file_name(title):
    slug = slugify(title)
    assert slug and len(slug) <= 80 and len(slug.encode("utf-8")) <= 160
    assert not set(slug) & set('/\\:*?"<>|.\x00')
    assert all(ch.isprintable() for ch in slug)
    name = markdown_filename(7, title)
    assert os.path.basename(name) == name and name.startswith("7-") and name.endswith(".md")


def test_long_titles_are_cut():
    assert len(slugify("word " * 100)) <= 80
    cjk = slugify("很长的标题" * 100)
    assert len(cjk.encode("utf-8")) <= 160 and cjk.startswith("很长的标题")


# ------------------------------------------------------------------------------------------ YAML
@pytest.mark.parametrize("value", ["yes", "1e3", "- item", "key: value", "!!python/object", "a\"b\\c", "x\ny",
                                   "#comment", "\x1b[2J", "\u202eevil", "null", "~", "中文"])
def test_yaml_quote_is_always_a_string(value):
    q = yaml_quote(value)
    assert q.startswith('"') and q.endswith('"')
    assert "\n" not in q and "\x1b" not in q and "\u202e" not in q
    # A YAML double-quoted scalar with these escapes is also valid JSON except for \x, \0, \N...;
    # for the characters used here JSON can read it back:
    if "\x1b" not in value and "\u202e" not in value:
        assert json.loads(q) == value


def test_yaml_quote_scalars():
    assert yaml_quote(None) == "null"
    assert yaml_quote(12) == "12"
    assert yaml_quote("\x1b") == '"\\x1B"'


# ------------------------------------------------------------------------------------------ Markdown
def test_export_markdown_files(tmp_path):
    published = datetime(2024, 5, 12, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    records = [
        rec(1, "市政府公布新的公共交通计划", url="https://x.example/a", authors=["张三", 'B "Q"'], published=published,
            site_name="城市日报", language="zh-Hans", markdown="市政府昨天公布了计划。\n\n- 一\n- 二", text="plain"),
        rec(2, "../../etc/passwd"),
        rec(3, "CON", text="\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\ here"),
    ]
    out = tmp_path / "out" / "md"
    paths = export_markdown(gen(records), out)
    assert [p.name for p in paths] == ["1-市政府公布新的公共交通计划.md", "2-etc-passwd.md", "3-_con.md"]
    assert all(p.parent == out for p in paths)
    assert sorted(os.listdir(out)) == sorted(p.name for p in paths)  # no temp files left behind
    assert not (tmp_path / "etc").exists()
    doc = paths[0].read_text(encoding="utf-8")
    assert doc == (
        "---\n"
        "id: 1\n"
        'title: "市政府公布新的公共交通计划"\n'
        'url: "https://x.example/a"\n'
        "canonical_url: null\n"
        "authors:\n"
        '  - "张三"\n'
        '  - "B \\"Q\\""\n'
        'published: "2024-05-12T08:00:00+08:00"\n'
        'site_name: "城市日报"\n'
        "source: null\n"
        'language: "zh-Hans"\n'
        "---\n\n"
        "# 市政府公布新的公共交通计划\n\n"
        "市政府昨天公布了计划。\n\n- 一\n- 二\n"
    )
    third = paths[2].read_text(encoding="utf-8")
    assert "\x1b" not in third and "http://evil" not in third and "click here" in third
    assert "authors: []" in third


def test_export_markdown_again_replaces(tmp_path):
    export_markdown([rec(1, "Same", text="old")], tmp_path)
    export_markdown([rec(1, "Same", text="new")], tmp_path)
    assert os.listdir(tmp_path) == ["1-same.md"]
    assert (tmp_path / "1-same.md").read_text(encoding="utf-8").endswith("new\n")


def test_export_markdown_does_not_write_through_symlinks(tmp_path):
    target = tmp_path / "victim.txt"
    target.write_text("keep me")
    out = tmp_path / "md"
    out.mkdir()
    (out / "1-same.md").symlink_to(target)
    export_markdown([rec(1, "Same", text="new")], out)
    assert target.read_text() == "keep me"
    assert not (out / "1-same.md").is_symlink()


def test_atomic_file_replaces_on_success_and_leaves_the_old_file_on_failure(tmp_path):
    from newsgrab.export import AtomicFile

    target = tmp_path / "out.warc.gz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with AtomicFile(target, binary=True) as f:
            f.write(b"half of a new file")
            raise RuntimeError("killed half-way")
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["out.warc.gz"]
    with AtomicFile(target, binary=True) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new" and os.listdir(tmp_path) == ["out.warc.gz"]
    with pytest.raises(OSError):
        AtomicFile(tmp_path / "missing-folder" / "x.md")  # before anything is written
