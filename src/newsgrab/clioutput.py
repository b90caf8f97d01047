"""What the commands print on stdout: an article as text, markdown or JSON, a line of a listing, and the
stream of outcomes of a batch (with its notes on stderr). Plain functions over the library's objects, no
typer: :mod:`newsgrab.cli` parses the arguments and calls these.
"""

from __future__ import annotations

import sys
from enum import Enum
from typing import Any, Iterator

from .console import Reporter, safe_line, safe_terminal_text
from .errors import EXIT_FAILED, EXIT_OK, StoreError

__all__ = ["Format"]


class Format(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"
    jsonl = "jsonl"


def _out(text: str, *, flush: bool = True) -> None:
    sys.stdout.write(text)
    if flush:
        sys.stdout.flush()


def _json_obj(article: Any, id: int | None = None) -> dict:
    """The contract's JSON object: Article fields (dates ISO 8601) plus ``id`` when stored."""
    d = article.to_dict()
    if id is not None:
        d["id"] = id
    return d


def _meta_line(article: Any) -> str:
    bits = []
    if article.published:
        bits.append(article.published.isoformat())
    if article.authors:
        bits.append(", ".join(article.authors))
    if article.site_name:
        bits.append(article.site_name)
    if article.source:
        bits.append(f"source: {article.source}")
    if article.language:
        bits.append(article.language)
    return " · ".join(safe_line(b) for b in bits if b)


def _render_text(article: Any, id: int | None = None) -> str:
    """An article as plain text for a reader: title, URL, one line of metadata, then the text."""
    head = []
    title = safe_line(article.title)
    if title:
        head.append(title if id is None else f"{title}  [#{id}]")
    elif id is not None:
        head.append(f"[#{id}]")
    url = safe_line(article.canonical_url or article.url)
    if url:
        head.append(url)
    meta = _meta_line(article)
    if meta:
        head.append(meta)
    body = safe_terminal_text(article.text).strip("\n")
    return "\n".join(head) + ("\n\n" if head else "") + body + "\n"


def _render_markdown(article: Any) -> str:
    title = safe_line(article.title)
    body = safe_terminal_text(article.markdown or article.text).strip("\n")
    return (f"# {title}\n\n" if title else "") + body + "\n"


_TEXT_SEPARATOR = "\n" + "-" * 72 + "\n\n"
_MARKDOWN_SEPARATOR = "\n---\n\n"


def _md_link_text(s: str) -> str:
    return "".join("\\" + ch if ch in "[]\\*_`<>" else ch for ch in s)


def _md_url(s: str) -> str:
    return s.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


def _listing_line(stored: Any, fmt: Format) -> str:
    """One line per stored article for list/search."""
    a = stored.article
    when = a.published or stored.saved_at
    date = when.date().isoformat() if when else ""
    title = safe_line(a.title) or "(untitled)"
    url = safe_line(a.canonical_url or a.url or stored.input)
    if fmt is Format.markdown:
        link = f"[{_md_link_text(title)}]({_md_url(url)})" if url else _md_link_text(title)
        return f"- {link} — {date} · #{stored.id}\n"
    # Tab-separated: aligned enough to read, trivial to cut(1).
    return f"{stored.id}\t{date}\t{title}\t{url}\n"


def _print_stored(records: Iterator[Any], fmt: Format) -> int:
    """list/search/show output for StoredArticles; returns how many were printed."""
    if fmt in (Format.json, Format.jsonl):
        from .export import json_dumps  # only here: the text listing need not import it (start-up)

    n = 0
    for stored in records:
        if fmt is Format.jsonl:
            _out(json_dumps(stored.to_dict()) + "\n", flush=False)
        elif fmt is Format.json:
            _out(json_dumps(stored.to_dict(), indent=2) + "\n", flush=False)
        else:
            _out(_listing_line(stored, fmt), flush=False)
        n += 1
    sys.stdout.flush()
    return n


class _Emitter:
    """Prints the outcomes of fetch/clean/reclean: data on stdout by format, notes and errors on stderr."""

    LABELS = {"saved": "saved", "duplicate": "duplicate", "printed": "extracted"}

    def __init__(self, fmt: Format, reporter: Reporter, store: Any, *, verb: str = "saved") -> None:
        self.fmt = fmt
        self.reporter = reporter
        self.store = store
        self.verb = verb
        self.counts: dict[str, int] = {}
        self.printed = 0
        # Per-input notes on stderr: always in text format (stdout has little or nothing), else with -v.
        self.notes = fmt is Format.text or reporter.verbose

    def emit(self, o: Any) -> None:
        try:
            self._emit(o)
        except (BrokenPipeError, StoreError):
            raise
        except Exception as e:  # a bug in showing one input must not cost the others
            self.counts["failed"] = self.counts.get("failed", 0) + 1
            self.reporter.error(o.input, f"internal error: {type(e).__name__}: {e}")

    def _emit(self, o: Any) -> None:
        from .export import json_dumps

        fmt = self.fmt
        if fmt is Format.jsonl:
            d = o.to_jsonl_dict()
            if o.status == "printed" and o.article is not None:
                # --no-store: the line is all the caller gets, so it carries the article too.
                d.update({k: v for k, v in o.article.to_dict().items() if k not in d})
            _out(json_dumps(d) + "\n")
        elif o.ok:
            article = o.article
            if article is None and o.id is not None and self.store is not None:
                stored = self.store.get(o.id)
                article = stored.article if stored is not None else None
            if article is not None:
                stored_id = o.id if o.status != "printed" else None
                if fmt is Format.json:
                    _out(json_dumps(_json_obj(article, stored_id), indent=2) + "\n")
                elif fmt is Format.markdown:
                    _out((_MARKDOWN_SEPARATOR if self.printed else "") + _render_markdown(article))
                elif fmt is Format.text and o.status == "printed":
                    _out((_TEXT_SEPARATOR if self.printed else "") + _render_text(article))
                self.printed += 1
        if not o.ok:
            self.reporter.error(o.input, o.error or o.status)
        elif self.notes and (o.status != "printed" or self.reporter.verbose):
            self.reporter.note(self._note(o))
        self.counts[o.status] = self.counts.get(o.status, 0) + 1
        self.reporter.advance()

    def _note(self, o: Any) -> str:
        title = safe_line(o.title, 100) or "(untitled)"
        where = safe_line(o.input, 120)
        if o.status == "saved":
            head = f"{self.verb} #{o.id}" + (f" (repost of #{o.duplicate_of})" if o.duplicate_of is not None else "")
        elif o.status == "duplicate":
            head = f"duplicate of #{o.duplicate_of if o.duplicate_of is not None else o.id}"
        else:
            head = self.LABELS.get(o.status, o.status)
        return f"{head}: {title}" + (f"  ({where})" if where != str(o.id) else "")

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0) + self.counts.get("no-content", 0)

    def summary(self) -> None:
        total = sum(self.counts.values())
        if total > 1 and (self.notes or self.reporter.verbose):
            order = ["saved", "duplicate", "printed", "no-content", "failed"]
            names = {"saved": self.verb, "printed": "extracted"}
            parts = [f"{self.counts[k]} {names.get(k, k)}" for k in order if self.counts.get(k)]
            self.reporter.note(", ".join(parts))

    def exit_code(self) -> int:
        return EXIT_FAILED if self.failed else EXIT_OK


