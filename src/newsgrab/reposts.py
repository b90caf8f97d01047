"""Find reposts: the same story saved again from another URL, another site or in the other script.

Content farms and portals repost news with a new header ("转载自…"), a new footer (editor line, app promo)
and often in Traditional characters. Exact-text duplicates are caught by the store's text hash; this module
catches the near-duplicates, so they can be saved **and** linked to the first copy seen (``duplicate_of``).

How (and why this way):

* **One script, one form.** The text is NFKC-normalised, Traditional folded to Simplified
  (:func:`newsgrab.hanzi.to_simplified`) and case-folded; punctuation and spacing are dropped.
* **Shingles.** Tokens are single CJK characters and runs of other letters/digits (words); a shingle is
  :data:`SHINGLE` consecutive tokens (three characters of Chinese, three words of English).
* **One hash per shingle: simple tabulation.** Each *token* gets three random 30-bit values, one per
  position in a shingle, from one BLAKE2b of its UTF-8 bytes (stable across runs, processes and machines,
  unlike ``hash()``; remembered in bounded per-process tables, so a common token is hashed once, not once
  per occurrence). A shingle's hash is the XOR of its tokens' values for positions 0, 1 and 2: simple
  tabulation hashing over tokens, which is 3-independent and known to give MinHash estimates as good as a
  truly random hash (Pătraşcu and Thorup, "The power of simple tabulation hashing", 2012). It costs three
  dictionary look-ups per token and two XORs per shingle, all in C loops (``map``): no per-shingle
  string building or hashing. A sketch of a 3,700-character article takes about half the time of
  BLAKE2b per shingle (scheme 1), with the same accuracy (``tests/test_reposts.py`` checks it).
* **MinHash sketch, one permutation** (Li, Owen and Zhang 2012): the top 6 bits of a shingle's hash pick
  one of :data:`BINS` bins, the low 24 bits are its value, and the sketch is the minimum value per bin;
  bins no shingle fell into (short texts) are filled by rotation densification (Shrivastava and Li 2014).
  The share of equal bins between two sketches estimates the Jaccard similarity of their shingle sets.
* **LSH bands, in an index.** The 64 values are cut into :data:`BANDS` bands of :data:`ROWS`; each band is
  hashed to one 64-bit key and stored in an indexed table. Two texts with Jaccard similarity *s* share a band
  with probability ``1 - (1 - s**4)**16``: 0.97 at s = 0.65, 0.64 at s = 0.5, 0.0016 at s = 0.1. A look-up
  is 16 index probes plus a similarity check of the few candidates found — never a scan, whatever the size
  of the store.
* **Threshold.** A candidate is a repost when the estimated similarity is at least :data:`THRESHOLD`. Tuned
  on pairs built in ``tests/test_reposts.py``: a Traditional repost of a Simplified article with its own
  header and footer scores 0.6-0.9; two different articles on the same topic score below 0.1.

Texts shorter than :data:`MIN_SHINGLES` shingles get no sketch: a two-line brief matches too much by chance.

The values a sketch holds depend on this scheme (:data:`SCHEME`): a store keeps sketches, so a change of
scheme comes with a store migration that recomputes them from the stored texts (schema 3 did, for scheme 2;
scheme 1 hashed every shingle with BLAKE2b).
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Iterable
from operator import xor

from .hanzi import to_simplified
from .native import pure_python

__all__ = [
    "Sketch",
    "sketch",
    "sketch_normalized",
    "band_keys",
    "similarity",
    "normalize",
    "pack",
    "unpack",
    "BINS",
    "BANDS",
    "ROWS",
    "THRESHOLD",
    "MIN_SHINGLES",
    "SCHEME",
]

SCHEME = 2  # how sketch values are computed (1: BLAKE2b per shingle; 2: simple tabulation over tokens)
SHINGLE = 3  # tokens per shingle
BINS = 64  # sketch values (one-permutation MinHash bins)
BANDS = 16  # LSH bands ...
ROWS = 4  # ... of this many values each (BANDS * ROWS == BINS)
THRESHOLD = 0.5  # estimated Jaccard similarity from which a text is a repost
MIN_SHINGLES = 40  # shorter texts get no sketch

_MASK32 = 0xFFFFFFFF
_EMPTY = _MASK32 + 1  # larger than any value: marks a bin no shingle fell into
_HASH_BITS = 30  # a shingle hash: 30 bits (one CPython int digit: cheap XORs and compares) ...
_VALUE_BITS = _HASH_BITS - 6  # ... the top 6 pick one of BINS == 2**6 bins, the low 24 are the value
_VALUE_MASK = (1 << _VALUE_BITS) - 1
_TABLE_MAX = 1 << 14  # tokens remembered per table (~4 MB for the three when full); a full table is emptied
_HASH_MASK = (1 << _HASH_BITS) - 1
_CJK = (
    "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
_PACK = struct.Struct(f"<{BINS}I")
_BAND = struct.Struct(f"<B{ROWS}I")

Sketch = tuple[int, ...]


def _token_values(token: str) -> tuple[int, int, int]:
    """The random 30-bit values of ``token`` for shingle positions 0, 1 and 2: bits 0-29, 32-61 and 64-93
    of one 12-byte BLAKE2b digest of its UTF-8 bytes."""
    digest = hashlib.blake2b(token.encode("utf-8", "surrogatepass"), digest_size=12, person=b"newsgrab-tab").digest()
    v = int.from_bytes(digest, "little")
    return v & _HASH_MASK, (v >> 32) & _HASH_MASK, (v >> 64) & _HASH_MASK


class _TokenTable(dict):
    """token -> its value for one shingle position (:func:`_token_values`), computed on first use; a miss
    fills all three tables, so the token is hashed once. Bounded: a table holding :data:`_TABLE_MAX` tokens is
    emptied. Safe to share between threads: a race only computes the same values twice."""

    __slots__ = ("_position",)

    def __init__(self, position: int) -> None:
        super().__init__()
        self._position = position

    def __missing__(self, token: str) -> int:
        values = _token_values(token)
        for table, value in zip(_TABLES, values):
            if len(table) >= _TABLE_MAX:
                table.clear()
            table[token] = value
        return values[self._position]


_TABLES = (_TokenTable(0), _TokenTable(1), _TokenTable(2))


def normalize(text: str) -> str:
    """The comparison form of ``text``: NFKC, Simplified script, case-folded."""
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return to_simplified(text).casefold()


def _shingle_hashes(norm: str) -> set[int]:
    """The distinct 30-bit hashes of the shingles of ``norm`` (text in :func:`normalize`'s form)."""
    tokens = _TOKEN.findall(norm)
    if len(tokens) < SHINGLE:
        return set()
    t0, t1, t2 = _TABLES
    first = list(map(t0.__getitem__, tokens))
    second = list(map(t1.__getitem__, tokens))
    third = list(map(t2.__getitem__, tokens))
    # shingle i = tokens i, i+1, i+2: XOR of their values for positions 0, 1, 2 (zip stops at the shortest)
    return set(map(xor, map(xor, first, second[1:]), third[2:]))


def sketch(text: str | None) -> Sketch | None:
    """The MinHash sketch of ``text`` (:data:`BINS` 32-bit values), or None when it is too short."""
    return sketch_normalized(normalize(text or ""))


def sketch_normalized(norm: str) -> Sketch | None:
    """:func:`sketch` of a text already in :func:`normalize`'s form (``normalize(text)``), so a caller
    that folds the text anyway (the store, for its search index) does not fold it twice."""
    fast = _fast[0] if _fast else _load_fast()
    return fast(norm) if fast is not None else sketch_python(norm)


def sketch_python(norm: str) -> Sketch | None:
    """:func:`sketch_normalized` in Python: the reference the C version (``newsgrab._storefast``) is held
    to, and the fallback where it is missing or ``NEWSGRAB_PURE_PYTHON`` is set."""
    hashes = _shingle_hashes(norm)
    if len(hashes) < MIN_SHINGLES:
        return None
    mins = [_EMPTY] * BINS
    shift = _VALUE_BITS
    for h in hashes:
        b = h >> shift
        if h < mins[b]:  # same bin: the same top bits, so comparing hashes compares values
            mins[b] = h
    mask = _VALUE_MASK
    mins = [m & mask if m != _EMPTY else m for m in mins]
    if _EMPTY in mins:
        # Rotation densification: an empty bin takes the value of the next non-empty bin to its right,
        # offset by the distance, so two texts agree on it exactly when they agree on that bin.
        filled = list(mins)
        for i in range(BINS):
            if mins[i] != _EMPTY:
                continue
            for d in range(1, BINS):
                j = (i + d) % BINS
                if mins[j] != _EMPTY:
                    filled[i] = (mins[j] + d * 0x9E3779B1) & _MASK32
                    break
        mins = filled
    return tuple(mins)


# The C sketch (_storefast.c) computes the same values about 12x faster. It is used only once this process
# has seen it agree with sketch_python on texts that exercise every rule (token kinds, shingle count,
# densification): a missing extension (no compiler at install) or a disagreement means the Python sketch.
# NEWSGRAB_PURE_PYTHON=1 forces the Python sketch.
_SELF_CHECK_TEXTS = (
    # CJK characters one by one, words with digits and accents, '_' and marks as separators, kana, hangul,
    # jamo and 〆 (words, not CJK tokens), an Extension B character, a lone surrogate; > MIN_SHINGLES shingles.
    "华为发布新款折叠手机，台湾消费者排队购买。ｶﾀｶﾅ 〆切 ᄀᄁ 한국어 テスト々〇 foo_bar x²y café naïve 𠀋𠀌 "
    "\ud800 state-of-the-art 2024年3月 ab\u0301c Ελληνικά кириллица " * 3,
    " ".join(f"word{i % 23} 字{chr(0x4E00 + i * 7)}" for i in range(30)),  # 60 tokens: empty bins, densified
    "too short to sketch",
    "",
)
_fast: list = []  # [the C sketch function, or None], filled by the first sketch_normalized call


def _load_fast():
    fn = None
    if not pure_python():
        try:
            from . import _storefast

            _storefast.init(_token_values)
            if all(_storefast.sketch(t) == sketch_python(t) for t in _SELF_CHECK_TEXTS):
                fn = _storefast.sketch
        except (ImportError, AttributeError):
            fn = None
    _fast.append(fn)
    return fn


def band_keys(sk: Sketch) -> list[int]:
    """One signed 64-bit key per LSH band (SQLite INTEGER), band number included."""
    blake, pack_band = hashlib.blake2b, _BAND.pack
    digests = [blake(pack_band(b, *sk[b * ROWS : (b + 1) * ROWS]), digest_size=8).digest() for b in range(BANDS)]
    return [int.from_bytes(d, "little", signed=True) for d in digests]


def similarity(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard similarity of the shingle sets behind two sketches (0.0-1.0)."""
    return sum(1 for x, y in zip(a, b) if x == y) / BINS


def pack(sk: Sketch) -> bytes:
    """A sketch as a 256-byte BLOB."""
    return _PACK.pack(*sk)


def unpack(blob: bytes | None) -> Sketch | None:
    """The sketch stored by :func:`pack`; None for NULL or a blob of the wrong size."""
    if not blob or len(blob) != _PACK.size:
        return None
    return _PACK.unpack(blob)


def best_match(sk: Sketch, candidates: Iterable[tuple[int, bytes | None, int | None]]) -> int | None:
    """The id to link a new text to: among ``(id, sketch blob, duplicate_of)`` candidates similar enough,
    the first copy seen (the lowest original id); None when none is similar enough."""
    best: int | None = None
    for cid, blob, dup in candidates:
        other = unpack(blob)
        if other is None or similarity(sk, other) < THRESHOLD:
            continue
        root = dup if dup is not None else cid
        if best is None or root < best:
            best = root
    return best
