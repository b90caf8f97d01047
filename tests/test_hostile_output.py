"""Hostile page text on the way out: terminal escapes, OSC 8 links, CR, bidi overrides and rich markup reach no
terminal live (every command, every format, stdout and stderr); exported file names stay in their folder; CSV
cells never run as formulas. test_cli.py has the basic cases; this is the full matrix.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli_env, json_objects, jsonl

from newsgrab.models import Article, Page
from newsgrab.store import Store

# What must never reach a terminal raw: C0 (but TAB/LF), DEL, C1, bidi embeddings/overrides/isolates, LS/PS.
DANGEROUS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
EVIL = [
    "\x1b]8;;http://evil.example/\x07click me\x1b]8;;\x07",  # OSC 8 hyperlink (BEL-terminated)
    "\x1b]8;;http://evil.example/\x1b\\st-link\x1b]8;;\x1b\\",  # OSC 8, ST-terminated
    "\x1b]0;owned window title\x07",  # OSC 0
    "\x1b]52;c;Y3VybCBldmlsfHNo\x07",  # OSC 52: write the clipboard
    "\x1b[2J\x1b[H\x1b[31mred\x1b[0m",  # clear screen, home, colours
    "\x9b31mC1-CSI\x9d0;c1-osc\x9c",  # 8-bit C1 forms
    "line one\roverwritten",  # CR
    "evil\u202egnp.exe",  # RLO: reads as exe.png
    "\u2066isolate\u2069 \u200fmark",
    "[link=http://evil.example]rich link[/link] [bold red]markup[/]",  # rich markup
    ":warning: :smiley:",  # rich emoji codes
    "next\u2028line\u2029para\x85nel",
    "\x1bP+q544e\x1b\\ DCS",
    "\x00nul\x07bell\x08backspace\x7fdel",
]
TITLE = "Hostile " + " ".join(EVIL)
TEXT = "\n\n".join(f"Paragraph {i} of the story, long enough to read: {e} and then plain words." for i, e in enumerate(EVIL))


def cli(tmp_path: Path, *args, input: bytes | None = None) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "newsgrab", *map(str, args)], capture_output=True,
                          env=cli_env(tmp_path), cwd=tmp_path, timeout=60, input=input)
    proc.out = proc.stdout.decode("utf-8")
    proc.err = proc.stderr.decode("utf-8")
    assert "Traceback" not in proc.err
    return proc


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[Path, Path, int]:
    """A store holding an article with hostile title, text, authors, site; and the same as an HTML page."""
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "s.db"
    article = Article(url="https://evil.example/a", title=TITLE, text=TEXT, markdown=TEXT,
                      authors=["\x1b[31mMallory\x1b[0m", "[b]Eve[/b]"], site_name="\u202eevil\x1b]0;t\x07",
                      source="\x1b[2Jsource", language="en\x1b[0m")
    with Store.open(db) as s:
        sid = s.save(article, Page(data=b"<html></html>", input="https://evil.example/a", url="https://evil.example/a")).id
    html = tmp / "evil.html"
    from html import escape

    html.write_text(
        f"<html><head><title>{escape(TITLE)}</title><meta name=author content='{escape(EVIL[0])}'></head><body><article>"
        + "".join(f"<p>{escape(p)}</p>" for p in TEXT.split("\n\n")) + "</article></body></html>",
        encoding="utf-8",
    )
    return db, html, sid


def assert_inert(text: str, where: str) -> None:
    m = DANGEROUS.search(text)
    assert m is None, f"{where}: {m.group()!r} in {text[max(0, m.start() - 40):m.end() + 40]!r}"
    assert "evil.example/\x07" not in text


FORMATS = ["text", "markdown", "json", "jsonl"]
RUNS = [(["show", "{id}"], f) for f in FORMATS] + [(["list"], "text"), (["list"], "markdown"),
                                                   (["search", "story"], "text"), (["search", "story"], "jsonl")]


@pytest.mark.parametrize("command,fmt", RUNS, ids=[f"{c[0]}-{f}" for c, f in RUNS])
def test_stored_article_is_inert_in_every_command_and_format(tmp_path, hostile, command, fmt):
    db, _, sid = hostile
    proc = cli(tmp_path, *[c.format(id=sid) for c in command], "--format", fmt, "--store", db, "-v")
    assert proc.returncode == 0, proc.err
    assert proc.out.strip()
    assert_inert(proc.out, "stdout")
    assert_inert(proc.err, "stderr")
    if fmt in ("json", "jsonl"):
        # JSON carries the data exactly (escaped), for programs
        objs = json_objects(proc.out) if fmt == "json" else jsonl(proc.out)
        assert objs[0]["title"] == TITLE
    elif fmt == "text" and command[0] == "show":
        assert "click me" in proc.out and "[link=http://evil.example]rich link[/link]" in proc.out


@pytest.mark.parametrize("fmt", ["text", "jsonl"])
def test_clean_of_a_hostile_page_is_inert(tmp_path, hostile, fmt):
    _, html, _ = hostile
    extra = ["--no-store"] if fmt in ("text", "markdown") else ["--store", tmp_path / "c.db", "-v"]
    for _ in range(1):
        proc = cli(tmp_path, "clean", html, "--format", fmt, *extra)
        assert proc.returncode == 0, proc.err
        assert_inert(proc.out, "stdout")
        assert_inert(proc.err, "stderr")


def test_hostile_input_names_and_errors_on_stderr(tmp_path):
    # The input itself (a URL, a path) is shown in error lines: it must be as inert as page text.
    name = tmp_path / "x\x1b]8;;http:\x07y\u202e\r.html"
    name.write_bytes(b"")
    proc = cli(tmp_path, "clean", name, "-", "--store", tmp_path / "s.db", input=b"")
    assert proc.returncode == 1
    assert_inert(proc.err, "stderr")
    lines = [line for line in proc.err.splitlines() if line.startswith("newsgrab: ")]
    assert len(lines) == 2 and all(line.count(": ") >= 2 for line in lines)
    proc = cli(tmp_path, "fetch", "http://exa\x1b[2Jmple.invalid/\u202e", "--store", tmp_path / "s.db", "--timeout", "2")
    assert proc.returncode == 1
    assert_inert(proc.err, "stderr")
    assert len(proc.err.splitlines()) == 1


def test_exports_are_inert(tmp_path, hostile):
    db, _, sid = hostile
    for fmt in ("jsonl", "csv"):
        proc = cli(tmp_path, "export", "--format", fmt, "--store", db)
        assert proc.returncode == 0
        if fmt == "jsonl":
            assert_inert(proc.out, "export jsonl")
            assert jsonl(proc.out)[0]["title"] == TITLE
    out = tmp_path / "md"
    proc = cli(tmp_path, "export", "--format", "markdown", "--out", out, "--store", db)
    assert proc.returncode == 0
    [f] = list(out.iterdir())
    content = f.read_text("utf-8")
    assert_inert(content.replace("\n", ""), "markdown file")


# --- file names from titles ----------------------------------------------------------------------------------

NASTY_TITLES = [
    "../../../../tmp/escaped", "/etc/passwd", "..", ".", ".hidden", "~/x", "C:\\Windows\\evil", "\\\\server\\share",
    "CON", "nul", "Com1", "LPT9.txt", "aux.md", "", "   ", "\x00\x00", "a" * 1000, "長" * 400, "🙂" * 300,
    "x/../../y", "name\nwith\nnewlines", "*?<>|:\"", "\u202egnp.exe", "trailing dot.", "trailing space ",
]


def test_markdown_file_names_stay_in_the_folder(tmp_path):
    db = tmp_path / "s.db"
    with Store.open(db) as s:
        ids = [s.save(Article(title=t, text=f"body {i} of the article"), Page(data=b"x", input=f"in{i}")).id
               for i, t in enumerate(NASTY_TITLES)]
    out = tmp_path / "export" / "md"
    proc = cli(tmp_path, "export", "--format", "markdown", "--out", out, "--store", db)
    assert proc.returncode == 0, proc.err
    files = sorted(out.iterdir())
    assert len(files) == len(NASTY_TITLES)  # one per article, none overwrote another
    assert sorted(tmp_path.rglob("*.md")) == files  # nothing anywhere else
    assert not Path("/tmp/escaped.md").exists()
    for f in files:
        assert f.parent == out and f.is_file() and not f.is_symlink()
        name = f.name
        assert len(name.encode("utf-8")) <= 255
        assert not name.startswith(".") and "/" not in name and "\\" not in name
        assert not DANGEROUS.search(name) and not re.search(r'[*?<>|:"\x00]', name)
        stem = name.split("-", 1)[1].rsplit(".", 1)[0] if "-" in name else name
        assert stem.split(".")[0].upper() not in {"CON", "NUL", "COM1", "LPT9", "AUX", "PRN"}
        assert not name.rstrip(".md").endswith((" ", "."))
    assert {int(f.name.split("-", 1)[0]) for f in files} == set(ids)


def test_markdown_export_does_not_follow_a_planted_symlink(tmp_path):
    db = tmp_path / "s.db"
    with Store.open(db) as s:
        sid = s.save(Article(title="target", text="the body of the article"), Page(data=b"x", input="in")).id
    out = tmp_path / "md"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, out / f"{sid}-target.md")
    assert cli(tmp_path, "export", "--format", "markdown", "--out", out, "--store", db).returncode == 0
    assert victim.read_text() == "precious"


# --- CSV formulas ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lead", ["=", "+", "-", "@", "\t", "\r", "\t=", " =", "\ufeff="])
def test_csv_cells_never_start_a_formula(tmp_path, lead):
    payload = lead + 'HYPERLINK("http://evil.example","x")'
    db = tmp_path / "s.db"
    with Store.open(db) as s:
        s.save(Article(url="https://a.example/" + lead.strip(), title=payload, text=payload + " body", authors=[payload],
                       site_name=payload, source=payload), Page(data=b"x", input="in"))
    proc = cli(tmp_path, "export", "--format", "csv", "--store", db)
    [row] = list(csv.DictReader(io.StringIO(proc.out, newline="")))
    for key in ("title", "text", "authors", "site_name", "source"):
        cell = row[key]
        assert not cell.lstrip(" \ufeff").startswith(("=", "+", "-", "@")) or cell.startswith("'"), (key, cell)
        assert not cell.startswith(("\t", "\r")), (key, cell)


# --- HTML in the Markdown -------------------------------------------------------------------------------------


def test_markdown_output_carries_no_live_html(tmp_path):
    from newsgrab import extract

    para = ("A paragraph quoting &lt;script&gt;alert(1)&lt;/script&gt; and &lt;img src=x onerror=alert(1)&gt; "
            "and [a link](javascript:alert(1)) among enough ordinary words to be part of the story. ")
    article = extract(f"<html><body><article><p>{para * 3}</p><p>{para}</p></article></body></html>")
    assert "<script" not in article.markdown and "<img" not in article.markdown
    # An escaped bracket ("\\[a link\\](javascript:") is text; only an unescaped "](" would be a link.
    assert not re.search(r"(?<!\\)\]\(javascript:", article.markdown)
    assert "\\[a link\\]" in article.markdown
