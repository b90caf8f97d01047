"""Resume and refresh: a rerun skips stored URLs; --refresh asks again conditionally (ETag / Last-Modified),
reports unchanged articles as duplicate (changed: false) and replaces changed ones (changed: true), keeping the
old version in the store's history."""

from __future__ import annotations

from conftest import jsonl
from httpserver import Reply, ScriptedServer
from newsdata import english_page

from newsgrab.store import Store

V1 = english_page("Harbour vote", seed="first")
V2 = english_page("Harbour vote", seed="second")  # same title, new text


def fetch(run, db, *args):
    p = run("fetch", "--store", db, "--ignore-robots", "--format", "jsonl", *args)
    return p, jsonl(p.stdout)


def test_rerun_skips_stored_urls(run, tmp_path):
    db = str(tmp_path / "s.db")
    with ScriptedServer() as srv:
        srv.route("/a", Reply(body=V1))
        srv.route("/b", [Reply(404), Reply(body=V2)])  # fails the first run
        (tmp_path / "urls.txt").write_text(f"{srv.url('/a')}\n{srv.url('/b')}\n")
        p, lines = fetch(run, db, "--from", "urls.txt")
        assert [x["status"] for x in lines] == ["saved", "failed"] and p.returncode == 1
        p, lines = fetch(run, db, "--from", "urls.txt")  # the batch run again: only what is missing
        assert [x["status"] for x in lines] == ["duplicate", "saved"] and p.returncode == 0
        assert "changed" not in lines[0]  # not a refresh
        assert srv.hits("/a") == 1 and srv.hits("/b") == 2


def test_refresh_with_etag_304(run, tmp_path):
    db = str(tmp_path / "s.db")
    with ScriptedServer() as srv:
        @srv.route("/a")
        def a(req):
            if req.headers.get("If-None-Match") == '"v1"':
                return Reply(304, content_type=None)
            return Reply(body=V1, headers={"ETag": '"v1"'})

        p, first = fetch(run, db, srv.url("/a"))
        p, lines = fetch(run, db, "--refresh", srv.url("/a"))
        assert srv.requests_for("/a")[-1].headers.get("If-None-Match") == '"v1"'
        url = srv.url("/a")
    assert p.returncode == 0
    assert lines == [{"input": url, "status": "duplicate", "id": first[0]["id"], "url": url,
                      "title": "Harbour vote", "error": None, "changed": False}]


def test_refresh_with_last_modified_and_changed_text(run, tmp_path):
    db = str(tmp_path / "s.db")
    stamp = "Tue, 14 May 2024 08:00:00 GMT"
    with ScriptedServer() as srv:
        seen = []

        @srv.route("/a")
        def a(req):
            seen.append(req.headers.get("If-Modified-Since"))
            body = V1 if len(seen) == 1 else V2  # the article was corrected after the first fetch
            return Reply(body=body, headers={"Last-Modified": stamp})

        _, first = fetch(run, db, srv.url("/a"))
        p, lines = fetch(run, db, "--refresh", srv.url("/a"))
        assert seen == [None, stamp]
    assert p.returncode == 0
    assert lines[0]["status"] == "saved" and lines[0]["changed"] is True and lines[0]["id"] == first[0]["id"]
    with Store.open(db) as st:
        assert st.count() == 1
        stored = st.get(first[0]["id"])
        assert "second" in stored.article.text and "first" not in stored.article.text
        assert st.raw_page(stored.id).data == V2.encode()
        [old] = st.history(stored.id)
        assert "first" in old.article.text and old.page.data == V1.encode()
        assert [s.id for s in st.search("second")] == [stored.id] and st.search("first") == []
        assert st.integrity_check() == []


def test_refresh_same_text_is_unchanged(run, tmp_path):
    db = str(tmp_path / "s.db")
    with ScriptedServer() as srv:
        # no validators, and the page bytes change (a new ad) but the article does not
        srv.route("/a", [Reply(body=V1), Reply(body=V1.replace("Copyright", "Copyright 2025 - new ad"))])
        _, first = fetch(run, db, srv.url("/a"))
        p, lines = fetch(run, db, "--refresh", srv.url("/a"))
    assert [(x["status"], x["changed"], x["id"]) for x in lines] == [("duplicate", False, first[0]["id"])]
    with Store.open(db) as st:
        assert st.history(first[0]["id"]) == [] and st.raw_page(first[0]["id"]).data == V1.encode()


def test_refresh_everything_stored(run, tmp_path):
    db = str(tmp_path / "s.db")
    with ScriptedServer() as srv:
        srv.route("/a", [Reply(body=V1), Reply(body=V2)])
        srv.route("/b", Reply(body=english_page("Other", seed="other")))
        fetch(run, db, srv.url("/a"), srv.url("/b"))
        (tmp_path / "local.html").write_text(english_page("Local file", seed="local"), encoding="utf-8")
        assert run("clean", "--store", db, "-q", "local.html").returncode == 0
        p, lines = fetch(run, db, "--refresh")  # no URL: every stored article that came from a URL
        a, b = srv.url("/a"), srv.url("/b")
    assert [(x["input"], x["status"], x["changed"]) for x in lines] == [(a, "saved", True), (b, "duplicate", False)]
    assert p.returncode == 0
    assert run("fetch", "--no-store", "--refresh").returncode == 2
