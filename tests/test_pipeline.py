"""pipeline.py in-process: outcomes in input order, the process pool, batching that never holds an outcome
back, bounded read-ahead, skipping stored URLs, conditional refresh, reclean. Real store, real HTTP."""

from __future__ import annotations

import itertools
import shutil
import time

import pytest
from conftest import PAGES
from httpserver import Reply, ScriptedServer

from newsgrab.config import Settings
from newsgrab.errors import StoreError
from newsgrab.extractstage import _extract_task
from newsgrab.models import Article, Page
from newsgrab.pipeline import Outcome, clean_paths, fetch_urls, reclean
from newsgrab.store import Store

EN, ZH, HANT, EMPTY = (str(PAGES / n) for n in ("cli-en.html", "cli-zh.html", "cli-zh-hant.html", "cli-empty.html"))
ONE = Settings(workers=1)


@pytest.fixture
def store(tmp_path):
    with Store.open(tmp_path / "s.db") as s:
        yield s


@pytest.fixture
def server():
    with ScriptedServer() as srv:
        yield srv


def make_pages(folder, n, *, empty=()):
    """n distinct English pages p000.html... (page i has no article when i is in ``empty``)."""
    folder.mkdir(parents=True, exist_ok=True)
    base = (PAGES / "cli-en.html").read_text(encoding="utf-8")
    for i in range(n):
        if i in empty:
            shutil.copy(EMPTY, folder / f"p{i:03d}.html")
            continue
        html = (base.replace("Harbour council", f"Harbour council {i:03d}")
                .replace("fish market", f"fish market {i}").replace("/sea-wall", f"/sea-wall-{i}"))
        (folder / f"p{i:03d}.html").write_text(html, encoding="utf-8")
    return [str(folder / f"p{i:03d}.html") for i in range(n)]


# ------------------------------------------------------------------------------------------ Outcome
def test_outcome_jsonl_keys():
    o = Outcome("in", "saved", 3, "http://u", "T")
    assert o.to_jsonl_dict() == {"input": "in", "status": "saved", "id": 3, "url": "http://u", "title": "T",
                                 "error": None}
    o.duplicate_of = 1
    assert o.to_jsonl_dict()["duplicate_of"] == 1
    assert o.ok and not Outcome("x", "no-content").ok and not Outcome("x", "failed").ok


# ------------------------------------------------------------------------------------------ clean
def test_clean_mixed_inputs_in_order(store, tmp_path):
    inputs = [EN, str(tmp_path / "missing.html"), EMPTY, ZH, EN]
    outs = list(clean_paths(inputs, ONE, store))
    assert [o.input for o in outs] == inputs
    assert [o.status for o in outs] == ["saved", "failed", "no-content", "saved", "duplicate"]
    assert outs[4].id == outs[0].id
    assert outs[1].error == "no such file" and outs[2].error
    assert outs[3].article.title == "市政府公布新的公共交通计划"
    assert store.count() == 2


def test_clean_without_store_prints(tmp_path):
    outs = list(clean_paths([HANT, EMPTY], ONE, None))
    assert [o.status for o in outs] == ["printed", "no-content"]
    assert outs[0].id is None and outs[0].article.title == "華為發布新款摺疊手機"


def test_clean_stdin(store):
    import io

    [o] = clean_paths(["-"], ONE, store, stdin=io.BytesIO((PAGES / "cli-zh.html").read_bytes()))
    assert o.input == "-" and o.status == "saved"


@pytest.mark.parametrize("workers", [1, 2])
def test_many_files_in_order_with_and_without_pool(store, tmp_path, workers):
    paths = make_pages(tmp_path / "p", 40, empty={7, 31})
    outs = list(clean_paths([str(tmp_path / "p")], Settings(workers=workers), store))
    assert [o.input for o in outs] == paths
    assert [o.status for o in outs] == ["no-content" if i in (7, 31) else "saved" for i in range(40)]
    ids = [o.id for o in outs if o.status == "saved"]
    assert ids == sorted(ids) and len(set(ids)) == 38  # saved in input order
    assert [o.title for o in outs if o.status == "saved"] == [
        f"Harbour council {i:03d} approves new sea wall" for i in range(40) if i not in (7, 31)
    ]
    assert store.count() == 38


def test_inputs_are_consumed_lazily(store, tmp_path):
    """Bounded submission: taking the first outcomes of a huge batch reads only a window of it."""
    pulled = 0

    def paths():
        nonlocal pulled
        for _ in range(10_000):
            pulled += 1
            yield EN

    outcomes = clean_paths(paths(), Settings(workers=2), None)
    first = list(itertools.islice(outcomes, 5))
    assert [o.status for o in first] == ["printed"] * 5
    time.sleep(0.3)  # let the read-ahead thread run as far as it may
    assert pulled < 100
    outcomes.close()


def test_outcomes_are_not_held_back_by_batching(store, server):
    """An outcome must not wait for its batch to fill while the pipeline waits for a slow input."""
    server.route("/fast", Reply(body=(PAGES / "cli-en.html").read_bytes()))
    server.route("/slow", Reply(body=(PAGES / "cli-zh.html").read_bytes(), delay=3))
    t0 = time.monotonic()
    seen = []
    for o in fetch_urls([server.url("/fast"), server.url("/slow")], Settings(workers=1), store):
        seen.append((o.status, time.monotonic() - t0))
    assert [s for s, _ in seen] == ["saved", "saved"]
    assert seen[0][1] < 2.0, seen  # the fast one came out (and was committed) long before the slow one
    assert seen[1][1] >= 2.9


def test_store_error_propagates(tmp_path):
    s = Store.open(tmp_path / "closed.db")
    s.close()
    with pytest.raises(StoreError):
        list(clean_paths([EN], ONE, s))


def test_extraction_errors_are_contained():
    kind, reason = _extract_task(None, None, None, None)  # not bytes: a bug-shaped failure
    assert kind == "error" and reason.startswith("internal error: TypeError")
    kind, reason = _extract_task(b"<html><body></body></html>", None, None, None)
    assert kind == "no-content"


# ------------------------------------------------------------------------------------------ fetch
def test_fetch_skips_stored_urls(store, server):
    server.route("/a", Reply(body=(PAGES / "cli-en.html").read_bytes()))
    server.route("/b", Reply(body=(PAGES / "cli-zh.html").read_bytes()))
    url_a, url_b = server.url("/a"), server.url("/b")
    [first] = fetch_urls([url_a], ONE, store)
    assert first.status == "saved" and first.url == url_a
    outs = list(fetch_urls([url_a, url_b, server.url("/404")], ONE, store))
    assert [o.status for o in outs] == ["duplicate", "saved", "failed"]
    assert outs[0].id == first.id and outs[0].title == first.title  # filled in from the store
    assert server.hits("/a") == 1  # never asked again
    assert "404" in outs[2].error


def test_fetch_refresh_is_conditional(store, server):
    body = (PAGES / "cli-en.html").read_bytes()

    @server.route("/e")
    def etagged(req):
        if req.headers.get("If-None-Match") == '"v1"':
            return Reply(304, content_type=None)
        return Reply(body=body, headers={"ETag": '"v1"'})

    url = server.url("/e")
    [o] = fetch_urls([url], ONE, store)
    assert o.status == "saved"
    [o2] = fetch_urls([url], ONE, store, refresh=True)
    assert server.hits("/e") == 2
    assert server.requests_for("/e")[1].headers.get("If-None-Match") == '"v1"'
    assert o2.status == "duplicate" and o2.id == o.id


def test_fetch_without_store(server):
    server.route("/a", Reply(body=(PAGES / "cli-zh-hant.html").read_text(encoding="utf-8").encode("big5"),
                             content_type="text/html"))
    [o] = fetch_urls([server.url("/a")], ONE, None)
    assert o.status == "printed" and o.article.title == "華為發布新款摺疊手機"


# ------------------------------------------------------------------------------------------ reclean
def test_reclean_updates_and_reports(store):
    list(clean_paths([EN, ZH], ONE, store))
    # an article whose raw page has no article any more keeps its old text
    bad = store.save(Article(title="Old title", text="old text kept"), Page(data=b"<html></html>", input="x"))
    outs = list(reclean(store, None, ONE))
    assert [(o.input, o.status) for o in outs] == [("1", "saved"), ("2", "saved"), (str(bad.id), "no-content")]
    assert store.get(bad.id).article.title == "Old title"
    outs = list(reclean(store, [2, 99], ONE))
    assert [(o.status, o.error) for o in outs] == [("saved", None), ("failed", "not in the store")]


def test_reclean_many_through_pool(store, tmp_path):
    make_pages(tmp_path / "p", 12)
    list(clean_paths([str(tmp_path / "p")], ONE, store))
    outs = list(reclean(store, None, Settings(workers=2)))
    assert [o.id for o in outs] == list(range(1, 13))
    assert all(o.status == "saved" for o in outs)
