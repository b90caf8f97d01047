"""Write stored articles out: JSON Lines, CSV, or one Markdown file per article.

Every function takes an iterable of ``StoredArticle`` records (anything with ``.id``, ``.article`` and
``.to_dict()``) and streams it: one record in memory at a time, so exporting a store of any size stays flat.

The outputs are meant to be opened by other programs, so each guards against what a hostile page could do to
them: CSV cells that a spreadsheet would run as a formula are defused, Markdown file names cannot leave the
output folder or hit a Windows device name, YAML front matter is always quoted.
"""

from __future__ import annotations

import csv
import json
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Any, Iterable, TextIO

from .console import safe_terminal_text

__all__ = [
    "export_jsonl",
    "export_csv",
    "export_markdown",
    "json_dumps",
    "csv_cell",
    "slugify",
    "markdown_filename",
    "yaml_quote",
    "CSV_COLUMNS",
]

# JSON escapes C0 controls itself; these it leaves raw with ensure_ascii=False. C1 controls (U+009B is a
# one-character CSI) and bidi controls can still act on a terminal that shows the JSON, and U+2028/2029 break
# JavaScript that embeds it. Escaping them keeps the data identical for any JSON parser.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")


def json_dumps(obj: Any, *, indent: int | None = None) -> str:
    """JSON text for ``obj``: UTF-8 friendly (CJK stays readable) but with terminal-active characters escaped."""
    s = json.dumps(obj, ensure_ascii=False, indent=indent, default=_json_default)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):  # datetimes that a record's to_dict() left as objects
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _record_dict(record: Any) -> dict:
    d = record.to_dict()
    # saved_at and duplicate_of are part of what is stored; an export that dropped them could not round-trip.
    for key in ("saved_at", "duplicate_of"):
        if key not in d and hasattr(record, key):
            d[key] = getattr(record, key)
    return d


def export_jsonl(records: Iterable[Any], out: TextIO) -> int:
    """Write one JSON object per record (``StoredArticle.to_dict()``) per line; return how many."""
    n = 0
    for record in records:
        out.write(json_dumps(_record_dict(record)) + "\n")
        n += 1
    return n


# ---------------------------------------------------------------------------------------------------- CSV
CSV_COLUMNS = [
    "id",
    "title",
    "url",
    "canonical_url",
    "authors",
    "published",
    "site_name",
    "source",
    "language",
    "saved_at",
    "duplicate_of",
    "text",
]

# A spreadsheet runs a cell starting with one of these as a formula (=HYPERLINK(...), +cmd|' /C calc'!A0, -,
# @SUM); tab and CR are stripped by some importers, uncovering the character behind them.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A value as a CSV cell, with a leading apostrophe on anything a spreadsheet would evaluate."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    s = str(value)
    # Spreadsheets that trim blanks on import (LibreOffice can) would see " =cmd" as a formula too.
    if s.startswith(_FORMULA_START) or s.lstrip(" \u00a0\u3000\ufeff").startswith(_FORMULA_START):
        s = "'" + s
    return s


def export_csv(records: Iterable[Any], out: TextIO) -> int:
    """Write a header and one row per record (columns: :data:`CSV_COLUMNS`); return how many rows.

    ``out`` should be opened with ``newline=""`` (the csv module writes its own CRLF line ends).
    """
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for record in records:
        d = _record_dict(record)
        writer.writerow([csv_cell(d.get(col)) for col in CSV_COLUMNS])
        n += 1
    return n


# ----------------------------------------------------------------------------------------------- Markdown
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{name}{i}" for name in ("COM", "LPT") for i in (*range(10), "¹", "²", "³")
}
SLUG_MAX_CHARS = 80
# File names are limited to 255 *bytes* on most file systems; 80 CJK characters are 240 bytes in UTF-8, too
# close once the id and ".md" are added.
SLUG_MAX_BYTES = 160


def slugify(title: str | None, *, max_chars: int = SLUG_MAX_CHARS, fallback: str = "article") -> str:
    """A file-name-safe slug: letters and digits of any script (CJK kept), runs of anything else as one ``-``.

    Path separators, ``:*?"<>|``, dots (so no ``..`` and no hidden files), controls and invisible characters
    never survive; Windows device names (``CON``, ``LPT1``...) get a leading ``_``.
    """
    s = unicodedata.normalize("NFKC", title or "")
    out: list[str] = []
    for ch in s:
        cat = unicodedata.category(ch)
        if cat[0] in "LN" or ch == "_":
            out.append(ch.lower() if ch.isascii() else ch)
        elif out and out[-1] != "-":
            out.append("-")
    slug = "".join(out).strip("-_")
    # Cut by characters, then by UTF-8 bytes, never inside a character.
    slug = slug[:max_chars]
    while len(slug.encode("utf-8")) > SLUG_MAX_BYTES:
        slug = slug[:-1]
    slug = slug.strip("-_")
    if not slug:
        return fallback
    if slug.upper() in _WINDOWS_RESERVED:
        slug = "_" + slug
    return slug


def markdown_filename(record_id: int | str, title: str | None) -> str:
    """``<id>-<slug>.md``; the id keeps names unique, the slug makes them readable."""
    rid = re.sub(r"[^0-9A-Za-z_]", "", str(record_id)) or "0"
    return f"{rid}-{slugify(title)}.md"


# YAML double-quoted scalars can escape anything; only printable characters are left as they are.
_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_YAML_UNSAFE = re.compile(
    '[\\\\"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff'
    "\ud800-\udfff\ufffe\uffff]"
)


def _yaml_escape_char(m: re.Match) -> str:
    ch = m.group()
    if ch in _YAML_ESCAPES:
        return _YAML_ESCAPES[ch]
    cp = ord(ch)
    if 0xD800 <= cp <= 0xDFFF:  # a lone surrogate cannot be written as UTF-8 at all
        return "\\uFFFD"
    return f"\\x{cp:02X}" if cp <= 0xFF else f"\\u{cp:04X}"


def yaml_quote(value: Any) -> str:
    """A YAML scalar for ``value``: ``null`` for None, numbers as they are, everything else double-quoted.

    Always quoting means a title like ``yes``, ``1e3``, ``- item``, ``key: value`` or ``!!python/object``
    reads back as the same string, never as a bool, a number, a list or a tag.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    return '"' + _YAML_UNSAFE.sub(_yaml_escape_char, str(value)) + '"'


_FRONT_MATTER_KEYS = (
    "id", "title", "url", "canonical_url", "authors", "published", "site_name", "source", "language"
)


def _front_matter(d: dict) -> str:
    lines = ["---"]
    for key in _FRONT_MATTER_KEYS:
        value = d.get(key)
        if key == "authors":
            authors = value or []
            if authors:
                lines.append("authors:")
                lines.extend(f"  - {yaml_quote(a)}" for a in authors)
            else:
                lines.append("authors: []")
        else:
            lines.append(f"{key}: {yaml_quote(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _markdown_document(record: Any) -> str:
    d = _record_dict(record)
    article = record.article
    body = article.markdown or article.text or ""
    title = safe_terminal_text(article.title or "").replace("\n", " ").strip()
    parts = [_front_matter(d), "\n"]
    if title:
        parts.append(f"# {title}\n\n")
    # The body is for people (cat, less, editors): no escape sequences or bidi tricks in it either.
    parts.append(safe_terminal_text(body).strip("\n") + "\n")
    return "".join(parts)


class AtomicFile:
    """A new file beside ``path`` that takes its place when the ``with`` block ends without an error and is
    removed when it ends with one, so an interrupted export never leaves a truncated file behind. Creating
    it raises OSError (a folder that cannot be written) before anything is written."""

    def __init__(self, path: Path, *, binary: bool = False) -> None:
        self.path = path
        fd, self.tmp = tempfile.mkstemp(dir=path.parent, prefix=".newsgrab-", suffix=".tmp")
        self.file: IO = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")

    def __enter__(self) -> IO:
        return self.file

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            self.file.close()
            if exc_type is None:
                os.replace(self.tmp, self.path)
        finally:
            if exc_type is not None or os.path.exists(self.tmp):
                try:
                    os.unlink(self.tmp)
                except OSError:
                    pass


def _write_atomic(path: Path, content: str) -> None:
    with AtomicFile(path) as f:
        f.write(content)


def export_markdown(records: Iterable[Any], folder: str | os.PathLike) -> list[Path]:
    """Write ``<id>-<slug>.md`` for each record into ``folder`` (created if needed); return the paths written.

    Files of the same name are replaced, so exporting again refreshes a folder rather than duplicating it.
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for record in records:
        name = markdown_filename(record.id, record.article.title)
        # Belt and braces: slugify cannot produce a separator, but a file name must never leave the folder.
        # (Checked on the name, not with resolve(): that would follow a symlink already sitting in the folder,
        # which os.replace below replaces rather than writes through.)
        if os.path.basename(name) != name or name in (".", "..") or "/" in name or "\\" in name:
            raise ValueError(f"refusing to write outside {root}: {name!r}")
        path = root / name
        _write_atomic(path, _markdown_document(record))
        written.append(path)
    return written
