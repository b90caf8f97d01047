"""newsgrab: archive news pages — fetch or clean them, keep the article, store it in SQLite.

The library API is small::

    from newsgrab import extract, Article, NewsgrabError, NoContentError
    article = extract(data, url=None)

Heavy parts (the HTML parser, charset detection) load on first use, so that importing newsgrab
(and ``newsgrab --help``) stays fast.
"""

from __future__ import annotations

from .errors import NewsgrabError, NoContentError
from .models import Article

__version__ = "0.1.0"
__all__ = ["extract", "Article", "NewsgrabError", "NoContentError", "__version__"]


def __getattr__(name: str):
    # The extractor (and the HTML parser behind it) loads on first use, so `newsgrab --help` and
    # commands that only read the store start fast. The package is `newsgrab.extraction`, so the
    # name `newsgrab.extract` is only ever this function, never shadowed by a submodule.
    if name == "extract":
        from .extraction import extract as _extract

        globals()["extract"] = _extract
        return _extract
    raise AttributeError(f"module 'newsgrab' has no attribute {name!r}")
