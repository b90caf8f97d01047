"""Decide a page's charset and turn its bytes into text, before any parsing.

This runs on every page, so the common case costs one strict UTF-8 decode. The order of evidence:

1. a byte-order mark (UTF-8, UTF-16 LE/BE), or UTF-16 declared or sniffed (NUL in every other byte);
2. bytes that are valid UTF-8, or UTF-8 but for a few stray bytes: a legacy label on them is wrong
   (GB/Big5/Latin bytes are practically never valid UTF-8 by chance, while pages re-saved as UTF-8 that
   keep ``charset=gb2312`` are common);
3. the charset in the HTTP ``Content-Type``, then ``<meta charset>`` / ``http-equiv`` / the XML declaration
   in the first 4 KiB, each only if it decodes strictly and, for CJK charsets, gives plausible text;
4. the CJK candidates (gb18030, big5hkscs, cp932, euc_jp, cp949) that decode strictly, ranked by the share
   of common characters: Big5 or Shift_JIS bytes also decode "cleanly" as gb18030, but into rare
   characters, so a clean decode alone proves nothing;
5. a label that fails on a few broken characters only (a GB page with a cut character);
6. charset-normalizer on the first 64 KiB (imported lazily: importing it costs start-up time);
7. as a last resort, ``errors="replace"`` with whichever charset leaves the fewest U+FFFD, or windows-1252
   (the WHATWG default) for unlabelled bytes that are neither UTF-8 nor CJK.

Labels are mapped the WHATWG way (gb2312 -> gb18030, big5 -> big5hkscs, latin-1/ascii -> windows-1252,
...). NUL bytes are dropped, and the text never holds lone surrogates, so it always encodes to UTF-8.
"""

from __future__ import annotations

import codecs
import re

from .native import trusted

__all__ = ["decode", "decode_source", "charset_from_content_type", "normalize_label"]

_PRESCAN = 4096  # where <meta charset> must be (WHATWG scans 1 KiB; real pages put it a bit later)
_SAMPLE = 65536  # what detection and the plausibility score look at

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))

_LABELS = {
    **dict.fromkeys(("utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8"), "utf-8"),
    **dict.fromkeys(("utf-16", "utf-16le", "unicode", "ucs-2", "csunicode", "iso-10646-ucs-2"), "utf-16-le"),
    **dict.fromkeys(("utf-16be", "unicodefffe"), "utf-16-be"),
    **dict.fromkeys(("gb2312", "gbk", "x-gbk", "gb_2312-80", "gb_2312", "chinese", "csgb2312", "cp936",
                     "ms936", "windows-936", "iso-ir-58", "euc-cn", "gb18030", "csiso58gb231280"), "gb18030"),
    **dict.fromkeys(("big5", "big5-hkscs", "big5hkscs", "x-x-big5", "cn-big5", "csbig5", "cp950"), "big5hkscs"),
    **dict.fromkeys(("latin-1", "latin1", "l1", "iso-8859-1", "iso8859-1", "iso_8859-1", "iso88591", "cp819",
                     "ibm819", "us-ascii", "ascii", "ansi_x3.4-1968", "windows-1252", "cp1252", "x-cp1252"),
                    "cp1252"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "ms932", "cp932", "windows-31j",
                     "csshiftjis"), "cp932"),
    **dict.fromkeys(("euc-kr", "euckr", "ks_c_5601-1987", "ks_c_5601-1989", "ksc5601", "ksc_5601", "korean",
                     "windows-949", "cp949", "uhc", "csksc56011987", "iso-ir-149"), "cp949"),
    **dict.fromkeys(("euc-jp", "x-euc-jp", "cseucpkdfmtjapanese"), "euc_jp"),
    **dict.fromkeys(("iso-2022-jp", "csiso2022jp"), "iso2022_jp"),
    **dict.fromkeys(("koi8-r", "koi8", "koi", "cskoi8r", "koi8_r"), "koi8_r"),
    **dict.fromkeys(("koi8-u", "koi8-ru"), "koi8_u"),
    **dict.fromkeys(("ibm866", "cp866", "866", "csibm866"), "cp866"),
    **dict.fromkeys(("macintosh", "mac", "x-mac-roman", "csmacintosh", "mac-roman"), "mac_roman"),
    **dict.fromkeys(("x-mac-cyrillic", "x-mac-ukrainian", "mac-cyrillic"), "mac_cyrillic"),
    **dict.fromkeys(("iso-8859-9", "latin5", "l5", "windows-1254"), "cp1254"),
    **dict.fromkeys(("iso-8859-11", "tis-620", "windows-874", "dos-874"), "cp874"),
}
_LABELS = {key.replace("_", "-"): codec for key, codec in _LABELS.items()}  # looked up with "_" made "-"
# windows-125N and iso-8859-N (N = 2..16; 1, 9 and 11 are in the table above, 12 does not exist).
_WINDOWS_RE = re.compile(r"(?:windows|cp|x-cp)-?(125[0-8])")
_ISO8859_RE = re.compile(r"iso-?8859-?(\d{1,2})(?::\d+)?|latin-?(\d{1,2})")
_LATIN_N = {"2": "2", "3": "3", "4": "4", "6": "10", "7": "13", "8": "14", "9": "15", "10": "16"}  # latinN -> 8859-M

_CT_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([^\s"';,]+)""", re.I)
_META_RE = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.I)
_XML_RE = re.compile(rb"""\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([a-z0-9_.:-]+)""", re.I)

# Plausibility of CJK text: the share of its CJK characters that are among the most frequent ones of
# Chinese (Simplified and Traditional), Japanese and Korean. A right decoding scores well above half; a
# wrong one (Big5 read as GBK, Shift_JIS as GBK, GBK as Big5 or UHC...) lands on rare characters, PUA,
# half-width katakana or arbitrary Hangul and scores around a tenth.
_COMMON = (
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着下自之年过发后作里用道"
    "行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好小部其些主样理心她本前开但因只从想实日军者意"
    "无力它与长把机十民第公此已工使情明性知全三又关点正业外将两高间由问很最重并物手应战向头文体政美相见被利什"
    "二等产或新己制身果加西斯月话合回特代内信表化老给世位次度门任常先海通教儿原东声提立及比员解水名真论处走义"
    "各入几口认条平系气题活尔更别打女变四神总何电数安少报才结反受目太量再感建务做接必场件计管期市直德资命山金"
    "指克许统区保至队形社便空决治展马科司五基眼书非则听白却界达光放强即像难且权思王象完设式色路记南品住告类求"
    "据程北边死张该交规万取拉格望觉术领共确传师观清今切院让识候带导争运笔新闻网站首页年月日时分秒元亿"
    "這個們來為國說時會對於著過發後裡裏與長機無實軍動現當沒學還進從經樣麼開問關點業將兩間題體聽應戰頭見難權書"
    "邊張條種總電數氣變幾認達導爭運筆報結產義處論員東聲區隊統決治馬記觀傳師萬領確極歲號術讓識帶灣臺台網頁聞"
    "のにはをたがでてとしいるするれなかまもっらこうんあよりさだくけきおそえつどせめろわねーアイウエオカキクケコ"
    "サシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンッャュョ発円気県駅労働様総選党議歳済係写真"
    "私京府町村今日本東西北百千"
    "이다의는에을하고가한지로서기사있를으자대어도리인수해것나일시정보전적아그게들부국만라스생원주제면과와요했상"
    "여위장동데문경구발우소무니되성신내공된할화회분마연관중학말까세야비개실미모명없후년월거유저오선같드터본조식"
    "진안산방당간물통업금결계교"
)
# Runs (+), counted as len(text) - len(RE.sub("", text)): one replacement per run, not per character.
_COMMON_RE = re.compile("[" + _COMMON + "]+")
_CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\ue000-\uf8ff\uf900-\ufaff\uff61-\uff9f"
                     "\U00020000-\U0003ffff]+")
_PUA_RE = re.compile("[\ue000-\uf8ff]+")
_PLAUSIBLE = 0.25  # share of common characters a right decoding reaches (real pages: 0.4-0.8)
_CJK = ("gb18030", "big5hkscs", "cp932", "euc_jp", "cp949")  # ties go to the first
_CJK_ALL = frozenset(_CJK + ("iso2022_jp",))


def normalize_label(label: str | bytes | None) -> str | None:
    """The Python codec for a charset label, mapped the WHATWG way; None when the label is unknown.

    ``gb2312``/``gbk`` -> ``gb18030``, ``big5`` -> ``big5hkscs``, ``latin-1``/``ascii`` -> ``cp1252``,
    ``shift_jis`` -> ``cp932``, ``euc-kr`` -> ``cp949``, ``utf8`` -> ``utf-8``.
    """
    if label is None:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    key = label.strip().strip("\"'").strip().lower().replace("_", "-")
    if key in _LABELS:
        return _LABELS[key]
    if m := _WINDOWS_RE.fullmatch(key):
        return "cp" + m.group(1)
    if m := _ISO8859_RE.fullmatch(key):
        n = m.group(1) or _LATIN_N.get(m.group(2), "")
        if n in ("1", "9", "11"):
            return _LABELS[f"iso-8859-{n}"]
        if n and n != "12" and 2 <= int(n) <= 16:
            return "iso8859_" + n
    return None


def charset_from_content_type(ct: str | None) -> str | None:
    """The (normalized) charset of an HTTP Content-Type value; None when absent or unknown."""
    if not ct:
        return None
    m = _CT_CHARSET_RE.search(ct)
    return normalize_label(m.group(1)) if m else None


def decode(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page: returns (text, name of the charset used). Never raises on any bytes."""
    data = bytes(data)
    text, charset = _decode(data, content_type)
    # memchr on the bytes first: scanning the str is slower, and NUL is rare (UTF-16 has NUL bytes always).
    if b"\x00" in data and "\x00" in text:
        text = text.replace("\x00", "")
    return text, charset


def decode_source(data: bytes, content_type: str | None = None) -> tuple[str, str, bytes | None]:
    """`decode`, plus the page's own bytes when they are exactly the text's UTF-8 (valid UTF-8 with no BOM
    and no NUL: most pages), else None. A parser that reads UTF-8 can take those bytes as they are instead
    of encoding the text back: that encoding costs a fifth of a lexbor parse."""
    data = bytes(data)
    # Such bytes take decode()'s fast path: a BOM, a UTF-16 label or UTF-16 sniffing needs a NUL or
    # bytes that are not UTF-8, except the UTF-8 BOM, which decode() strips.
    if b"\x00" not in data and not data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8"), "utf-8", data
        except UnicodeDecodeError:
            pass
    text, charset = decode(data, content_type)
    return text, charset, None


def _decode(data: bytes, content_type: str | None) -> tuple[str, str]:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, "replace"), enc

    header = charset_from_content_type(content_type)
    if header in ("utf-16-le", "utf-16-be") and b"\x00" in data[:_PRESCAN]:
        if (text := _strict(data, header)) is not None:
            return text, header
    elif enc := _sniff_utf16(data):
        return data.decode(enc, "replace"), enc

    # The fast path: most pages are UTF-8 (or ASCII, which is UTF-8 too).
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data" and e.start >= len(data) - 3 and not data[:e.start].isascii():
            return data[:e.start].decode("utf-8"), "utf-8"  # cut off mid-character: the text is cut anyway
    if (text := _mostly_utf8(data)) is not None:
        return text, "utf-8"

    declared = [enc for enc in (header, _prescan(data)) if enc and not enc.startswith("utf-")]
    declared = list(dict.fromkeys(declared))  # header first; a meta naming the same charset adds nothing
    for enc in declared:
        text = _strict(data, enc)
        if text is None:
            continue
        if enc not in _CJK_ALL:
            # A single-byte charset decodes any bytes, so it proves nothing against bytes that decode strictly
            # into plausible CJK text: servers send a default ISO-8859-1 header for GBK pages.
            return _best_cjk(data, exclude=None, min_cjk=8) or (text, enc)
        if not _implausible(*_counts(text)):
            return text, enc
        better = _best_cjk(data, exclude=enc)
        return better if better else (text, enc)  # implausible, but nothing else is better: trust the label

    if found := _best_cjk(data, exclude=None):
        return found
    for enc in declared:  # a label that is right but for a few broken bytes beats a guess
        text = data.decode(enc, "replace")
        bad = text.count("\ufffd")
        if enc not in _CJK_ALL:
            near = bad * 200 <= len(text)
        else:  # at most one broken character in 20, and the rest plausible
            common, cjk = _counts(text)
            near = bad * 20 <= cjk and not _implausible(common, cjk)
        if near:
            return text, enc

    detected = _detect(data)
    if detected and detected not in declared:
        text = _strict(data, detected)
        if detected in _CJK_ALL and not _good(*_counts(text or data.decode(detected, "replace"))):
            detected = None  # the detector calls a few accented Latin letters "GB18030": not enough
        elif text is not None:
            return text, detected

    # Last resort: the decoding that needs the fewest U+FFFD, among the labels, the guess, UTF-8 and the
    # CJK charsets that give plausible text despite a few broken bytes (a GB page with a cut character).
    best: tuple[int, str, str] | None = None
    for enc in dict.fromkeys([*declared, *([detected] if detected else []), "utf-8", *_CJK]):
        text = data.decode(enc, "replace")
        if enc in _CJK and enc not in declared and not _good(*_counts(text)):
            continue
        bad = text.count("\ufffd")
        if best is None or bad < best[0]:
            best = (bad, text, enc)
    assert best is not None  # utf-8 is always among them
    if best[0] and best[2] == "utf-8" and not declared:
        # Not UTF-8, not CJK, no label, no guess: windows-1252, the WHATWG default for such pages.
        return _strict(data, "cp1252"), "cp1252"  # type: ignore[return-value]
    return best[1], best[2]


def _strict(data: bytes, enc: str) -> str | None:
    """``data`` decoded strictly, or None; windows-1252 decodes the WHATWG way (never fails)."""
    try:
        return data.decode(enc)
    except UnicodeDecodeError:
        if enc == "cp1252":
            # WHATWG windows-1252 maps the five bytes Python's cp1252 leaves undefined to C1 controls.
            return data.decode("latin-1").translate(_CP1252_TABLE)
        return None
    except LookupError:
        return None


_CP1252_TABLE = {b: bytes([b]).decode("cp1252") for b in range(0x80, 0xA0) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)}


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM or label: ASCII markup then has a NUL in every other byte.

    Only the markup does: a mostly Chinese page has NULs in a few percent of its code units, so the test is
    NULs on one side (at least 5% of the units), far fewer on the other, and the sample decoding.
    """
    sample = data[:1024]
    if len(sample) < 16 or b"\x00" not in sample:
        return None
    sample = sample[: len(sample) & ~1]
    half = len(sample) // 2
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    for enc, ascii_side, other_side in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        # (the other side is not NUL-free: 一 is U+4E00, the first Hanzi of every block U+xx00 likewise)
        if ascii_side >= max(8, half * 0.05) and other_side * 3 <= ascii_side:
            if sample.decode(enc, "replace").count("\ufffd") <= 1:  # at most a pair cut at the end
                return enc
    return None


def _mostly_utf8(data: bytes) -> str | None:
    """The text when ``data`` is UTF-8 but for a few stray bytes (a Latin-1 byte pasted in, a cut character).

    Legacy text read as UTF-8 fails on most of its high bytes: GBK pages give 0.2-0.3 valid multi-byte
    sequences per failure, Latin ones about none; two or more per failure is UTF-8 with flaws.
    """
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text if good >= max(2, 2 * bad) else None


def _prescan(data: bytes) -> str | None:
    """The charset of the XML declaration or the first <meta> that names one, in the first 4 KiB."""
    head = data[:_PRESCAN]
    m = _XML_RE.match(head) or _META_RE.search(head)
    if not m:
        return None
    enc = normalize_label(m.group(1))
    # WHATWG: a UTF-16 label found by an ASCII scan cannot be right (the scan would not have found it).
    return "utf-8" if enc in ("utf-16-le", "utf-16-be") else enc


def _counts(text: str) -> tuple[int, int]:
    """(common characters, CJK characters) near the start of ``text``: a few hundred CJK ones settle it."""
    fast = _cjk_counts()
    for size in (_SAMPLE // 4, _SAMPLE):  # most pages decide in the first 16 Ki characters: keep it cheap
        if fast is not None:
            cjk, common, pua = fast(text, size)
        else:
            sample = text[:size]
            cjk = len(sample) - len(_CJK_RE.sub("", sample))
        if cjk >= 200 or len(text) <= size:
            break
    if fast is None:
        common = len(sample) - len(_COMMON_RE.sub("", sample)) if cjk else 0
        pua = len(sample) - len(_PUA_RE.sub("", sample)) if cjk else 0
    elif not cjk:
        common = 0
    if cjk and pua:
        # Private-use characters (GBK's user-defined area) come from reading bytes with the wrong CJK
        # charset: each one outweighs a common character (Big5 read as GBK gives PUA and kana).
        common = max(0, common - pua)
    return common, cjk


_fast_counts: list = []


def _cjk_counts():
    """_scripts.cjk_counts (the three counts in one C loop instead of three regex passes) once it has
    counted what the patterns count on a sample; else None (and with NEWSGRAB_PURE_PYTHON=1)."""
    return trusted(_fast_counts, _load_cjk_counts)


def _load_cjk_counts():
    if min(_COMMON) < "\u3040":
        return None
    try:
        from . import _scripts

        _scripts.init_common(_COMMON)
    except (ImportError, ValueError):
        return None
    sample = "中文的一是不了測試テスト한국어\ue000\uf8ff\uff61\U00020000\U0003ffff\U00040000 abc é" + _COMMON[::7]
    for size in (5, 30, 10_000):
        part = sample[:size]
        expected = tuple(len(part) - len(p.sub("", part)) for p in (_CJK_RE, _COMMON_RE, _PUA_RE))
        if _scripts.cjk_counts(sample, size) != expected:
            return None
    return _scripts.cjk_counts


def _good(common: int, cjk: int) -> bool:
    """Enough evidence that this is real CJK text: plenty of characters, or a few that are all common."""
    return cjk > 0 and common >= cjk * _PLAUSIBLE and (cjk >= 8 or (common >= 2 and common * 4 >= cjk * 3))


def _implausible(common: int, cjk: int) -> bool:
    """Clearly not real CJK text: enough CJK characters to judge, and too few of them common."""
    return cjk >= 8 and common < cjk * _PLAUSIBLE


def _best_cjk(data: bytes, exclude: str | None, min_cjk: int = 0) -> tuple[str, str] | None:
    """The CJK charset that decodes ``data`` strictly into the most plausible text, if any is plausible."""
    best: tuple[float, str, str] | None = None
    for enc in _CJK:
        if enc == exclude or (text := _strict(data, enc)) is None:
            continue
        common, cjk = _counts(text)
        if cjk >= min_cjk and _good(common, cjk) and (best is None or common / cjk > best[0]):
            best = (common / cjk, text, enc)
    return (best[1], best[2]) if best else None


def _detect(data: bytes) -> str | None:
    """charset-normalizer's guess from the first 64 KiB, as a codec name; None when it has none."""
    try:
        from charset_normalizer import from_bytes  # lazy: the import is slow and most pages never need it
    except ImportError:  # pragma: no cover - it is a dependency, but decoding must not depend on it
        return None
    sample = data[:_SAMPLE]
    if len(data) > _SAMPLE and (cut := sample.rfind(b"\n")) > _SAMPLE // 2:
        sample = sample[:cut]  # do not hand it half a multi-byte character
    try:
        matches = list(from_bytes(sample))
    except Exception:  # noqa: BLE001 - a detector bug must not stop the page from being decoded
        return None
    if not matches:
        return None
    # Among the guesses as good as the best one, prefer CJK, then windows-1252 (the WHATWG default), then
    # the detector's order; UTF-16 guesses on BOM-less ASCII-compatible bytes are noise (and handled above).
    tied = [normalize_label(m.encoding) for m in matches if m.chaos <= matches[0].chaos + 0.01]
    tied = [enc for enc in tied if enc and not enc.startswith("utf-")]
    for enc in (*_CJK, "cp1252"):
        if enc in tied:
            return enc
    return tied[0] if tied else None
