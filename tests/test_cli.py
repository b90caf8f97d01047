"""The command line, end to end: real ``python -m newsgrab`` processes, a real SQLite store under tmp_path,
real HTTP on 127.0.0.1 (tests/httpserver.py). Checks the contract: stdout/stderr split, exit codes, formats.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime

import pytest
from conftest import cli_env, json_objects, jsonl
from hypothesis import given
from hypothesis import strategies as st
from httpserver import Reply, redirect

from newsgrab.console import Reporter, safe_line, safe_terminal_text
from newsgrab.models import Article, Page

EN, ZH, HANT, EMPTY, EVIL = "cli-en.html", "cli-zh.html", "cli-zh-hant.html", "cli-empty.html", "cli-evil.html"
EN_TITLE = "Harbour council approves new sea wall"
ZH_TITLE = "市政府公布新的公共交通计划"
HANT_TITLE = "華為發布新款摺疊手機"
NOT_SQLITE = "not a newsgrab store"


def page(pages, name):
    return str(pages / name)


def add_articles(store_path, *articles):
    """Put articles straight into a store (for titles no extractor would produce); return their ids."""
    from newsgrab.store import Store

    ids = []
    with Store.open(store_path) as s:
        for i, a in enumerate(articles):
            raw = f"<html><title>{a.title}</title><body><p>{a.text}</p></body></html>".encode()
            ids.append(s.save(a, Page(data=raw, input=f"test-{i}", url=a.url)).id)
    return ids


# ------------------------------------------------------------------------------------------ basics
def test_version_on_stdout(run):
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == "newsgrab 0.1.0"
    assert r.stderr == ""


def test_help_lists_every_command(run):
    r = run("--help")
    assert r.returncode == 0
    for cmd in ("fetch", "clean", "list", "show", "search", "export", "reclean"):
        assert re.search(rf"^\s+{cmd}\b", r.stdout, re.M), cmd


def test_help_does_not_import_heavy_modules(tmp_path):
    code = (
        "import sys; from newsgrab.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0, e.code\n"
        "heavy = [m for m in ('httpx', 'selectolax', 'rich', 'charset_normalizer', 'sqlite3', 'newsgrab.extraction')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(tmp_path))
    assert r.returncode == 0, r.stderr
    assert "HEAVY []" in r.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["clean"],  # no path
        ["clean", "--format", "yaml", "x.html"],  # bad format
        ["fetch"],  # no URL
        ["fetch", "--timeout", "0", "http://127.0.0.1:9/"],
        ["fetch", "--warc", "no/such/dir/out.warc", "http://127.0.0.1:9/"],  # cannot be written
        ["fetch", "--feed", "http://127.0.0.1:9/feed", "--since", "soon"],  # not a date
        ["fetch", "--sitemap", "http://127.0.0.1:9/sitemap.xml", "--max-urls", "0"],
        ["fetch", "--from", "no-such-list.txt"],
        ["export", "--format", "markdown"],  # markdown needs --out
        ["export", "--format", "text"],
        ["list", "--limit", "-1"],
        ["reclean", "abc"],
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(run, store_path, args):
    r = run(*args, "--store", store_path)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.strip()
    assert not store_path.exists()  # a usage error writes nothing


def test_archive_options_are_supported(run):
    # --warc, --feed, --sitemap were stubs once ("not supported yet"); tests/test_warc.py and
    # tests/test_discover.py test what they do now.
    r = run("fetch", "--help")
    assert r.returncode == 0 and "not supported" not in r.stdout
    for option in ("--warc", "--feed", "--sitemap", "--since", "--max-urls", "--refresh"):
        assert option in r.stdout


# ------------------------------------------------------------------------------------------ clean
def test_clean_saves_and_notes_on_stderr(run, store_path, pages):
    r = run("clean", page(pages, EN), page(pages, ZH), "--store", store_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""  # text format while storing: data goes to the store, notes to stderr
    assert f"saved #1: {EN_TITLE}" in r.stderr
    assert f"saved #2: {ZH_TITLE}" in r.stderr
    assert "2 saved" in r.stderr
    assert store_path.exists()


def test_clean_jsonl_mixed_inputs_in_order(run, store_path, pages, tmp_path):
    (tmp_path / "blank.html").write_bytes(b"")
    inputs = [page(pages, EN), "missing.html", page(pages, EMPTY), str(tmp_path / "blank.html"), page(pages, ZH)]
    r = run("clean", *inputs, "--format", "jsonl", "--store", store_path)
    assert r.returncode == 1
    lines = jsonl(r.stdout)
    assert [d["input"] for d in lines] == inputs
    assert [d["status"] for d in lines] == ["saved", "failed", "no-content", "failed", "saved"]
    for d in lines:
        assert set(d) >= {"input", "status", "id", "url", "title", "error"}
    assert lines[0]["title"] == EN_TITLE and lines[0]["error"] is None and isinstance(lines[0]["id"], int)
    assert lines[1]["id"] is None and lines[1]["error"]
    # one stderr line per failed input, in the contract's shape, and nothing else in jsonl mode
    err = r.stderr.splitlines()
    assert len(err) == 3, r.stderr
    assert err[0].startswith("newsgrab: missing.html: ")
    assert err[1].startswith(f"newsgrab: {inputs[2]}: ")
    assert err[2].startswith(f"newsgrab: {inputs[3]}: ")
    # the good ones were still saved
    r2 = run("list", "--format", "jsonl", "--store", store_path)
    assert sorted(d["title"] for d in jsonl(r2.stdout)) == sorted([EN_TITLE, ZH_TITLE])


def test_clean_twice_gives_duplicate(run, store_path, pages):
    first = jsonl(run("clean", page(pages, EN), "-f", "jsonl", "--store", store_path).stdout)[0]
    r = run("clean", page(pages, EN), "-f", "jsonl", "--store", store_path)
    assert r.returncode == 0  # a duplicate counts as handled
    again = jsonl(r.stdout)[0]
    assert again["status"] == "duplicate"
    assert again["id"] == first["id"]
    assert len(jsonl(run("list", "-f", "jsonl", "--store", store_path).stdout)) == 1


def test_clean_stdin(run, store_path, pages):
    r = run("clean", "-", "-f", "jsonl", "--store", store_path, input=(pages / ZH).read_bytes())
    assert r.returncode == 0, r.stderr
    [d] = jsonl(r.stdout)
    assert d["input"] == "-" and d["status"] == "saved" and d["title"] == ZH_TITLE


def test_clean_folder_recursive_and_gz(run, store_path, pages, tmp_path):
    folder = tmp_path / "saved"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(pages / EN, folder / "a.html")
    (folder / "sub" / "b.html.gz").write_bytes(gzip.compress((pages / HANT).read_bytes()))
    r = run("clean", folder, "-f", "jsonl", "--store", store_path)
    assert r.returncode == 0, r.stderr
    lines = jsonl(r.stdout)
    assert [os.path.basename(d["input"]) for d in lines] == ["a.html", "b.html.gz"]
    assert [d["title"] for d in lines] == [EN_TITLE, HANT_TITLE]


def test_clean_no_store_prints_text_and_writes_nothing(run, store_path, pages):
    r = run("clean", page(pages, EN), "--no-store", "--store", store_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(EN_TITLE + "\n")
    assert "The harbour council voted on Tuesday night" in r.stdout
    assert "Copyright" not in r.stdout
    assert not store_path.exists()


def test_clean_no_store_jsonl_carries_the_article(run, store_path, pages):
    r = run("clean", page(pages, EN), page(pages, EMPTY), "--no-store", "-f", "jsonl", "--store", store_path)
    assert r.returncode == 1
    good, bad = jsonl(r.stdout)
    assert good["status"] == "printed" and good["id"] is None
    assert good["text"].startswith("The harbour council voted")
    assert good["authors"] == ["Mara Ellison"]
    assert bad["status"] == "no-content"
    assert not store_path.exists()


def test_clean_json_format(run, store_path, pages):
    r = run("clean", page(pages, EN), page(pages, ZH), "missing.html", "-f", "json", "--store", store_path)
    assert r.returncode == 1
    objs = json_objects(r.stdout)
    assert [o["title"] for o in objs] == [EN_TITLE, ZH_TITLE]  # one object per article, none for failures
    en = objs[0]
    assert en["id"] == 1
    assert en["published"] == "2024-03-05T09:30:00+00:00"
    assert datetime.fromisoformat(objs[1]["published"]).utcoffset().total_seconds() == 8 * 3600
    for key in ("url", "canonical_url", "title", "authors", "published", "site_name", "source", "language",
                "text", "markdown"):
        assert key in en


def test_clean_markdown_format(run, store_path, pages):
    r = run("clean", page(pages, EN), "-f", "markdown", "--store", store_path)
    assert r.returncode == 0
    assert r.stdout.startswith(f"# {EN_TITLE}\n\n")


def test_quiet_keeps_errors_only(run, store_path, pages):
    r = run("clean", page(pages, EN), "missing.html", "-q", "--store", store_path)
    assert r.returncode == 1
    assert r.stderr.splitlines() == ["newsgrab: missing.html: no such file"]


def test_many_inputs_through_the_pool_keep_order(run, store_path, pages, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    base = (pages / EN).read_text(encoding="utf-8")
    for i in range(12):
        html = base.replace("Harbour council", f"Harbour council {i:02d}").replace(
            "fish market", f"fish market number {i}").replace("/sea-wall", f"/sea-wall-{i}")
        (folder / f"p{i:02d}.html").write_text(html, encoding="utf-8")
    (folder / "p05.html").write_bytes((pages / EMPTY).read_bytes())
    r = run("clean", folder, "-f", "jsonl", "--workers", "2", "--store", store_path)
    assert r.returncode == 1, r.stderr
    lines = jsonl(r.stdout)
    assert [os.path.basename(d["input"]) for d in lines] == [f"p{i:02d}.html" for i in range(12)]
    assert [d["status"] for d in lines] == ["saved"] * 5 + ["no-content"] + ["saved"] * 6
    assert [d["title"] for d in lines if d["status"] == "saved"] == [
        f"Harbour council {i:02d} approves new sea wall" for i in range(12) if i != 5
    ]


# ------------------------------------------------------------------------------------------ store location
def test_store_flag_beats_env(run, tmp_path, pages):
    env_store, flag_store = tmp_path / "env.db", tmp_path / "flag.db"
    r = run("clean", page(pages, EN), "--store", flag_store, env={"NEWSGRAB_STORE": str(env_store)})
    assert r.returncode == 0, r.stderr
    assert flag_store.exists() and not env_store.exists()


def test_env_store_and_xdg_default(run, tmp_path, pages):
    env_store = tmp_path / "env.db"
    assert run("clean", page(pages, EN), env={"NEWSGRAB_STORE": str(env_store)}).returncode == 0
    assert env_store.exists()
    r = run("list", "-f", "jsonl", env={"NEWSGRAB_STORE": str(env_store)})
    assert [d["title"] for d in jsonl(r.stdout)] == [EN_TITLE]
    # neither: $XDG_DATA_HOME/newsgrab/newsgrab.db (the run fixture points XDG_DATA_HOME into tmp_path)
    assert run("clean", page(pages, ZH)).returncode == 0
    assert (tmp_path / "xdg" / "newsgrab" / "newsgrab.db").exists()


def test_store_option_before_the_command(run, store_path, pages):
    assert run("--store", store_path, "clean", page(pages, EN)).returncode == 0
    assert store_path.exists()


@pytest.mark.parametrize("command", [["list"], ["show", "1"], ["search", "x"], ["export"], ["reclean"]])
def test_not_sqlite_store_exits_3(run, tmp_path, command):
    bad = tmp_path / "bad.db"
    bad.write_text("this is a text file, not a database\n" * 10)
    r = run(*command, "--store", bad)
    assert r.returncode == 3, r.stderr
    assert r.stdout == ""
    assert r.stderr.splitlines() == [f"newsgrab: store {bad}: {NOT_SQLITE} (not an SQLite database)"]


def test_clean_into_bad_store_exits_3_and_writes_nothing(run, tmp_path, pages):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 100)
    before = bad.read_bytes()
    r = run("clean", page(pages, EN), "-f", "jsonl", "--store", bad)
    assert r.returncode == 3
    assert r.stdout == ""
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith(f"newsgrab: store {bad}: ")
    assert bad.read_bytes() == before


def test_read_commands_do_not_create_a_store(run, store_path):
    assert run("list", "--store", store_path).returncode == 0
    assert run("export", "--store", store_path).stdout == ""
    assert not store_path.exists()


# ------------------------------------------------------------------------------------------ list / show / search
@pytest.fixture
def filled(run, store_path, pages):
    r = run("clean", page(pages, EN), page(pages, ZH), page(pages, HANT), "--store", store_path)
    assert r.returncode == 0, r.stderr
    return store_path


def test_list_text_and_limit(run, filled):
    r = run("list", "--store", filled)
    assert r.returncode == 0
    rows = [line.split("\t") for line in r.stdout.splitlines()]
    assert [row[0] for row in rows] == ["3", "2", "1"]  # newest first
    assert rows[2][1:] == ["2024-03-05", EN_TITLE, "https://ledger.example/2024/03/sea-wall"]
    assert len(run("list", "--limit", "2", "--store", filled).stdout.splitlines()) == 2
    assert len(run("list", "--limit", "0", "--store", filled).stdout.splitlines()) == 3


def test_list_json_jsonl_markdown(run, filled):
    objs = json_objects(run("list", "-f", "json", "--store", filled).stdout)
    assert [o["id"] for o in objs] == [3, 2, 1]
    lines = jsonl(run("list", "-f", "jsonl", "--store", filled).stdout)
    assert lines == objs
    md = run("list", "-f", "markdown", "--store", filled).stdout
    assert f"- [{EN_TITLE}](https://ledger.example/2024/03/sea-wall) — 2024-03-05 · #1" in md


def test_show_by_id_and_url(run, filled):
    r = run("show", "1", "--store", filled)
    assert r.returncode == 0
    assert r.stdout.splitlines()[:3] == [
        f"{EN_TITLE}  [#1]",
        "https://ledger.example/2024/03/sea-wall",
        "2024-03-05T09:30:00+00:00 · Mara Ellison · The Coastal Ledger · en",
    ]
    by_url = run("show", "https://ledger.example/2024/03/sea-wall", "-f", "json", "--store", filled)
    assert by_url.returncode == 0
    [obj] = json_objects(by_url.stdout)
    assert obj["id"] == 1 and obj["title"] == EN_TITLE
    md = run("show", "2", "-f", "markdown", "--store", filled).stdout
    assert md.startswith(f"# {ZH_TITLE}\n\n市政府昨天公布")
    [line] = jsonl(run("show", "3", "-f", "jsonl", "--store", filled).stdout)
    assert line["title"] == HANT_TITLE


def test_show_missing_exits_1(run, filled):
    r = run("show", "99", "--store", filled)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == "newsgrab: 99: not in the store\n"


@pytest.mark.parametrize("query,title", [("政府", ZH_TITLE), ("華為", HANT_TITLE), ("sea wall", EN_TITLE)])
def test_search_cjk_and_english(run, filled, query, title):
    r = run("search", query, "-f", "jsonl", "--store", filled)
    assert r.returncode == 0, r.stderr
    assert [d["title"] for d in jsonl(r.stdout)] == [title]
    text = run("search", query, "--store", filled).stdout
    assert title in text


def test_search_nothing_found(run, filled):
    r = run("search", "zebra", "--store", filled)
    assert r.returncode == 0 and r.stdout == ""


# ------------------------------------------------------------------------------------------ export
def test_export_jsonl_default(run, filled):
    r = run("export", "--store", filled)
    assert r.returncode == 0
    lines = jsonl(r.stdout)
    assert [d["id"] for d in lines] == [1, 2, 3]
    assert lines[0]["text"].startswith("The harbour council")
    assert r.stderr == ""


def test_export_csv_stdout_and_out_dir(run, filled, tmp_path):
    r = run("export", "-f", "csv", "--store", filled)
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    assert [row["title"] for row in rows] == [EN_TITLE, ZH_TITLE, HANT_TITLE]
    assert rows[0]["authors"] == "Mara Ellison"
    out = tmp_path / "exp"
    r = run("export", "-f", "csv", "--out", out, "--store", filled)
    assert r.returncode == 0 and r.stdout == ""
    with open(out / "articles.csv", encoding="utf-8", newline="") as f:
        assert len(list(csv.DictReader(f))) == 3
    assert "exported 3 articles" in r.stderr


def test_export_markdown_files(run, filled, tmp_path):
    out = tmp_path / "md"
    r = run("export", "-f", "markdown", "--out", out, "--store", filled)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["1-harbour-council-approves-new-sea-wall.md", f"2-{ZH_TITLE}.md", f"3-{HANT_TITLE}.md"]
    text = (out / names[0]).read_text(encoding="utf-8")
    assert text.startswith('---\nid: 1\ntitle: "Harbour council approves new sea wall"\n')
    assert 'authors:\n  - "Mara Ellison"\n' in text
    assert f"---\n\n# {EN_TITLE}\n\nThe harbour council" in text


def test_export_hostile_titles(run, store_path, tmp_path):
    long_title = "很长的标题" * 60
    ids = add_articles(
        store_path,
        Article(title="../../etc/passwd", text="one body of text"),
        Article(title="CON", text="two body of text"),
        Article(title=long_title, text="three body of text"),
        Article(title="=HYPERLINK(\"http://evil\",\"x\")", authors=["@a", "b"], text="-1+1"),
    )
    out = tmp_path / "md"
    r = run("export", "-f", "markdown", "--out", out, "--store", store_path)
    assert r.returncode == 0, r.stderr
    files = sorted(out.iterdir())
    assert len(files) == 4
    assert all(f.parent == out for f in files)
    assert not (tmp_path / "etc").exists()
    names = {f.name for f in files}
    assert f"{ids[0]}-etc-passwd.md" in names
    assert f"{ids[1]}-_con.md" in names  # a Windows device name never stands alone
    long_name = next(n for n in names if n.startswith(f"{ids[2]}-"))
    assert len(long_name.encode("utf-8")) < 200
    csv_text = run("export", "-f", "csv", "--store", store_path).stdout
    row = list(csv.DictReader(io.StringIO(csv_text, newline="")))[3]
    assert row["title"] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert row["authors"] == "'@a; b"
    assert row["text"] == "'-1+1"


# ------------------------------------------------------------------------------------------ reclean
def test_reclean_all_and_missing(run, filled):
    r = run("reclean", "--store", filled)
    assert r.returncode == 0, r.stderr
    assert "updated #1" in r.stderr and "3 updated" in r.stderr
    r = run("reclean", "2", "99", "-f", "jsonl", "--store", filled)
    assert r.returncode == 1
    lines = jsonl(r.stdout)
    assert [(d["input"], d["status"]) for d in lines] == [("2", "saved"), ("99", "failed")]
    assert lines[0]["title"] == ZH_TITLE
    assert r.stderr == "newsgrab: 99: not in the store\n"
    # still the same three articles, still searchable
    assert [d["title"] for d in jsonl(run("search", "政府", "-f", "jsonl", "--store", filled).stdout)] == [ZH_TITLE]


# ------------------------------------------------------------------------------------------ terminal safety
DANGEROUS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_evil_page_is_neutralised_on_stdout_and_stderr(run, store_path, pages):
    r = run("clean", page(pages, EVIL), "-v", "--store", store_path)
    assert r.returncode == 0, r.stderr
    assert "[link=http://x]y[/link]" in r.stderr  # literal: rich did not take it as markup
    assert not DANGEROUS.search(r.stderr), repr(r.stderr)
    for args in (["list"], ["show", "1"], ["search", "hostile"], ["show", "1", "-f", "markdown"],
                 ["list", "-f", "markdown"]):
        out = run(*args, "--store", store_path)
        assert out.returncode == 0
        literal = "[link=http://x]y[/link]" if args[-1] != "markdown" else r"\[link=http://x\]y\[/link\]"
        assert literal in out.stdout or args[0] == "show" and ("[bold]markup" in out.stdout or r"\[bold\]markup" in out.stdout)
        assert not DANGEROUS.search(out.stdout), (args, repr(out.stdout))
        assert "http://evil" not in out.stdout  # the OSC 8 target is gone with its sequence
    # JSON keeps the data, escaped
    [obj] = json_objects(run("show", "1", "-f", "json", "--store", store_path).stdout)
    assert "\x1b]8;;http://evil" in obj["title"]
    raw = run("show", "1", "-f", "jsonl", "--store", store_path).stdout
    assert not DANGEROUS.search(raw)


def test_cr_and_newline_in_titles_cannot_forge_lines(run, store_path):
    add_articles(store_path, Article(title="Real\rnewsgrab: FAKE\nsecond", text="body text here"))
    r = run("list", "--store", store_path)
    assert "\r" not in r.stdout
    assert len(r.stdout.splitlines()) == 1
    assert "Real newsgrab: FAKE second" in r.stdout


def test_progress_bar_on_a_terminal_keeps_page_text_literal(tmp_path, store_path, pages):
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsgrab", "clean", page(pages, EVIL), page(pages, EN), "--store", str(store_path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave, env=cli_env(tmp_path),
        )
        os.close(slave)
        slave = None
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    err = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, err
    assert "[link=http://x]y[/link]" in err
    assert "http://evil" not in err
    assert "\x1b]8;" not in err  # no hyperlink sequence at all
    assert EN_TITLE in err


@given(st.text())
def test_safe_terminal_text_never_leaves_controls(s):
    out = safe_terminal_text(s)
    assert not DANGEROUS.search(out)
    assert "\x1b" not in out and "\r" not in out
    one = safe_line(s)
    assert "\n" not in one and "\t" not in one


def test_safe_terminal_text_examples():
    assert safe_terminal_text("a\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\b") == "alinkb"
    assert safe_terminal_text("x\x1b]0;title\x07y") == "xy"
    assert safe_terminal_text("\x1b[31mred\x1b[0m") == "red"
    assert safe_terminal_text("a\rb\r\nc") == "a\nb\nc"
    assert safe_terminal_text("\u202eevil\u2066") == "evil"
    assert safe_terminal_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert safe_terminal_text("\x9b31mC1\x9d0;t\x9c") == "C1"
    assert safe_terminal_text("中文 [link=x]y[/link]") == "中文 [link=x]y[/link]"
    assert safe_terminal_text("bad\udcffname") == "bad\\xffname"
    assert safe_line("  a \n b\t c  ") == "a b c"


def test_reporter_error_line_shape():
    buf = io.StringIO()
    rep = Reporter(quiet=True, stream=buf)
    rep.error("in\x1b[2Jput\nx", "reason\rfake")
    rep.note("hidden by quiet")
    assert buf.getvalue() == "newsgrab: input x: reason fake\n"


# ------------------------------------------------------------------------------------------ fetch

@pytest.fixture
def site(http_server, pages):
    srv = http_server
    srv.route("/en", Reply(body=(pages / EN).read_bytes()))
    # GBK bytes labelled UTF-8 by the server: the label must not be trusted
    srv.route("/gbk", Reply(body=(pages / ZH).read_text(encoding="utf-8").encode("gbk"),
                            content_type="text/html; charset=utf-8"))
    # Big5 with no label at all, neither header nor meta
    srv.route("/big5", Reply(body=(pages / HANT).read_text(encoding="utf-8").encode("big5"),
                             content_type="text/html"))
    srv.route("/moved", redirect("/en"))
    srv.route("/slow", Reply(body=(pages / EN).read_bytes(), delay=5))
    return srv


@pytest.fixture
def http_server():
    from httpserver import ScriptedServer

    with ScriptedServer() as server:
        yield server


def test_fetch_charsets_redirect_and_404(run, store_path, site):
    urls = [site.url("/gbk"), site.url("/big5"), site.url("/moved"), site.url("/missing")]
    r = run("fetch", *urls, "-f", "jsonl", "--store", store_path)
    assert r.returncode == 1
    lines = jsonl(r.stdout)
    assert [d["input"] for d in lines] == urls
    assert [d["status"] for d in lines] == ["saved", "saved", "saved", "failed"]
    assert [d["title"] for d in lines[:3]] == [ZH_TITLE, HANT_TITLE, EN_TITLE]
    assert lines[2]["url"] == site.url("/en")  # the final URL after the redirect
    assert "404" in lines[3]["error"]
    assert r.stderr.splitlines() == [f"newsgrab: {urls[3]}: {lines[3]['error']}"]
    found = jsonl(run("search", "政府", "-f", "jsonl", "--store", store_path).stdout)
    assert [d["title"] for d in found] == [ZH_TITLE]


def test_fetch_skips_stored_urls_unless_refresh(run, store_path, site):
    url = site.url("/en")
    assert run("fetch", url, "--store", store_path).returncode == 0
    assert site.hits("/en") == 1
    r = run("fetch", url, "-f", "jsonl", "--store", store_path)
    assert r.returncode == 0
    [d] = jsonl(r.stdout)
    assert d["status"] == "duplicate" and d["id"] == 1 and d["title"] == EN_TITLE
    assert site.hits("/en") == 1  # not requested again
    r = run("fetch", url, "--refresh", "-f", "jsonl", "--store", store_path)
    assert r.returncode == 0
    assert site.hits("/en") == 2
    assert jsonl(r.stdout)[0]["id"] == 1


def test_fetch_from_file_and_stdin(run, store_path, site, tmp_path):
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# my list\n\n{site.url('/en')}\n{site.url('/big5')}  # trad\n", encoding="utf-8")
    r = run("fetch", "--from", listing, "-f", "jsonl", "--no-store")
    assert [d["title"] for d in jsonl(r.stdout)] == [EN_TITLE, HANT_TITLE]
    r = run("fetch", "--from", "-", "-f", "jsonl", "--no-store", input=site.url("/gbk") + "\n")
    assert [d["title"] for d in jsonl(r.stdout)] == [ZH_TITLE]


def test_fetch_no_store_text_prints_article(run, store_path, site):
    r = run("fetch", site.url("/en"), "--no-store", "--store", store_path)
    assert r.returncode == 0
    assert r.stdout.startswith(EN_TITLE + "\n")
    assert not store_path.exists()


def test_fetch_slow_server_times_out(run, store_path, site):
    t = time.monotonic()
    r = run("fetch", site.url("/slow"), site.url("/en"), "--timeout", "1", "-f", "jsonl", "--store", store_path)
    elapsed = time.monotonic() - t
    assert r.returncode == 1
    slow, fast = jsonl(r.stdout)
    assert slow["status"] == "failed" and fast["status"] == "saved"
    assert elapsed < 15
    assert r.stderr.startswith(f"newsgrab: {site.url('/slow')}: ")
    assert "Traceback" not in r.stderr


def test_fetch_bad_url_is_one_failed_input(run, store_path, site):
    r = run("fetch", "not a url", site.url("/en"), "-f", "jsonl", "--store", store_path)
    assert r.returncode == 1
    assert [d["status"] for d in jsonl(r.stdout)] == ["failed", "saved"]
