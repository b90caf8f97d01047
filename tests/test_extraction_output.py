"""newsgrab.extraction.output: blocks to plain text and to Markdown."""

from __future__ import annotations

from newsgrab.extraction.output import to_markdown, to_text
from newsgrab.extraction.render import Block


def B(kind, text, **kw):
    return Block(kind, text, **kw)


def test_text_paragraphs_separated_by_one_blank_line():
    blocks = [B("p", "First."), B("h", "Heading", level=2), B("li", "Item", level=1), B("p", "Last.")]
    assert to_text(blocks) == "First.\n\nHeading\n\nItem\n\nLast."


def test_text_skips_empty_blocks_and_keeps_code_lines():
    blocks = [B("p", "A."), B("p", ""), B("pre", "line 1\n    line 2"), B("p", "B.")]
    assert to_text(blocks) == "A.\n\nline 1\n    line 2\n\nB."
    assert to_text([]) == ""


def test_markdown_headings_never_level_one():
    md = to_markdown([B("h", "Top", level=1), B("h", "Sub", level=2), B("h", "Deep", level=4), B("h", "Deepest", level=9)])
    assert md == "## Top\n\n## Sub\n\n#### Deep\n\n###### Deepest"


def test_markdown_lists_are_joined_and_nested():
    blocks = [
        B("p", "Intro."),
        B("li", "One", level=1), B("li", "Nested", level=2), B("li", "Two", level=1),
        B("p", "Between."),
        B("li", "First", level=1, ordered=True), B("li", "Second", level=1, ordered=True),
    ]
    assert to_markdown(blocks) == "Intro.\n\n- One\n  - Nested\n- Two\n\nBetween.\n\n1. First\n1. Second"


def test_markdown_quote_code_and_table():
    blocks = [
        B("quote", "A quoted line."),
        B("pre", "x = 1\nprint(x)"),
        B("pre", "print('```')"),
        B("table", "Name | Value\na|b | 1", cells=[["Name", "Value"], ["a|b", "1"], ["short"]]),
    ]
    assert to_markdown(blocks) == (
        "> A quoted line.\n\n"
        "```\nx = 1\nprint(x)\n```\n\n"
        "````\nprint('```')\n````\n\n"
        "| Name | Value |\n| --- | --- |\n| a\\|b | 1 |\n| short |  |"
    )


def test_markdown_plain_paragraphs_are_unchanged():
    assert to_markdown([B("p", "Plain text stays."), B("p", "Second.")]) == "Plain text stays.\n\nSecond."
    assert to_markdown([]) == ""
