"""Regular expressions built for Python's `re` engine, which is slow at one thing: an alternation.

At every position of the text it tries every alternative, unless the whole pattern starts with a character
class or a literal, which it then finds with a fast scan. A list of labels searched over a whole page's text
(60,000 characters) pays for that at every position.
"""

from __future__ import annotations

import re
from re import _casefix, _parser  # re's own pattern parser and case-fold table (Python >= 3.11)
from re import _constants as _c

__all__ = ["alternation_gate", "labels_pattern"]


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


def alternation_gate(patterns: list[str], flags: int = 0):
    """A cheap test a text must pass for the alternation of `patterns` to find anything in it, or None
    when no such test is known. The test is `gate(text, lowered)` (`lowered` = text.lower()).

    Read off each parsed pattern: the characters and strings any match of it must contain (literals of
    its top-level sequence, of its groups and of its required repeats; a class of literals means one of
    them). Under re.IGNORECASE a cased letter joins a string checked in the lower-cased text, unless
    re's extra case folds reach it (i, s: 'ı', 'ſ'), which lower() would not. The alternation can match
    only where one pattern's requirements all hold: most short blocks have none of the phrase table's
    brackets, colons, © or "download", and skip the search (8 us a block, a quarter of the filter).
    """
    per_pattern = []
    for p in patterns:
        needs = _needs(p, flags)
        if not needs:
            return None  # a pattern that may match anything: no gate
        per_pattern.append(needs)

    def gate(text: str, lowered: str) -> bool:
        for needs in per_pattern:
            for kind, what in needs:
                where = lowered if kind == "lower" else text
                if kind == "any" and not any(c in text for c in what):
                    break
                if kind != "any" and what not in where:
                    break
            else:
                return True
        return False

    return gate


def _needs(pattern: str, flags: int) -> list[tuple[str, object]]:
    """("text", s): s is in the text; ("lower", s): s is in the lower-cased text; ("any", chars): one of
    them is in the text. Empty when nothing is certain."""
    try:
        parsed = _parser.parse(pattern, flags)
    except re.error:
        return []
    ignore_case = bool((flags | parsed.state.flags) & re.IGNORECASE)
    needs: list[tuple[str, object]] = []
    _collect(list(parsed), ignore_case, needs)
    return needs


def _folds_safely(ch: str) -> bool:
    """Under re.IGNORECASE, the characters matching `ch` are exactly those whose lower() is ch.lower()."""
    low = ch.lower()
    return len(low) == 1 and ord(low) not in _casefix._EXTRA_CASES


def _collect(seq, ignore_case: bool, needs: list) -> None:
    run: list[str] = []  # consecutive literals: one string
    run_lower = False

    def flush():
        nonlocal run_lower
        if run:
            s = "".join(run)
            needs.append(("lower", s.lower()) if run_lower else ("text", s))
        run.clear()
        run_lower = False

    for op, av in seq:
        if op is _c.LITERAL:
            ch = chr(av)
            cased = ch.lower() != ch or ch.upper() != ch
            if not ignore_case or not cased:
                run.append(ch)
            elif _folds_safely(ch):
                run.append(ch)
                run_lower = True
            else:
                flush()
            continue
        flush()
        if op is _c.IN:
            chars = []
            for item_op, item in av:
                ch = chr(item) if item_op is _c.LITERAL else None
                if ch is None or (ignore_case and (ch.lower() != ch or ch.upper() != ch)):
                    chars = None
                    break
                chars.append(ch)
            if chars:
                needs.append(("any", "".join(chars)))
        elif op is _c.SUBPATTERN:
            _group, add_flags, del_flags, sub = av
            if not (add_flags or del_flags):
                _collect(list(sub), ignore_case, needs)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            low, _high, sub = av
            if low >= 1:
                _collect(list(sub), ignore_case, needs)
        # BRANCH, ASSERT, ASSERT_NOT, AT, ANY, NOT_LITERAL, CATEGORY, GROUPREF...: nothing certain
    flush()
