"""Read publication dates in the forms news pages use: ISO 8601, RFC 2822, Chinese, Taiwanese (民國),
European day-first, English month names, and relative ones (3小时前, 昨天, "2 hours ago") resolved
against the fetch time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

__all__ = ["parse_date", "find_date_in_text", "find_date_span", "local_timezone"]

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            "jan january janvier januar enero gennaio", "feb february fevrier février februar febrero febbraio",
            "mar march mars märz maerz marzo", "apr april avril abril aprile", "may mai mayo maggio",
            "jun june juin juni junio giugno", "jul july juillet juli julio luglio",
            "aug august août aout agosto", "sep sept september septembre septiembre settembre",
            "oct october octobre oktober octubre ottobre", "nov november novembre noviembre",
            "dec december décembre decembre dezember diciembre dicembre",
        ]
    )
    for m in names.split()
}

_ISO = re.compile(
    r"(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_CJK_DATE = re.compile(
    r"(?:(?P<roc>民國|民国)\s*(?P<ry>\d{2,3})|(?P<y>(?:19|20)\d{2}))\s*[年/.-]\s*(?P<m>\d{1,2})\s*[月/.-]\s*(?P<d>\d{1,2})\s*[日号號]?"
    r"(?:\s*(?:(?P<ampm>上午|下午|晚上|早上|凌晨|中午))?\s*(?P<H>\d{1,2})\s*[:：时時点點]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?)?"
)
_DMY = re.compile(r"\b(?P<d>\d{1,2})\.\s*(?P<m>\d{1,2})\.\s*(?P<y>(?:19|20)\d{2})\b(?:,?\s*(?P<H>\d{1,2})[:.](?P<M>\d{2}))?")
_NAMED = re.compile(
    r"\b(?:(?P<d1>\d{1,2})\.?\s+(?P<mon1>[A-Za-zéûä]{3,9})\.?,?\s+(?P<y1>(?:19|20)\d{2})"
    r"|(?P<mon2>[A-Za-zéûä]{3,9})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d{2}))(?!\d)"
)
# Day-first with a two-digit year, as German datelines write it ("Do 25.04.24 | 14:07 Uhr").
_DMY_SHORT = re.compile(r"(?<![\d.])(?P<d>\d{2})\.(?P<m>\d{2})\.(?P<y>\d{2})(?![\d.])")
# Month/day/year with slashes (ASP and US pages: "9/17/2004 5:54:13 AM"): read only when it cannot
# be the other way round -- a part above 12, or a 12-hour clock, which is the US convention.
_SLASHED = re.compile(
    r"(?<![\d/])(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<y>(?:19|20)\d{2})(?![\d/])"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<ap>[AaPp])\.?[Mm]\b\.?)?)?"
)
# Taiwan's 民國 year without the word (113年3月5日): three digits, so never a two-digit 04年 (2004).
_ROC_BARE = re.compile(r"(?<![\d年])(?P<ry>1[0-4]\d)\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日")
# Dates in Chinese numerals, as official documents sign them: 二〇二二年一月二十七日.
_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
_CN_DATE = re.compile(r"(?P<y>[〇零○Ｏ一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月\s*(?P<d>[一二三四五六七八九十]{1,3})\s*[日号]")
_RELATIVE = re.compile(r"(?<![\d月/.\-])(?P<n>\d+|半)\s*(?P<unit>分钟|分鐘|小时|小時|个小时|個小時|天|日|minutes?|mins?|hours?|hrs?|days?)\s*(?:前|ago)", re.I)
_JUST_NOW = re.compile(r"刚刚|剛剛|just now", re.I)
# Full-width digits and punctuation (２０２４年３月５日, １２：３０) read as ASCII.
_FULLWIDTH = str.maketrans("０１２３４５６７８９：／－．", "0123456789:/-.")
_FULLWIDTH_CHAR = re.compile("[０-９：／－．]")
_DIGIT = re.compile(r"\d")  # (any decimal digit, as the date patterns' \d)
_DAY_WORD = re.compile(
    r"(?P<word>昨天|昨日|前天|今天|今日|yesterday|today)(?:\s*(?:at\s*)?(?P<H>\d{1,2})[:：](?P<M>\d{2})\s*(?P<pm>[ap]\.?m\.?)?)?", re.I
)
_DAYS_BACK = {"昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2, "今天": 0, "今日": 0, "today": 0}
# Local zones assumed for times written without an offset, by the page's language.
_LOCAL_TZ = {"zh": timezone(timedelta(hours=8)), "ja": timezone(timedelta(hours=9)), "ko": timezone(timedelta(hours=9))}


def local_timezone(language: str | None) -> tzinfo | None:
    """The zone a page in `language` means when it writes a time without an offset: Chinese pages
    (mainland, Taiwan, Hong Kong) UTC+8, Japanese and Korean UTC+9; other languages: unknown."""
    if not language:
        return None
    return _LOCAL_TZ.get(language.split("-")[0].lower())


def _mk(y, m, d, H=None, M=None, S=None, tz: tzinfo | None = None) -> datetime | None:
    try:
        return datetime(int(y), int(m), int(d), int(H or 0), int(M or 0), int(S or 0), tzinfo=tz)
    except (ValueError, TypeError):
        return None


def _tz(s: str | None) -> tzinfo | None:
    if not s:
        return None
    if s == "Z":
        return timezone.utc
    sign = 1 if s[0] == "+" else -1
    s = s[1:].replace(":", "")
    try:
        return timezone(sign * timedelta(hours=int(s[:2]), minutes=int(s[2:4] or 0)))
    except ValueError:
        return None


def _plausible(dt: datetime | None, now: datetime | None) -> datetime | None:
    if dt is None or dt.year < 1990:
        return None
    ref = now or datetime.now(timezone.utc)
    cmp = dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
    if cmp > ref + timedelta(days=2):
        return None
    return dt


_TIMESTAMP = re.compile(r"\d{10}(?:\d{3})?")
_RFC2822 = re.compile(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")
_COMPACT = re.compile(r"\b((?:19|20)\d{2})(\d{2})(\d{2})\b")  # 20240305


def parse_date(value: str | None, *, now: datetime | None = None, local_tz: tzinfo | None = None) -> datetime | None:
    """Parse one date string (from metadata or a byline). Returns None when nothing plausible.

    `local_tz`: the zone of times written without an offset (see local_timezone); None leaves
    such times naive. `now` (the fetch time) resolves relative dates and rejects future ones.
    """
    if not value:
        return None
    v = value.strip()[:200]
    # Forms only metadata uses come first; everything else (ISO 8601, Chinese, day-first, month
    # names, relative) is what find_date_in_text reads in visible text too.
    if _TIMESTAMP.fullmatch(v):  # a Unix timestamp
        try:
            return _plausible(datetime.fromtimestamp(int(v[:10]), timezone.utc), now)
        except (OverflowError, ValueError, OSError):
            return None
    if _RFC2822.match(v):  # RFC 2822
        try:
            return _plausible(parsedate_to_datetime(v), now)
        except (TypeError, ValueError, IndexError):
            pass
    m = _COMPACT.search(v)
    if m and not _DMY.search(v) and not _ISO.search(v) and not _CJK_DATE.search(v):
        dt = _mk(m[1], m[2], m[3])
        if dt:
            return _plausible(dt, now)
    return find_date_in_text(v, now=now, local_tz=local_tz)


def _from_iso(m: re.Match, local_tz: tzinfo | None) -> datetime | None:
    tz = _tz(m["tz"]) or (local_tz if m["H"] is not None else None)
    return _mk(m["y"], m["m"], m["d"], m["H"], m["M"], m["S"], tz)


def _from_cjk(m: re.Match, local_tz: tzinfo | None) -> datetime | None:
    y = int(m["ry"]) + 1911 if m["roc"] else int(m["y"])
    H = m["H"]
    if H is not None and m["ampm"] in ("下午", "晚上") and int(H) < 12:
        H = int(H) + 12
    # A Chinese-style date with a time and no zone: the caller's zone, else China/Taiwan time.
    return _mk(y, m["m"], m["d"], H, m["M"], m["S"], (local_tz or _LOCAL_TZ["zh"]) if H is not None else None)


def _cn_number(s: str) -> int:
    """一 .. 三十一 as an int (十 = 10, 二十七 = 27)."""
    if "十" not in s:
        return _CN_DIGITS.get(s, -1) if len(s) == 1 else -1
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS.get(tens, -1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, -1) if ones else 0)


def _from_slashed(m: re.Match, local_tz: tzinfo | None) -> datetime | None:
    a, b = int(m["a"]), int(m["b"])
    if a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a or m["ap"]:
        month, day = a, b
    else:
        return None  # 03/05/2024: 3 May or March 5 -- not guessed
    H = m["H"]
    if H is not None and m["ap"]:
        H = int(H) % 12 + (12 if m["ap"].lower() == "p" else 0)
    return _mk(m["y"], month, day, H, m["M"], m["S"], local_tz if H is not None else None)


def _absolute(m: re.Match, kind: str, local_tz: tzinfo | None) -> datetime | None:
    if kind == "iso":
        return _from_iso(m, local_tz)
    if kind == "cjk":
        return _from_cjk(m, local_tz)
    if kind == "dmy":
        return _mk(m["y"], m["m"], m["d"], m["H"], m["M"], None, local_tz if m["H"] else None)
    if kind == "named":
        mon = (m["mon1"] or m["mon2"] or "").lower()
        month = _MONTHS.get(mon) or _MONTHS.get(mon[:3])
        return _mk(m["y1"] or m["y2"], month, m["d1"] or m["d2"]) if month else None
    if kind == "dmy2":
        return _mk(2000 + int(m["y"]), m["m"], m["d"])
    if kind == "slashed":
        return _from_slashed(m, local_tz)
    if kind == "roc":
        return _mk(int(m["ry"]) + 1911, m["m"], m["d"])
    if kind == "cn":
        return _mk(sum(_CN_DIGITS[c] * 10 ** (3 - i) for i, c in enumerate(m["y"])), _cn_number(m["m"]), _cn_number(m["d"]))
    return None


# Tried in this order when two forms start at the same place (an ISO date is also a CJK-style one).
_ABSOLUTE = (("iso", _ISO), ("cjk", _CJK_DATE), ("dmy", _DMY), ("named", _NAMED), ("dmy2", _DMY_SHORT),
             ("slashed", _SLASHED), ("roc", _ROC_BARE), ("cn", _CN_DATE))


def find_date_in_text(text: str, *, now: datetime | None = None, local_tz: tzinfo | None = None) -> datetime | None:
    """The first date written in a short visible text (a byline, a dateline)."""
    found = find_date_span(text, now=now, local_tz=local_tz)
    return found[0] if found else None


def find_date_span(text: str, *, now: datetime | None = None, local_tz: tzinfo | None = None) -> tuple[datetime, int] | None:
    """find_date_in_text, with where the date starts in `text` (relative dates: 0)."""
    if not text:
        return None
    t = text[:400]
    if _FULLWIDTH_CHAR.search(t):  # (translate looks every character up: 5 us on a CJK line)
        t = t.translate(_FULLWIDTH)
    # The date written first wins, whatever its form ("Do 25.04.24 | 14:07 Uhr ... 24.04.2024").
    found = []
    # Every absolute form has a digit but dates in Chinese numerals, which have 年: half the lines
    # asked about (bylines, headline windows) have neither, and skip the eight searches.
    for rank, (kind, pat) in enumerate(_ABSOLUTE if "年" in t or _DIGIT.search(t) else ()):
        for m in pat.finditer(t):
            found.append((m.start(), rank, kind, m))
            break
    bad_end = -1
    for start, _, kind, m in sorted(found, key=lambda x: (x[0], x[1])):
        if start < bad_end:
            continue  # another reading of a date already found impossible (2024-03-05T25:00)
        dt = _plausible(_absolute(m, kind, local_tz), now)
        if dt is not None:
            return dt, start
        bad_end = max(bad_end, m.end())
    # Relative dates ("3小时前", "昨天 10:30", "yesterday") only count in a short dateline, never in
    # prose, and only against a known fetch time: extraction stays a pure function of its input.
    if now is not None and len(t) <= 40:
        m = _RELATIVE.search(t)
        if m:
            n = 0.5 if m["n"] == "半" else int(m["n"])
            unit = m["unit"].lower()
            try:
                if unit[0] in "分m" and not unit.startswith("mo"):
                    delta = timedelta(minutes=n)
                elif unit[0] in "小時个個h":
                    delta = timedelta(hours=n)
                else:
                    delta = timedelta(days=n)
                return now - delta, m.start()
            except OverflowError:  # "2024202420243小时前": no date that far back
                return None
        if _JUST_NOW.search(t):
            return now, 0
        m = _DAY_WORD.search(t)
        if m:
            local_now = now.astimezone(local_tz) if local_tz and now.tzinfo else now
            day = local_now - timedelta(days=_DAYS_BACK[m["word"].lower()])
            if m["H"] is None:
                return day.replace(hour=0, minute=0, second=0, microsecond=0), m.start()
            hour = int(m["H"]) % 12 + 12 if (m["pm"] or "").lower().startswith("p") else int(m["H"])
            try:
                return day.replace(hour=hour, minute=int(m["M"]), second=0, microsecond=0), m.start()
            except ValueError:
                return None
    return None
