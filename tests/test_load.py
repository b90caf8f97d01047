"""newsgrab.load: real files, folders, FIFOs, symlinks and gzip under tmp_path (no mocks)."""

from __future__ import annotations

import gzip
import io
import itertools
import os
import socket
from pathlib import Path

import pytest

from newsgrab.errors import LoadError
from newsgrab.load import LoadResult, display_path, iter_inputs

HTML = b"<html><body><p>hello</p></body></html>"


def _write(path: Path, data: bytes = HTML) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _summary(results: list[LoadResult]) -> list[tuple[str, str]]:
    """(input, "ok" or the error message) per result."""
    return [(r.input, "ok" if r.page else str(r.error)) for r in results]


def test_files_are_read_in_input_order(tmp_path):
    b = _write(tmp_path / "b.html", b"<p>b</p>")
    a = _write(tmp_path / "a.html", b"<p>a</p>")
    results = list(iter_inputs([str(b), str(a)]))
    assert [r.input for r in results] == [str(b), str(a)]
    assert [r.page.data for r in results] == [b"<p>b</p>", b"<p>a</p>"]
    page = results[0].page
    assert page.input == str(b) and page.url is None and page.content_type is None
    assert results[0].error is None


def test_folder_is_walked_recursively_in_sorted_order(tmp_path):
    root = tmp_path / "site"
    for rel in ["b.html", "a.html", "sub/z.html", "sub/deeper/y.html", "c/x.htm", "a2.html"]:
        _write(root / rel, rel.encode())
    results = list(iter_inputs([str(root)]))
    rels = [os.path.relpath(r.input, root) for r in results]
    assert rels == ["a.html", "a2.html", "b.html", "c/x.htm", "sub/deeper/y.html", "sub/z.html"]
    assert all(r.page.data == rel.encode() for r, rel in zip(results, rels))


def test_hidden_files_and_folders_are_skipped_in_folders_but_read_when_named(tmp_path):
    root = tmp_path / "site"
    _write(root / "page.html")
    hidden = _write(root / ".hidden.html")
    _write(root / ".git" / "HEAD.html")
    _write(root / "sub" / ".DS_Store")
    assert [os.path.basename(r.input) for r in iter_inputs([str(root)])] == ["page.html"]
    (result,) = iter_inputs([str(hidden)])
    assert result.page is not None and result.page.data == HTML


def test_hidden_folder_named_explicitly_is_walked(tmp_path):
    _write(tmp_path / ".cache" / "page.html")
    assert [os.path.basename(r.input) for r in iter_inputs([str(tmp_path / ".cache")])] == ["page.html"]


def test_symlink_loop_terminates_and_each_folder_is_read_once(tmp_path):
    root = tmp_path / "site"
    _write(root / "a" / "page.html")
    os.symlink("..", root / "a" / "up")  # a/up -> site: a loop
    os.symlink(root / "a", root / "b")  # b -> a: a second way into a
    os.symlink(root / "a" / "page.html", root / "link.html")  # a symlink to a file is read
    results = list(itertools.islice(iter_inputs([str(root)]), 50))  # islice: a regression fails, not hangs
    assert [os.path.relpath(r.input, root) for r in results] == ["a/page.html", "link.html"]
    assert all(r.page is not None for r in results)


def test_dangling_symlink_in_folder_is_skipped_but_an_error_when_named(tmp_path):
    root = tmp_path / "site"
    _write(root / "ok.html")
    os.symlink(root / "missing.html", root / "dangling.html")
    assert [os.path.basename(r.input) for r in iter_inputs([str(root)])] == ["ok.html"]
    assert _summary(list(iter_inputs([str(root / "dangling.html")]))) == [(str(root / "dangling.html"), "no such file")]


def test_fifo_is_skipped_in_a_folder_and_an_error_when_named(tmp_path):
    root = tmp_path / "site"
    _write(root / "a.html")
    os.mkfifo(root / "b.fifo")  # opening it for reading would block: it must never be opened
    _write(root / "c.html")
    assert [os.path.basename(r.input) for r in iter_inputs([str(root)])] == ["a.html", "c.html"]
    fifo = str(root / "b.fifo")
    assert _summary(list(iter_inputs([fifo, str(root / "c.html")]))) == [
        (fifo, "not a regular file"), (str(root / "c.html"), "ok")]


def test_socket_and_device(tmp_path):
    sock_path = tmp_path / "site" / "s.sock"
    sock_path.parent.mkdir()
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(sock_path))
        assert list(iter_inputs([str(sock_path.parent)])) == []
        assert _summary(list(iter_inputs([str(sock_path)]))) == [(str(sock_path), "not a regular file")]
    assert _summary(list(iter_inputs(["/dev/null"]))) == [("/dev/null", "not a regular file")]


def test_empty_file_and_empty_folder(tmp_path):
    empty = _write(tmp_path / "empty.html", b"")
    (tmp_path / "nothing").mkdir()
    assert _summary(list(iter_inputs([str(empty), str(tmp_path / "nothing")]))) == [(str(empty), "empty file")]


def test_missing_file_does_not_stop_the_batch(tmp_path):
    ok = _write(tmp_path / "ok.html")
    missing = str(tmp_path / "nope.html")
    not_dir = str(ok / "child.html")  # a path under a file
    results = list(iter_inputs([missing, str(ok), not_dir]))
    assert _summary(results) == [(missing, "no such file"), (str(ok), "ok"), (not_dir, "no such file")]
    assert isinstance(results[0].error, LoadError)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_and_folder(tmp_path):
    secret = _write(tmp_path / "secret.html")
    secret.chmod(0)
    locked = tmp_path / "site" / "locked"
    _write(locked / "x.html")
    _write(tmp_path / "site" / "z.html")
    locked.chmod(0)
    try:
        assert _summary(list(iter_inputs([str(secret)]))) == [(str(secret), "permission denied")]
        assert _summary(list(iter_inputs([str(tmp_path / "site")]))) == [
            (str(locked), "permission denied"), (str(tmp_path / "site" / "z.html"), "ok")]
    finally:
        locked.chmod(0o755)


def test_gzip_file_is_decompressed(tmp_path):
    gz = _write(tmp_path / "page.html.gz", gzip.compress(HTML))
    (result,) = iter_inputs([str(gz)])
    assert result.page.data == HTML and result.page.input == str(gz)


def test_gzip_recognised_by_content_and_multi_member(tmp_path):
    two = _write(tmp_path / "page.html", gzip.compress(b"<p>one</p>") + gzip.compress(b"<p>two</p>"))
    (result,) = iter_inputs([str(two)])
    assert result.page.data == b"<p>one</p><p>two</p>"


def test_gz_name_without_gzip_content_is_read_as_is(tmp_path):
    plain = _write(tmp_path / "page.html.gz", HTML)
    assert next(iter_inputs([str(plain)])).page.data == HTML


def test_truncated_and_corrupt_gzip(tmp_path):
    data = gzip.compress(os.urandom(5000))  # incompressible, so the cut lands inside the deflate stream
    cut = _write(tmp_path / "cut.html.gz", data[: len(data) // 2])
    bad = _write(tmp_path / "bad.html.gz", data[:10] + b"\xff" * 200)
    ok = _write(tmp_path / "ok.html")
    assert _summary(list(iter_inputs([str(cut), str(bad), str(ok)]))) == [
        (str(cut), "truncated gzip"), (str(bad), "corrupt gzip"), (str(ok), "ok")]


def test_gzip_decompressed_size_is_capped(tmp_path):
    bomb = _write(tmp_path / "bomb.html.gz", gzip.compress(b"<p>" + b"a" * 5_000_000))
    assert _summary(list(iter_inputs([str(bomb)], max_bytes=1024 * 1024))) == [
        (str(bomb), "larger than 1 MiB once decompressed")]
    assert len(next(iter_inputs([str(bomb)], max_bytes=6_000_000)).page.data) == 5_000_003


def test_size_cap(tmp_path):
    big = _write(tmp_path / "big.html", b"x" * 2049)
    exact = _write(tmp_path / "exact.html", b"x" * 2048)
    assert _summary(list(iter_inputs([str(big), str(exact)], max_bytes=2048))) == [
        (str(big), "larger than 2 KiB"), (str(exact), "ok")]
    assert str(next(iter_inputs([str(big)], max_bytes=1000)).error) == "larger than 1000 bytes"


def test_default_cap_is_50_mib(tmp_path):
    big = tmp_path / "big.html"
    with open(big, "wb") as f:
        f.truncate(50 * 1024 * 1024 + 1)  # sparse: costs no disk
    assert _summary(list(iter_inputs([str(big)]))) == [(str(big), "larger than 50 MiB")]


def test_stdin(tmp_path):
    ok = _write(tmp_path / "a.html")
    results = list(iter_inputs([str(ok), "-"], stdin=io.BytesIO(b"<p>from stdin</p>")))
    assert _summary(results) == [(str(ok), "ok"), ("-", "ok")]
    assert results[1].page.data == b"<p>from stdin</p>" and results[1].page.input == "-"


def test_stdin_empty_gzipped_and_too_large():
    assert _summary(list(iter_inputs(["-"], stdin=io.BytesIO(b"")))) == [("-", "empty input")]
    assert next(iter_inputs(["-"], stdin=io.BytesIO(gzip.compress(HTML)))).page.data == HTML
    assert _summary(list(iter_inputs(["-"], stdin=io.BytesIO(b"x" * 3000), max_bytes=2048))) == [
        ("-", "larger than 2 KiB")]


def test_stdin_from_a_real_pipe():
    r, w = os.pipe()
    os.write(w, HTML)
    os.close(w)
    with os.fdopen(r, "rb") as stream:
        assert next(iter_inputs(["-"], stdin=stream)).page.data == HTML


def test_non_utf8_file_name(tmp_path):
    name = os.fsencode(tmp_path) + b"/caf\xe9-\xff.html"
    fd = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644)
    os.write(fd, HTML)
    os.close(fd)
    for given in (os.fsdecode(name), name):  # as argv gives it (surrogate escapes), and as bytes
        (result,) = iter_inputs([given])
        assert result.page.data == HTML
        assert result.input == os.fsdecode(name)
    (result,) = iter_inputs([str(tmp_path)])  # found in a folder walk
    assert result.page.data == HTML
    shown = display_path(result.input)
    assert shown.endswith("/caf\\xe9-\\xff.html")
    shown.encode("utf-8")  # safe to print or store


def test_display_path():
    assert display_path("plain/路径.html") == "plain/路径.html"
    assert display_path("a\nb\tc") == "a\\x0ab\\x09c"
    assert display_path("x\udcffy") == "x\\xffy"
    assert display_path("\x1b[31mred") == "\\x1b[31mred"
    assert display_path("lone\ud800") == "lone\\xed\\xa0\\x80"


def test_saved_from_url_comment(tmp_path):
    url = "https://www.example.com/news/2024/story.html"
    saved = f"<!DOCTYPE html>\r\n<!-- saved from url=({len(url):04d}){url} -->\r\n<html></html>".encode()
    page = next(iter_inputs([str(_write(tmp_path / "s.html", saved))])).page
    assert page.url == url
    no_space = f"<!-- saved from url=({len(url):04d}){url}-->".encode()
    assert next(iter_inputs([str(_write(tmp_path / "n.html", no_space))])).page.url == url
    late = b"x" * 2000 + saved  # only the first KiB is looked at
    assert next(iter_inputs([str(_write(tmp_path / "l.html", late))])).page.url is None
    dash = "https://example.com/tag/a-"  # ends in "-" and "-->" follows at once: the length tells them apart
    tight = f"<!-- saved from url=({len(dash):04d}){dash}-->".encode()
    assert next(iter_inputs([str(_write(tmp_path / "d.html", tight))])).page.url == dash
    about = b"<!-- saved from url=(0014)about:internet -->"
    assert next(iter_inputs([str(_write(tmp_path / "a.html", about))])).page.url is None


def test_lazy_a_file_deleted_before_its_turn(tmp_path):
    root = tmp_path / "site"
    for name in ("a.html", "b.html", "c.html"):
        _write(root / name)
    it = iter_inputs([str(root)])
    first = next(it)
    assert first.page is not None
    (root / "b.html").unlink()  # the folder was already listed
    assert _summary(list(it)) == [(str(root / "b.html"), "no such file"), (str(root / "c.html"), "ok")]


def test_lazy_inputs_are_read_when_their_turn_comes(tmp_path):
    first = _write(tmp_path / "first.html")
    later = tmp_path / "later.html"
    it = iter_inputs(iter([str(first), str(later)]))
    assert next(it).page is not None
    _write(later, b"<p>made after the start</p>")
    assert next(it).page.data == b"<p>made after the start</p>"


def test_a_single_path_string_is_one_input(tmp_path):
    page = _write(tmp_path / "page.html")
    assert _summary(list(iter_inputs(str(page)))) == [(str(page), "ok")]
