"""The reference for newsgrab/extraction/_tagscan.c: the same tokenizer walk in plain Python, state by state.

Too slow to run on every page (that is why the C exists); tests compare the two on generated markup.
"""

from __future__ import annotations

SPACE = " \t\n\f\r"
RAW_TEXT = ("script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes")


def _alpha(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z")


def _word_at(html: str, i: int, word: str) -> bool:
    part = html[i : i + len(word)]
    return len(part) == len(word) and part.translate(_LOWER) == word


_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def _end_of_raw(html: str, i: int, name: str) -> int:
    n = len(html)
    while True:
        i = html.find("<", i)
        if i < 0:
            return n
        if html.startswith("/", i + 1) and _word_at(html, i + 2, name):
            j = i + 2 + len(name)
            if j < n and (html[j] in SPACE or html[j] in "/>"):
                return i
        i += 1


def cuts(html: str, limit: int, max_options: int) -> list[tuple[int, int]]:
    """What ``_tagscan.cuts(html, limit, max_options)`` returns."""
    n = len(html)
    cuts: list[tuple[int, int]] = []
    options = -1  # option/optgroup start tags in the open select; -1: none open
    i = 0
    while i < n:
        i = html.find("<", i)
        if i < 0 or i + 1 >= n:
            break
        c = html[i + 1]
        end_tag = False
        if _alpha(c):
            name_at = i + 1
        elif c == "/" and i + 2 < n and _alpha(html[i + 2]):
            end_tag, name_at = True, i + 2
        elif c == "!" and html.startswith("--", i + 2):
            j = i + 4
            if html.startswith(">", j):
                i = j + 1
                continue
            if html.startswith("->", j):
                i = j + 2
                continue
            end = html.find("-->", j)
            i = n if end < 0 else end + 3
            continue
        elif c in "!?/":
            end = html.find(">", i + 2)
            i = n if end < 0 else end + 1
            continue
        else:
            i += 1
            continue
        j = name_at
        while j < n and html[j] not in SPACE and html[j] not in "/>":
            j += 1
        name = html[name_at:j].translate(_LOWER)
        tag_at = i
        raw = name if not end_tag and name in RAW_TEXT else None
        plaintext = not end_tag and name == "plaintext"
        count, cut_from, last_end, closed = 0, -1, -1, False
        while j < n:
            c = html[j]
            if c in SPACE or c == "/":
                j += 1
                continue
            if c == ">":
                closed = True
                j += 1
                break
            count += 1
            if count == limit + 1:
                cut_from = j
            j += 1
            while j < n and html[j] not in SPACE and html[j] not in "/>=":
                j += 1
            k = j
            while k < n and html[k] in SPACE:
                k += 1
            if k >= n or html[k] != "=":
                last_end = j
                j = k
                continue
            k += 1
            while k < n and html[k] in SPACE:
                k += 1
            if k >= n:
                j = n
                break
            c = html[k]
            if c in "\"'":
                q = html.find(c, k + 1)
                if q < 0:
                    j = n
                    break
                j = q + 1
            elif c == ">":
                j = k
            else:
                j = k
                while j < n and html[j] not in SPACE and html[j] != ">":
                    j += 1
            last_end = j
        if not closed:
            break
        whole = False
        if name == "select":
            options = -1 if end_tag else 0
        elif options >= 0 and name in ("option", "optgroup"):
            if not end_tag:
                options += 1
            whole = options > max_options
        if whole:
            cuts.append((tag_at, j))
        elif count > limit:
            cuts.append((cut_from, last_end))
        i = j
        if plaintext:
            break
        if raw:
            i = _end_of_raw(html, i, raw)
    return cuts
