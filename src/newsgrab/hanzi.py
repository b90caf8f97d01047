"""One script for comparing Chinese text: Traditional characters folded to Simplified.

Search and repost detection compare text, and the same story is written in Simplified (mainland) and
Traditional (Taiwan, Hong Kong) characters. :func:`to_simplified` folds both to Simplified with OpenCC's
``t2s`` tables (the ``opencc`` wheel bundles its dictionaries: no download, works offline). Text that is
already Simplified, and text in other languages, comes back unchanged.

The result is a *comparison key*, never shown to anyone: the stored articles keep their own script.

Determinism matters: the store's full-text index is contentless, so the index text of a row must be
computed the same way when the row is deleted as when it was added. The conversion depends only on the
input and on the OpenCC tables; a newsgrab upgrade that changes how it folds must come with a store
migration that rebuilds the index (see ``store.MIGRATIONS``).
"""

from __future__ import annotations

import re
import threading

__all__ = ["to_simplified", "has_han"]

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_local = threading.local()  # one converter per thread: OpenCC converters are not documented as thread-safe


def _converter():
    conv = getattr(_local, "t2s", None)
    if conv is None:
        import opencc  # the PyPI "opencc" wheel (C++ OpenCC with its data files)

        conv = _local.t2s = opencc.OpenCC("t2s")
    return conv


def has_han(text: str) -> bool:
    """True when ``text`` holds at least one Han character."""
    return bool(text) and _HAN.search(text) is not None


def to_simplified(text: str | None) -> str:
    """``text`` with Traditional Chinese characters (and Traditional phrases) folded to Simplified.

    Text without Han characters is returned as it is, without calling OpenCC.
    """
    if not text or not has_han(text):
        return text or ""
    try:
        return _converter().convert(text)
    except UnicodeEncodeError:  # a lone surrogate: OpenCC takes UTF-8 only; one U+FFFD each keeps the length
        return _converter().convert(re.sub("[\ud800-\udfff]", "\ufffd", text))
