"""Find article URLs in feeds and sitemaps: ``newsgrab fetch --feed URL`` / ``--sitemap URL``.

Formats read:

* feeds: RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0. An item's URL is ``feedburner:origLink``, else
  ``<link>``, else a ``<guid>`` that is a permalink; an Atom entry's is its ``rel="alternate"`` link (HTML
  preferred). Its date is ``pubDate`` / ``dc:date`` / ``published`` / ``updated``.
* sitemaps (sitemaps.org): ``<urlset>`` with ``<loc>`` and ``<lastmod>``; Google News sitemaps
  (``news:publication_date`` is the date); sitemap indexes (``<sitemapindex>``, followed down to
  :data:`MAX_DEPTH` levels of nesting); gzipped sitemaps (``.xml.gz``, by content); plain-text sitemaps (one
  URL a line).

Limits, so that one hostile or huge feed cannot run a batch away: each ``--feed`` / ``--sitemap`` yields at
most ``max_urls`` URLs (default :data:`MAX_URLS`; a note says when it was cut); an index is followed at most
:data:`MAX_DEPTH` levels down and through at most :data:`MAX_SITEMAP_FILES` sitemap files; a document is at
most :data:`MAX_DOCUMENT_BYTES` once gunzipped. ``since`` drops entries dated before it (entries without a
date are kept: nothing says they are old) and skips child sitemaps whose ``lastmod`` is before it.

XML is parsed with ``defusedxml`` (no entity expansion, no external entities or DTDs fetched). Without it,
the stdlib parser is used and any document with a DOCTYPE is refused. Downloads go through
:func:`newsgrab.fetch.fetch_pages` (same timeouts, size caps, retries, robots.txt).
"""

from __future__ import annotations

import email.utils
import io
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

from .config import MiB, Settings
from .errors import UsageError

__all__ = ["Discovery", "discover", "parse_document", "parse_since", "parse_date", "Entry", "MAX_URLS", "MAX_DEPTH"]

MAX_URLS = 1000  # per --feed / --sitemap
MAX_DEPTH = 3  # sitemap index nesting followed
MAX_SITEMAP_FILES = 200  # sitemap files fetched per --sitemap (the index included)
MAX_DOCUMENT_BYTES = 50 * MiB  # sitemaps.org's own limit for one uncompressed sitemap

_GZIP = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class Entry:
    url: str
    date: datetime | None = None


@dataclass(slots=True)
class Discovery:
    """What discovery found: article URLs in order (no repeats), and the feeds/sitemaps that failed."""

    urls: list[str] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (feed or sitemap URL, reason)
    notes: list[str] = field(default_factory=list)


class DocumentError(Exception):
    """A feed or sitemap that cannot be read."""


# ------------------------------------------------------------------------------------------------ dates
def parse_date(text: str | None) -> datetime | None:
    """An RFC 822 date (RSS) or a W3C / ISO 8601 date (Atom, sitemaps), timezone-aware (UTC when none)."""
    if not text:
        return None
    text = text.strip()
    if not text:
        return None
    dt: datetime | None = None
    if re.match(r"\d{4}", text):
        iso = text.replace("z", "Z")
        if re.fullmatch(r"\d{4}", iso):
            iso += "-01-01"
        elif re.fullmatch(r"\d{4}-\d{2}", iso):
            iso += "-01"
        try:
            dt = datetime.fromisoformat(iso)
        except ValueError:
            dt = None
    else:
        try:
            dt = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            dt = None
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``--since``: a date (``2024-05-01``), a date and time (ISO 8601), or an age (``36h``, ``7d``, ``2w``)."""
    value = (text or "").strip()
    m = re.fullmatch(r"(\d+)\s*([hdw])", value, re.I)
    if m:
        n, unit = int(m.group(1)), m.group(2).lower()
        delta = {"h": timedelta(hours=n), "d": timedelta(days=n), "w": timedelta(weeks=n)}[unit]
        return (now or datetime.now(timezone.utc)) - delta
    dt = parse_date(value) if re.match(r"\d{4}-\d{2}", value) else None
    if dt is None:
        raise UsageError(f"--since {text}: not a date (give YYYY-MM-DD, an ISO 8601 time, or an age like 7d)")
    return dt


# ------------------------------------------------------------------------------------------------ XML
def _events(data: bytes) -> Iterator[tuple[str, Any]]:
    """``(event, element)`` pairs for "start" and "end", parsed without entity expansion."""
    try:
        from defusedxml.ElementTree import iterparse  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - defusedxml is a dependency; this is the fallback it describes
        from xml.etree.ElementTree import iterparse

        if re.search(rb"<!DOCTYPE|<!ENTITY", _prolog(data), re.I):
            raise DocumentError("XML with a DOCTYPE refused") from None
        return iterparse(io.BytesIO(data), events=("start", "end"))
    return iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=False, forbid_entities=True,
                     forbid_external=True)


def _prolog(data: bytes) -> bytes:
    m = re.search(rb"<[A-Za-z_]", data)
    return data[: m.start()] if m else data


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(elem: Any, *names: str) -> str | None:
    for name in names:
        for child in elem:
            if _local(child.tag) == name and child.text and child.text.strip():
                return child.text.strip()
    return None


def _gunzip(data: bytes) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, MAX_DOCUMENT_BYTES + 1)
    except zlib.error:
        raise DocumentError("corrupt gzip") from None
    if len(out) > MAX_DOCUMENT_BYTES:
        raise DocumentError("larger than 50 MiB once decompressed")
    if not d.eof:
        raise DocumentError("truncated gzip")
    return out


def parse_document(data: bytes, base: str | None = None) -> tuple[str, list[Entry]]:
    """What a feed or sitemap lists: ``("urls", entries)`` for a feed or a urlset (article URLs), or
    ``("index", entries)`` for a sitemap index (sitemap URLs). Raises DocumentError."""
    if data.startswith(_GZIP):
        data = _gunzip(data)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped.startswith(b"<"):
        return "urls", _text_sitemap(stripped, base)
    kind: str | None = None
    entries: list[Entry] = []
    try:
        for event, elem in _events(data):
            name = _local(elem.tag)
            if kind is None:
                kind = {"rss": "rss", "rdf": "rss", "feed": "atom", "urlset": "urlset",
                        "sitemapindex": "index"}.get(name)
                if kind is None:
                    raise DocumentError(f"not a feed or sitemap (root element <{name}>)")
                continue
            if event != "end":
                continue
            entry = None
            if kind == "rss" and name == "item":
                entry = _rss_item(elem, base)
            elif kind == "atom" and name == "entry":
                entry = _atom_entry(elem, base)
            elif (kind == "urlset" and name == "url") or (kind == "index" and name == "sitemap"):
                entry = _sitemap_entry(elem, base)
            else:
                continue
            elem.clear()  # constant memory on a 50,000-URL sitemap
            if entry is not None:
                entries.append(entry)
    except DocumentError:
        raise
    except Exception as e:  # ParseError, defusedxml's EntitiesForbidden / DTDForbidden...
        if type(e).__name__ in ("EntitiesForbidden", "ExternalReferenceForbidden", "DTDForbidden"):
            raise DocumentError("XML with entity declarations refused") from None
        if kind is None:
            raise DocumentError(f"not a feed or sitemap (not XML: {_short(e)})") from None
        raise DocumentError(f"broken XML ({_short(e)})") from None
    if kind is None:
        raise DocumentError("not a feed or sitemap (empty)")
    return ("index" if kind == "index" else "urls"), entries


def _short(e: Exception) -> str:
    return " ".join(str(e).split())[:100] or type(e).__name__


def _http_url(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    return url if url.lower().startswith(("http://", "https://")) and len(url) <= 4096 else None


def _rss_item(item: Any, base: str | None) -> Entry | None:
    url = _http_url(_child_text(item, "origlink"), base) or _http_url(_child_text(item, "link"), base)
    if url is None:
        for child in item:
            if _local(child.tag) == "guid" and (child.get("isPermaLink") or "true").lower() == "true":
                url = _http_url(child.text, base)
    about = item.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
    url = url or _http_url(about, base)
    if url is None:
        return None
    return Entry(url, parse_date(_child_text(item, "pubdate", "date", "published", "updated")))


def _atom_entry(entry: Any, base: str | None) -> Entry | None:
    best: tuple[int, str] | None = None
    for child in entry:
        if _local(child.tag) != "link":
            continue
        rel = (child.get("rel") or "alternate").lower()
        if rel != "alternate":
            continue
        href = _http_url(child.get("href"), base)
        if href is None:
            continue
        rank = 0 if (child.get("type") or "text/html").lower() in ("text/html", "application/xhtml+xml") else 1
        if best is None or rank < best[0]:
            best = (rank, href)
    if best is None:
        return None
    return Entry(best[1], parse_date(_child_text(entry, "published", "updated")))


def _sitemap_entry(elem: Any, base: str | None) -> Entry | None:
    url = _http_url(_child_text(elem, "loc"), base)
    if url is None:
        return None
    date = None
    for child in elem:
        if _local(child.tag) == "news":  # Google News: the article's publication date
            date = parse_date(_child_text(child, "publication_date"))
    return Entry(url, date or parse_date(_child_text(elem, "lastmod")))


def _text_sitemap(data: bytes, base: str | None) -> list[Entry]:
    text = data.decode("utf-8", "replace")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    urls = [_http_url(line, None) for line in lines]
    if not lines or any(u is None for u in urls):
        raise DocumentError("not a feed or sitemap (not XML)")
    return [Entry(u) for u in urls if u]


# ------------------------------------------------------------------------------------------------ discovery
def discover(
    feeds: Iterable[str] = (),
    sitemaps: Iterable[str] = (),
    settings: Settings | None = None,
    *,
    since: datetime | None = None,
    max_urls: int = MAX_URLS,
    note: Callable[[str], None] | None = None,
    fetch_pages: Callable[..., Iterator[Any]] | None = None,
) -> Discovery:
    """Download the feeds and sitemaps and list the article URLs they name, in order, without repeats."""
    if fetch_pages is None:
        from .fetch import fetch_pages
    settings = settings or Settings()
    # Sitemaps may be 50 MiB: allow that much for these documents whatever the page cap is.
    doc_settings = replace(settings, max_bytes=max(settings.max_bytes, MAX_DOCUMENT_BYTES))
    out = Discovery()
    seen: set[str] = set()
    say = note or out.notes.append

    def add(entries: list[Entry], source: str, budget: list[int]) -> None:
        old = 0
        for e in entries:
            if since is not None and e.date is not None and e.date < since:
                old += 1
                continue
            if budget[0] <= 0:
                break
            if e.url not in seen:
                seen.add(e.url)
                out.urls.append(e.url)
                budget[0] -= 1
                if budget[0] == 0:
                    say(f"{source}: reached --max-urls {max_urls}, the rest is left out")
        if old:
            say(f"{source}: {old} entr{'ies' if old != 1 else 'y'} older than --since skipped")

    feeds = list(feeds)
    if feeds:
        for r in fetch_pages(feeds, doc_settings, any_body=True):
            if r.error is not None or r.page is None:
                out.failures.append((r.input, str(r.error) if r.error else "no answer (304)"))
                continue
            try:
                _, entries = parse_document(r.page.data, r.page.url or r.input)
            except DocumentError as e:
                out.failures.append((r.input, str(e)))
                continue
            if not entries:
                say(f"{r.input}: no entries")
            add(entries, r.input, [max_urls])

    for root in sitemaps:
        _walk_sitemap(root, doc_settings, fetch_pages, out, add, say, since, max_urls)
    return out


def _walk_sitemap(root: str, settings: Settings, fetch_pages: Callable[..., Iterator[Any]], out: Discovery,
                  add: Callable[[list[Entry], str, list[int]], None], say: Callable[[str], None],
                  since: datetime | None, max_urls: int) -> None:
    """One --sitemap: the sitemap, or the index and its children level by level (each level fetched
    concurrently), until the URL budget, the depth or the file limit is reached."""
    budget = [max_urls]
    visited = {root}
    level = [root]
    depth = 0
    files = 0
    while level and budget[0] > 0:
        if files + len(level) > MAX_SITEMAP_FILES:
            say(f"{root}: only the first {MAX_SITEMAP_FILES} sitemap files are read")
            level = level[: max(0, MAX_SITEMAP_FILES - files)]
        files += len(level)
        next_level: list[str] = []
        results = fetch_pages(level, settings, any_body=True)
        try:
            for r in results:
                if r.error is not None or r.page is None:
                    out.failures.append((r.input, str(r.error) if r.error else "no answer (304)"))
                    continue
                try:
                    kind, entries = parse_document(r.page.data, r.page.url or r.input)
                except DocumentError as e:
                    out.failures.append((r.input, str(e)))
                    continue
                if kind == "urls":
                    add(entries, root, budget)
                    if budget[0] <= 0:
                        break
                    continue
                if depth >= MAX_DEPTH:
                    say(f"{r.input}: sitemap index nested more than {MAX_DEPTH} levels deep: not followed")
                    continue
                old = 0
                for e in entries:
                    if since is not None and e.date is not None and e.date < since:
                        old += 1  # unchanged since before --since: nothing in it is newer
                    elif e.url not in visited:
                        visited.add(e.url)
                        next_level.append(e.url)
                if old:
                    say(f"{r.input}: {old} sitemap{'s' if old != 1 else ''} not changed since --since skipped")
        finally:
            close = getattr(results, "close", None)
            if close is not None:
                close()
        level = next_level
        depth += 1
