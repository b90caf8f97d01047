"""Pages saved as plain text (copy-paste or "save as text"): no markup, only lines.

The structure has to be read from the lines themselves: a breadcrumb at the top (當前位置 /
首頁 > 新聞 > …), the title as the first real line, then paragraphs, then the site's trailing
prompts and link lists. The same phrase tables as for HTML decide what is boilerplate.
"""

from __future__ import annotations

import re

from .clean import filter_blocks, phrases
from .render import Block

__all__ = ["looks_like_html", "split_plain_text"]

_TAG = re.compile(r"<\s*(?:!doctype|html|head|body|meta|title|div|p|span|table|script|a|br|article|section)\b", re.I)
_CRUMB = re.compile(r"\S\s*(?:>|»|›|/|＞|→)\s*\S")


def looks_like_html(text: str) -> bool:
    head = text[:8192].lstrip()
    if head.startswith("<"):
        return True
    return len(_TAG.findall(head)) >= 3


def split_plain_text(text: str) -> tuple[str | None, list[Block]]:
    """Return (title, body blocks) of a plain-text page."""
    lines = [re.sub(r"[ \t\u3000\u00a0]+", " ", ln).strip() for ln in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [ln for ln in lines if ln]
    ph = phrases()
    title = None
    crumb_title = None
    i = 0
    # Breadcrumbs and toolbars at the top; the last crumb usually repeats the title.
    while i < len(lines) and i < 6:
        ln = lines[i]
        if ph.lead.search(ln.lower()) and len(ln) <= 80 and not _CRUMB.search(ln):
            i += 1
            continue
        if _CRUMB.search(ln) and len(ln) <= 120 and (ph.lead.search(ln.lower()) or ln.count(">") + ln.count("»") + ln.count("＞") >= 1) and not ln.endswith(("。", ".", "!", "！")):
            crumb_title = re.split(r"\s*(?:>|»|›|＞|→)\s*", ln)[-1].strip() or None
            i += 1
            continue
        break
    if i < len(lines):
        first = lines[i]
        if len(first) <= 100 and not first.endswith(("。", "！", "？", ".", "!", "?")):
            title = first
            i += 1
    if title is None and crumb_title:
        title = crumb_title
    blocks = [Block("p", ln) for ln in lines[i:]]
    return title, filter_blocks(blocks, title)
