"""Read publication dates in the forms news pages use: ISO 8601, RFC 2822, Chinese, Taiwanese (民國),
European day-first, English month names, and relative ones (3小时前, 昨天, "2 hours ago") resolved
against the fetch time.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime

__all__ = ["parse_date", "find_date_in_text"]

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
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?"
)
_CJK_DATE = re.compile(
    r"(?:(?P<roc>民國|民国)\s*(?P<ry>\d{2,3})|(?P<y>(?:19|20)\d{2}))\s*[年/.-]\s*(?P<m>\d{1,2})\s*[月/.-]\s*(?P<d>\d{1,2})\s*[日号號]?"
    r"(?:\s*(?:(?P<ampm>上午|下午|晚上|早上|凌晨|中午))?\s*(?P<H>\d{1,2})\s*[:：时時点點]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?)?"
)
_DMY = re.compile(r"\b(?P<d>\d{1,2})\.\s*(?P<m>\d{1,2})\.\s*(?P<y>(?:19|20)\d{2})\b(?:,?\s*(?P<H>\d{1,2})[:.](?P<M>\d{2}))?")
_NAMED = re.compile(
    r"\b(?:(?P<d1>\d{1,2})\.?\s+(?P<mon1>[A-Za-zéûä]{3,9})\.?,?\s+(?P<y1>(?:19|20)\d{2})"
    r"|(?P<mon2>[A-Za-zéûä]{3,9})\.?\s+(?P<d2>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y2>(?:19|20)\d{2}))\b"
)
_RELATIVE = re.compile(r"(?P<n>\d+)\s*(?P<unit>分钟|分鐘|小时|小時|天|日|minutes?|mins?|hours?|hrs?|days?)\s*(?:前|ago)", re.I)
_YESTERDAY = re.compile(r"昨天|昨日|yesterday", re.I)
_CN_TZ = timezone(timedelta(hours=8))


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


def parse_date(value: str | None, *, now: datetime | None = None, cjk_tz: bool = False) -> datetime | None:
    """Parse one date string (from metadata or a byline). Returns None when nothing plausible.

    `cjk_tz`: Chinese pages state local time without an offset; they are China/Taiwan time (UTC+8).
    """
    if not value:
        return None
    v = value.strip()[:200]
    m = _ISO.search(v)
    if m:
        tz = _tz(m.group("tz"))
        return _plausible(_mk(m["y"], m["m"], m["d"], m["H"], m["M"], m["S"], tz), now)
    m = _CJK_DATE.search(v)
    if m:
        return _plausible(_from_cjk(m, cjk_tz or True), now)
    if re.fullmatch(r"\d{10}(?:\d{3})?", v):  # a Unix timestamp
        try:
            return _plausible(datetime.fromtimestamp(int(v[:10]), timezone.utc), now)
        except (OverflowError, ValueError, OSError):
            return None
    if re.match(r"^[A-Za-z]{3},", v):
        try:
            return _plausible(parsedate_to_datetime(v), now)
        except (TypeError, ValueError):
            pass
    m = re.search(r"\b((?:19|20)\d{2})(\d{2})(\d{2})\b", v)
    if m and not _DMY.search(v):
        dt = _mk(m[1], m[2], m[3])
        if dt:
            return _plausible(dt, now)
    return find_date_in_text(v, now=now)


def _from_cjk(m: re.Match, cjk_tz: bool) -> datetime | None:
    y = int(m["ry"]) + 1911 if m["roc"] else int(m["y"])
    H = m["H"]
    if H is not None and m["ampm"] in ("下午", "晚上") and int(H) < 12:
        H = int(H) + 12
    return _mk(y, m["m"], m["d"], H, m["M"], m["S"], _CN_TZ if cjk_tz and H is not None else None)


def find_date_in_text(text: str, *, now: datetime | None = None) -> datetime | None:
    """The first date written in a short visible text (a byline, a dateline)."""
    if not text:
        return None
    t = text[:400]
    m = _ISO.search(t)
    if m:
        return _plausible(_mk(m["y"], m["m"], m["d"], m["H"], m["M"], m["S"], _tz(m["tz"])), now)
    m = _CJK_DATE.search(t)
    if m:
        return _plausible(_from_cjk(m, True), now)
    m = _DMY.search(t)
    if m:
        return _plausible(_mk(m["y"], m["m"], m["d"], m["H"], m["M"]), now)
    m = _NAMED.search(t)
    if m:
        mon = (m["mon1"] or m["mon2"] or "").lower()
        month = _MONTHS.get(mon) or _MONTHS.get(mon[:3])
        if month:
            return _plausible(_mk(m["y1"] or m["y2"], month, m["d1"] or m["d2"]), now)
    # Relative dates ("3小时前", "yesterday") only count in a short dateline, never in prose.
    if now is not None and len(t) <= 40:
        m = _RELATIVE.search(t)
        if m:
            n = int(m["n"])
            unit = m["unit"].lower()
            if unit[0] in "分m" and not unit.startswith("mo"):
                delta = timedelta(minutes=n)
            elif unit[0] in "小時h":
                delta = timedelta(hours=n)
            else:
                delta = timedelta(days=n)
            return now - delta
        if _YESTERDAY.search(t):
            return (now - timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return None
