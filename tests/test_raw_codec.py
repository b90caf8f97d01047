"""How the store keeps raw pages: zstd frames since schema 6, and every older form still read back exactly.

Real SQLite files under tmp_path; the blobs of older schemas are written the way those versions wrote them.
"""

from __future__ import annotations

import gzip
import sqlite3
import zlib

import pytest
import zstandard

from newsgrab.errors import StoreCorruptError
from newsgrab.models import Article, Page
from newsgrab.store import Store
from newsgrab.storetext import pack_raw, unpack_raw

PAGE = ("<html><body><p>" + "港口委员会周二开会讨论修复旧海堤。 The harbour council met. " * 400 + "</p></body></html>").encode()


def _save(store: Store, n: int, data: bytes = PAGE) -> int:
    article = Article(url=f"https://e.com/{n}", title=f"T{n}", text=f"Body {n} " * 20)
    return store.save(article, Page(data, f"https://e.com/{n}")).id


def _blob(db, id_: int) -> bytes:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT data FROM raw_pages WHERE article_id = ?", (id_,)).fetchone()[0]


def _set_blob(db, id_: int, blob: bytes, size: int | None = None) -> None:
    conn = sqlite3.connect(db)
    with conn:
        if size is None:
            conn.execute("UPDATE raw_pages SET data = ? WHERE article_id = ?", (blob, id_))
        else:
            conn.execute("UPDATE raw_pages SET data = ?, size = ? WHERE article_id = ?", (blob, size, id_))
    conn.close()


def test_saves_are_zstd_frames_smaller_than_zlib_and_read_back_exactly(tmp_path):
    db = tmp_path / "s.db"
    with Store.open(db) as st:
        id_ = _save(st, 1)
        assert st.raw_page(id_).data == PAGE
    blob = _blob(db, id_)
    assert blob[:4] == b"\x28\xb5\x2f\xfd"  # the zstd magic number
    assert zstandard.frame_content_size(blob) == len(PAGE)  # the frame records its size: reads are bounded
    assert zstandard.get_frame_parameters(blob).has_checksum  # and its content's: damage cannot read as a page
    assert len(blob) < len(zlib.compress(PAGE, 1))


@pytest.mark.parametrize("old", ["zlib", "gzip"])
def test_pages_kept_by_earlier_versions_still_read_back(tmp_path, old):
    """A schema-5 store holds zlib streams (compressed by newsgrab) and gzip members (as servers sent them)."""
    db = tmp_path / "s.db"
    with Store.open(db) as st:
        id_ = _save(st, 1)
    _set_blob(db, id_, zlib.compress(PAGE, 1) if old == "zlib" else gzip.compress(PAGE, mtime=0))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 5")
    conn.close()
    with Store.open(db) as st:
        assert st._conn.execute("PRAGMA user_version").fetchone()[0] == 6
        assert st.raw_page(id_).data == PAGE
        assert st.get(id_).article.title == "T1"


@pytest.mark.parametrize(
    "damage",
    ["cut", "flipped", "size-lies-small", "size-lies-big", "zlib-cut", "zlib-longer", "not-compressed"],
)
def test_a_damaged_raw_page_is_a_one_line_store_error(tmp_path, damage):
    db = tmp_path / "s.db"
    with Store.open(db) as st:
        id_ = _save(st, 1)
        keep = _save(st, 2, PAGE + b"<!-- 2 -->")
    blob = _blob(db, id_)
    size = None
    if damage == "cut":
        blob = blob[: len(blob) // 2]
    elif damage == "flipped":
        blob = blob[:20] + bytes(b ^ 0xFF for b in blob[20:60]) + blob[60:]
    elif damage == "size-lies-small":
        size = len(PAGE) - 1
    elif damage == "size-lies-big":
        size = len(PAGE) + 1
    elif damage == "zlib-cut":
        blob = zlib.compress(PAGE)[:-10]
    elif damage == "zlib-longer":
        blob, size = zlib.compress(PAGE + b"x"), len(PAGE)
    else:
        blob = PAGE
    _set_blob(db, id_, blob, size)
    with Store.open(db) as st:
        with pytest.raises(StoreCorruptError) as info:
            st.raw_page(id_)
        assert "raw page of article 1 is damaged" in str(info.value) and "\n" not in str(info.value)
        assert st.raw_page(keep).data == PAGE + b"<!-- 2 -->"  # the other rows are untouched


def test_unpack_never_inflates_past_the_row_size():
    """A damaged row must not turn into a decompression bomb: a frame that claims 1 GiB against a row of 100
    bytes is refused from its header, and a zlib stream stops one byte past the row's size."""
    huge = zstandard.ZstdCompressor(level=1).compress(bytes(1 << 30))
    with pytest.raises(ValueError, match="the frame says 1073741824 bytes"):
        unpack_raw(huge, 100)
    bomb = zlib.compress(bytes(1 << 28), 9)
    with pytest.raises(ValueError, match="101 bytes where the row says 100"):
        unpack_raw(bomb, 100)


def test_pack_and_unpack_round_trip_edge_sizes():
    for data in (b"", b"x", bytes(range(256)) * 1000):
        assert unpack_raw(pack_raw(data), len(data)) == data


def test_history_keeps_the_replaced_page_and_survives_a_damaged_row(tmp_path):
    db = tmp_path / "s.db"
    with Store.open(db) as st:
        id_ = _save(st, 1)
        newer = PAGE.replace(b"harbour", b"harbor")
        st.replace_page(id_, Article(url="https://e.com/1", title="T1b", text="Body 1b " * 20), Page(newer, "https://e.com/1"))
        assert st.raw_page(id_).data == newer
        [old] = st.history(id_)
        assert old.page is not None and old.page.data == PAGE and old.article.title == "T1"
    conn = sqlite3.connect(db)
    with conn:
        # A row no version writes (an older schema's zlib page without its size): "no page", not a crash.
        conn.execute("UPDATE history SET data = ?, size = NULL", (zlib.compress(PAGE),))
    conn.close()
    with Store.open(db) as st:
        [old] = st.history(id_)
        assert old.page is None and old.article.title == "T1"
