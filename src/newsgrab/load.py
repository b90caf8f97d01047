"""Read saved pages from files, folders and standard input, one result per page, lazily, in input order.

Folders are walked recursively in sorted-name order, regular files only, skipping hidden names; each
directory is entered once (so symlink loops end). A file is opened only when its turn comes, so a batch
over a large tree starts at once and reflects the tree as it is while it runs. Whatever goes wrong with one
input (missing, unreadable, special file, empty, too large, corrupt gzip) becomes a ``LoadError`` for that
input and the iteration goes on.

Gzip is recognised by its magic bytes (``.gz`` or not: wget and some browsers save compressed bodies under
``.html``) and decompressed with a cap on the output. A WARC file (by content, gzip or not, or by its
``.warc``/``.warc.gz`` name) yields one result per HTML record, streamed (:mod:`newsgrab.warc`); an MHTML
file yields its HTML part (:mod:`newsgrab.mhtml`).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ._decode_body import not_a_page_reason
from .config import MiB
from .errors import LoadError
from .models import Page

__all__ = ["LoadResult", "iter_inputs", "display_path"]

_CHUNK = MiB
_GZIP_MAGIC = b"\x1f\x8b"
# Internet Explorer / Edge / Chrome "Save as" mark: <!-- saved from url=(0042)https://example.com/... -->
_SAVED_FROM_RE = re.compile(rb"<!--\s*saved from url=\((\d{1,5})\)([^\s>]+)", re.I)

_REASONS = {
    errno.ENOENT: "no such file",
    errno.ENOTDIR: "no such file",  # a path component is a file: nothing can be found under it
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENAMETOOLONG: "file name too long",
    errno.EIO: "input/output error",
    errno.ENXIO: "not a regular file",  # opening a socket
}


@dataclass(frozen=True, slots=True)
class LoadResult:
    """One input's outcome: ``page`` when it was read, else ``error``."""

    input: str  # the path as the user would recognise it (may hold surrogate escapes: see display_path)
    page: Page | None = None
    error: LoadError | None = None


def iter_inputs(
    paths: Iterable[str], stdin: BinaryIO | None = None, *, max_bytes: int = 50 * MiB
) -> Iterator[LoadResult]:
    """Yield a LoadResult per page: files as given, folders expanded, ``-`` for all of standard input."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]  # one path given bare, not a list of one
    for raw in paths:
        path = os.fsdecode(raw)  # bytes names keep undecodable bytes as surrogate escapes
        if path == "-":
            yield from _unwrap(_load_stdin(stdin if stdin is not None else sys.stdin.buffer, max_bytes), max_bytes)
            continue
        try:
            st = os.stat(path)
        except OSError as e:
            yield _failed(path, _reason(e))
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk(path, st, max_bytes)
        elif not stat.S_ISREG(st.st_mode):
            yield _failed(path, "not a regular file")  # a FIFO would block, a device never ends
        else:
            yield from _load_any(path, max_bytes)


def display_path(s: str) -> str:
    """``s`` fit for a message: surrogate-escaped and non-printable characters become ``\\xNN`` per byte."""
    if s.isprintable():
        return s
    out = []
    for ch in s:
        if "\udc80" <= ch <= "\udcff":  # an undecodable byte, as os.fsdecode keeps it
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch.isprintable() and not "\ud800" <= ch <= "\udfff":
            out.append(ch)
        else:
            out.extend(f"\\x{b:02x}" for b in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)


def _walk(top: str, top_stat: os.stat_result, max_bytes: int) -> Iterator[LoadResult]:
    """Depth-first, sorted, hidden names skipped; every directory (by device and inode) entered once."""
    visited = {(top_stat.st_dev, top_stat.st_ino)}
    try:
        stack = [iter(_listdir(top))]
    except OSError as e:
        yield _failed(top, _reason(e))
        return
    while stack:
        entry = next(stack[-1], None)
        if entry is None:
            stack.pop()
            continue
        try:
            if entry.is_dir():  # follows symlinks
                st = entry.stat()
                key = (st.st_dev, st.st_ino)
                if key not in visited:  # else a symlink back up the tree, or a second way into a folder
                    visited.add(key)
                    stack.append(iter(_listdir(entry.path)))
                continue
            is_file = entry.is_file()  # follows symlinks; FIFOs, devices, sockets, dangling links: False
        except OSError as e:  # a folder that cannot be entered; one that vanished held nothing to report
            if e.errno != errno.ENOENT:
                yield _failed(entry.path, _reason(e))
            continue
        if is_file:
            yield from _load_any(entry.path, max_bytes)


def _listdir(path: str) -> list[os.DirEntry]:
    with os.scandir(path) as it:
        return sorted((e for e in it if not e.name.startswith(".")), key=lambda e: e.name)


def _load_any(path: str, max_bytes: int) -> Iterator[LoadResult]:
    """A regular file as its pages: a WARC's HTML records (streamed, any size), an MHTML file's HTML part, or
    the file itself."""
    from . import warc

    if warc.has_warc_name(path) or warc.sniff_file(path):
        yield from warc.iter_warc_file(path, max_bytes)
    else:
        yield from _unwrap(_load_file(path, max_bytes), max_bytes)


def _unwrap(result: LoadResult, max_bytes: int) -> Iterator[LoadResult]:
    """Pages held in an archive read whole (stdin, a WARC that only a gunzip revealed): WARC records, MHTML."""
    if result.page is not None:
        from . import mhtml, warc

        if warc.is_warc(result.page.data):
            import io

            yield from warc.iter_warc_stream(io.BytesIO(result.page.data), result.input, max_bytes)
            return
        result = mhtml.unwrap(result)
        if result.page is not None and (reason := _not_a_page(result.page.data)):
            result = _failed(result.input, reason)  # a PDF, an image, binary junk named .html
    yield result


def _load_file(path: str, max_bytes: int) -> LoadResult:
    try:
        # O_NONBLOCK: should the path have become a FIFO since it was listed, opening it must not hang.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        return _failed(path, _reason(e))
    try:
        with open(fd, "rb", buffering=0) as f:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return _failed(path, "not a regular file")
            if st.st_size > max_bytes:
                return _failed(path, f"larger than {_size(max_bytes)}")
            data = _read_capped(f, max_bytes, first=min(st.st_size, max_bytes) + 1)
    except LoadError as e:
        return LoadResult(path, None, e)
    except OSError as e:
        return _failed(path, _reason(e))
    if not data:
        return _failed(path, "empty file")
    return LoadResult(path, Page(data=data, input=path, url=_saved_from_url(data)))


def _load_stdin(stream: BinaryIO, max_bytes: int) -> LoadResult:
    try:
        data = _read_capped(stream, max_bytes, first=_CHUNK)
    except LoadError as e:
        return LoadResult("-", None, e)
    except (OSError, ValueError) as e:  # ValueError: a closed stream
        return _failed("-", _reason(e) if isinstance(e, OSError) else "standard input is closed")
    if not data:
        return _failed("-", "empty input")
    return LoadResult("-", Page(data=data, input="-", url=_saved_from_url(data)))


def _not_a_page(data: bytes) -> str | None:
    """Why ``data`` is not a saved page (a PDF, an image, binary junk named .html), or None.

    The sniffing fetch uses on bodies; UTF-16 without a BOM has NUL bytes but is text.
    """
    if b"<\x00" in data[:64] or b"\x00<" in data[:64]:
        return None
    reason = not_a_page_reason(data, None)
    return f"not an HTML or text page ({reason})" if reason else None


def _read_capped(f: BinaryIO, max_bytes: int, *, first: int) -> bytes:
    """Everything ``f`` holds (gunzipped when it is gzip), or LoadError past ``max_bytes``."""
    head = f.read(first)
    if head.startswith(_GZIP_MAGIC):
        return _gunzip(f, head, max_bytes)
    if len(head) > max_bytes:
        raise LoadError(f"larger than {_size(max_bytes)}")
    more = f.read(_CHUNK)
    if not more:
        return head  # the whole input in one read, as a file of known size mostly is: no copies
    buf = bytearray(head)
    buf += more
    while len(buf) <= max_bytes and (chunk := f.read(_CHUNK)):
        buf += chunk
    if len(buf) > max_bytes:
        raise LoadError(f"larger than {_size(max_bytes)}")
    return bytes(buf)


def _gunzip(f: BinaryIO, pending: bytes, max_bytes: int) -> bytes:
    """Decompress a gzip stream (all its members), stopping as soon as the output passes ``max_bytes``."""
    out = bytearray()
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    while True:
        if not pending:
            pending = f.read(_CHUNK)
            if not pending:
                break
        if d.eof:
            if not pending.startswith(b"\x1f"):
                break  # padding or junk after the last member: ignored, as gzip(1) does
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += d.decompress(pending, max_bytes + 1 - len(out))
        except zlib.error:
            raise LoadError("corrupt gzip") from None
        if len(out) > max_bytes:
            raise LoadError(f"larger than {_size(max_bytes)} once decompressed")
        pending = d.unused_data if d.eof else d.unconsumed_tail
    if not d.eof:
        raise LoadError("truncated gzip")
    return bytes(out)


def _saved_from_url(data: bytes) -> str | None:
    """The URL a browser noted when it saved the page (``<!-- saved from url=(NNNN)URL -->``)."""
    m = _SAVED_FROM_RE.search(data, 0, 1024)
    if not m:
        return None
    url, n = m.group(2), int(m.group(1))
    # The number is the URL's length: it tells where the URL ends when "-->" follows without a space.
    url = url[:n] if 0 < n <= len(url) else url.split(b"-->")[0]
    url = url.decode("utf-8", "replace")
    return url if url.lower().startswith(("http://", "https://")) else None


def _failed(path: str, reason: str) -> LoadResult:
    return LoadResult(path, None, LoadError(reason))


def _reason(e: OSError) -> str:
    if e.errno in _REASONS:
        return _REASONS[e.errno]
    return (e.strerror or "cannot be read").lower()


def _size(n: int) -> str:
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    if n >= 1024 and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"
