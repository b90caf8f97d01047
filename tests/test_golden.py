"""Golden pages: small hand-written news pages (fixtures/golden/NAME.html or NAME.txt) and what newsgrab
must get out of each (NAME.expected.json).

Each page is checked field by field, so one wrong field shows as one failing test:

- ``title``, ``authors``, ``language``, ``source``: equal to the expected value;
- ``published``: ``null``, an ISO date (the date is compared) or an ISO datetime (compared with its offset);
- ``with``: every snippet is in ``text`` and in ``markdown``; ``without``: no snippet in either;
- ``title_not_repeated``: ``text`` does not start with the title (the contract);
- optional keys: ``site_name``, ``canonical_url``, ``markdown_with`` (markdown syntax that must appear),
  ``paragraphs`` (each must be one whole paragraph of ``text``), ``max_text_chars``, and the extraction
  inputs ``url`` and ``fetched_at``.

Where the current code gets a field wrong, the case stays here as a strict xfail (KNOWN_BUGS) so CI
stays green while the bug is visible; when the code is fixed the xfail turns into a failure ("XPASS
(strict)") and the entry must be removed.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pytest

from newsgrab import extract

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"
CASES = sorted(p.name[: -len(".expected.json")] for p in GOLDEN.glob("*.expected.json"))

# (page, field) -> reason. Every entry is a bug of the current code; see the page's expected.json.
KNOWN_BUGS: dict[tuple[str, str], str] = {}

FIELDS = ["title", "published", "authors", "language", "source", "with", "without", "title_not_repeated", "extras"]


def _expected(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.expected.json").read_text("utf-8"))


def _page_file(name: str) -> Path:
    files = [p for p in GOLDEN.glob(f"{name}.*") if not p.name.endswith(".expected.json")]
    assert len(files) == 1, f"{name}: expected one page file, found {files}"
    return files[0]


@lru_cache(maxsize=None)
def _article(name: str):
    exp = _expected(name)
    fetched_at = datetime.fromisoformat(exp["fetched_at"]) if exp.get("fetched_at") else None
    return extract(_page_file(name).read_bytes(), url=exp.get("url"), fetched_at=fetched_at)


def _params():
    for name in CASES:
        for field in FIELDS:
            reason = KNOWN_BUGS.get((name, field))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, field, id=f"{name}-{field}", marks=marks)


def test_golden_set_is_complete():
    assert len(CASES) >= 20
    for name in CASES:
        page = _page_file(name)
        assert page.stat().st_size < 50_000, f"{page.name} is too big for a fixture"
        exp = _expected(name)
        for key in ("title", "published", "authors", "language", "source", "with", "without"):
            assert key in exp, f"{name}.expected.json lacks {key!r}"
        assert exp["with"] and exp["without"], name
    for name, field in KNOWN_BUGS:
        assert name in CASES and field in FIELDS, (name, field)


def test_golden_charsets_are_what_the_pages_claim():
    gbk = (GOLDEN / "zh_gbk_news.html").read_bytes()
    assert b"charset=gbk" in gbk
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert "老旧小区".encode("gbk") in gbk
    big5 = (GOLDEN / "zh_big5_nolabel.html").read_bytes()
    assert b"charset" not in big5.lower()
    with pytest.raises(UnicodeDecodeError):
        big5.decode("utf-8")
    assert "颱風".encode("big5") in big5


@pytest.mark.parametrize("name,field", list(_params()))
def test_golden(name: str, field: str):
    exp = _expected(name)
    a = _article(name)
    if field == "title":
        assert a.title == exp["title"]
    elif field == "published":
        want = exp["published"]
        if want is None:
            assert a.published is None
        elif len(want) == 10:
            assert a.published is not None and a.published.date().isoformat() == want
        else:
            want_dt = datetime.fromisoformat(want)
            assert a.published is not None
            assert a.published.isoformat() == want_dt.isoformat()
    elif field == "authors":
        assert a.authors == exp["authors"]
    elif field == "language":
        assert a.language == exp["language"]
    elif field == "source":
        assert a.source == exp["source"]
    elif field == "with":
        missing = [s for s in exp["with"] if s not in a.text]
        assert not missing, f"missing from text: {missing}"
        # markdown escapes nothing in prose, so the same snippets are in it
        missing_md = [s for s in exp["with"] if s not in a.markdown]
        assert not missing_md, f"missing from markdown: {missing_md}"
    elif field == "without":
        present = [s for s in exp["without"] if s in a.text or s in a.markdown]
        assert not present, f"boilerplate kept: {present}"
    elif field == "title_not_repeated":
        assert a.text.strip()
        assert exp["title"] and not a.text.startswith(exp["title"])
        assert "\n\n\n" not in a.text
    elif field == "extras":
        for key in ("site_name", "canonical_url"):
            if key in exp:
                assert getattr(a, key) == exp[key], key
        if "max_text_chars" in exp:
            assert len(a.text) <= exp["max_text_chars"], a.text
        for snippet in exp.get("markdown_with", []):
            assert snippet in a.markdown, f"markdown lacks {snippet!r}"
        if "paragraphs" in exp:
            paragraphs = a.text.split("\n\n")
            lost = [p for p in exp["paragraphs"] if p not in paragraphs]
            assert not lost, f"paragraphs lost or merged: {lost}"
            assert len(paragraphs) == len(exp["paragraphs"])
    else:  # pragma: no cover
        raise AssertionError(field)
