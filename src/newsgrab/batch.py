"""Batch workflows behind ``fetch`` and ``export`` that are not the pipeline itself: URL discovery from feeds
and sitemaps, refreshing everything stored, writing WARC files. Called by :mod:`newsgrab.cli` (which stays a
thin typer layer); no typer here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .config import Settings
from .errors import NewsgrabError, UsageError
from .export import AtomicFile

__all__ = ["parse_since", "discover_urls", "stored_urls", "open_warc", "with_failures", "export_warc"]


def parse_since(text: str) -> datetime:
    from .discover import parse_since as parse

    return parse(text)


def discover_urls(
    urls: list[str], feeds: list[str], sitemaps: list[str], settings: Settings, *, since: datetime | None,
    max_urls: int, note: Callable[[str], None],
) -> tuple[list[str], list[tuple[str, str]]]:
    """``urls`` followed by the article URLs the feeds and sitemaps list (none twice), and the feeds or
    sitemaps that could not be read, as ``(url, reason)``."""
    from .discover import discover

    found = discover(feeds, sitemaps, settings, since=since, max_urls=max_urls, note=note)
    given = set(urls)
    return list(urls) + [u for u in found.urls if u not in given], found.failures


def with_failures(failures: list[tuple[str, str]], outcomes: Iterator[Any]) -> Iterator[Any]:
    """Failed outcomes for the feeds/sitemaps that could not be read, then ``outcomes`` (closed with us)."""
    from .pipeline import Outcome

    try:
        for source, reason in failures:
            yield Outcome(source, "failed", url=source, error=reason)
        yield from outcomes
    finally:
        outcomes.close()  # type: ignore[attr-defined]


def stored_urls(store: Any) -> list[str]:
    """``fetch --refresh`` without URLs: the URL each stored article was fetched from, oldest first.
    Articles that came from files (no http(s) URL) are left out."""
    out: list[str] = []
    seen: set[str] = set()
    for stored in store.iter_articles():
        for candidate in (stored.input, stored.article.url, stored.article.canonical_url):
            if candidate and candidate.lower().startswith(("http://", "https://")):
                if candidate not in seen:
                    seen.add(candidate)
                    out.append(candidate)
                break
    return out


def _warcinfo(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    info = {
        "software": f"newsgrab/{__version__} (warcio)",
        "format": "WARC File Format 1.0",
        "conformsTo": "http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf",
    }
    if settings is not None:
        info["robots"] = "ignore" if settings.ignore_robots else "obey"
        info["http-header-user-agent"] = settings.agent()
    info.update(extra)
    return info


def open_warc(path: Path, settings: Settings) -> Any:
    """The WarcWriter for ``fetch --warc FILE``: appends (a nightly batch can keep one file), with a
    warcinfo record first. A file that cannot be written is a usage error, before any request."""
    from .warc import WarcWriter

    try:
        writer = WarcWriter.open(Path(path).expanduser())
        writer.write_warcinfo(_warcinfo(settings))
    except OSError as e:
        raise UsageError(f"--warc {path}: {(e.strerror or str(e)).lower()}") from None
    return writer


def export_warc(store: Any, out: Path | None) -> tuple[int, str]:
    """``export --format warc``: every stored raw page as a response record; returns (count, where).

    To stdout (gzipped; refused on a terminal), to ``out`` (gzipped when it ends in ``.gz``, plain
    otherwise), or to ``out/articles.warc.gz`` when ``out`` is a folder. A file is written beside its target
    and renamed into place, so an interrupted export never leaves half a WARC under the final name.
    """
    from .warc import WarcWriter

    try:
        if out is None:
            if sys.stdout.isatty():
                raise UsageError("--format warc writes binary data: give --out FILE or redirect stdout")
            sys.stdout.flush()
            writer = WarcWriter(sys.stdout.buffer, gzip=True)
            return _write_pages(store, writer), "stdout"
        target = Path(out).expanduser()
        if target.is_dir():
            target = target / "articles.warc.gz"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            out_file = AtomicFile(target, binary=True)
        except OSError as e:
            raise UsageError(f"--out {out}: {(e.strerror or str(e)).lower()}") from None
        with out_file as f:
            writer = WarcWriter(f, gzip=target.name.lower().endswith(".gz"), filename=target.name)
            n = _write_pages(store, writer)
        return n, str(target)
    finally:
        if store is not None:
            store.close()


def _write_pages(store: Any, writer: Any) -> int:
    writer.write_warcinfo(_warcinfo(description="newsgrab export: stored raw pages"))
    n = 0
    if store is None:
        return 0
    for stored in store.iter_articles():
        try:
            page = store.raw_page(stored.id)
        except KeyError:
            continue
        try:
            writer.write_page(page, article_id=stored.id, url=stored.article.url or stored.article.canonical_url)
        except OSError as e:
            raise NewsgrabError(f"cannot write WARC: {(e.strerror or str(e)).lower()}") from None
        n += 1
    writer.out.flush()
    return n
