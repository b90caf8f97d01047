"""Regular expressions built for Python's `re` engine, which is slow at one thing: an alternation.

At every position of the text it tries every alternative, unless the whole pattern starts with a character
class or a literal, which it then finds with a fast scan. A list of labels searched over a whole page's text
(60,000 characters) pays for that at every position.
"""

from __future__ import annotations

import re

__all__ = ["labels_pattern"]


def labels_pattern(labels: list[str], tail: str = "") -> re.Pattern:
    """Any of `labels`, then `tail`: the alternation of the labels, written to scan fast.

    Written as one class of the labels' first characters, then per first character a one-character
    lookbehind and the alternation of the rest of its labels (in the given order: at one position the first
    label that matches wins, as in a plain alternation). ASCII letters and other one-to-one cased letters
    (ö/Ö, é/É) match in either case: a class per letter instead of re.IGNORECASE, whose case folding of every
    character costs 2.5x on a long text (and which also folds 'ſ' into 's' and 'ı' into 'i': not here).
    """
    groups: dict[str, list[str]] = {}
    for label in labels:
        if label:
            groups.setdefault(label[0].lower(), []).append(label)
    firsts, branches = [], []
    for first, members in groups.items():
        cls = _either_case(first)
        firsts.append(cls[1:-1] if cls.startswith("[") else cls)
        rest = "|".join("".join(_either_case(c) for c in label[1:]) for label in members)
        branches.append(f"(?<={cls})(?:{rest})")
    return re.compile("[" + "".join(firsts) + "](?:" + "|".join(branches) + ")" + tail)


def _either_case(ch: str) -> str:
    lower, upper = ch.lower(), ch.upper()
    if len(lower) == 1 and len(upper) == 1 and lower != upper:
        return "[" + re.escape(lower) + re.escape(upper) + "]"
    return re.escape(ch)
