"""MHTML in: pages that browsers saved as one ``.mht`` / ``.mhtml`` file (RFC 2557, multipart/related).

Chrome and Edge ("Save as: Webpage, single file"), Internet Explorer, Word and Opera write the page and its
images, styles and frames as MIME parts, the text ones usually quoted-printable, the others base64. Only the
HTML page matters to newsgrab:

* the root part is the one the ``start`` parameter names (by Content-ID), else the first ``text/html`` part
  (Chrome puts the main frame first), else a single-part MHTML whose top level is ``text/html``;
* its body is decoded from quoted-printable / base64 by the stdlib ``email`` parser, and handed on as bytes
  with the part's Content-Type (so ``charset=gb2312`` from IE's header decides the charset; Chrome's parts
  carry no charset and the page's own ``<meta charset>`` decides);
* its URL is ``Snapshot-Content-Location`` (Chrome's top-level header), else the part's
  ``Content-Location``, else the top-level one; only http(s) URLs are kept. The top-level ``Date`` is taken
  as the time the page was fetched.

A file is taken as MHTML by content -- its header block (before the first blank line) has a
``MIME-Version`` field and a ``Content-Type: multipart/related`` one -- or by its ``.mht``/``.mhtml`` name. A
file so named that is not MIME, or has no HTML part, is a failed input.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from datetime import timezone
from email.message import Message

from .errors import LoadError
from .load import LoadResult
from .models import Page

__all__ = ["is_mhtml", "has_mhtml_name", "page_from_mhtml", "unwrap"]

_HEAD_END = re.compile(rb"\r?\n\r?\n")
_FIRST_FIELD = re.compile(rb"\s*[A-Za-z][A-Za-z0-9-]*:")
_MIME_VERSION = re.compile(rb"(?im)^mime-version\s*:")
_MULTIPART_RELATED = re.compile(rb"(?im)^content-type\s*:\s*multipart/related")
_ANY_CONTENT_TYPE = re.compile(rb"(?im)^content-type\s*:")
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def _header_block(data: bytes) -> bytes | None:
    head = data[:16384]
    if not _FIRST_FIELD.match(head):
        return None
    m = _HEAD_END.search(head)
    return head[: m.start()] if m else None


def is_mhtml(data: bytes) -> bool:
    """True when ``data`` starts with a MIME header block declaring multipart/related content."""
    block = _header_block(data)
    return bool(block and _MIME_VERSION.search(block) and _MULTIPART_RELATED.search(block))


def has_mhtml_name(name: str) -> bool:
    return name.lower().endswith((".mht", ".mhtml", ".mht.gz", ".mhtml.gz"))


def _html_root(msg: Message) -> Message | None:
    if not msg.is_multipart():
        return msg if msg.get_content_type() in _HTML_TYPES else None
    start = msg.get_param("start")
    if isinstance(start, str) and start.strip():
        want = start.strip().strip("<>").strip()
        for part in msg.walk():
            cid = (part.get("Content-ID") or "").strip().strip("<>").strip()
            if cid and cid == want and not part.is_multipart():
                return part
    for part in msg.walk():
        if not part.is_multipart() and part.get_content_type() in _HTML_TYPES:
            return part
    return None


def _header(msg: Message, name: str) -> str | None:
    value = msg.get(name)
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _http(url: str | None) -> str | None:
    if url and url.lower().startswith(("http://", "https://")):
        return url
    return None


def page_from_mhtml(data: bytes, input: str) -> Page:
    """The HTML page inside an MHTML file, as a :class:`Page`; raises LoadError when there is none."""
    block = _header_block(data)
    if block is None or not (_MIME_VERSION.search(block) or _ANY_CONTENT_TYPE.search(block)):
        raise LoadError("not an MHTML file (no MIME header)")
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    root = _html_root(msg)
    if root is None:
        raise LoadError("no HTML part in this MHTML file")
    body = root.get_payload(decode=True)
    if not isinstance(body, bytes) or not body.strip():
        raise LoadError("empty HTML part in this MHTML file")
    url = _http(_header(msg, "Snapshot-Content-Location")) or _http(_header(root, "Content-Location")) or _http(
        _header(msg, "Content-Location")
    )
    page = Page(data=body, input=input, url=url, content_type=_header(root, "Content-Type") or "text/html")
    date = _header(msg, "Date")
    if date:
        try:
            when = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
            page = Page(page.data, page.input, page.url, page.content_type, when)
    return page


def unwrap(result: LoadResult) -> LoadResult:
    """``result`` with an MHTML file's HTML part in place of the file; other pages unchanged."""
    page = result.page
    if page is None or not (is_mhtml(page.data) or has_mhtml_name(result.input)):
        return result
    try:
        return LoadResult(result.input, page_from_mhtml(page.data, page.input))
    except LoadError as e:
        return LoadResult(result.input, None, e)
    except Exception as e:  # the email parser on hostile bytes: one failed input, not a crash
        return LoadResult(result.input, None, LoadError(f"damaged MHTML file ({type(e).__name__})"))
