"""Plain data passed between the parts of newsgrab."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

__all__ = ["Article", "Outcome", "Page", "STATUSES", "utcnow"]

STATUSES = ("saved", "duplicate", "no-content", "failed", "printed")  # what became of an input
OK_STATUSES = frozenset({"saved", "duplicate", "printed"})  # ... and which of them exit 0


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(slots=True)
class Article:
    """What newsgrab keeps of a news page. Missing values are None (or [] for lists)."""

    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    site_name: str | None = None
    source: str | None = None
    language: str | None = None
    text: str = ""
    markdown: str = ""

    def to_dict(self) -> dict:
        """JSON-ready dict: the contract's field names, dates as ISO 8601."""
        d = asdict(self)
        d["published"] = self.published.isoformat() if self.published else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Article":
        published = d.get("published")
        if isinstance(published, str):
            published = datetime.fromisoformat(published)
        return cls(
            url=d.get("url"),
            canonical_url=d.get("canonical_url"),
            title=d.get("title"),
            authors=list(d.get("authors") or []),
            published=published,
            site_name=d.get("site_name"),
            source=d.get("source"),
            language=d.get("language"),
            text=d.get("text") or "",
            markdown=d.get("markdown") or "",
        )


@dataclass(frozen=True, slots=True)
class Page:
    """A raw page as it arrived: bytes untouched, plus what we know about where it came from."""

    data: bytes
    input: str  # what the user gave: a URL, a path, "-"
    url: str | None = None  # final URL after redirects, or the URL a saved file/WARC record names
    content_type: str | None = None  # HTTP Content-Type header, when there was one
    fetched_at: datetime = field(default_factory=utcnow)
    etag: str | None = None
    last_modified: str | None = None
    # The body as the server compressed it (one gzip member or zlib stream), when that alone decompresses to
    # ``data``: the store keeps these bytes instead of compressing the page again. Set by fetch only. With
    # ``data`` empty, a gzip page fetch left compressed for the pipeline to inflate where it is extracted
    # (``fetch_pages(defer_gzip=True)``; it may then also be two members, which the store recompresses).
    compressed: bytes | None = None

    @property
    def nbytes(self) -> int:
        """The bytes this page holds in memory: its body and, when kept, the body as the server compressed it
        (a gzip page left compressed: that alone)."""
        return len(self.data) + len(self.compressed or b"")


@dataclass(slots=True)
class Outcome:
    """What became of one input."""

    input: str
    status: str  # one of STATUSES
    id: int | None = None
    url: str | None = None
    title: str | None = None
    error: str | None = None
    duplicate_of: int | None = None
    article: Article | None = None
    changed: bool | None = None  # --refresh of a stored URL: did the article change? (None: not a refresh)

    @property
    def ok(self) -> bool:
        """True when the input counts as handled (exit code 0)."""
        return self.status in OK_STATUSES

    def to_jsonl_dict(self) -> dict:
        """The contract's jsonl line for fetch and clean; ``duplicate_of`` only when there is one."""
        d: dict[str, Any] = {
            "input": self.input,
            "status": self.status,
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "error": self.error,
        }
        if self.duplicate_of is not None:
            d["duplicate_of"] = self.duplicate_of
        if self.changed is not None:
            d["changed"] = self.changed
        return d
