"""WARC in and out (ISO 28500, WARC/1.0 and 1.1), with warcio doing the record parsing and framing.

Reading (``newsgrab clean FILE.warc[.gz]``): :func:`iter_warc_file` yields one :class:`~newsgrab.load.LoadResult`
per HTML page in the archive, lazily, with constant memory whatever the archive's size:

* pages are the ``response`` records with a 2xx HTTP status and an HTML Content-Type (or none, and a body
  that looks like HTML), and ``resource`` records of type text/html; ``request``, ``metadata``, ``revisit``,
  ``warcinfo`` records and non-HTML responses (images, scripts, redirects, 404s) are skipped;
* each page is its own input, named ``FILE#record-N`` where N is the record's position in the file counting
  every record from 1 (the N-th record ``warcio index FILE`` lists); its URL is the record's
  WARC-Target-URI, its content type (and so its charset) the HTTP Content-Type header, its fetch time the
  WARC-Date, and ETag / Last-Modified come from the HTTP headers;
* the body is given as the server meant it: chunked transfer coding and Content-Encoding undone;
* a file that does not start with ``WARC/1.`` (after gunzipping) is a failed input, and so is an archive
  with no HTML page in it;
* a **truncated** archive is a failed input (``truncated WARC after record N``) that still yields every page
  read before the cut. warcio reads a cut-off archive quietly (it returns the short record, or stops at a
  cut gzip member without a word), so the cut is detected here: the gzip layer is decompressed by
  :class:`_Gunzip`, which knows when the file ends inside a member, and each record is checked to have as
  many bytes as its Content-Length says.

Writing: :class:`WarcWriter` appends records to a ``.warc`` or (per-record gzip) ``.warc.gz`` file:

* ``fetch --warc``: a ``warcinfo`` record per run, then for every HTTP exchange (each redirect hop, each
  retry, robots.txt) a ``request`` record and a ``response`` record. The response block is the status line
  and the header fields **as the server sent them** (names, case, order) and the body **as it came off the
  wire**: Content-Encoding is *not* undone (gzip stays gzip, and WARC-Payload-Digest is that of those
  bytes). The one exception is chunked transfer coding, which the HTTP client removes before newsgrab sees
  the body: such a response is written de-chunked, with its ``Transfer-Encoding`` field renamed
  ``X-Newsgrab-Transfer-Encoding`` so readers do not try to de-chunk it again. A body cut by the size cap
  is written as far as it was read, with ``WARC-Truncated: length``.
* ``export --format warc``: one ``response`` record per stored article, from its stored raw page. The
  store keeps the decoded body and Content-Type, ETag and Last-Modified, not the original header block, so
  the HTTP header is rebuilt from those (``HTTP/1.1 200 OK``, Content-Type, Content-Length, ETag,
  Last-Modified) and the body is byte-identical to the stored page. A page that came from a file and has no
  http(s) URL becomes a ``resource`` record named ``urn:newsgrab:article:ID``. Each record carries
  ``Newsgrab-Article-Id``.
"""

from __future__ import annotations

import io
import os
import stat
import zlib
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO

from .errors import LoadError, NewsgrabError
from .load import LoadResult
from .models import Page, utcnow

__all__ = ["is_warc", "sniff_file", "has_warc_name", "iter_warc_file", "iter_warc_stream", "WarcWriter", "MAGIC"]

MAGIC = b"WARC/1."
_GZIP = b"\x1f\x8b"
_CHUNK = 256 * 1024
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/vnd.wap.xhtml+xml")


# ---------------------------------------------------------------------------------------------- sniffing
def is_warc(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a file, gunzipped) starts like a WARC record."""
    return head.startswith(MAGIC)


def has_warc_name(path: str) -> bool:
    low = path.lower()
    return low.endswith((".warc", ".warc.gz"))


def sniff_file(path: str) -> bool:
    """True when the file at ``path`` is a WARC (plain or gzip), by content. Never raises: a file that
    cannot be opened is left to the loader to report."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        with open(fd, "rb", buffering=0) as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                return False
            head = f.read(4096)
    except OSError:
        return False
    if head.startswith(_GZIP):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return is_warc(head)


# ---------------------------------------------------------------------------------------------- reading
class _Gunzip(io.RawIOBase):
    """Multi-member gzip decompression as a stream, which remembers whether the input ended inside a member
    (``truncated``). Junk after the last member is ignored, as gzip(1) does."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self.pending = b""
        self.buf = b""
        self.done = False
        self.truncated = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        # Fill up to a useful size (not just one byte): peek() must see a whole "WARC/1." when there is one.
        while len(self.buf) < min(len(b), 4096) and not self.done:
            self._fill()
        n = min(len(b), len(self.buf))
        b[:n] = self.buf[:n]
        self.buf = self.buf[n:]
        return n

    def _fill(self) -> None:
        if not self.pending:
            self.pending = self.raw.read(_CHUNK)
            if not self.pending:
                self.done = True
                self.truncated = not self.d.eof
                return
        if self.d.eof:
            if not self.pending.startswith(b"\x1f"):
                self.done = True  # trailing junk or padding
                return
            self.d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            self.buf += self.d.decompress(self.pending, _CHUNK)
        except zlib.error:
            raise LoadError("corrupt gzip in WARC") from None
        self.pending = self.d.unused_data if self.d.eof else self.d.unconsumed_tail


def _iterator_class() -> type:
    from warcio.archiveiterator import ArchiveIterator

    class _Records(ArchiveIterator):
        # warcio prints a warning with the record's bytes to stderr when a record is not followed by blank
        # lines; newsgrab reports damage itself and keeps page bytes off the terminal.
        INC_RECORD = ""

        def _next_record(self, next_line: Any) -> Any:
            try:
                return super()._next_record(next_line)
            except EOFError:
                # warcio takes any EOFError here for the end of the archive, even when a record's header
                # block had begun (a header line was read, or this is the first record of a file that
                # starts with WARC/1.): that is a cut, not an end.
                if next_line or self.record is None:
                    raise _CutShort() from None
                raise

    return _Records


class _CutShort(Exception):
    """The archive ends inside a record's header block."""


def iter_warc_file(path: str, max_bytes: int) -> Iterator[LoadResult]:
    """The pages of the WARC file at ``path``, one LoadResult each (see the module docstring)."""
    from .load import _reason

    try:
        # As load.py opens files: a path that became a FIFO must not block, a device is refused.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        yield LoadResult(path, None, LoadError(_reason(e)))
        return
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            yield LoadResult(path, None, LoadError("not a regular file"))
            return
        yield from iter_warc_stream(f, path, max_bytes)


def iter_warc_stream(raw: BinaryIO, name: str, max_bytes: int) -> Iterator[LoadResult]:
    """The pages of the WARC read from ``raw``; inputs are named ``NAME#record-N``."""
    buffered = raw if hasattr(raw, "peek") else io.BufferedReader(raw, _CHUNK)  # type: ignore[arg-type]
    gunzip: _Gunzip | None = None
    try:
        if buffered.peek(2)[:2] == _GZIP:
            gunzip = _Gunzip(buffered)
            stream: Any = io.BufferedReader(gunzip, _CHUNK)
        else:
            stream = buffered
        head = stream.peek(len(MAGIC))[: len(MAGIC)]
        if not is_warc(head):
            if gunzip is not None and gunzip.truncated and MAGIC.startswith(head):
                yield LoadResult(name, None, LoadError("truncated WARC (gzip cut short in the first record)"))
            else:
                yield LoadResult(name, None, LoadError("not a WARC file (no WARC/1. header)"))
            return
    except LoadError as e:
        yield LoadResult(name, None, e)
        return
    except OSError as e:
        yield LoadResult(name, None, LoadError((e.strerror or "cannot be read").lower()))
        return

    records = _iterator_class()(stream)
    n = pages = 0
    prev: Any = None
    problem: str | None = None
    try:
        for rec in records:
            if prev is not None and _cut(prev):
                problem = _truncated(n - 1)
                break
            n += 1
            if rec.rec_type is None or not (rec.rec_headers.get_header("Content-Length") or "").strip().isdigit():
                if _at_end(stream):  # the header block itself was cut
                    problem = _truncated(n - 1)
                else:
                    problem = f"damaged WARC at record {n} (no WARC-Type or Content-Length)"
                break
            result = _page(rec, name, n, max_bytes)
            if result is None:
                prev = rec  # warcio reads the rest of it; checked at the next turn
                continue
            _drain(rec)
            if _cut(rec):
                problem = _truncated(n - 1)
                break
            prev = None
            pages += 1
            yield result
        else:
            if prev is not None and _cut(prev):
                problem = _truncated(n - 1)
    except _CutShort:
        problem = _truncated(n)
    except LoadError as e:
        problem = f"{e} (after record {n})"
    except Exception as e:  # warcio on a damaged header block: AttributeError, ValueError, its own errors
        if _at_end(stream):
            problem = _truncated(n)
        else:
            problem = f"damaged WARC after record {n} ({type(e).__name__}: {' '.join(str(e).split())[:120]})"
    finally:
        records.close()
    if problem is None and gunzip is not None and gunzip.truncated:
        problem = f"truncated WARC (gzip cut short after record {n})"
    if problem is not None:
        yield LoadResult(name, None, LoadError(problem))
    elif pages == 0:
        yield LoadResult(name, None, LoadError(f"no HTML page in this WARC ({n} record{'s' if n != 1 else ''})"))


def _truncated(complete: int) -> str:
    return f"truncated WARC after record {complete}" if complete > 0 else "truncated WARC (cut in its first record)"


def _at_end(stream: Any) -> bool:
    try:
        return not stream.peek(1)
    except (OSError, ValueError, LoadError):
        return False


def _cut(rec: Any) -> bool:
    """True when the record ended before its Content-Length (the file was cut inside it)."""
    return getattr(rec.raw_stream, "limit", 0) > 0


def _drain(rec: Any) -> None:
    while rec.raw_stream.read(_CHUNK):
        pass


def _is_html_type(content_type: str | None) -> bool:
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    return mime in _HTML_TYPES


def _page(rec: Any, name: str, n: int, max_bytes: int) -> LoadResult | None:
    """The page a record holds, a failed result for an HTML record that cannot be read, or None to skip."""
    kind = rec.rec_type
    uri = rec.rec_headers.get_header("WARC-Target-URI") or None
    etag = modified = None
    if kind == "response":
        http = rec.http_headers
        if http is None:
            return None
        status = (http.get_statuscode() or "").strip()
        if not status.startswith("2"):
            return None
        ctype = http.get_header("Content-Type")
        etag, modified = http.get_header("ETag"), http.get_header("Last-Modified")
        if ctype and not _is_html_type(ctype):
            return None
    elif kind == "resource":
        ctype = rec.rec_headers.get_header("Content-Type")
        if not _is_html_type(ctype):
            return None
    else:
        return None
    label = f"{name}#record-{n}"
    try:
        body = _read_capped(rec.content_stream(), max_bytes)
    except LoadError as e:
        return LoadResult(label, None, e)
    except Exception as e:  # an unknown or broken Content-Encoding, bad chunking
        return LoadResult(label, None, LoadError(f"cannot decode the record's body ({type(e).__name__})"))
    if not body.strip():
        return LoadResult(label, None, LoadError("empty record"))
    if not ctype:
        from ._decode_body import looks_like_html

        if not looks_like_html(body):
            return None
    if uri and not uri.lower().startswith(("http://", "https://")):
        uri = None
    return LoadResult(label, Page(
        data=body, input=label, url=uri, content_type=ctype, fetched_at=_warc_date(rec) or utcnow(),
        etag=etag, last_modified=modified,
    ))


def _read_capped(stream: Any, max_bytes: int) -> bytes:
    buf = bytearray()
    while chunk := stream.read(_CHUNK):
        buf += chunk
        if len(buf) > max_bytes:
            from .load import _size

            raise LoadError(f"record larger than {_size(max_bytes)}")
    return bytes(buf)


def _warc_date(rec: Any) -> datetime | None:
    value = rec.rec_headers.get_header("WARC-Date")
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------- writing
def _warc_datetime(dt: datetime | None) -> str:
    dt = (dt or utcnow()).astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _digest(data: bytes) -> str:
    from warcio.utils import Digester

    d = Digester("sha1")
    d.update(data)
    return str(d)


def _header_block(first_line: str, fields: list[tuple[bytes, bytes]]) -> bytes:
    out = bytearray(first_line.encode("latin-1", "replace") + b"\r\n")
    for name, value in fields:
        out += name + b": " + value + b"\r\n"
    out += b"\r\n"
    return bytes(out)


class WarcWriter:
    """Appends WARC/1.0 records to a binary stream, each record its own gzip member when ``gzip``."""

    def __init__(self, out: BinaryIO, *, gzip: bool = True, filename: str | None = None, owns: bool = False) -> None:
        from warcio.warcwriter import WARCWriter

        self.out = out
        self.owns = owns  # close ``out`` on close()
        self.filename = filename
        self._w = WARCWriter(out, gzip=gzip, warc_version="1.0")
        self._info_id: str | None = None
        self.records = 0

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> "WarcWriter":
        """Append to ``path`` (created if needed); gzip records when the name ends in ``.gz``."""
        name = os.fspath(path)
        f = open(name, "ab")
        return cls(f, gzip=name.lower().endswith(".gz"), filename=os.path.basename(name), owns=True)

    def close(self) -> None:
        try:
            self.out.flush()
        finally:
            if self.owns:
                self.out.close()

    def __enter__(self) -> "WarcWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- records
    def _write(self, kind: str, uri: str | None, block: bytes, *, date: datetime | None, content_type: str,
               payload: bytes | None = None, extra: list[tuple[str, str]] | None = None) -> str:
        from warcio.recordloader import ArcWarcRecord
        from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser

        record_id = StatusAndHeadersParser.make_warc_id()
        fields = [("WARC-Type", kind), ("WARC-Record-ID", record_id), ("WARC-Date", _warc_datetime(date))]
        if uri:
            fields.append(("WARC-Target-URI", uri))
        if self._info_id and kind != "warcinfo":
            fields.append(("WARC-Warcinfo-ID", self._info_id))
        fields += extra or []
        fields.append(("WARC-Block-Digest", _digest(block)))
        if payload is not None:
            fields.append(("WARC-Payload-Digest", _digest(payload)))
        headers = StatusAndHeaders("", fields, protocol="WARC/1.0")
        record = ArcWarcRecord("warc", kind, headers, io.BytesIO(block), None, content_type, len(block))
        try:
            self._w.write_record(record)
        except OSError as e:  # disk full, closed pipe...: the batch cannot keep its promise of a WARC
            where = f" {self.filename}" if self.filename else ""
            raise NewsgrabError(f"cannot write WARC{where}: {(e.strerror or str(e)).lower()}") from None
        self.records += 1
        return record_id

    def write_warcinfo(self, fields: dict[str, str]) -> None:
        block = "".join(f"{k}: {v}\r\n" for k, v in fields.items() if v).encode("utf-8")
        extra = [("WARC-Filename", self.filename)] if self.filename else []
        self._info_id = None
        self._info_id = self._write("warcinfo", None, block, date=None, content_type="application/warc-fields",
                                    extra=extra)

    def write_exchange(self, ex: Any) -> None:
        """A request record and a response record for one HTTP exchange (``fetch.Exchange``)."""
        response_fields = []
        for name, value in ex.response_headers:
            if name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                name = b"X-Newsgrab-Transfer-Encoding"  # the body below is de-chunked already
            response_fields.append((name, value))
        head = _header_block(f"{ex.http_version} {ex.status} {ex.reason}".rstrip(), response_fields)
        ip = [("WARC-IP-Address", ex.ip)] if ex.ip else []
        truncated = [("WARC-Truncated", "length")] if ex.truncated else []
        response_id = self._write("response", ex.url, head + ex.body, date=ex.started_at,
                                  content_type="application/http; msgtype=response", payload=ex.body,
                                  extra=ip + truncated)
        request = _header_block(f"{ex.method} {ex.target} {ex.http_version}", list(ex.request_headers))
        self._write("request", ex.url, request, date=ex.started_at, content_type="application/http; msgtype=request",
                    payload=b"", extra=[("WARC-Concurrent-To", response_id)] + ip)

    def write_page(self, page: Page, *, article_id: int | None = None, url: str | None = None) -> None:
        """A stored raw page as a ``response`` record (``resource`` when it has no http(s) URL)."""
        target = page.url or url
        extra = [("Newsgrab-Article-Id", str(article_id))] if article_id is not None else []
        ctype = (page.content_type or "text/html").replace("\r", " ").replace("\n", " ")
        if target and target.lower().startswith(("http://", "https://")):
            fields = [(b"Content-Type", ctype.encode("latin-1", "replace")),
                      (b"Content-Length", str(len(page.data)).encode())]
            if page.etag:
                fields.append((b"ETag", _field(page.etag)))
            if page.last_modified:
                fields.append((b"Last-Modified", _field(page.last_modified)))
            block = _header_block("HTTP/1.1 200 OK", fields) + page.data
            self._write("response", target, block, date=page.fetched_at,
                        content_type="application/http; msgtype=response", payload=page.data, extra=extra)
        else:
            target = f"urn:newsgrab:article:{article_id}" if article_id is not None else None
            self._write("resource", target, page.data, date=page.fetched_at, content_type=ctype, payload=page.data,
                        extra=extra)


def _field(value: str) -> bytes:
    return " ".join(value.split()).encode("latin-1", "replace")
