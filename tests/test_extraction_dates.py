"""newsgrab.extraction.dates: parse_date (one date string from metadata or a byline) and
find_date_in_text (the first date in a short visible text)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from newsgrab.extraction.dates import find_date_in_text, parse_date

CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 6, 5, 12, 0, tzinfo=CST)  # the fetch time used for relative dates


def dt(*args, tz=None):
    return datetime(*args, tzinfo=tz)


def tzh(hours: float):
    return timezone(timedelta(hours=hours))


# ---- ISO 8601 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2024-03-05T14:30:00-05:00", dt(2024, 3, 5, 14, 30, tz=tzh(-5))),
        ("2024-03-05T14:30:00Z", dt(2024, 3, 5, 14, 30, tz=timezone.utc)),
        ("2024-03-05T08:00:00.123+0800", dt(2024, 3, 5, 8, 0, tz=CST)),
        ("2024-03-05 08:00:00 +05:30", dt(2024, 3, 5, 8, 0, tz=tzh(5.5))),
        ("2024-03-05", dt(2024, 3, 5)),
        ("2024-3-5 9:07", dt(2024, 3, 5, 9, 7)),
        ("  2024-03-05T14:30:00+01:00  ", dt(2024, 3, 5, 14, 30, tz=tzh(1))),
    ],
)
def test_parse_iso(value, expected):
    got = parse_date(value, now=NOW)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()  # naive stays naive, offsets are kept exactly


def test_parse_iso_keeps_the_wall_time_of_the_offset():
    got = parse_date("2024-03-05T23:30:00-08:00", now=NOW)
    assert (got.hour, got.minute, got.day) == (23, 30, 5)
    assert got.astimezone(timezone.utc) == dt(2024, 3, 6, 7, 30, tz=timezone.utc)


@pytest.mark.parametrize("value", ["2024-13-05", "2024-02-30", "2024-03-05T25:00:00", "", None, "   ", "no date here"])
def test_parse_invalid_gives_none(value):
    assert parse_date(value, now=NOW) is None


def test_parse_iso_hour_only_offset():
    assert parse_date("2024-03-05T08:00:00+08", now=NOW).utcoffset() == timedelta(hours=8)


# ---- RFC 2822 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("Tue, 05 Mar 2024 14:30:00 GMT", dt(2024, 3, 5, 14, 30, tz=timezone.utc)),
        ("Tue, 05 Mar 2024 14:30:00 +0100", dt(2024, 3, 5, 14, 30, tz=tzh(1))),
        ("Mon, 4 Mar 2024 23:05:09 -0500", dt(2024, 3, 4, 23, 5, 9, tz=tzh(-5))),
    ],
)
def test_parse_rfc2822(value, expected):
    got = parse_date(value, now=NOW)
    assert got == expected and got.utcoffset() == expected.utcoffset()


def test_parse_rfc2822_impossible_day_is_none():
    assert parse_date("Mon, 31 Feb 2024 10:00:00 GMT", now=NOW) is None


def test_parse_rfc2822_without_weekday():
    assert parse_date("05 Mar 2024 14:30:00 +0000", now=NOW) == dt(2024, 3, 5, 14, 30, tz=timezone.utc)


# ---- Chinese and Taiwanese -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2024年3月5日", dt(2024, 3, 5)),  # no time: a date, no zone
        ("2024年3月5日 08:00", dt(2024, 3, 5, 8, 0, tz=CST)),  # a time on a Chinese dateline is UTC+8
        ("2024年03月05日 08:00:30", dt(2024, 3, 5, 8, 0, 30, tz=CST)),
        ("2024年03月05日 下午3:20", dt(2024, 3, 5, 15, 20, tz=CST)),
        ("2024年3月5日 晚上8:15", dt(2024, 3, 5, 20, 15, tz=CST)),
        ("2024年3月5日上午10:30", dt(2024, 3, 5, 10, 30, tz=CST)),
        ("2024年3月5日 下午12:30", dt(2024, 3, 5, 12, 30, tz=CST)),  # 12 pm stays 12
        ("2024年3月5日 14时05分", dt(2024, 3, 5, 14, 5, tz=CST)),
        ("2024/3/5", dt(2024, 3, 5)),
        ("2024.03.05", dt(2024, 3, 5)),
        ("民國113年3月5日", dt(2024, 3, 5)),  # ROC year + 1911
        ("民国113年3月5日 14:05", dt(2024, 3, 5, 14, 5, tz=CST)),
        ("發布日期：民國 99 年 12 月 1 日", dt(2010, 12, 1)),
    ],
)
def test_parse_cjk(value, expected):
    got = parse_date(value, now=NOW)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()


def test_find_date_cjk_in_a_dateline():
    assert find_date_in_text("发布时间：2024年3月5日 08:00 来源：新华社", now=NOW) == dt(2024, 3, 5, 8, 0, tz=CST)
    assert find_date_in_text("記者陳美玲／台北報導　2023/09/02 11:20", now=NOW) == dt(2023, 9, 2, 11, 20, tz=CST)


# ---- European day-first and month names ---------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("05.03.2024", dt(2024, 3, 5)),  # day first: 5 March, not 3 May
        ("5. 3. 2024, 14:30", dt(2024, 3, 5, 14, 30)),
        ("11.04.2024, 07:45 Uhr", dt(2024, 4, 11, 7, 45)),
        ("March 5, 2024", dt(2024, 3, 5)),
        ("March 5th, 2024", dt(2024, 3, 5)),
        ("Mar. 5, 2024", dt(2024, 3, 5)),
        ("5 March 2024", dt(2024, 3, 5)),
        ("Friday, 15 March 2024", dt(2024, 3, 15)),
        ("5. März 2024", dt(2024, 3, 5)),
        ("5 mars 2024", dt(2024, 3, 5)),
        ("12 décembre 2023", dt(2023, 12, 12)),
        ("Updated: 15 Jan 2024 | 09:41 GMT", dt(2024, 1, 15)),
    ],
)
def test_parse_day_first_and_month_names(value, expected):
    assert parse_date(value, now=NOW) == expected
    assert find_date_in_text(value, now=NOW) == expected


@pytest.mark.parametrize("value", ["12/03/2024", "March 2024", "2024"])
def test_ambiguous_or_partial_dates_are_not_guessed(value):
    assert parse_date(value, now=NOW) is None


# ---- timestamps -----------------------------------------------------------------------------------


def test_parse_unix_timestamps():
    assert parse_date("1709611200", now=NOW) == dt(2024, 3, 5, 4, 0, tz=timezone.utc)
    assert parse_date("1709611200000", now=NOW) == dt(2024, 3, 5, 4, 0, tz=timezone.utc)  # milliseconds
    assert parse_date("20240305", now=NOW) == dt(2024, 3, 5)  # compact yyyymmdd


def test_timestamps_are_not_dates_in_visible_text():
    assert find_date_in_text("1709611200", now=NOW) is None


# ---- plausibility ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2030-01-01", "2099-01-01T00:00:00Z", "2024年12月25日", "1985-01-01", "1899-12-31"])
def test_implausible_dates_rejected(value):
    assert parse_date(value, now=NOW) is None


def test_future_tolerance_is_two_days():
    now = dt(2024, 3, 5, tz=timezone.utc)
    assert parse_date("2024-03-06T08:00:00", now=now) == dt(2024, 3, 6, 8, 0)  # time zones, clock skew
    assert parse_date("2024-03-08T08:00:00", now=now) is None


# ---- relative dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("3小时前", NOW - timedelta(hours=3)),
        ("1小時前", NOW - timedelta(hours=1)),
        ("10分钟前", NOW - timedelta(minutes=10)),
        ("5分鐘前", NOW - timedelta(minutes=5)),
        ("2天前", NOW - timedelta(days=2)),
        ("3 hours ago", NOW - timedelta(hours=3)),
        ("2 mins ago", NOW - timedelta(minutes=2)),
        ("3 days ago", NOW - timedelta(days=3)),
        ("昨天", dt(2024, 6, 4, tz=CST)),
        ("昨天 ", dt(2024, 6, 4, tz=CST)),
        ("Yesterday", dt(2024, 6, 4, tz=CST)),
    ],
)
def test_relative_dates_resolve_against_now(value, expected):
    assert find_date_in_text(value, now=NOW) == expected
    assert parse_date(value, now=NOW) == expected


@pytest.mark.parametrize("value", ["3小时前", "昨天", "2 hours ago"])
def test_relative_dates_need_a_reference_time(value):
    assert find_date_in_text(value, now=None) is None
    assert parse_date(value) is None


def test_relative_dates_only_in_a_short_dateline():
    prose = "这是一段很长的正文，讲的是三天前的事情，记者在3小时前赶到现场时，救援工作已经基本结束了。"
    assert len(prose) > 40
    assert find_date_in_text(prose, now=NOW) is None
    assert find_date_in_text("a survey of bus drivers completed 3 days ago showed that more drivers are needed", now=NOW) is None


def test_day_of_month_deadline_is_not_a_relative_date():
    assert find_date_in_text("请于3月15日前报名", now=NOW) is None


def test_yesterday_keeps_its_time():
    assert find_date_in_text("昨天 10:30", now=NOW) == dt(2024, 6, 4, 10, 30, tz=CST)


def test_today_with_a_time():
    assert find_date_in_text("今天 08:00", now=NOW) == dt(2024, 6, 5, 8, 0, tz=CST)


# ---- find_date_in_text ------------------------------------------------------------------------------


def test_find_first_date_in_text():
    assert find_date_in_text("Posted on 2024-03-05 by admin, updated 2024-03-07", now=NOW) == dt(2024, 3, 5)
    assert find_date_in_text("今天是2024年3月5日，天气晴", now=None) == dt(2024, 3, 5)
    assert find_date_in_text("", now=NOW) is None
    assert find_date_in_text("no date at all in this line", now=NOW) is None


def test_find_date_only_reads_the_start_of_long_text():
    text = "x" * 500 + " 2024-03-05"
    assert find_date_in_text(text, now=NOW) is None


# ---- more forms (issue #3) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,expected",
    [
        ("２０２４年３月５日 ０８：００", dt(2024, 3, 5, 8, 0, tz=CST)),  # full-width digits
        ("113年3月5日", dt(2024, 3, 5)),  # a 民國 year without the word
        ("中華民國113年3月5日", dt(2024, 3, 5)),
        ("二〇二二年一月二十七日", dt(2022, 1, 27)),  # official documents sign in Chinese numerals
        ("二零二三年十二月三十一日", dt(2023, 12, 31)),
        ("吉林省人民政府 二〇二二年一月二十七日", dt(2022, 1, 27)),
    ],
)
def test_more_chinese_forms(value, expected):
    assert find_date_in_text(value, now=NOW) == expected


def test_two_digit_years_are_not_taken_for_roc_years():
    assert find_date_in_text("04年10月21日14:18 作者：郭励弘", now=NOW) is None  # 2004 abbreviated, not 民國4


@pytest.mark.parametrize(
    "value,expected",
    [
        ("发布日期： 9/17/2004 5:54:13 AM", dt(2004, 9, 17, 5, 54, 13)),
        ("7/5/2005 9:23:57 PM", dt(2005, 7, 5, 21, 23, 57)),  # a 12-hour clock: month first (US)
        ("17/09/2004", dt(2004, 9, 17)),  # a part above 12 settles it
        ("9/17/2004", dt(2004, 9, 17)),
        ("Do 25.04.24 | 14:07 Uhr", dt(2024, 4, 25)),  # day-first, two-digit year
        ("Published Jun 05, 2026Last updated 15 hours ago", dt(2026, 6, 5)),  # glued to the next word
    ],
)
def test_slashed_short_and_glued_dates(value, expected):
    assert find_date_in_text(value, now=datetime(2026, 7, 1, tzinfo=timezone.utc)) == expected


def test_slashed_ambiguous_dates_stay_unguessed():
    assert find_date_in_text("03/05/2024", now=NOW) is None
    assert find_date_in_text("03/05/2024 10:00", now=NOW) is None


def test_the_date_written_first_wins_whatever_its_form():
    assert find_date_in_text("Do 25.04.24 | 14:07 Uhr | Sendung: 24.04.2024", now=NOW) == dt(2024, 4, 25)
    assert find_date_in_text("Stand: 5. März 2024, aktualisiert 2024-03-07", now=NOW) == dt(2024, 3, 5)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("刚刚", NOW),
        ("半小时前", NOW - timedelta(minutes=30)),
        ("2个小时前", NOW - timedelta(hours=2)),
        ("前天 08:30", dt(2024, 6, 3, 8, 30, tz=CST)),
    ],
)
def test_more_relative_forms(value, expected):
    assert find_date_in_text(value, now=NOW, local_tz=CST) == expected
    assert find_date_in_text(value, now=None) is None  # never without the fetch time


# -- the shortcuts of find_date_span (no digit and no 年: no absolute date; no full-width character: no
#    translation) must not change what it finds --------------------------------------------------------------

import re as _re  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from newsgrab.extraction import dates as _dates  # noqa: E402

_DATE_PIECES = st.sampled_from(
    ["2024", "年", "3", "月", "5", "日", "二〇二二", "一", "二十七", "２０２４", "－", "０３", "．", "：", "/", "-", ".", " ",
     "March", "5,", "Mar", "12:30", "民國", "113", "٢٠٢٤", "昨天", "3小时前", "ago", "x", "中", "\u3000"]
)


@settings(max_examples=800, deadline=None)
@given(st.lists(_DATE_PIECES, max_size=14).map("".join))
def test_date_shortcuts_find_what_the_full_search_finds(text):
    now = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
    fast = _dates.find_date_span(text, now=now)
    every = _re.compile("")  # matches anywhere: no shortcut is taken
    saved = _dates._DIGIT, _dates._FULLWIDTH_CHAR
    _dates._DIGIT = _dates._FULLWIDTH_CHAR = every
    try:
        assert fast == _dates.find_date_span(text, now=now)
    finally:
        _dates._DIGIT, _dates._FULLWIDTH_CHAR = saved


@pytest.mark.parametrize("line", ["发布于 99999999999天前", "99999999999999 days ago", "3000000天前", "2024202420243小时前"])
def test_relative_dates_too_far_back_are_no_date(line):
    # (They raised OverflowError, and so did extract() on a page with such a dateline.)
    now = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert _dates.find_date_span(line, now=now) is None
    page = ("<html><head><title>Harbour wall approved</title></head><body><h1>Harbour wall approved</h1>"
            f"<p>{line}</p><div><p>" + "The council met on Tuesday, and it voted to build the wall. " * 10 + "</p></div></body></html>")
    from newsgrab import extract

    article = extract(page.encode(), fetched_at=now)
    assert article.published is None and "voted to build the wall" in article.text
