"""Text and URL helpers of the store: URL keys, the text hash, and the text fed to the full-text index.

Internal to the store modules (:mod:`newsgrab.store`, :mod:`newsgrab.storelinks`,
:mod:`newsgrab.storeschema`); :mod:`newsgrab.store` re-exports the public ones (``normalize_url``,
``content_hash``). Stdlib only, no SQL here.

The index text is a *derived* text: FTS5's tokenizers do not split Chinese/Japanese/Korean into words, so
each CJK run becomes its characters, one token each (schema 4; schemas 1-3 indexed overlapping bigrams), with
Traditional characters folded to Simplified first (schema 2). A query for a word is a phrase of its
characters. Why single characters: FTS5 pays per distinct term of a document and per term of a segment, and
a Chinese text has about twice as many distinct bigrams as distinct characters; on the benchmark's 100k
articles, bigrams cost 820 us of indexing per article and single characters 350 us (the store's largest cost),
with search still well inside its goals (p50 11 ms, p99 70 ms). The price: a phrase of common characters
reads their longer position lists, and, as for English words, punctuation between two runs does not break a
phrase ("经济。发展" matches 经济发展). The FTS table is contentless, so a delete recomputes this text from
the article row: the derivation may only change together with a migration that rebuilds the index.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from .hanzi import to_simplified
from .models import utcnow
from .native import pure_python

__all__ = ["normalize_url", "content_hash", "pack_raw", "unpack_raw", "RAW_WBITS"]

# raw_pages.data (and page_history.data) holds a page's bytes as one of:
# - a zstd frame compressed here (schema 6 on). Level 3, on the pages of shared/data: 0.43 ms a page to 19.1% of
#   the size, where zlib level 1 (schemas 1-5) took 1.10 ms to 23.1%; that compression was 57% of the CPU of
#   preparing a save, which the extraction processes of every clean and fetch do per page;
# - a zlib stream compressed here (schemas 1-5), or the gzip member / zlib stream a server sent the page as
#   (schema 5 on: fetch keeps it when it decompresses to exactly the page). zlib reads both with wbits
#   32 + 15, which tells them apart by their headers; a zstd frame's magic number is neither.
ZSTD_LEVEL = 3
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
RAW_WBITS = 32 + 15


def pack_raw(data: bytes) -> bytes:
    """``data`` compressed as the store keeps a raw page: a zstd frame that records its size and a checksum of
    the content (zstd leaves it out by default; without it a damaged frame can inflate to wrong bytes)."""
    import zstandard  # here: 12 ms of import that `list` and `search` never need

    return zstandard.ZstdCompressor(level=ZSTD_LEVEL, write_checksum=True).compress(data)


def unpack_raw(blob: bytes, size: int) -> bytes:
    """The page bytes of a stored ``blob`` (any form above) that should be ``size`` bytes long. Raises
    ValueError saying what is wrong when the blob is damaged; never inflates past ``size`` (a damaged store
    must not become a decompression bomb)."""
    if blob[:4] == _ZSTD_MAGIC:
        import zstandard

        try:
            declared = zstandard.frame_content_size(blob)
            if declared != size:  # the frame's own header bounds what decompress() allocates
                raise ValueError(f"the frame says {declared} bytes, the row {size}")
            data = zstandard.ZstdDecompressor().decompress(blob)
        except zstandard.ZstdError as e:
            raise ValueError(str(e)) from e
    else:
        inflater = zlib.decompressobj(RAW_WBITS)
        try:
            data = inflater.decompress(blob, size + 1)
        except zlib.error as e:
            raise ValueError(str(e)) from e
        if not inflater.eof and len(data) <= size:
            raise ValueError("the stream is cut short")
    if len(data) != size:
        raise ValueError(f"{len(data)} bytes where the row says {size}")
    return data


def normalize_url(url: str | None) -> str | None:
    """Light URL normalisation for look-ups: strip blanks and the fragment, lowercase scheme and host,
    an empty path becomes ``/``. Anything more (query order, ``www.``) could merge distinct pages."""
    if not url or not url.strip():
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unbalanced IPv6 bracket: keep it usable as a key anyway
        return url.split("#", 1)[0]
    user, at, host = parts.netloc.rpartition("@")  # userinfo is case-sensitive, the host is not
    netloc = f"{user}{at}{host.lower()}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or ("/" if netloc else ""), parts.query, ""))


def _url_keys(*urls: str | None) -> list[str]:
    """Distinct normalised URLs, in order. Only absolute URLs with a host count: file paths and '-' are
    inputs, not URLs."""
    keys: list[str] = []
    for u in urls:
        try:
            parts = urlsplit(u.strip()) if u else None
        except ValueError:
            continue
        if parts and parts.scheme and parts.netloc:
            k = normalize_url(u)
            if k and k not in keys:
                keys.append(k)
    return keys


def content_hash(text: str | None, *, nfkc: bool = False) -> str | None:
    """sha256 of the text after NFKC and whitespace collapsing; None for empty text (never a duplicate).
    ``nfkc=True``: the caller already normalised it."""
    text = (text or "") if nfkc else unicodedata.normalize("NFKC", text or "")
    norm = " ".join(text.split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest() if norm else None


# Han (incl. extensions and compatibility), 々〆〇, kana, hangul: the runs indexed character by character.
_CJK_RUN = re.compile(
    "[\u1100-\u11ff\u3005-\u3007\u3040-\u309f\u30a0-\u30ff\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f"
    "\U00020000-\U0003134f]+"
)
# What unicode61 keeps as a token: letters and digits (underscore and punctuation separate tokens).
_WORD = re.compile(r"[^\W_]+")


def _grams(m: re.Match) -> str:
    return f" {' '.join(m.group())} "


def _index_text(s: str | None, *, nfkc: bool = False) -> str:
    """Text fed to FTS5: Traditional folded to Simplified (schema 2), then each CJK run -> its characters,
    space-separated (schema 4); other text unchanged."""
    if not s:
        return ""
    return _index_folded(to_simplified(s if nfkc else unicodedata.normalize("NFKC", s)))


def _index_folded(s: str) -> str:
    """:func:`_index_text` of a text already NFKC-normalised and folded (``to_simplified``): a caller that
    also needs the folded text (the repost sketch does) folds it once."""
    if not s:
        return ""
    fast = _fast[0] if _fast else _load_fast()
    return fast.index_folded(s) if fast is not None else _CJK_RUN.sub(_grams, s)


def _index_folded_python(s: str) -> str:
    """:func:`_index_folded` in Python: the reference the C version (``newsgrab._storefast``) is held to."""
    return _CJK_RUN.sub(_grams, s) if s else ""


# The C index text and NFKC (_storefast.c) are ~15x faster. They are used only once this process has seen
# them agree with the Python code: the index text on a text with every kind of CJK run (one character, long;
# each range of _CJK_RUN and characters just outside them; 1-, 2- and 4-byte strings), because the search
# index is contentless and a delete must recompute exactly the text that was indexed; NFKC on every character
# it handles. NEWSGRAB_PURE_PYTHON=1 forces the Python code.
_SELF_CHECK = (
    "a中b 中国 中华人民共和国。ᄀᇿ\u10ff\u1200 々〆〇\u3004\u3008 ぁゟ゠ヿ ㄰㆏ㇰㇿ 㐀䶿 ꥠ꥿ 가힯ힰ퟿ 豈﫿 ｦﾟ\uff65\uffa0 𠀀𱍏\U00031350"
    " \ud800x end。",
    "plain English, no CJK at all",
    "𠀋",
)
_fast: list = []  # [the _storefast module, or None], filled by the first _index_folded or _nfkc call


def _load_fast():
    module = None
    if not pure_python():
        try:
            from . import _storefast

            stable, mapped = _storefast.nfkc_tables()
            # NFKC leaves the stable characters as they are, next to each other too, and maps the others so
            stable_text = "".join(chr(c) for first, last in stable for c in range(first, last + 1))
            mapped_text = "".join(map(chr, mapped))
            if (
                all(_storefast.index_folded(t) == _index_folded_python(t) for t in _SELF_CHECK)
                and unicodedata.is_normalized("NFKC", stable_text)
                and _storefast.nfkc(stable_text) is stable_text
                and unicodedata.normalize("NFKC", mapped_text) == "".join(mapped.values())
                and _storefast.nfkc(mapped_text + stable_text) == "".join(mapped.values()) + stable_text
                and _storefast.nfkc("x\u0301") is None
            ):
                module = _storefast
        except (ImportError, AttributeError):
            module = None
    _fast.append(module)
    return module


def _fts_query(query: str) -> str | None:
    """Turn what a user typed into a safe FTS5 query, or None when nothing searchable is left.

    Each whitespace-separated chunk is split into CJK runs and other text. A CJK run becomes a phrase of
    its characters; other text becomes a phrase of its words. All parts are AND-ed. Every term is
    double-quoted, so FTS5 operators typed by the user (``AND``, ``NEAR``, ``*``, ``:``, ``-``...) are
    searched as plain words or dropped, never interpreted.
    """
    parts: list[str] = []

    def words(seg: str) -> None:
        if found := _WORD.findall(seg):
            parts.append('"' + " ".join(found) + '"')

    for chunk in to_simplified(unicodedata.normalize("NFKC", query)).split():
        pos = 0
        for m in _CJK_RUN.finditer(chunk):
            words(chunk[pos : m.start()])
            parts.append('"' + " ".join(m.group()) + '"')
            pos = m.end()
        words(chunk[pos:])
    return " AND ".join(parts) if parts else None


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _now() -> str:
    return utcnow().isoformat(timespec="microseconds")  # fixed width: string order is time order


def _parse_dt(s: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(s) if s else None
    except ValueError:  # a row written by hand or by a future version: do not crash a listing
        return None


def _nfkc(text: str) -> str:
    # Most English text is NFKC already, and checking is ~25x cheaper than normalising (measured on news
    # text); Chinese text never is (full-width punctuation), and the C fast path normalises it ~40x faster.
    fast = _fast[0] if _fast else _load_fast()
    if fast is not None and (done := fast.nfkc(text)) is not None:
        return done
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _valid_utf8(s: str | None) -> str | None:
    """``s`` with lone surrogates (a str made with surrogateescape) replaced by U+FFFD: SQLite and OpenCC take
    valid UTF-8 only. Extraction never makes them; a caller's own Article may hold them."""
    return _SURROGATE.sub("\ufffd", s) if s and _SURROGATE.search(s) else s


def _storable(s: str) -> str:
    """SQLite takes valid UTF-8 only: a file name's undecodable bytes (os.fsdecode keeps them as lone
    surrogates) are stored as ``\\xNN``, the way newsgrab prints them."""
    if not _SURROGATE.search(s):
        return s
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}" if ord(m.group()) >= 0xDC80 else "\ufffd", s)
