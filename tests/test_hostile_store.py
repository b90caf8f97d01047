"""The store under faults, through the real command line: kill -9 mid-batch, disk full, a second writer, corrupt
and foreign files, a newer schema, a migration killed half-way. Nothing is lost, nothing half-written, exit 3
whenever the store cannot be used. test_store.py has the API-level cases.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import cli_env, jsonl

from newsgrab.store import SCHEMA_VERSION, Store

KILLS = int(os.environ.get("NEWSGRAB_HOSTILE_KILLS", "15"))
PAGES = 120


def make_pages(folder: Path, n: int, prefix: str = "p") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        body = "".join(
            f"<p>Report {prefix}{i}, part {k}: the council of town number {i} voted on the budget for the "
            f"year, and {i * 7 + k} residents came to the meeting to hear it.</p>" for k in range(4)
        )
        f = folder / f"{prefix}{i:04d}.html"
        f.write_text(f"<html><head><title>Town {prefix}{i} budget</title></head><body><article>{body}</article>"
                     "</body></html>", encoding="utf-8")
        files.append(f)
    return files


def newsgrab(tmp_path: Path, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "newsgrab", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=cli_env(tmp_path), cwd=tmp_path, **kw,
    )


def run(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "newsgrab", *args], capture_output=True, env=cli_env(tmp_path),
                          cwd=tmp_path, timeout=timeout)
    proc.out, proc.err = proc.stdout.decode(), proc.stderr.decode()
    assert "Traceback" not in proc.err and "internal error" not in proc.err, proc.err
    return proc


def check_store(db: Path) -> dict[str, int]:
    """The invariants: healthy file, every article with its raw page and vice versa, no text stored twice."""
    with Store.open(db) as s:
        assert s.integrity_check() == []
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM articles a LEFT JOIN raw_pages r ON r.article_id = a.id"
                            " WHERE r.article_id IS NULL").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM raw_pages r LEFT JOIN articles a ON r.article_id = a.id"
                            " WHERE a.id IS NULL").fetchone()[0] == 0
        dupes = conn.execute("SELECT input, count(*) c FROM articles GROUP BY input HAVING c > 1").fetchall()
        assert dupes == []
        n = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        inputs = {r[0] for r in conn.execute("SELECT input FROM articles")}
        return {"articles": n, "inputs": len(inputs)}
    finally:
        conn.close()


# --- kill -9 at random moments ----------------------------------------------------------------------------


def test_kill_9_mid_batch_then_resume(tmp_path):
    make_pages(tmp_path / "pages", PAGES)
    db = tmp_path / "s.db"
    rng = random.Random(int(os.environ.get("NEWSGRAB_HOSTILE_SEED", "9")))
    counts = []
    for _ in range(KILLS):
        proc = newsgrab(tmp_path, "clean", "--store", str(db), "-q", "--workers", "2", str(tmp_path / "pages"))
        time.sleep(rng.uniform(0.2, 1.0))  # start-up, extraction, or a commit: wherever it is
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        if db.exists():
            counts.append(check_store(db)["articles"])
    assert counts == sorted(counts)  # what was committed stays committed
    proc = run(tmp_path, "clean", "--store", str(db), "--format", "jsonl", str(tmp_path / "pages"))
    assert proc.returncode == 0, proc.err
    lines = jsonl(proc.out)
    assert len(lines) == PAGES
    assert {x["status"] for x in lines} <= {"saved", "duplicate"}
    saved_now = sum(x["status"] == "saved" for x in lines)
    final = check_store(db)
    assert final == {"articles": PAGES, "inputs": PAGES}  # every page exactly once
    assert final["articles"] - (counts[-1] if counts else 0) == saved_now
    # and a third run stores nothing new
    again = jsonl(run(tmp_path, "clean", "--store", str(db), "--format", "jsonl", str(tmp_path / "pages")).out)
    assert {x["status"] for x in again} == {"duplicate"}
    with Store.open(db) as s:
        for stored in s.iter_articles():
            page = s.raw_page(stored.id)
            assert Path(page.input).name in stored.input and page.data == Path(stored.input).read_bytes()


# --- disk full ------------------------------------------------------------------------------------------------

FULL_AFTER = """
import sys
import newsgrab.store as store
opened = store.Store.open.__func__

def open_capped(cls, *args, **kwargs):
    s = opened(cls, *args, **kwargs)
    pages = s._conn.execute("PRAGMA page_count").fetchone()[0]
    s._conn.execute(f"PRAGMA max_page_count = {pages + 2}")  # a disk with a few KiB left
    return s

store.Store.open = classmethod(open_capped)
from newsgrab.cli import main
main(sys.argv[1:])
"""


def test_disk_full_exits_3_and_keeps_earlier_rows(tmp_path):
    make_pages(tmp_path / "first", 20, "a")
    make_pages(tmp_path / "second", 40, "b")
    db = tmp_path / "s.db"
    assert run(tmp_path, "clean", "--store", str(db), "-q", str(tmp_path / "first")).returncode == 0
    before = check_store(db)
    proc = subprocess.run(
        [sys.executable, "-c", FULL_AFTER, "clean", "--store", str(db), "--format", "jsonl", str(tmp_path / "second")],
        capture_output=True, env=cli_env(tmp_path), cwd=tmp_path, timeout=60,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 3, err
    [line] = [x for x in err.splitlines() if x.strip()]
    assert line.startswith(f"newsgrab: store {db}: store is full")
    assert "Traceback" not in err
    after = check_store(db)
    # What was reported saved (batches committed before the disk filled) is there; the failed batch left
    # nothing behind; the earlier rows are intact.
    saved = [x for x in jsonl(proc.stdout.decode()) if x["status"] == "saved"]
    assert after["articles"] == before["articles"] + len(saved) < 60
    assert run(tmp_path, "clean", "--store", str(db), "-q", str(tmp_path / "second")).returncode == 0
    assert check_store(db)["articles"] == 60


# --- two writers ------------------------------------------------------------------------------------------------


def test_two_processes_writing_at_once(tmp_path):
    make_pages(tmp_path / "one", 120, "x")
    make_pages(tmp_path / "two", 120, "y")
    db = tmp_path / "s.db"
    assert run(tmp_path, "list", "--store", str(db)).returncode == 0  # (no store yet: nothing made)
    procs = [newsgrab(tmp_path, "clean", "--store", str(db), "-q", str(tmp_path / d)) for d in ("one", "two")]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    assert check_store(db)["articles"] == 240


_OPEN_AT = """
import sys, time
from newsgrab.models import Article, Page
from newsgrab.store import Store
path, start, n = sys.argv[1], float(sys.argv[2]), sys.argv[3]
while time.time() < start:
    pass
with Store.open(path) as s:
    s.save(Article(text=f"article {n} " * 20, url=f"https://example.com/{n}"), Page(input=n, url=f"https://example.com/{n}", data=b"x"))
"""


def test_processes_opening_a_new_store_at_the_same_moment_all_get_in(tmp_path):
    # The first open switches the file to WAL mode, which SQLite refuses at once (no busy wait) while another
    # connection has the file open: one of two batches started together on a new store failed half the time.
    for round_ in range(15):  # unfixed, each round failed ~1 time in 7: 15 rounds catch it 9 times in 10
        db = tmp_path / f"s{round_}.db"
        start = time.time() + 0.5  # after the four interpreters have started
        procs = [subprocess.Popen([sys.executable, "-c", _OPEN_AT, str(db), str(start), str(i)], env=cli_env(tmp_path),
                                  stderr=subprocess.PIPE) for i in range(4)]
        for p in procs:
            _, err = p.communicate(timeout=60)
            assert p.returncode == 0, err.decode()
        assert check_store(db)["articles"] == 4


def test_store_locked_past_the_busy_timeout_exits_3_with_nothing_written(tmp_path):
    make_pages(tmp_path / "a", 3, "a")
    make_pages(tmp_path / "b", 5, "b")
    db = tmp_path / "s.db"
    assert run(tmp_path, "clean", "--store", str(db), "-q", str(tmp_path / "a")).returncode == 0
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock, and keeps it
    try:
        started = time.monotonic()
        proc = run(tmp_path, "clean", "--store", str(db), "--format", "jsonl", str(tmp_path / "b"))
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert proc.returncode == 3
    assert 4 < elapsed < 30  # waited for the busy timeout (5 s), then gave up
    assert proc.err.strip().splitlines()[-1].startswith(f"newsgrab: store {db}: store is locked by another process")
    assert [x for x in jsonl(proc.out) if x["status"] == "saved"] == []
    assert check_store(db)["articles"] == 3


def test_lock_released_in_time_is_waited_for(tmp_path):
    make_pages(tmp_path / "a", 3, "a")
    db = tmp_path / "s.db"
    with Store.open(db):
        pass
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    threading.Timer(1.0, lambda: holder.execute("ROLLBACK")).start()
    proc = run(tmp_path, "clean", "--store", str(db), "-q", str(tmp_path / "a"))
    holder.close()
    assert proc.returncode == 0, proc.err
    assert check_store(db)["articles"] == 3


# --- foreign, corrupt and newer files ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_store_master(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("master")
    make_pages(tmp / "pages", 30)
    db = tmp / "real.db"
    assert run(tmp, "clean", "--store", str(db), "-q", str(tmp / "pages")).returncode == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


@pytest.fixture
def real_store(real_store_master, tmp_path) -> Path:
    """A copy of a healthy store of 30 articles (checkpointed: one file)."""
    db = tmp_path / "real.db"
    db.write_bytes(real_store_master.read_bytes())
    make_pages(tmp_path / "pages", 30)
    return db


def _corrupt_middle(db: Path) -> None:
    data = bytearray(db.read_bytes())
    rng = random.Random(3)
    for page in range(2, len(data) // 4096):
        start = page * 4096
        data[start + 8 : start + 4096] = rng.randbytes(4096 - 8)
    db.write_bytes(bytes(data))


def _truncate(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize(
    "damage,command",
    [("text", "clean"), ("png", "search"), ("sqlite-header-then-junk", "clean"), ("other-sqlite-db", "clean"),
     ("corrupt-pages", "clean"), ("corrupt-pages", "search"), ("truncated", "search"), ("directory", "clean")],
)
def test_unusable_store_exits_3_at_open(tmp_path, real_store, damage, command):
    if damage in ("corrupt-pages", "truncated"):
        db = real_store
        (_corrupt_middle if damage == "corrupt-pages" else _truncate)(db)
    else:
        db = tmp_path / "bad.db"
        if damage == "text":
            db.write_text("just some notes\n")
        elif damage == "png":
            db.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(5000))
        elif damage == "sqlite-header-then-junk":
            db.write_bytes(b"SQLite format 3\x00" + random.Random(1).randbytes(20_000))
        elif damage == "other-sqlite-db":
            conn = sqlite3.connect(db)
            conn.execute("CREATE TABLE articles (x)")  # someone else's database with a clashing table
            conn.execute("PRAGMA user_version = 0")
            conn.commit()
            conn.close()
        elif damage == "directory":
            db.mkdir()
    before = db.read_bytes() if db.is_file() else None
    make_pages(tmp_path / "in", 2, "in")
    args = {"clean": ["clean", str(tmp_path / "in")], "list": ["list"], "search": ["search", "council"]}[command]
    proc = run(tmp_path, *args, "--store", str(db), timeout=30)
    assert proc.returncode == 3, (proc.returncode, proc.err)
    lines = [x for x in proc.err.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"newsgrab: store {db}: "), proc.err
    assert proc.out == ""
    if before is not None and damage not in ("corrupt-pages", "truncated", "other-sqlite-db"):
        assert db.read_bytes() == before  # not "repaired", not overwritten


def test_store_from_a_newer_newsgrab_is_refused(tmp_path, real_store):
    db = real_store
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    for args in (["clean", str(tmp_path / "pages")], ["export"]):
        proc = run(tmp_path, *args, "--store", str(db))
        assert proc.returncode == 3
        assert "store made by a newer newsgrab" in proc.err
        assert proc.out == ""
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1  # untouched
    assert conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 30
    conn.close()


# --- a schema upgrade killed half-way ---------------------------------------------------------------------------

SLOW_MIGRATION = """
import sys, time
import newsgrab.store as store
store.MIGRATIONS.append([
    "CREATE TABLE upgrade_scratch (n INTEGER)",
    # a long statement, to be killed inside
    "INSERT INTO upgrade_scratch WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 30000000)"
    " SELECT n FROM c",
    "ALTER TABLE articles ADD COLUMN upgraded INTEGER",
])
store.SCHEMA_VERSION = len(store.MIGRATIONS)
from newsgrab.cli import main
main(sys.argv[1:])
"""


def test_schema_upgrade_killed_half_way_leaves_a_usable_store(tmp_path, real_store):
    db = real_store
    before = check_store(db)
    proc = subprocess.Popen([sys.executable, "-c", SLOW_MIGRATION, "list", "--store", str(db)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=cli_env(tmp_path), cwd=tmp_path)
    deadline = time.monotonic() + 20
    wal = db.with_name(db.name + "-wal")
    while time.monotonic() < deadline and (not wal.exists() or wal.stat().st_size < 1_000_000):
        time.sleep(0.05)  # the migration is writing
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    # The old newsgrab still opens it: version unchanged, data intact, nothing of the upgrade left
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'upgrade_scratch'").fetchone()[0] == 0
    conn.close()
    assert check_store(db) == before
    make_pages(tmp_path / "more", 3, "m")
    assert run(tmp_path, "clean", "--store", str(db), "-q", str(tmp_path / "more")).returncode == 0
    assert run(tmp_path, "search", "council", "--store", str(db)).returncode == 0
    assert check_store(db)["articles"] == before["articles"] + 3
