"""Hostile files through ``newsgrab clean`` (real subprocesses): every case ends quickly with the contract's exit
code, one ``newsgrab: INPUT: reason`` line per failed input, and no traceback. test_load.py covers load.py's API.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import cli_env, jsonl

ARTICLE = (
    "<html><head><title>Harbour wall approved</title></head><body><article>"
    + "".join(f"<p>Paragraph {k}: the harbour council said on Monday that the sea wall will be built by May, "
              "and residents welcomed it.</p>" for k in range(5))
    + "</article></body></html>"
).encode()


def clean(tmp_path: Path, *args, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "newsgrab", "clean", "--store", str(tmp_path / "s.db"), *map(os.fsdecode, args)],
        capture_output=True, env=cli_env(tmp_path), cwd=tmp_path, timeout=timeout, **kw,
    )
    proc.elapsed = time.monotonic() - started
    proc.out = proc.stdout.decode("utf-8")
    proc.err = proc.stderr.decode("utf-8", "backslashreplace")
    assert "Traceback" not in proc.err and "internal error" not in proc.err, proc.err
    return proc


def error_lines(proc) -> list[str]:
    return [line for line in proc.err.splitlines() if line.startswith("newsgrab: ")]


def test_empty_and_binary_files_named_html(tmp_path):
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "binary.html").write_bytes(os.urandom(50_000))
    (tmp_path / "zeros.html").write_bytes(bytes(100_000))
    (tmp_path / "png.html").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(1000))
    (tmp_path / "good.html").write_bytes(ARTICLE)
    names = ["empty.html", "binary.html", "zeros.html", "png.html", "good.html"]
    proc = clean(tmp_path, "--format", "jsonl", *[tmp_path / n for n in names])
    assert proc.returncode == 1
    lines = jsonl(proc.out)
    assert [Path(x["input"]).name for x in lines] == names
    assert [x["status"] for x in lines][-1] == "saved"
    assert {x["status"] for x in lines[:-1]} <= {"failed", "no-content"}
    assert lines[0]["error"] == "empty file"
    assert len(error_lines(proc)) == 4
    assert all(line.count(": ") >= 2 for line in error_lines(proc))


def test_symlink_loops_fifos_and_devices(tmp_path):
    top = tmp_path / "top"
    (top / "a" / "b").mkdir(parents=True)
    (top / "a" / "b" / "page.html").write_bytes(ARTICLE)
    os.symlink(top, top / "a" / "b" / "loop")  # back up the tree
    os.symlink(top / "a", top / "a" / "self")
    os.symlink(top / "missing", top / "dangling")
    os.mkfifo(top / "fifo.html")
    os.symlink("/dev/zero", top / "zero.html")
    proc = clean(tmp_path, "--format", "jsonl", top, timeout=30)
    assert proc.elapsed < 20
    lines = jsonl(proc.out)
    # one page, read once; FIFOs, devices, dangling links in a folder are skipped, not read
    assert [x["status"] for x in lines] == ["saved"], proc.err
    assert proc.returncode == 0

    # named explicitly, each is one failed input; nothing blocks on the FIFO or reads /dev/zero forever
    proc = clean(tmp_path, "--format", "jsonl", top / "fifo.html", "/dev/zero", "/dev/null", top / "dangling",
                 top / "zero.html", timeout=30)
    assert proc.returncode == 1
    lines = jsonl(proc.out)
    assert [x["status"] for x in lines] == ["failed"] * 5
    assert [x["error"] for x in lines] == ["not a regular file"] * 3 + ["no such file", "not a regular file"]
    assert len(error_lines(proc)) == 5


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_and_folder(tmp_path):
    (tmp_path / "secret.html").write_bytes(ARTICLE)
    (tmp_path / "secret.html").chmod(0)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked").chmod(0)
    try:
        proc = clean(tmp_path, "--format", "jsonl", tmp_path / "secret.html", tmp_path / "locked")
    finally:
        (tmp_path / "secret.html").chmod(0o644)
        (tmp_path / "locked").chmod(0o755)
    assert proc.returncode == 1
    assert [x["error"] for x in jsonl(proc.out)] == ["permission denied", "permission denied"]


def test_files_vanishing_mid_run(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    n = 150
    for i in range(n):  # pages big enough that extraction, not reading, sets the pace
        (folder / f"{i:03d}.html").write_bytes(ARTICLE.replace(b"Paragraph", f"Story {i} paragraph".encode()) * 30)
    errfile = open(tmp_path / "stderr", "w+b")  # (communicate() after readline() would lose buffered output)
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsgrab", "clean", "--store", str(tmp_path / "s.db"), "--format", "jsonl",
         "--workers", "1", str(folder)],
        stdout=subprocess.PIPE, stderr=errfile, env=cli_env(tmp_path), cwd=tmp_path,
    )
    first = proc.stdout.readline()  # the run has started and listed the folder
    assert first
    vanished = {f"{i:03d}.html" for i in range(90, n, 2)}
    for name in vanished:
        (folder / name).unlink()
    (folder / "149.html").write_bytes(b"")  # and one is truncated under our feet (if not read yet)
    rest = proc.stdout.read()
    proc.wait(timeout=60)
    errfile.seek(0)
    err = errfile.read().decode("utf-8")
    errfile.close()
    assert "Traceback" not in err
    out = (first + rest).decode("utf-8")
    assert all(line.startswith("{") for line in out.splitlines()), out[:2000]
    lines = jsonl(out)
    assert proc.returncode == 1
    assert len(lines) == n  # every listed file has its line, in order
    assert [Path(x["input"]).name for x in lines] == [f"{i:03d}.html" for i in range(n)]
    for x in lines:
        name = Path(x["input"]).name
        if x["status"] == "failed":
            assert name in vanished or name == "149.html"
            assert x["error"] in ("no such file", "empty file")
        else:
            assert x["status"] == "saved"
    gone = [x for x in lines if x["status"] == "failed"]
    assert gone and len([line for line in err.splitlines() if line.startswith("newsgrab: ")]) == len(gone)


def test_non_utf8_file_names_are_printed_escaped(tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    good = os.fsencode(folder) + b"/caf\xe9-\xff.html"
    bad = os.fsencode(folder) + b"/\x1b]8;;evil\x07link\x1b]8;;\x07-\xfe.html"
    with open(good, "wb") as f:
        f.write(ARTICLE)
    with open(bad, "wb") as f:
        f.write(b"")
    proc = clean(tmp_path, folder)
    assert proc.returncode == 1
    [line] = error_lines(proc)
    assert "\\xfe.html: empty file" in line
    assert "\x1b" not in proc.stderr.decode("utf-8", "surrogateescape")
    assert "\x07" not in line
    # the saved one is noted with its name escaped, stdout stays clean
    assert "caf\\xe9-\\xff.html" in proc.err
    assert b"\xff" not in proc.stderr and b"\xe9" not in proc.stderr
    proc = clean(tmp_path, "--format", "jsonl", "--no-store", folder)
    for x in jsonl(proc.out):
        x["input"].encode("utf-8")  # valid JSON text, no lone surrogates


def test_truncated_corrupt_and_bomb_gz(tmp_path):
    whole = gzip.compress(ARTICLE)
    (tmp_path / "cut.html.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "header-only.gz").write_bytes(whole[:10])
    (tmp_path / "corrupt.gz").write_bytes(whole[:12] + b"\xff" * 40 + whole[52:])
    (tmp_path / "bomb.gz").write_bytes(gzip.compress(bytes(200 * 1024 * 1024), compresslevel=1))
    (tmp_path / "ok.gz").write_bytes(whole)
    names = ["cut.html.gz", "header-only.gz", "corrupt.gz", "bomb.gz", "ok.gz"]
    proc = clean(tmp_path, "--format", "jsonl", *[tmp_path / n for n in names])
    assert proc.returncode == 1
    lines = jsonl(proc.out)
    assert [x["status"] for x in lines] == ["failed"] * 4 + ["saved"]
    assert lines[0]["error"] == "truncated gzip" and lines[1]["error"] == "truncated gzip"
    assert lines[2]["error"] == "corrupt gzip"
    assert lines[3]["error"] == "larger than 50 MiB once decompressed"
    assert len(error_lines(proc)) == 4


def test_stdin_binary_and_empty(tmp_path):
    proc = clean(tmp_path, "--format", "jsonl", "-", input=os.urandom(10_000))
    assert proc.returncode == 1 and jsonl(proc.out)[0]["status"] in ("failed", "no-content")
    proc = clean(tmp_path, "-", input=b"")
    assert proc.returncode == 1 and error_lines(proc) == ["newsgrab: -: empty input"]
