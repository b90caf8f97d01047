"""Where a script-rendered page keeps its article when the DOM shows next to nothing.

Single-page apps send a shell (a menu, "Loading…") and the story as data for their JavaScript. extract()
asks here only when the DOM's own text is thin, in this order:

1. state in a JSON script (``<script type="application/json">``: Next.js ``__NEXT_DATA__``, Nuxt and
   Astro payloads), which ``dom.head`` collects on every page;
2. state handed over in an ordinary script as a JSON literal: ``window.__INITIAL_STATE__ = {...}``,
   ``window["__RQ_x"].push({...})`` (React Query, Redux, Apollo caches). Such caches hold other articles
   too (teasers, "most read"), so a body found there counts only beside a title that matches the page's;
3. the page without its ``<noscript>`` tags.
"""

from __future__ import annotations

import json
import re

from .metadata import _norm  # (spaces and punctuation gone, lower-cased)

__all__ = ["embedded_body", "script_state", "noscript_page"]

# Keys under which single-page apps keep the article in their state.
_BODY_KEYS = {"articlebody", "body", "bodyhtml", "body_html", "content", "contenthtml", "content_html", "html", "text", "fulltext"}
# Keys that name the article beside its body, to tell the page's own story from the others in a cache.
_TITLE_KEYS = {"title", "headline", "webtitle", "seotitle", "name"}

_MAX_STATE = 4 * 1024 * 1024  # a script larger than this is not searched (as dom.head does for JSON scripts)
_MAX_WALK = 200_000  # nodes visited per state: state blobs can be huge
_MAX_LITERALS = 8  # JSON literals tried per script

# A script worth decoding names a body key as a JSON key somewhere.
_HAS_BODY_KEY = re.compile(r'"(?:%s)"\s*:' % "|".join(sorted(_BODY_KEYS)), re.I)
# Where a JSON literal can start in JavaScript: after an assignment, an opening call paren or a comma.
_LITERAL_START = re.compile(r"[=(,]\s*(?=\{)")
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
_SRC = re.compile(r"\bsrc\s*=", re.I)
_JS_TYPES = {"text/javascript", "application/javascript", "module", "text/ecmascript", "application/ecmascript"}
def _same_title(candidate: object, title: str | None) -> bool:
    """Whether a state object's title names the page's story: one contains the other once spaces and
    punctuation are gone (sites add a section or site name to one of them) and is at least half as long,
    or they share a long start."""
    if not isinstance(candidate, str) or not title:
        return False
    a, b = _norm(candidate), _norm(title)
    short, long_ = sorted((a, b), key=len)
    if len(short) < 4:
        return False
    return (short in long_ and 2 * len(short) >= len(long_)) or (len(short) >= 12 and a[:12] == b[:12])


def _best_body(states: list[object], min_len: int, title: str | None, need_title: bool) -> str | None:
    """The body string of at least `min_len` characters under a body key: one whose object carries a
    title matching `title` first, else (unless `need_title`) the longest."""
    best: tuple[bool, int] | None = None
    body = None
    for data in states:
        stack = [data]
        seen = 0
        while stack and seen < _MAX_WALK:
            seen += 1
            obj = stack.pop()
            if isinstance(obj, dict):
                titled = None  # decided lazily: most objects hold no body
                for k, v in obj.items():
                    if isinstance(v, str):
                        if len(v) >= min_len and k.lower() in _BODY_KEYS:
                            if titled is None:
                                titled = any(_same_title(t, title) for key, t in obj.items() if key.lower() in _TITLE_KEYS)
                            rank = (titled, len(v))
                            if (titled or not need_title) and (best is None or rank > best):
                                best, body = rank, v
                    elif isinstance(v, (dict, list)):
                        stack.append(v)
            elif isinstance(obj, list):
                stack.extend(x for x in obj if isinstance(x, (dict, list)))
    return body


def embedded_body(json_texts: list[str], min_len: int, title: str | None = None) -> str | None:
    """The article-like string (text or HTML) under a body/content key in the page's JSON scripts, at
    least `min_len` characters long; the one beside a title like the page's wins, else the longest."""
    states = []
    for raw in json_texts:
        if len(raw) < min_len:
            continue
        try:
            states.append(json.loads(raw))
        except (ValueError, RecursionError):
            continue
    return _best_body(states, min_len, title, need_title=False)


def script_state(html: str, min_len: int, title: str | None) -> str | None:
    """The article body in state that an ordinary script hands over as a JSON literal, beside a title
    like the page's (`title`), at least `min_len` characters long."""
    if not title:
        return None
    decoder = json.JSONDecoder()
    states: list[object] = []
    for m in _SCRIPT.finditer(html):
        attrs, code = m.group(1), m.group(2)
        if len(code) < min_len or len(code) > _MAX_STATE or _SRC.search(attrs):
            continue
        t = _TYPE.search(attrs)
        if t and t.group(1).lower() not in _JS_TYPES:
            continue  # JSON scripts were read already; templates and data blocks are not state
        if not _HAS_BODY_KEY.search(code):
            continue
        pos, tried = 0, 0
        while tried < _MAX_LITERALS and (start := _LITERAL_START.search(code, pos)) is not None:
            tried += 1
            try:
                obj, end = decoder.raw_decode(code, start.end())
            except (ValueError, RecursionError):
                pos = start.end() + 1  # JavaScript, not JSON (unquoted keys, functions): try the next one
                continue
            states.append(obj)
            pos = end
    return _best_body(states, min_len, title, need_title=True) if states else None


_NOSCRIPT_TAG = re.compile(r"</?noscript\b[^>]*>", re.I)


def noscript_page(html: str) -> str | None:
    """The page as a reader without JavaScript sees it: <noscript> tags removed, their content kept.
    Script-rendered pages keep the story there (blog templates write the whole post twice, in a
    script template and in a <noscript>; some sites wrap the whole page in one). None when the page
    has no <noscript>. Only asked when the DOM's own text is thin."""
    if "<noscript" not in html and "<NOSCRIPT" not in html:
        return None
    out = _NOSCRIPT_TAG.sub("", html)
    return out if out != html else None
