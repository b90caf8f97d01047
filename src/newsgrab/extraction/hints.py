"""What a class/id string says: the hint patterns of tables.py, asked by scoring, stories and render.

They are long alternations without a literal prefix, which `re` tries at every position of each "class id"
string it has not seen before (~10 us a string: most of scoring's time on a page from a template not seen
before). _scorefast.c compiles them into a small matcher; scoring.py hands it to `use` once it has checked
that the matcher answers as `re` does, and from then on `matches` asks it.
"""

from __future__ import annotations

from .tables import (
    COMMENT_HINT, LEAD_HINT, MAYBE_HINT, NEGATIVE_HINT, POSITIVE_HINT, STRONG_NEGATIVE_HINT, UNLIKELY_HINT,
    UNLIKELY_STRONG_HINT,
)

__all__ = ["PATTERNS", "matches", "use"]

# In the order _scorefast.init takes them (the first four have fixed roles there).
PATTERNS = (
    NEGATIVE_HINT, POSITIVE_HINT, STRONG_NEGATIVE_HINT, COMMENT_HINT, LEAD_HINT, MAYBE_HINT, UNLIKELY_STRONG_HINT,
    UNLIKELY_HINT,
)
NEGATIVE, POSITIVE, STRONG_NEGATIVE, COMMENT, LEAD, MAYBE, UNLIKELY_STRONG, UNLIKELY = range(len(PATTERNS))

_matcher: list = [None]  # the trusted C matcher (an object with search(i, s)), or None: `re`


def matches(which: int, hint: str) -> bool:
    """Whether pattern number `which` of PATTERNS is found in `hint`."""
    matcher = _matcher[0]
    return matcher.search(which, hint) if matcher is not None else PATTERNS[which].search(hint) is not None


def use(matcher) -> None:
    """Answer with `matcher` (None: with `re`) from now on; scoring.py calls it once it trusts _scorefast."""
    _matcher[0] = matcher


def current():
    """The matcher in use, or None (`re`)."""
    return _matcher[0]
