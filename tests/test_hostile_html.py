"""Hostile HTML: ``newsgrab.extract`` returns an Article or raises NoContentError, never anything else, and
never takes long. Also: the depth/size guard (extraction/guard.py), fuzzing, and a malformed corpus through
``newsgrab clean``.

Every crasher the fuzzer ever found is kept in REGRESSIONS below.
"""

from __future__ import annotations

import gzip
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import cli_env, jsonl
from hostile_gen import malformed_corpus, mutate, random_page
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsgrab import Article, NoContentError, extract
from newsgrab.extraction.guard import MAX_CHARS, MAX_DEPTH, MAX_TAGS, cap_html

BUDGET = 5.0  # seconds any one page may take
ARTICLE = "".join(
    f"<p>Paragraph {k}: the harbour council said on Monday that the new sea wall will be finished by May, "
    "and residents welcomed the news.</p>"
    for k in range(6)
)
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def settle(data, url=None) -> Article | None:
    """Extract within the budget; an Article or None (NoContentError). Anything else fails the test."""
    started = time.monotonic()
    try:
        article = extract(data, url=url)
    except NoContentError:
        article = None
    elapsed = time.monotonic() - started
    assert elapsed < BUDGET, f"took {elapsed:.1f} s"
    if article is not None:
        assert isinstance(article, Article)
        assert article.text.strip()
        article.to_dict()  # serialisable
    return article


# --- shapes ---------------------------------------------------------------------------------------------

MiB = 1024 * 1024


def _nested(tag: str, n: int) -> str:
    return "<html><body>" + f"<{tag}>" * n + ARTICLE + f"</{tag}>" * n + "</body></html>"


HOSTILE = {
    "100k-nested-div": lambda: _nested("div", 100_000),
    "100k-nested-section-unclosed": lambda: "<body>" + "<section>x" * 100_000 + ARTICLE,
    "100k-ul-li": lambda: "<body>" + "<ul><li>" * 50_000 + ARTICLE,
    "100k-span-then-divs": lambda: "<body>" + "<span>" * 100_000 + "<div>x</div>" * 50_000,
    "stray-end-tags-hide-depth": lambda: "<body>" + "<div></i>" * 100_000 + ARTICLE,
    "100k-nested-table": lambda: "<body>" + "<table><tr><td>" * 30_000 + ARTICLE,
    "100k-nested-a": lambda: "<body>" + "<a href=x>" * 100_000 + ARTICLE,
    "self-closing-div-soup": lambda: "<body>" + "<div/>" * 100_000 + ARTICLE,
    "unclosed-tag-soup": lambda: "<html><body>" + "".join(f"<{t}>word " for t in ["div", "p", "b", "i", "font", "td", "li"] * 20_000),
    "50MB-page": lambda: "<html><body>" + ARTICLE + ("<p>" + "filler text, more of it. " * 40 + "</p>") * (50 * MiB // 1010),
    "20MB-attribute": lambda: '<html><body><div class="' + "x" * (20 * MiB) + '">' + ARTICLE + "</div></body></html>",
    "20MB-one-text-node": lambda: "<html><body><p>" + "word, " * (20 * MiB // 6) + "</p></body></html>",
    # lexbor's cost grows with the square of an element's distinct attribute names (~1 s at 10,000, 93 s
    # at 100,000); not bounded by the guard yet (see the report of issue #5). Duplicates are cheap.
    "5k-distinct-attributes": lambda: "<html><body><div " + " ".join(f"a{i}=1" for i in range(5_000)) + ">" + ARTICLE,
    "1M-duplicate-attributes": lambda: "<html><body><div " + "a=1 " * 1_000_000 + ">" + ARTICLE,
    "frameset": lambda: "<html><frameset cols='50%,50%'><frame src=a><frame src=b></frameset></html>",
    "frameset-noframes": lambda: "<html><frameset><frame src=a></frameset><noframes><body>" + ARTICLE + "</noframes>",
    "all-script": lambda: "<html><body>" + "<script>document.write('<p>hi</p>');</script>" * 10_000 + "</body></html>",
    "unclosed-script": lambda: "<html><body><script>" + ARTICLE * 100,
    "unclosed-comment": lambda: "<html><body><!--" + ARTICLE * 100,
    "plaintext": lambda: "<html><body><plaintext>" + ARTICLE,
    "no-body": lambda: "<html><head><title>only a title</title><meta name=author content=x></head></html>",
    "no-title": lambda: "<html><body>" + ARTICLE + "</body></html>",
    "only-head-junk": lambda: "<head>" + "<meta name=x content=y>" * 50_000,
    "binary-junk": lambda: random.Random(1).randbytes(200_000),
    "binary-with-html-start": lambda: b"<html><body>" + random.Random(2).randbytes(200_000),
    "nul-flood": lambda: b"<html><body>" + b"\x00" * (5 * MiB) + ARTICLE.encode(),
    "lone-surrogates-str": lambda: "<html><body><p>" + "\ud800\udfff\udc80" * 1000 + "</p>" + ARTICLE,
    "huge-json-ld": lambda: '<script type="application/ld+json">' + '{"a":' * 100_000 + "1" + "}" * 100_000 + "</script>" + ARTICLE,
    "json-ld-article-body-10MB": lambda: '<script type="application/ld+json">{"@type":"NewsArticle","articleBody":"'
    + "word. " * (10 * MiB // 6) + '"}</script><body><p>teaser</p>',
    "deep-svg": lambda: "<body><svg>" + "<g>" * 100_000 + "<path/>" * 1000 + "</svg>" + ARTICLE,
    "many-entities": lambda: "<body><p>" + "&amp;&#x41;&#0;&#xD800;&#99999999;&nbsp;" * 200_000 + "</p>" + ARTICLE,
    "long-word": lambda: "<body><p>" + "a" * (10 * MiB) + "</p>" + ARTICLE,
    "cjk-no-punct": lambda: "<body><p>" + "中" * (3 * MiB) + "</p>",
    "empty": lambda: "",
    "whitespace": lambda: " \n\t" * 1000,
    "lt-flood": lambda: "<" * (5 * MiB),
    "tag-open-flood": lambda: "<a" * (5 * MiB),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_page_settles_within_budget(name):
    data = HOSTILE[name]()
    settle(data)


def test_text_deep_inside_a_capped_page_is_kept():
    html = "<html><body>" + "<div>" * 20_000 + ARTICLE + "</div>" * 20_000 + "</body></html>"
    capped = cap_html(html)
    assert capped.count("<div>") == MAX_DEPTH - 2  # html and body are open elements too
    assert ARTICLE.replace("<p>", "").replace("</p>", "")[:60] in capped.replace("<p>", "").replace("</p>", "")
    # the closing tags of dropped openings go too, the rest stay balanced
    assert capped.count("</div>") == capped.count("<div>")


# --- the guard ------------------------------------------------------------------------------------------


def test_guard_is_a_no_op_on_normal_markup():
    html = "<!doctype html><html><head><title>t</title><script>if (a<b) x='<div>';</script></head><body>" + (
        "<div class=row><ul>" + "<li><a href=/x>link</a>" * 30 + "</ul>" + "<p>para <b>bold<i>it</i></b>" * 40
        + "<table>" + "<tr><td>cell<td>cell" * 30 + "</table><svg>" + "<path d=x/>" * 200 + "</svg></div>"
    ) * 40 + "</body></html>"
    assert cap_html(html) is html or cap_html(html) == html
    from newsgrab.extraction.guard import _deep_tags

    assert _deep_tags(html) == []  # the exact pass finds nothing to drop either


def test_guard_caps_size_and_tags():
    assert len(cap_html("x" * (MAX_CHARS + 10))) == MAX_CHARS
    capped = cap_html("<br>" * (MAX_TAGS + 50))
    assert capped.count("<") == MAX_TAGS - 1


@pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data is absent")
def test_guard_is_a_no_op_on_real_pages():
    from newsgrab.encoding import decode
    from newsgrab.extraction.guard import _deep_tags

    files = sorted(DATA.glob("*/html/*.gz"))[::4]
    assert files
    for f in files:
        html, _ = decode(gzip.decompress(f.read_bytes()))
        assert cap_html(html) == html, f.name
        assert _deep_tags(html) == [], f.name  # even the exact pass would leave these pages alone
    # (its cost, ~10% of a bare parse, is measured by benchmarks/speed.py, never asserted here)


# --- regressions from fuzzing ---------------------------------------------------------------------------

REGRESSIONS = [
    # metadata: urljoin raised ValueError on a malformed page URL or canonical href
    (b'<html><head><link rel=canonical href="http://[::1"></head><body>' + ARTICLE.encode(), "https://a.example/x"),
    (b"<html><body>" + ARTICLE.encode(), "http://[::1"),
    # dom: a frameset page has no <body>; the unmeasured root raised AttributeError
    (b"<html><frameset><frame src=a></frameset></html>", None),
    (b"<frameset>" + b"<p>hello, world. " * 30, None),
]


@pytest.mark.parametrize("data,url", REGRESSIONS)
def test_fuzz_regressions(data, url):
    settle(data, url)
    settle(data.decode("utf-8", "surrogateescape"), url)


# --- fuzzing (short in CI; run tests/hostile_gen.py by hand for long runs) ------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from([None, "https://example.com/a/b", "http://[::1", "x"]))
def test_fuzz_random_tag_soup(seed, url):
    data = random_page(random.Random(seed))
    settle(data, url)


@pytest.fixture(scope="module")
def seeds() -> list[bytes]:
    pages = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "pages").glob("*.html"))
    return [p.read_bytes() for p in pages]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.booleans())
def test_fuzz_mutated_real_pages(seeds, seed, n, as_str):
    rng = random.Random(seed)
    data = mutate(rng, rng.choice(seeds), n)
    settle(data.decode("utf-8", "surrogateescape") if as_str else data)


SOUP = list("<>/=\"' abpdivscrt!-\n\x00&#;") + [
    "<div>", "</div>", "<p>", "<script>", "<!--", "-->", "<table>", "<td>", "中文", "\ud800", "\u202e", "<svg>", "/>",
]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(SOUP), max_size=300).map("".join))
def test_fuzz_grammar_soup(html):
    settle(html)
    assert isinstance(cap_html(html), str)


# --- a malformed corpus through the command line --------------------------------------------------------


def test_malformed_corpus_through_clean(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    corpus = malformed_corpus(random.Random(5), 300)
    for name, data in corpus:
        (folder / name).write_bytes(data)
    proc = subprocess.run(  # the timeout only catches a hang; speed is measured in benchmarks/, not here
        [sys.executable, "-m", "newsgrab", "clean", "--no-store", "--format", "jsonl", "--workers", "2", str(folder)],
        capture_output=True, env=cli_env(tmp_path), cwd=tmp_path, timeout=120,
    )
    stdout, stderr = proc.stdout.decode(), proc.stderr.decode()
    assert proc.returncode in (0, 1), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr and "internal error" not in stdout
    lines = jsonl(stdout)
    assert [Path(line["input"]).name for line in lines] == [name for name, _ in corpus]
    assert {line["status"] for line in lines} <= {"printed", "no-content", "failed"}
    failed = [line for line in lines if line["status"] in ("no-content", "failed")]
    # one stderr line per failed input, each "newsgrab: INPUT: reason"
    errors = [line for line in stderr.splitlines() if line.startswith("newsgrab: ")]
    assert len(errors) == len(failed)
    assert all(line["error"] for line in failed)
    # the families that hold an article give it, whatever surrounds it
    by_family = {}
    for line in lines:
        by_family.setdefault(Path(line["input"]).stem.split("-", 1)[1], []).append(line["status"])
    assert set(by_family["deep"]) == {"printed"}
    assert set(by_family["mislabelled"]) == {"printed"}
