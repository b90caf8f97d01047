"""MHTML in: pages saved by browsers as one .mht/.mhtml file (multipart/related; quoted-printable, base64)."""

from __future__ import annotations

import base64
import gzip
import quopri

from conftest import PAGES, jsonl
from newsdata import page

from newsgrab.load import iter_inputs
from newsgrab.mhtml import is_mhtml

ZH = (PAGES / "cli-zh.html").read_bytes()  # UTF-8, no charset declared: Chrome's parts carry none either
GB_TITLE = "国务院发布关于促进消费的新措施"
GB_PAGE = page(GB_TITLE, ["国务院今天发布了关于促进消费的二十条新措施，涉及汽车、家电、旅游和文化等多个领域。" * 2,
                          "有关部门负责人表示，这些措施将在年内全部落实，预计拉动消费超过一万亿元。" * 2],
               charset=None).encode("gb2312")
PNG = base64.encodebytes(b"\x89PNG\r\n\x1a\n" + bytes(200)).decode()


def chrome_mhtml(html: bytes, url: str = "https://news.example.com/2024/05/story.html") -> bytes:
    """As Chrome's "Save as: Webpage, single file" writes it: QP HTML without a charset, images in base64."""
    b = "----MultipartBoundary--wtz0AbCdEf----"
    qp = quopri.encodestring(html).decode("ascii")
    return (
        "From: <Saved by Blink>\r\n"
        f"Snapshot-Content-Location: {url}\r\n"
        "Subject: =?utf-8?Q?=E5=B8=82=E6=94=BF=E5=BA=9C?=\r\n"
        "Date: Sun, 12 May 2024 08:00:00 -0000\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/related;\r\n"
        '\ttype="text/html";\r\n'
        f'\tboundary="{b}"\r\n\r\n\r\n'
        f"--{b}\r\n"
        "Content-Type: text/html\r\n"
        "Content-ID: <frame-5F2A@mhtml.blink>\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        f"Content-Location: {url}\r\n\r\n"
        f"{qp}\r\n"
        f"--{b}\r\n"
        "Content-Type: image/png\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-Location: https://news.example.com/logo.png\r\n\r\n"
        f"{PNG}\r\n"
        f"--{b}--\r\n"
    ).encode("ascii")


def ie_mhtml(html: bytes, charset: str = "gb2312", start: bool = False) -> bytes:
    """As Internet Explorer / Word write it: the charset in the part's Content-Type, base64 body. With
    ``start``, the HTML part comes second and the ``start`` parameter names it."""
    b = "----=_NextPart_000_0000_01DA1234.56789ABC"
    html_part = (
        f"--{b}\r\n"
        f'Content-Type: text/html; charset="{charset}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        "Content-ID: <main.page@example>\r\n"
        "Content-Location: http://www.example.cn/news/2024/0512/1.htm\r\n\r\n"
        + base64.encodebytes(html).decode("ascii") + "\r\n"
    )
    decoy = (
        f"--{b}\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n"
        "Content-Location: http://ads.example.cn/frame.htm\r\n\r\n"
        "<html><body><p>Advertisement frame</p></body></html>\r\n"
    )
    parts = decoy + html_part if start else html_part
    start_param = '; start="<main.page@example>"' if start else ""
    return (
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/related; boundary="{b}"; type="text/html"{start_param}\r\n'
        "X-MimeOLE: Produced By Microsoft MimeOLE V6.1\r\n\r\n"
        "This is a multi-part message in MIME format.\r\n\r\n"
        + parts + f"--{b}--\r\n"
    ).encode("ascii")


def test_chrome_mhtml(run, tmp_path):
    (tmp_path / "story.mhtml").write_bytes(chrome_mhtml(ZH))
    p = run("clean", "--store", str(tmp_path / "s.db"), "--format", "jsonl", "story.mhtml")
    assert p.returncode == 0, p.stderr
    [line] = jsonl(p.stdout)
    assert line["status"] == "saved" and line["input"] == "story.mhtml"
    assert line["url"] == "https://news.example.com/2024/05/story.html"  # Snapshot-Content-Location
    assert line["title"] == "市政府公布新的公共交通计划"
    shown = jsonl(run("show", "--store", str(tmp_path / "s.db"), "--format", "jsonl", "1").stdout)[0]
    assert "政府表示,新计划将让市民的平均通勤时间缩短二十分钟" in shown["text"]  # QP decoded (=3D, soft breaks)
    assert "PNG" not in shown["text"]


def test_part_charset_decides(tmp_path):
    (tmp_path / "ie.mht").write_bytes(ie_mhtml(GB_PAGE))
    [r] = list(iter_inputs([str(tmp_path / "ie.mht")]))
    assert r.error is None
    assert r.page.data == GB_PAGE  # base64 undone, bytes as saved
    assert r.page.content_type == 'text/html; charset="gb2312"'
    assert r.page.url == "http://www.example.cn/news/2024/0512/1.htm"  # the part's Content-Location
    from newsgrab import extract

    assert extract(r.page.data, content_type=r.page.content_type).title == GB_TITLE


def test_start_parameter_picks_the_root(tmp_path):
    (tmp_path / "s.mht").write_bytes(ie_mhtml(GB_PAGE, start=True))
    [r] = list(iter_inputs([str(tmp_path / "s.mht")]))
    assert r.page.data == GB_PAGE


def test_sniffed_by_content_and_gzip(run, tmp_path):
    (tmp_path / "saved.html").write_bytes(chrome_mhtml(ZH, "https://a.example/1"))
    (tmp_path / "saved.bin.gz").write_bytes(gzip.compress(ie_mhtml(GB_PAGE)))
    p = run("clean", "--no-store", "--format", "jsonl", "saved.html", "saved.bin.gz")
    lines = jsonl(p.stdout)
    assert [(x["status"], x["url"], x["title"]) for x in lines] == [
        ("printed", "https://a.example/1", "市政府公布新的公共交通计划"),
        ("printed", "http://www.example.cn/news/2024/0512/1.htm", GB_TITLE)]


def test_not_mhtml(run, tmp_path):
    # a page that talks about MIME headers is still a page
    talk = page("How e-mail works", ["An e-mail starts with headers such as MIME-Version: 1.0 and "
                                     "Content-Type: multipart/related, followed by a blank line and the parts. " * 4],
                lang="en").encode()
    assert not is_mhtml(talk)
    (tmp_path / "talk.html").write_bytes(talk)
    (tmp_path / "fake.mht").write_bytes(ZH)  # named .mht, holds plain HTML
    (tmp_path / "pics.mht").write_bytes(chrome_mhtml(ZH).replace(b"Content-Type: text/html\r\n", b"Content-Type: image/gif\r\n"))
    p = run("clean", "--no-store", "--format", "jsonl", "talk.html", "fake.mht", "pics.mht")
    lines = jsonl(p.stdout)
    assert [x["status"] for x in lines] == ["printed", "failed", "failed"]
    assert lines[0]["title"] == "How e-mail works"
    assert lines[1]["error"] == "not an MHTML file (no MIME header)"
    assert lines[2]["error"] == "no HTML part in this MHTML file"
    assert p.returncode == 1
