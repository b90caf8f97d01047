"""Generators of malformed HTML for the hostile-input tests (and for longer fuzz runs by hand).

Deterministic for a given ``random.Random``: a failing case can be regenerated from its seed.
"""

from __future__ import annotations

import random

TAGS = (
    "html head body title meta link script style div span p a b i em strong ul ol li table tr td th tbody "
    "thead h1 h2 h3 h4 h5 h6 br hr img article section aside nav footer header main figure figcaption "
    "blockquote pre code form input button select option textarea iframe frameset frame noscript template "
    "svg math path g font center marquee object embed plaintext xmp noframes time address dl dt dd"
).split()
ATTRS = ("class", "id", "style", "href", "src", "lang", "charset", "content", "name", "property", "itemprop",
         "datetime", "hidden", "aria-hidden", "rel", "type", "http-equiv", "colspan", "start")
WORDS = (
    "news", "the", "government", "said", "on", "Monday", "政府", "今天", "宣布", "新的", "計劃", "華為",
    "責任編輯", "当前位置", "首页", ">", "»", "。", "，", "Share", "Related", "©", "2024-05-03", "3小时前",
    "\u202e", "\x1b]8;;http://evil\x07", "\r", "\t", "\ufeff", "\ud800", "&amp;", "&#0;", "&#xD800;",
    "&#1114112;", "&nbsp;", "&lt;", "<!--", "-->", "<![CDATA[", "]]>", "\x00", "𝕏", "\U0010ffff",
)
JSONLD = (
    '{"@type":"NewsArticle","headline":"H","datePublished":"2024-13-45T99:99:99","author":[{"name":null}]}',
    '{"@graph":[{"@type":"Article","articleBody":' + '"x. "' * 3 + '}]}',
    '[{"@type":["NewsArticle"],"author":{"name":["a",{"b":1}]},"datePublished":12345}]',
    '{"@type":"NewsArticle","articleBody":123,"headline":["a","b"],"author":"' + "x" * 500 + '"}',
    "{not json", '{"a":' * 200 + "1" + "}" * 200, "null", '"string"', "[[[]]]", "{}",
)
DATES = ("2024-05-03", "9999-99-99", "0000-00-00T00:00:00Z", "2024-02-30", "1e100", "-1", "2024-05-03T25:61:61+99:99",
         "2小时前", "昨天 25:99", "2024年13月45日", "Mon, 32 Foo 2024", "", "T", "１２３４年")


def _word(rng: random.Random) -> str:
    return rng.choice(WORDS)


def _text(rng: random.Random, n: int) -> str:
    return " ".join(_word(rng) for _ in range(n))


def _attrs(rng: random.Random) -> str:
    out = []
    for _ in range(rng.randint(0, 3)):
        name = rng.choice(ATTRS)
        value = rng.choice([_text(rng, rng.randint(0, 4)), rng.choice(DATES), "display:none", "", '"', "x" * 300])
        quote = rng.choice(['"', "'", ""])
        out.append(f" {name}={quote}{value}{quote}" if rng.random() < 0.9 else f" {name}")
    return "".join(out)


def random_page(rng: random.Random, size: int = 0) -> bytes:
    """A page of random tag soup: unbalanced, unclosed, odd attributes, metadata with junk values."""
    parts: list[str] = []
    if rng.random() < 0.7:
        parts.append(rng.choice(["<!DOCTYPE html>", "<!doctype", "<?xml version='1.0' encoding='x-klingon'?>", ""]))
    if rng.random() < 0.5:
        parts.append(f'<meta charset="{rng.choice(["utf-8", "gbk", "big5", "x-klingon", "utf-16", "", "utf-7"])}">')
    if rng.random() < 0.4:
        parts.append(f'<script type="application/ld+json">{rng.choice(JSONLD)}</script>')
    if rng.random() < 0.4:
        prop = rng.choice(["og:title", "article:published_time", "author", "og:site_name", "description", "og:url"])
        parts.append(f'<meta property="{prop}" content="{rng.choice(DATES + (_text(rng, 3),))}">')
    if rng.random() < 0.3:
        parts.append(f'<link rel="canonical" href="{rng.choice(["http://[::1", "javascript:x", "//", "", "/a"])}">')
    for _ in range(size or rng.randint(1, 120)):
        r = rng.random()
        if r < 0.35:
            parts.append(f"<{rng.choice(TAGS)}{_attrs(rng)}{'/' if rng.random() < 0.05 else ''}>")
        elif r < 0.55:
            parts.append(f"</{rng.choice(TAGS)}>")
        elif r < 0.95:
            parts.append(_text(rng, rng.randint(1, 40)))
        else:
            parts.append(rng.choice(["<", ">", "</", "<!--", "<!", "<?", "&", "&#", "\x00", "<a\x00b>", "< p>"]))
    text = "".join(parts)
    encoding = rng.choice(["utf-8", "utf-8", "gb18030", "big5hkscs", "utf-16-le", "cp1252"])
    return text.encode(encoding, "ignore" if encoding != "utf-8" else "surrogatepass")


def mutate(rng: random.Random, data: bytes, n: int) -> bytes:
    """``data`` with ``n`` random byte-level mutations: flips, cuts, duplicated and spliced slices."""
    buf = bytearray(data)
    for _ in range(n):
        if not buf:
            buf += b"<"
        op = rng.random()
        i = rng.randrange(len(buf))
        if op < 0.3:
            buf[i] = rng.randrange(256)
        elif op < 0.45:
            j = min(len(buf), i + rng.randint(1, 2000))
            del buf[i:j]
        elif op < 0.6:
            j = min(len(buf), i + rng.randint(1, 500))
            buf[i:i] = buf[i:j] * rng.randint(1, 5)
        elif op < 0.75:
            buf[i:i] = rng.choice([b"<", b"</div>", b"<div>", b"<p>", b"<!--", b"<script>", b"</body>", b"<table>",
                                   b"\xff\xfe", b"\xef\xbb\xbf", b"\x00", b"\xe4\xb8", b"\x1b[2J", b"<plaintext>"])
        elif op < 0.85:
            del buf[i:]
        else:
            j = rng.randrange(len(buf))
            buf[i], buf[j] = buf[j], buf[i]
    return bytes(buf)


def malformed_corpus(rng: random.Random, n: int) -> list[tuple[str, bytes]]:
    """``n`` (name, bytes) malformed pages of several families, for a batch run through ``newsgrab clean``."""
    article = "".join(f"<p>Paragraph {k}: the council said on Monday that the sea wall will be built, "
                      f"and residents welcomed it.</p>" for k in range(8))
    families = [
        ("soup", lambda: random_page(rng)),
        ("unclosed", lambda: ("<html><body>" + "".join(f"<{rng.choice(['div', 'p', 'b', 'span', 'td', 'li'])}>"
                                                       + _text(rng, 8) for _ in range(200)))
                     .encode("utf-8", "surrogatepass")),
        ("deep", lambda: ("<body>" + "<div>" * rng.randint(500, 3000) + article).encode()),
        ("cut", lambda: ("<html><head><title>t</title></head><body><article>" + article)[: rng.randint(1, 900)].encode()),
        ("script-only", lambda: ("<html><body>" + "<script>var a='<div>';</script>" * rng.randint(1, 50)).encode()),
        ("frameset", lambda: b"<html><frameset cols='50%,50%'><frame src=a><frame src=b></frameset><noframes>"
                             + article.encode() + b"</noframes></html>"),
        ("binary", lambda: bytes(rng.randrange(256) for _ in range(rng.randint(1, 3000)))),
        ("nul", lambda: ("<html><body>" + article).encode("utf-16-le")[: rng.randint(10, 4000)]),
        ("mislabelled", lambda: ('<meta charset="utf-8"><body><p>' + "今天政府宣布了新的交通計劃，市民表示歡迎。" * 10)
                                .encode(rng.choice(["gb18030", "big5hkscs"]))),
        ("no-body", lambda: b"<html><head><title>" + _text(rng, 20).encode("utf-8", "surrogatepass") + b"</title></head>"),
    ]
    out = []
    for k in range(n):
        name, make = families[k % len(families)]
        out.append((f"{k:04d}-{name}.html", make()))
    return out
