"""Find reposts: the same story saved again from another URL, another site or in the other script.

Content farms and portals repost news with a new header ("转载自…"), a new footer (editor line, app promo)
and often in Traditional characters. Exact-text duplicates are caught by the store's text hash; this module
catches the near-duplicates, so they can be saved **and** linked to the first copy seen (``duplicate_of``).

How (and why this way):

* **One script, one form.** The text is NFKC-normalised, Traditional folded to Simplified
  (:func:`newsgrab.hanzi.to_simplified`) and case-folded; punctuation and spacing are dropped.
* **Shingles.** Tokens are single CJK characters and runs of other letters/digits (words); a shingle is
  :data:`SHINGLE` consecutive tokens (three characters of Chinese, three words of English).
* **MinHash sketch, one permutation.** Each shingle is hashed once (BLAKE2b, 64 bits: stable across runs and
  machines, unlike ``hash()``); the low bits pick one of :data:`BINS` bins, the high 32 bits are the value,
  and the sketch is the minimum per bin (empty bins of short texts are filled by rotation). The share of
  equal bins between two sketches estimates the Jaccard similarity of their shingle sets. Cost: one hash per
  shingle, ~1-2 ms for a long article, no per-bit loops.
* **LSH bands, in an index.** The 64 values are cut into :data:`BANDS` bands of :data:`ROWS`; each band is
  hashed to one 64-bit key and stored in an indexed table. Two texts with Jaccard similarity *s* share a band
  with probability ``1 - (1 - s**4)**16``: 0.97 at s = 0.65, 0.64 at s = 0.5, 0.0016 at s = 0.1. A look-up
  is 16 index probes plus a similarity check of the few candidates found — never a scan, whatever the size
  of the store.
* **Threshold.** A candidate is a repost when the estimated similarity is at least :data:`THRESHOLD`. Tuned
  on pairs built in ``tests/test_reposts.py``: a Traditional repost of a Simplified article with its own
  header and footer scores 0.6-0.9; two different articles on the same topic score below 0.1.

Texts shorter than :data:`MIN_SHINGLES` shingles get no sketch: a two-line brief matches too much by chance.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Iterable

from .hanzi import to_simplified

__all__ = [
    "Sketch",
    "sketch",
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
]

SHINGLE = 3  # tokens per shingle
BINS = 64  # sketch values (one-permutation MinHash bins)
BANDS = 16  # LSH bands ...
ROWS = 4  # ... of this many values each (BANDS * ROWS == BINS)
THRESHOLD = 0.5  # estimated Jaccard similarity from which a text is a repost
MIN_SHINGLES = 40  # shorter texts get no sketch

_MASK32 = 0xFFFFFFFF
_EMPTY = _MASK32 + 1  # larger than any value: marks a bin no shingle fell into
_CJK = (
    "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")
_PACK = struct.Struct(f"<{BINS}I")

Sketch = tuple[int, ...]


def normalize(text: str) -> str:
    """The comparison form of ``text``: NFKC, Simplified script, case-folded."""
    text = text or ""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return to_simplified(text).casefold()


def _shingle_hashes(text: str) -> set[int]:
    tokens = _TOKEN.findall(normalize(text))
    if len(tokens) < SHINGLE:
        return set()
    # Tokens are joined with a separator no token holds, so ("ab", "c") and ("a", "bc") differ.
    joined = set(map("\x1f".join, zip(*(tokens[i:] for i in range(SHINGLE)))))
    blake = hashlib.blake2b
    return {int.from_bytes(blake(s.encode("utf-8"), digest_size=8).digest(), "little") for s in joined}


def sketch(text: str | None) -> Sketch | None:
    """The MinHash sketch of ``text`` (:data:`BINS` 32-bit values), or None when it is too short."""
    hashes = _shingle_hashes(text or "")
    if len(hashes) < MIN_SHINGLES:
        return None
    mins = [_EMPTY] * BINS
    for h in hashes:
        b = h & (BINS - 1)
        v = h >> 32
        if v < mins[b]:
            mins[b] = v
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


def band_keys(sk: Sketch) -> list[int]:
    """One signed 64-bit key per LSH band (SQLite INTEGER), band number included."""
    keys = []
    for b in range(BANDS):
        part = struct.pack(f"<B{ROWS}I", b, *sk[b * ROWS : (b + 1) * ROWS])
        keys.append(int.from_bytes(hashlib.blake2b(part, digest_size=8).digest(), "little", signed=True))
    return keys


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
