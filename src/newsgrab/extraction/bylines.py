"""What the visible page says about itself, near the headline and at the top of the story: bylines
("By Jane Doe", "记者 张三", "홍길동 기자"), datelines ("2024年3月5日 08:00", "Stand: 05.03.2024") and the
publication a repost credits (来源：X, 原標題, 轉載自). Asked by extract() where the page's metadata
(:mod:`.metadata`: JSON-LD, OpenGraph, <meta>) says nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo

from .dates import find_date_in_text, find_date_span
from .metadata import clean_authors
from .patterns import labels_pattern

__all__ = ["find_source", "source_near_title", "dateline_near_title", "byline_near_title", "visible_byline", "top_line_date", "byline_authors"]

_SOURCE_PATTERNS = [
    re.compile(r"(?<![图圖片照])(?:来源|來源|稿源|出处|出處)\s*[:：]\s*(?P<s>[^\s|｜,，。;；)）]{2,24})"),
    re.compile(r"(?:转自|轉自|转载自|轉載自|转载于|轉載於)\s*[:：]?\s*(?P<s>[^\s|｜,，。;；)）]{2,24})"),
    re.compile(r"原[标標][题題]\s*[:：][^\n]{0,60}?(?:[（(](?P<s>[^）)]{2,20})[）)])"),
    re.compile(r"(?:更多|繼續閱讀更多|继续阅读更多)?來自\s*(?P<s>[^\s的]{2,20})\s*的精彩文章"),
    re.compile(r"(?:更多|繼續閱讀更多|继续阅读更多)?来自\s*(?P<s>[^\s的]{2,20})\s*的精彩文章"),
]
_SOURCE_HINT = re.compile("[源出转轉载載标標来來]")  # a character every source pattern needs



def find_source(texts: list[str]) -> str | None:
    """The publication a repost credits: 来源：X, 原标题 (X), 轉載自 X, 更多來自 X 的精彩文章."""
    for t in texts:
        if len(t) > 200:
            continue
        if not _SOURCE_HINT.search(t):  # none of the patterns can match: skip the five searches
            continue
        for pat in _SOURCE_PATTERNS:
            m = pat.search(t)
            if m:
                s = m.group("s").strip(" 　:：")
                if s:
                    return s
    return None


# Labels of a dateline written outside the article ("发布时间：2024-03-05", "Posted on March 5").
_DATE_LABEL = labels_pattern(
    "发表于 發表於 发布于 發佈於 发布时间 發佈時間 發布時間 发表时间 發表時間 更新时间 更新時間 时间 時間 日期".split()
    + ["Posted on", "Published on", "Published", "Veröffentlicht am", "Publié le", "Publicado el"],
    r"\s*[:：]?\s*",
)
_COPYRIGHT = labels_pattern(["©", "copyright", "版权所有", "版權所有"])  # (any case: 2.5x re.I's speed)
# A date (and time) that ends the text just before a headline, give or take a weekday.
_DATE_NEAR_END = re.compile(
    r"(?:(?:19|20)\d{2}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}\s*[日号號]?|\d{1,2}\.\s*\d{1,2}\.\s*(?:19|20)\d{2})"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?(?:\s*(?:星期|週|周|礼拜)[一二三四五六日天])?\s*$"
)


def _after_headline(body_text: str, i: int, title: str) -> str:
    """The 300 characters (whitespace collapsed) after the headline that starts at `i`: after the
    whole headline when the page writes it out, so that its own words ("... by Hyatt Opens") are
    not read as a byline."""
    text = " ".join(body_text[i: i + len(title) + 1500].split())
    t = " ".join(title.split())
    start = len(t) if t and text.startswith(t) else min(12, len(t))
    return text[start: start + 300]


def dateline_near_title(body_text: str, title: str | None, now: datetime | None, local_tz: tzinfo | None = None) -> datetime | None:
    """A date written in the page outside the article text: first just after the headline, where
    news templates put the dateline ("2005-5-7 21:23:57 来源：…"), then after a label such as
    发表于 / Posted on (blogs put it under the post). Never inside a copyright notice."""
    if not body_text:
        return None
    probe = (title or "").strip()[:12]
    if len(probe) >= 4:
        # The headline may be written several times (a title bar, a breadcrumb, the story): the
        # copy with a date closest after it is the dateline's.
        best = None
        start = 0
        for _ in range(5):
            i = body_text.find(probe, start)
            if i < 0:
                break
            window = _after_headline(body_text, i, title or "")
            cut = _COPYRIGHT.search(window)
            window = window[: cut.start()] if cut else window
            # Absolute dates anywhere in the window; relative ones (3小时前) only right at its start.
            found = find_date_span(window, now=now, local_tz=local_tz) or find_date_span(window[:30], now=now, local_tz=local_tz)
            if found and (best is None or found[1] < best[1]):
                best = found
            start = i + len(probe)
        if best:
            return best[0]
        # E-paper and some templates put the date just above the headline ("下一版 2022年02月13日 标题").
        i = body_text.find(probe)
        for _ in range(5):  # the first copies of the headline, as above
            if i <= 0:
                break
            before = " ".join(body_text[max(0, i - 1500): i].split())[-40:]
            m = _DATE_NEAR_END.search(before)
            found = find_date_in_text(m.group(0), now=now, local_tz=local_tz) if m else None
            if found:
                return found
            i = body_text.find(probe, i + len(probe))
    for m in _DATE_LABEL.finditer(body_text, 0, 1_000_000):  # bounded: ~0.2 s per million characters
        if _COPYRIGHT.search(body_text, max(0, m.start() - 80), m.start()):
            continue  # "© 2003-2023 版权所有 更新时间：…" is the footer's, not the story's
        window = body_text[m.end(): m.end() + 40]
        found = find_date_in_text(window, now=now, local_tz=local_tz)
        if found:
            return found
    return None


# A Chinese name in a byline ends at a delimiter, a credit word (发自/报道/摄) or the next label
# (周炜本报记者...); never at sentence punctuation (记者采访时称，).
_CJK_NAME = (
    r"[\u4e00-\u9fff·]{2,4}?(?=发自|發自|报道|報導|摄|攝|/|／|）|\)|\s|$|本报|本報|记者|記者|[^\u4e00-\u9fff·。：:；;！？])"
)
# 记者/作者 may follow the outlet's name (本报记者, 新京报记者); a bare 文 must be 文/ or 文：. Not
# the compounds 记者会 (press conference), 记者证, 记者节, 作者简介.
_BYLINE_CJK = re.compile(
    # Each lookahead below names the first character every match starts with: a position where it is
    # missing fails at once instead of entering the alternation (3-6x over a short line).
    r"(?=[作记記撰编編采採发發博实實通责責文])"
    r"(?:(?P<label>作者|记者|記者|撰文|编译|編譯|采写|採寫|发布者|發布者|博主|实习生|實習生|通讯员|通訊員|责任编辑|責任編輯|责编|責編)"
    r"(?!会|會|招待|发布|發布|证|證|节|節|站|团|團|们|們|简介|簡介|信息|專欄|专栏)(?P<sep>\s*[:：/／]?\s*)|"
    r"(?:^|(?<=[\s(（【\[|｜]))文\s*[:：/／]\s*)"
    rf"({_CJK_NAME}(?:[ 、，,]{_CJK_NAME}){{0,4}}|[A-Za-z][\w.-]{{1,24}}(?![\w.-]|\s*=))"
)
_EDITOR_LABELS = {"责任编辑", "責任編輯", "责编", "責編"}
# "（姚峰 上海报道）": the reporter and the place, in brackets at the end of a Chinese story.
_BYLINE_CJK_REPORT = re.compile(r"[（(]\s*([\u4e00-\u9fff]{2,3})\s+[\u4e00-\u9fff]{2,6}(?:报道|報導)\s*[）)]")
_BYLINE_KO = re.compile(r"(?=[가-힣])(?:^|(?<=[\s(|]))([가-힣]{2,4})\s*(?:기자|특파원|논설위원)(?=\s|$|[|·=,])")
# "By Jane Doe and John Roe" inside a longer text: capitalised names joined by commas/and. A name
# stops before the words a dateline goes on with (Published, Updated, a month, a weekday), also
# when they are glued on ("Lesotho TimesNovember 21, 2025").
_DATELINE_WORDS = (
    r"Published|Updated|Posted|Veröffentlicht|Aktualisiert|Stand|Photo|Photos|Foto|Fotos|Bild|Image|Lesezeit|Min|Minuten|Uhr|"
    r"Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|January|February|March|April|June|July|August|September|October|"
    r"November|December|Januar|Februar|März|Mai|Juni|Juli|Oktober|Dezember|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Mo|Di|Mi|Do|Fr|Sa|So"
)
_NOT_NAME = rf"(?!(?:{_DATELINE_WORDS})\b)(?![\w.'’-]*[a-z](?:{_DATELINE_WORDS})\b)(?![\w'’-]+\s*:)"
_NAME_EN = rf"{_NOT_NAME}[A-ZÄÖÜÅØÆ][\w.'’-]+(?:\s+{_NOT_NAME}[A-ZÄÖÜÅØÆ][\w.'’-]+){{1,3}}"
_NAMES_EN = rf"{_NAME_EN}(?:\s*(?:,|\band\b|\bund\b|&)\s*{_NAME_EN})*"
# Dates as a byline goes on with them: "4. Februar 2022", "July 11, 2011", "05.11.2024", "2024-03-05".
_DATE_SHAPE = (
    r"\d{1,2}\.\s*\d{1,2}\.\s*(?:\d{4}|\d{2})\b|\d{1,2}\.?\s+[A-ZÄÖÜ][a-zäöüé]+\.?,?\s+\d{4}|(?:19|20)\d{2}-\d{1,2}-\d{1,2}|"
    r"[A-Z][a-z]+\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4}"
)
_DATELINE_GOES_ON = r"\||•|·|⋅|—|–|-\s|Stand\b|Updated|Published|Posted|Veröffentlicht|Aktualisiert|Publié|Publicado"
# After "By"/"Von" without a colon the names must end the text or be followed by the dateline (a
# date, a separator, Published...): "Von Iron Man zu Doctor Doom" is a teaser, not a byline.
_BYLINE_END = rf"(?=\s*(?:,\s*(?:[^,.\d]{{2,40}}?\s*)?)?(?:$|\d|/|\(|{_DATE_SHAPE}|{_DATELINE_GOES_ON}))"
_BYLINE_LATIN_IN = re.compile(
    r"(?=[BVPDWA])(?:^|(?<=[\s|•·]))(?:(?:By|Von|Par|Por|Door|Written by|Author of the article|Autor|Autorin|Auteur|Autore)\s*:\s*"
    rf"({_NAMES_EN})|(?:By|Von|Par|Por|Door|Written by)\s+({_NAMES_EN}){_BYLINE_END}|"
    # German's gender-inclusive labels are labels even without a colon ("Autorin/Autor Jane Doe").
    rf"(?:Autorin/Autor|Autor/Autorin|Autor/in|Autor\*in|Autor:in)\s*:?\s*({_NAMES_EN}))"
)
# Lower-case "von"/"by" is prose as often as a byline ("ein Geheimnis von Brigitte Bardot."): only
# when the dateline goes on right after the names -- a full date, a separator, Stand/Updated.
_BYLINE_LATIN_LOWER = re.compile(
    rf"(?=[bvpd])(?:^|(?<=[\s|•·]))(?:by|von|par|por|door)\s+({_NAMES_EN})"
    rf"(?=\s*(?:,\s*(?:[^,.\d]{{2,40}}?\s*)?)?(?:{_DATE_SHAPE}|{_DATELINE_GOES_ON}))"
)
# "By Jane Doe and John Roe" right under the headline is a byline whatever follows it (not "Von":
# German starts sentences with it).
_BYLINE_AT_START = re.compile(rf"^\s*(?:By|Par|Por|Door)\s+({_NAMES_EN})")
_BYLINE_LATIN = re.compile(r"^(?:By|Von|Par|Por|Door|Av|Af)\s+([A-ZÄÖÜÅØÆ][^\n]{2,80})$")


def source_near_title(body_text: str, title: str | None) -> str | None:
    """The credit (来源：X) of a dateline written just after the headline, outside the article."""
    probe = (title or "").strip()[:12]
    if len(probe) < 4 or not body_text:
        return None
    i = body_text.find(probe)
    if i < 0:
        return None
    return find_source([" ".join(body_text[i + len(probe): i + len(probe) + 600].split())[:200]])


def byline_near_title(body_text: str, title: str | None) -> list[str]:
    """Authors from the byline written just after the headline in the page text."""
    probe = (title or "").strip()[:12]
    if len(probe) < 4 or not body_text:
        return []
    start = 0
    for _ in range(5):  # the headline may first appear in a title bar or breadcrumb
        i = body_text.find(probe, start)
        if i < 0:
            break
        window = _after_headline(body_text, i, title or "")
        m = _BYLINE_AT_START.match(window)
        found = clean_authors([m.group(1)]) if m else byline_authors(window)
        if found:
            return found
        start = i + len(probe)
    return []


def visible_byline(texts: list[str], now: datetime | None, local_tz: tzinfo | None = None) -> tuple[datetime | None, list[str]]:
    """Date and authors from short lines at the top of the article (a dateline, a byline), and
    authors from a short signature line at its end (blogs sign posts at the bottom)."""
    date = None
    authors: list[str] = []
    lines = [t for t in texts[:8] if len(t) <= 160]
    for t in lines:
        if date is None and _dateline_like(t):
            date = find_date_in_text(t, now=now, local_tz=local_tz)
    candidates = lines + [t for t in texts[-5:] if len(t) <= 160]
    for i, t in enumerate(candidates):
        authors = byline_authors(t)
        if authors:
            # A byline on two lines (本报实习生 X Y / 本报记者 Z): the next line adds its names.
            more = byline_authors(candidates[i + 1]) if i + 1 < len(lines) else []
            authors += [a for a in more if a not in authors]
            break
    if not authors:
        # Chinese stories often close on the reporter in brackets, glued to the last paragraph:
        # "...起到极大推动作用。（总台记者 张倩）", "（本报记者 王明 李华）".
        for t in reversed(texts[-3:]):
            m = _CLOSING_CREDIT.search(t, max(0, len(t) - 60))
            if m and (authors := _cjk_byline(m.group(1))):
                break
    return date, authors


# A bracketed credit naming a reporter or author at the very end of a paragraph.
_CLOSING_CREDIT = re.compile(
    r"[（(]([^（）()]{0,12}(?:记者|記者|通讯员|通訊員|作者|撰文|采写|採寫)[^（）()]{1,24})[）)]\s*$"
)


_PROSE_WORD = re.compile(r"(?<![\w.])[a-zäöüßàâçéèêëîïôûùáíóúñ][a-zäöüßàâçéèêëîïôûùáíóúñ'’-]+\b")


def _dateline_like(line: str) -> bool:
    """A short line that is a dateline, not a sentence of the story or a photo caption that
    happens to hold a date ("由于……可以上溯到2004年6月15日，…", "Helpers at the ship: 11 May 2026 (AFP)").
    Sentences have CJK sentence punctuation or many lower-case words."""
    if re.search(r"[。！？，；]", line) or _COPYRIGHT.search(line):
        return False
    return len(_PROSE_WORD.findall(line)) < 6


def top_line_date(texts: list[str], now: datetime | None, local_tz: tzinfo | None = None) -> datetime | None:
    """The first date in a short line at the top of the article, prose or not: the last resort
    when neither a dateline nor the page around the headline gives one."""
    for t in texts[:8]:
        if len(t) <= 160 and not _COPYRIGHT.search(t):
            found = find_date_in_text(t, now=now, local_tz=local_tz)
            if found:
                return found
    return None


# The commonest Chinese surnames (about nine in ten people): a second or third "name" after a
# byline must start with one, or it is the next word of the text (我要评论, 昨日, 报道).
_SURNAMES = set(
    "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何林高罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖萧蕭田董袁潘于蒋蔣蔡余杜叶葉"
    "程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛闫閆段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬"
    "钱錢严嚴覃武戴莫孔向汤湯常温溫康施文牛樊葛邢安齐齊易乔喬伍庞龐颜顏倪庄莊聂聶章鲁魯岳翟殷詹申欧歐耿关關兰蘭焦俞左柳甘祝包宁寧"
    "尚符舒阮柯纪紀梅童凌毕畢单單季裴霍涂成苗谷盛曲翁冉骆駱蓝藍路游辛靳管柴蒙鲍鮑华華喻祁蒲房滕屈饶饒解牟艾尤阳陽时時穆农農司卓古吉"
    "缪繆简簡车車项項连連芦蘆麦麥褚娄婁窦竇戚岑景党黨宫宮费費卜冷晏席卫衛米柏宗瞿桂全佟应應臧闵閔苟邬鄔边邊卞姬师師和仇栾欒隋商刁沙荣榮"
    "巫寇桑郎甄丛叢仲虞敖巩鞏明佘池查麻苑迟遲邝鄺官封谈談匡鞠惠荆荊乐樂冀郁胥南班储儲原栗燕楚鄢劳勞谌諶奚皮粟冼蔺藺楼樓盘盤满滿闻聞"
    "位厉厲伊仝区區郜海阚闞花权權强強帅帥屠豆朴盖蓋练練廉禹井祖漆巴丰支卿国國狄平计計索宣晋晉相初门門云雲容敬来來扈晁芮都普阙闕浦戈伏"
    "鹿薄邰雍辜羊阿乌烏母裘亓修邴赫杭况況那宿鲜鮮印逯隆茹诸諸战戰慕危玉银銀亢嵇公哈湛宾賓戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴陰昝"
    "智幸奉植衡富尧堯闭閉由"
)


def byline_authors(text: str) -> list[str]:
    """Authors named by a byline in `text` (作者：X, 记者 X Y, 김민수 기자, By X and Y), else []."""
    cut = _COPYRIGHT.search(text)
    if cut:
        text = text[: cut.start()]  # "© 2010 by Medienhaus X": the site's maker, not an author
    names = _cjk_byline(text)
    if names:
        return names
    m = _BYLINE_KO.search(text)
    if m:
        return [m.group(1)]
    m = _BYLINE_LATIN.match(text)
    if m:
        part = re.split(r"\s+(?:\||•|·|-|–)\s+|,\s*(?:\d|Updated|Published)", m.group(1))[0]
        names = re.match(_NAMES_EN, part)  # "Tomas Spahn Fr": the weekday of the dateline is not a name
        return clean_authors([names.group(0) if names else part])
    m = _BYLINE_LATIN_IN.search(text) or _BYLINE_LATIN_LOWER.search(text)
    if m:
        return clean_authors([next(g for g in m.groups() if g)])
    return []


def _cjk_byline(text: str) -> list[str]:
    """Names after a Chinese byline label. A label glued to the next word (记者张三) counts only
    when that word starts with a surname and is not followed by sentence punctuation (记者来到现场，
    is prose). Groups written one after another (本报实习生 X Y 本报记者 Z) add up; an editor
    (责任编辑：X) is the answer only when nobody else is named."""
    found: list[str] = []
    editor: list[str] = []
    end = -1
    for m in _BYLINE_CJK.finditer(text):
        glued = m.group("label") is not None and not m.group("sep")
        raw = m.group(3)
        if raw.startswith(("本报", "本報", "本刊", "本台", "本网", "本網", "本站")):
            continue  # 作者：本报记者 X -- the name comes with the next label
        if glued and (raw[0] not in _SURNAMES or text[m.end(): m.end() + 1] in "，,。：:；;！？" and m.end() < len(text)):
            continue
        names = clean_authors([raw])
        names = names[:1] + [n for n in names[1:] if n[0] in _SURNAMES]
        if not names:
            continue
        if m.group("label") in _EDITOR_LABELS:
            editor = editor or names
        elif not found:
            found, end = names, m.end()
        elif m.start() - end <= 4:
            found += [n for n in names if n not in found]
            end = m.end()
        else:
            break
    if not found:
        m = _BYLINE_CJK_REPORT.search(text)
        if m and m.group(1)[0] in _SURNAMES:
            found = [m.group(1)]
    return found or editor
