"""Article extraction: bytes or text in, `Article` out. Pure: no network, no store, no globals.

The pipeline for an HTML page, one parse and a few walks over a light copy of the body:

    decode (encoding.py) -> dom.parse -> metadata.read_metadata
        -> scoring.find_article -> render.render_blocks -> clean.filter_blocks -> output

Plain-text saves skip the DOM and go through plaintext.split_plain_text, then the same filter.
"""

from __future__ import annotations

import gc
from datetime import datetime

from ..encoding import decode_source
from ..errors import NoContentError
from ..models import Article
from .appstate import embedded_body, noscript_page, script_state
from .bylines import byline_near_title, dateline_near_title, find_source, source_near_title, top_line_date, visible_byline
from .clean import filter_blocks
from .dates import find_date_in_text, local_timezone
from .dom import parse, release
from .language import detect_language
from .metadata import drop_outlets, read_metadata
from .output import to_markdown, to_text
from .plaintext import looks_like_html, split_plain_text
from .render import Block, prose_paragraphs, render_blocks
from .scoring import find_article
from .stories import find_lead

__all__ = ["extract"]

# Below this many characters, the DOM's text is "thin" and a JSON-LD articleBody that is longer wins.
_THIN = 200


def extract(
    data: bytes | str,
    url: str | None = None,
    *,
    content_type: str | None = None,
    fetched_at: datetime | None = None,
) -> Article:
    """Extract the article of one page. Raises NoContentError when the page holds none.

    `data` is the page as bytes (newsgrab decides the charset; `content_type` is the HTTP header when
    there was one) or as an already decoded str. `fetched_at` resolves relative dates (3小时前).
    """
    utf8 = None  # the page's bytes when they are exactly `text` in UTF-8: lexbor reads them as they are
    if isinstance(data, (bytes, bytearray, memoryview)):
        text, _charset, utf8 = decode_source(data, content_type)  # (decode drops NUL characters)
    elif isinstance(data, str):
        text = data.replace("\x00", "") if "\x00" in data else data
    else:
        raise TypeError(f"extract() takes bytes or str, not {type(data).__name__}")
    if not text or text.isspace():  # (not text.strip(): that copies the whole page)
        raise NoContentError("empty page")
    if looks_like_html(text):
        # A page allocates thousands of short-lived tree objects. With the cycle collector running,
        # they survive its young-generation passes, get promoted and trigger full passes over the
        # whole heap (up to a third of extraction time in a big process). Paused here, and the tree
        # freed by reference counting at the end (dom.release), they never reach it.
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            article = _from_html(text, url, fetched_at, utf8)
        finally:
            if paused:
                gc.enable()
    else:
        article = _from_plain_text(text, url, fetched_at)
    if not article.text.strip():
        raise NoContentError("no article text found")
    return article


def _from_html(html: str, url: str | None, fetched_at: datetime | None, utf8: bytes | None = None) -> Article:
    head, root, texty = parse(html, utf8)
    try:
        return _article(head, root, texty, url, fetched_at, html)
    finally:
        release(root)


def _blocks_of(html: str, title: str | None = None) -> list[Block]:
    """The article blocks of a second document (an articleBody in HTML, the page without <noscript> tags),
    before filtering. ``title``: pick the titled story and keep the standfirst, as for the page itself."""
    _, root, texty = parse(html)
    try:
        top, parts = find_article(root, texty, 0, title)
        return render_blocks(parts, top.text_len, find_lead(parts) if title else None)
    finally:
        release(root)


def _article(head, root, texty, url: str | None, fetched_at: datetime | None, html: str = "") -> Article:
    meta = read_metadata(head, url, fetched_at)
    top, parts = find_article(root, texty, head.article_count, meta.title, len(head.h1s))
    raw_blocks = render_blocks(parts, top.text_len, find_lead(parts))
    blocks = filter_blocks(raw_blocks, meta.title)
    if not blocks and top.text_len:
        # Everything in the story read as widgets: a paywalled page's one teaser paragraph among tag lists
        # and share buttons. Its paragraphs of prose are the article.
        raw_blocks = render_blocks(prose_paragraphs(top), top.text_len)
        blocks = filter_blocks(raw_blocks, meta.title)
    raw_texts = [b.text for b in raw_blocks]
    text = to_text(blocks)
    markdown = to_markdown(blocks)
    # Paywalled and script-rendered pages often show a teaser while their JSON-LD carries the whole
    # articleBody: take it when the DOM gave little, or much less than it.
    body = meta.article_body
    if not body and len(text) < _THIN:
        # Single-page apps render from embedded JSON state; the article sits under a body key.
        need = max(_THIN, 2 * len(text))
        body = embedded_body(head.json_state, need, meta.title) or script_state(html, need, meta.title)
    if body and (len(text) < _THIN or len(body) > 2 * len(text) + 200):
        if looks_like_html(body):
            body_blocks = _blocks_of(body)
        else:
            body_blocks = [Block("p", p.strip()) for p in body.split("\n") if p.strip()]
        blocks = filter_blocks(body_blocks, meta.title)
        text, markdown = to_text(blocks), to_markdown(blocks)
    if len(text) < _THIN and (page := noscript_page(html)) is not None:
        # Script-rendered pages keep the story for readers without JavaScript in <noscript>.
        ns_blocks = filter_blocks(_blocks_of(page, meta.title), meta.title)
        if len(to_text(ns_blocks)) > len(text):
            blocks = ns_blocks
            text, markdown = to_text(blocks), to_markdown(blocks)
    published, authors = meta.published, meta.authors
    if published is None or not authors:
        seen_date, seen_authors = visible_byline(raw_texts, fetched_at, meta.local_tz)
        published = published or seen_date or dateline_near_title(head.body_text, meta.title, fetched_at, meta.local_tz) \
            or top_line_date(raw_texts, fetched_at, meta.local_tz)
        authors = authors or drop_outlets(seen_authors or byline_near_title(head.body_text, meta.title), meta.outlets)
    return Article(
        url=url,
        canonical_url=meta.canonical_url,
        title=meta.title,
        authors=authors,
        published=published,
        site_name=meta.site_name,
        source=find_source(raw_texts) or source_near_title(head.body_text, meta.title),
        language=detect_language(text, meta.language),
        text=text,
        markdown=markdown,
    )


def _from_plain_text(text: str, url: str | None, fetched_at: datetime | None) -> Article:
    title, blocks = split_plain_text(text)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    body = to_text(blocks)
    language = detect_language(body)
    published = None
    # A dateline among the first short lines (after the breadcrumb and title).
    for ln in lines[:6]:
        if len(ln) <= 80 and (published := find_date_in_text(ln, now=fetched_at, local_tz=local_timezone(language))):
            break
    return Article(
        url=url,
        title=title,
        published=published,
        source=find_source(lines),
        language=language,
        text=body,
        markdown=to_markdown(blocks),
    )
