"""Size-capped Content-Encoding decoding and "is this really a web page?" sniffing.

This is the byte-level half of :mod:`newsgrab.fetch`, kept apart so it can be tested and reused without a
network stack: it must not import httpx.

Why not let httpx decode?  httpx's decoders inflate a whole network chunk at once, with no limit, so a
200 KB gzip bomb becomes 200 MB in memory before we could look at the size.  Here every decompressor is
driven with a bounded ``max_length`` and the cap applies to the *decoded* size, so peak memory stays at
about the cap plus one chunk.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable, Iterator

__all__ = [
    "BodyError",
    "BodyTooLarge",
    "BodyDecoder",
    "inflate_gzip",
    "gzip_head",
    "accept_encoding",
    "format_size",
    "sniff_binary",
    "looks_like_html",
    "not_a_page_reason",
]

CHUNK = 64 * 1024  # most bytes any decompressor may produce per call

try:  # optional codecs: offered to servers only when we can decode them
    import brotli as _brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None
try:
    import zstandard as _zstd  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _zstd = None


class BodyError(Exception):
    """The body cannot be decoded (bad or unsupported Content-Encoding, truncated stream)."""


class BodyTooLarge(BodyError):
    """The decoded body grew past the cap."""


def format_size(n: int) -> str:
    """``10485760`` -> ``10 MiB``; used in messages like ``larger than 10 MiB``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    return f"{n} bytes"


def accept_encoding() -> str:
    """The Accept-Encoding we send: only codings we can decode under the cap."""
    codings = ["gzip", "deflate"]
    if _brotli is not None:
        codings.append("br")
    if _zstd is not None:
        codings.append("zstd")
    return ", ".join(codings)


# --- decompressors -------------------------------------------------------------------------------------
# Each stage turns input bytes into output chunks of at most CHUNK bytes, lazily, so that the caller can
# stop as soon as the cap is passed without the stage having produced the rest.


class _Zlib:
    """gzip (possibly multi-member) or deflate (zlib-wrapped, or raw as some servers send it)."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._d: zlib._Decompress | None = None
        self._head = b""  # deflate: the first bytes, kept until we know if there is a zlib header
        self._done = False  # trailing garbage after the last gzip member is ignored, like browsers do
        self.one_stream = True  # one gzip member or zlib stream, nothing after it (see BodyDecoder.storable)

    def _new(self, first: bytes) -> zlib._Decompress:
        if self.coding == "deflate":
            cmf, flg = first[0], first[1]
            wrapped = cmf & 0x0F == 8 and (cmf << 8 | flg) % 31 == 0
            self.one_stream = wrapped  # raw deflate has no header: zlib.decompress(data, 47) cannot read it
            return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return zlib.decompressobj(32 + zlib.MAX_WBITS)  # gzip, or zlib mislabelled as gzip

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._done or not data:
            return
        if self._d is None:
            data = self._head + data
            if len(data) < 2:
                self._head = data
                return
            self._head = b""
            self._d = self._new(data)
        while True:
            try:
                out = self._d.decompress(data, CHUNK)
            except zlib.error as exc:
                raise BodyError(f"corrupt {self.coding} data") from exc
            if out:
                yield out
            if self._d.eof:
                rest = self._d.unused_data
                if rest:
                    self.one_stream = False
                if self.coding != "deflate" and rest[:2] == b"\x1f\x8b":  # another gzip member
                    self._d = zlib.decompressobj(32 + zlib.MAX_WBITS)
                    data = rest
                    continue
                self._done = True
                return
            data = self._d.unconsumed_tail
            # Output stopped at CHUNK with input used up: zlib may still hold output; ask again.
            if not data and len(out) < CHUNK:
                return

    def finish(self) -> Iterator[bytes]:
        if self._done:
            return
        if self._d is None:
            if self._head:
                raise BodyError(f"truncated {self.coding} data")
            return  # empty body: nothing to decode
        while not self._d.eof:
            out = self._d.decompress(b"", CHUNK)
            if not out:
                raise BodyError(f"truncated {self.coding} data")
            yield out


class _Brotli:
    """br. brotli >= 1.2 bounds each call's output (``output_buffer_limit``); older releases cannot, and are
    fed in small slices (a bomb's output then still grows with each slice)."""

    def __init__(self) -> None:
        self._d = _brotli.Decompressor()
        self._limited = True  # until a release without output_buffer_limit says otherwise

    def _process(self, data: bytes) -> bytes:
        if self._limited:
            try:
                return self._d.process(data, output_buffer_limit=CHUNK)
            except TypeError:
                self._limited = False
        return self._d.process(data)

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            if not self._limited:
                for i in range(0, len(data), 1024):
                    out = self._d.process(data[i : i + 1024])
                    for j in range(0, len(out), CHUNK):
                        yield out[j : j + CHUNK]
                return
            out = self._process(data)
            while True:
                if out:
                    yield out
                # More output is pending until the decoder can take input again.
                if not out or self._d.is_finished() or self._d.can_accept_more_data():
                    return
                out = self._process(b"")
        except _brotli.error as exc:
            raise BodyError("corrupt br data") from exc

    def finish(self) -> Iterator[bytes]:
        if self._limited:  # input the decoder took may still hold output
            while not self._d.is_finished():
                try:
                    out = self._process(b"")
                except _brotli.error as exc:
                    raise BodyError("corrupt br data") from exc
                if not out:
                    break
                yield out
        if hasattr(self._d, "is_finished") and not self._d.is_finished():
            raise BodyError("truncated br data")


class _Zstd:
    """zstd, fed in 8-byte slices: a zstd block can expand to 128 KiB from 4 bytes (an RLE block) and
    zstandard's decompressobj cannot bound its output, so a call yields at most ~256 KiB. Frames may follow
    each other (like gzip members)."""

    def __init__(self) -> None:
        self._d = _zstd.ZstdDecompressor().decompressobj()
        self._open = False  # bytes fed to a frame that has not ended

    def feed(self, data: bytes) -> Iterator[bytes]:
        i = 0
        while i < len(data):
            self._open = True
            try:
                out = self._d.decompress(data[i : i + 8])
            except _zstd.ZstdError as exc:
                raise BodyError("corrupt zstd data") from exc
            i += 8
            for j in range(0, len(out), CHUNK):
                yield out[j : j + CHUNK]
            if self._d.eof:  # a frame ended: another may follow
                data, i = self._d.unused_data + data[i:], 0
                self._d = _zstd.ZstdDecompressor().decompressobj()
                self._open = False

    def finish(self) -> Iterator[bytes]:
        if self._open:
            raise BodyError("truncated zstd data")
        return iter(())


def _stage(coding: str):
    if coding in ("gzip", "x-gzip", "deflate"):
        return _Zlib("deflate" if coding == "deflate" else "gzip")
    if coding == "br" and _brotli is not None:
        return _Brotli()
    if coding == "zstd" and _zstd is not None:
        return _Zstd()
    raise BodyError(f"unsupported Content-Encoding: {coding}")


class BodyDecoder:
    """Undo a Content-Encoding under a size cap, chunk by chunk.

    ``feed(raw)`` for each network chunk, then ``finish()`` returns the decoded body.  Raises
    :class:`BodyTooLarge` as soon as the decoded size passes ``cap`` (unless ``truncate`` is set, in which
    case the body is cut at the cap and ``truncated`` becomes True, as robots.txt parsing wants), and
    :class:`BodyError` for an unsupported or corrupt encoding.
    """

    def __init__(self, content_encoding: str | None, cap: int, *, truncate: bool = False) -> None:
        codings = [c.strip().lower() for c in (content_encoding or "").split(",")]
        # Listed in the order they were applied; undo them last first.
        self._stages = [_stage(c) for c in reversed(codings) if c and c != "identity"]
        self.cap = cap
        self.truncate = truncate
        self.truncated = False
        self._buf = io.BytesIO()  # getvalue() hands over its buffer without a second copy
        self._size = 0

    def _run(self, chunks: Iterable[bytes], level: int) -> None:
        # Pass each chunk through the remaining stages; every stage's output counts against the cap too,
        # so a bomb in an outer layer is stopped as early as one in the inner layer.
        for chunk in chunks:
            if self.truncated:
                return
            if level == len(self._stages):
                self._write(chunk)
            else:
                self._run(self._stages[level].feed(chunk), level + 1)

    def _write(self, chunk: bytes) -> None:
        if self._size + len(chunk) > self.cap:
            if not self.truncate:
                raise BodyTooLarge(f"larger than {format_size(self.cap)}")
            chunk = chunk[: self.cap - self._size]
            self.truncated = True
        self._buf.write(chunk)
        self._size += len(chunk)

    def feed(self, raw: bytes) -> None:
        self._run((raw,), 0)

    @property
    def storable(self) -> bool:
        """Whether the body as it came (the bytes fed in) is, by itself, the decoded body compressed in a form
        the store reads back with ``zlib.decompress(blob, 47)``: one gzip member or zlib stream, nothing
        before or after it, decoded whole (not truncated). Then fetch hands those bytes to the store, which
        keeps them instead of compressing the page again. Meaningful once :meth:`finish` has run."""
        if self.truncated or len(self._stages) != 1:
            return False
        stage = self._stages[0]
        return isinstance(stage, _Zlib) and stage._d is not None and stage._d.eof and stage.one_stream

    def finish(self) -> bytes:
        if not self.truncated:
            for level, stage in enumerate(self._stages):
                self._run(stage.finish(), level + 1)
        data = self._buf.getvalue()
        self._buf = io.BytesIO()
        return data


def inflate_gzip(blob: bytes, cap: int) -> tuple[bytes, bool]:
    """A gzip body (as fetch left it for the extraction worker): the page, under ``cap``, and whether ``blob``
    alone is the page compressed as the store keeps pages (:attr:`BodyDecoder.storable`). Raises
    :class:`BodyTooLarge` / :class:`BodyError` as fetch would have."""
    decoder = BodyDecoder("gzip", cap)
    decoder.feed(blob)
    data = decoder.finish()
    return data, decoder.storable


SNIFF_BYTES = 2048  # more than the sniffing below reads (WHATWG's 1445)


def gzip_head(blob: bytes) -> bytes:
    """The first :data:`SNIFF_BYTES` of what a gzip (or zlib) body inflates to, for sniffing; BodyError if it
    does not start as one."""
    try:
        return zlib.decompressobj(32 + zlib.MAX_WBITS).decompress(blob, SNIFF_BYTES)
    except zlib.error as exc:
        raise BodyError("corrupt gzip data") from exc


# --- sniffing ------------------------------------------------------------------------------------------

# (prefix, offset, name): file signatures that no HTML or text page starts with.
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "png"),
    (b"\xff\xd8\xff", 0, "jpeg"),
    (b"GIF87a", 0, "gif"),
    (b"GIF89a", 0, "gif"),
    (b"WEBP", 8, "webp"),  # after RIFF....; checked with the RIFF prefix below
    (b"PK\x03\x04", 0, "zip"),
    (b"PK\x05\x06", 0, "zip"),
    (b"\x1f\x8b", 0, "gzip"),
    (b"\x28\xb5\x2f\xfd", 0, "zstd"),
    (b"\xfd7zXZ\x00", 0, "xz"),
    (b"7z\xbc\xaf\x27\x1c", 0, "7z"),
    (b"Rar!\x1a\x07", 0, "rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, "ms-office"),
    (b"%!PS", 0, "postscript"),
    (b"\x7fELF", 0, "executable"),
    (b"SQLite format 3\x00", 0, "sqlite"),
    (b"II*\x00", 0, "tiff"),
    (b"MM\x00*", 0, "tiff"),
    (b"ftyp", 4, "mp4"),
    (b"OggS", 0, "ogg"),
    (b"ID3", 0, "mp3"),
    (b"fLaC", 0, "flac"),
    (b"\x1aE\xdf\xa3", 0, "webm"),
    (b"wOFF", 0, "font"),
    (b"wOF2", 0, "font"),
    (b"\x00\x01\x00\x00\x00", 0, "font"),
    (b"\x00\x00\x01\x00", 0, "ico"),
    (b"BM", 0, "bmp"),  # refined below: "BM" alone could start a text
)

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# Bytes that never occur in text (WHATWG MIME sniffing "binary data byte").
_BINARY = frozenset(set(range(0x00, 0x09)) | {0x0B} | set(range(0x0E, 0x1B)) | set(range(0x1C, 0x20)))
_HTML_STARTS = (
    b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<script", b"<style",
    b"<iframe", b"<table", b"<div", b"<font", b"<p>", b"<p ", b"<a ", b"<b>", b"<br", b"<h1", b"<!--",
    b"<?xml",
)  # fmt: skip


def sniff_binary(data: bytes) -> str | None:
    """Name of the binary format ``data`` starts with (``pdf``, ``png``, ...), or None."""
    head = data[:64]
    for magic, offset, name in _MAGIC:
        if head[offset : offset + len(magic)] != magic:
            continue
        if name == "webp" and head[:4] != b"RIFF":
            continue
        if name == "bmp" and not (len(head) >= 18 and head[6:10] == b"\0\0\0\0"):  # reserved fields
            continue
        return name
    return None


def looks_like_html(data: bytes) -> bool:
    """True when the first bytes look like markup (what a browser's sniffer would call HTML)."""
    head = data[:1024]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if head[:2] in (b"\x00<", b"<\x00"):  # UTF-16 without a BOM
        head = head.replace(b"\x00", b"")
    start = head.lstrip().lower()
    if start.startswith(_HTML_STARTS):
        return True
    return any(tag in head.lower() for tag in (b"<html", b"<body", b"<!doctype html"))


def _looks_like_text(data: bytes) -> bool:
    head = data[:1445]  # WHATWG's resource header length
    if head.startswith(_BOMS):
        return True
    return not any(b in _BINARY for b in head)


def not_a_page_reason(data: bytes, content_type: str | None) -> str | None:
    """Why ``data`` is not an HTML/text page (e.g. ``pdf``), or None when it may be one.

    Signatures win over the Content-Type: servers label PDFs and images ``text/html`` often enough.  A
    Content-Type naming HTML/XML/text is otherwise trusted; any other type (``application/octet-stream``
    and friends) is accepted only when the bytes look like HTML; with no Content-Type, text will do.
    """
    kind = sniff_binary(data)
    if kind:
        return kind
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if not mime:
        return None if looks_like_html(data) or _looks_like_text(data) else "binary"
    if mime.startswith("text/") or "html" in mime or "xml" in mime:
        return None
    return None if looks_like_html(data) else mime
