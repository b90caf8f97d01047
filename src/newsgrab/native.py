"""The optional C parts: each loaded, initialised and checked against its Python code once per process.

Every module with a C part keeps its Python code as the reference and falls back to it when the extension
is missing, fails its check, or the environment says ``NEWSGRAB_PURE_PYTHON=1``. This module holds the two
pieces they share.
"""

from __future__ import annotations

import os
from typing import Any, Callable

__all__ = ["pure_python", "trusted"]


def pure_python() -> bool:
    """``NEWSGRAB_PURE_PYTHON=1`` (any non-empty value) forces every module's Python code."""
    return bool(os.environ.get("NEWSGRAB_PURE_PYTHON"))


def trusted(cache: list, load: Callable[[], Any]) -> Any:
    """The C part `load()` returns after its checks (None: use the Python code), asked once per process:
    `cache` is the module's own list, empty until the first call (tests reset it to reload)."""
    if not cache:
        cache.append(None if pure_python() else load())
    return cache[0]
