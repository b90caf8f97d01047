"""Blocks to the two output forms: plain text (paragraphs separated by one blank line) and Markdown
(headings, lists, quotes, tables and code kept). Image captions never reach either: the renderer
drops <figure>/<figcaption> and images, so both forms carry the article's words only.
"""

from __future__ import annotations

from .render import Block

__all__ = ["to_text", "to_markdown"]


def to_text(blocks: list[Block]) -> str:
    return "\n\n".join(b.text for b in blocks if b.text)


def _md(s: str) -> str:
    """Page text is text: characters a Markdown viewer would read as HTML or as a link are escaped,
    so a quoted '<script>' or '[x](javascript:...)' never becomes live markup in an export."""
    # Most paragraphs hold none of them: five `in` scans (memchr-like) cost a quarter of one regex search.
    if "&" not in s and "<" not in s and ">" not in s and "[" not in s and "]" not in s:
        return s
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("[", "\\[").replace("]", "\\]")



def _md_escape_cell(s: str) -> str:
    return _md(s).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if b.kind == "h":
            out.append("#" * max(2, min(b.level, 6)) + " " + _md(b.text))
        elif b.kind == "li":
            indent = "  " * max(0, b.level - 1)
            out.append(f"{indent}{f'{b.number or 1}.' if b.ordered else '-'} {_md(b.text)}")
        elif b.kind == "quote":
            out.append("> " + _md(b.text))
        elif b.kind == "pre":
            fence = "````" if "```" in b.text else "```"
            out.append(f"{fence}\n{b.text}\n{fence}")
        elif b.kind == "table" and b.cells:
            width = max(len(r) for r in b.cells)
            rows = [r + [""] * (width - len(r)) for r in b.cells]
            lines = ["| " + " | ".join(_md_escape_cell(c) for c in rows[0]) + " |", "|" + " --- |" * width]
            lines += ["| " + " | ".join(_md_escape_cell(c) for c in r) + " |" for r in rows[1:]]
            out.append("\n".join(lines))
        else:
            out.append(_md(b.text))
    # Consecutive list items form one list: join them with single newlines.
    md: list[str] = []
    prev_li = False
    for b, s in zip(blocks, out):
        is_li = b.kind == "li"
        if md and is_li and prev_li:
            md[-1] += "\n" + s
        else:
            md.append(s)
        prev_li = is_li
    return "\n\n".join(md)
