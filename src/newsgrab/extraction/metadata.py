"""Article metadata: JSON-LD first, then OpenGraph and <meta>, then what the page shows.

Each field takes the first trustworthy source in that order. Visible bylines and datelines are
read from the top of the article only — never from a copyright footer, which would date every
article to the year the footer was last edited.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from urllib.parse import urljoin

from .dates import find_date_in_text, local_timezone, parse_date
from .dom import Head

__all__ = ["Meta", "read_metadata", "clean_authors", "find_source"]

_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenews", "blogposting", "analysisnewsarticle", "opinionnewsarticle",
    "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle", "techarticle", "liveblogposting",
    "socialmediaposting", "webpage", "report", "posting", "creativework",
}
_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "datepublished", "itemprop:datepublished",
    "pubdate", "publishdate", "publish-date", "publish_date", "publishtime", "publish_time", "pubtime",
    "date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.date", "sailthru.date",
    "parsely-pub-date", "article.published", "og:published_time", "datecreated", "created", "firstpublishedtime",
    "og:release_date", "citation_publication_date", "release_date", "display-date", "dc.date.created",
)
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "sailthru.author", "parsely-author", "byl", "itemprop:author", "og:article:author", "citation_author", "dcterms.creator")
# Role words before a name: Latin ones are whole words followed by a space or colon (so "Di" in
# "Diana" stays); CJK ones may be glued to the name (记者张三).
_ROLE_WORDS = re.compile(
    r"^(?:(?:written by|reported by|photos? by|by|von|par|por|door|av|af|from)(?:\s*[:：]\s*|\s+)|(?:di|text|texte)\s*[:：]\s*|"
    r"(?:本报记者|本報記者|特约记者|特約記者|责任编辑|責任編輯|作者|文|记者|記者|编辑|編輯|撰文|采写|採寫|通讯员|通訊員)"
    r"\s*[:：/／]?\s*)",
    re.I,
)
_SOURCE_PATTERNS = [
    re.compile(r"(?<![图圖片照])(?:来源|來源|稿源|出处|出處)\s*[:：]\s*(?P<s>[^\s|｜,，。;；)）]{2,24})"),
    re.compile(r"(?:转自|轉自|转载自|轉載自|转载于|轉載於)\s*[:：]?\s*(?P<s>[^\s|｜,，。;；)）]{2,24})"),
    re.compile(r"原[标標][题題]\s*[:：][^\n]{0,60}?(?:[（(](?P<s>[^）)]{2,20})[）)])"),
    re.compile(r"(?:更多|繼續閱讀更多|继续阅读更多)?來自\s*(?P<s>[^\s的]{2,20})\s*的精彩文章"),
    re.compile(r"(?:更多|繼續閱讀更多|继续阅读更多)?来自\s*(?P<s>[^\s的]{2,20})\s*的精彩文章"),
]


@dataclass(slots=True)
class Meta:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    article_body: str | None = None  # JSON-LD articleBody, for thin DOMs
    description: str | None = None
    local_tz: tzinfo | None = None  # the zone of times the page writes without an offset


def _walk_ld(obj, out: list[dict], depth: int = 0) -> None:
    if depth > 20:  # real JSON-LD nests a few levels; hostile pages nest thousands
        return
    if isinstance(obj, list):
        for o in obj[:200]:
            _walk_ld(o, out, depth + 1)
    elif isinstance(obj, dict):
        if "@graph" in obj:
            _walk_ld(obj["@graph"], out, depth + 1)
        t = obj.get("@type")
        types = t if isinstance(t, list) else [t]
        if any(isinstance(x, str) and x.lower() in _ARTICLE_TYPES for x in types):
            out.append(obj)
        elif obj.get("mainEntity"):
            _walk_ld(obj["mainEntity"], out, depth + 1)


def _names(v) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        n = v.get("name")
        if isinstance(n, list):
            return [x for x in n if isinstance(x, str)]
        return [n] if isinstance(n, str) else []
    if isinstance(v, list):
        out = []
        for x in v:
            out += _names(x)
        return out
    return []


def _ld_objects(head: Head) -> list[dict]:
    found: list[dict] = []
    for raw in head.json_ld:
        try:
            data = json.loads(raw)
        except RecursionError:
            continue  # nested deeper than the parser's stack: not real metadata
        except ValueError:
            try:  # pages often leave control characters or trailing commas in JSON-LD
                data = json.loads(re.sub(r",\s*([}\]])", r"\1", re.sub(r"[\x00-\x1f]", " ", raw)), strict=False)
            except (ValueError, RecursionError):
                continue
        _walk_ld(data, found)
    # Prefer real article types to WebPage.
    found.sort(key=lambda o: 1 if str(o.get("@type")).lower() in ("webpage", "creativework") else 0)
    return found


def read_metadata(head: Head, url: str | None, fetched_at: datetime | None) -> Meta:
    meta = Meta()
    metas: dict[str, str] = {}
    for k, v in head.metas:
        metas.setdefault(k, v)
    lds = _ld_objects(head)
    ld = lds[0] if lds else {}
    meta.local_tz = tz = local_timezone(_page_language(head))

    # Title: JSON-LD headline, og:title, an <h1> that the <title> contains, then <title> trimmed.
    site = _first_str(_names(ld.get("publisher")) if ld else []) or metas.get("og:site_name") or metas.get("application-name")
    meta.site_name = _clean(site)
    candidates = [ld.get("headline") if isinstance(ld.get("headline"), str) else None, metas.get("og:title"), metas.get("twitter:title"), metas.get("title"), metas.get("headline")]
    candidates = [html.unescape(c) if "&" in c else c for c in candidates if c and c.strip()]
    title = candidates[0] if candidates else None
    # The visible headline (<h1>) is what readers and editors call the title; og:title and <title>
    # are often SEO variants. Take the first <h1> that shares enough words with those variants
    # (a logo or section name in an <h1> shares none).
    h1 = _headline_h1(head.h1s, candidates + ([head.title] if head.title else []), meta.site_name)
    if h1:
        # Sources often disagree (an SEO og:title, a social twitter:title, a shorter <h1>): the
        # wording most of them share wins; on a tie the visible headline does.
        votes = [" ".join(c.split()) for c in [h1] + candidates[:3]]
        title = max(votes, key=lambda v: (votes.count(v), -votes.index(v)))
    elif not title and head.title:
        from .clean import trim_title

        title = trim_title(head.title, meta.site_name)
    elif title and meta.site_name:
        from .clean import trim_title

        if meta.site_name in title and _norm(title) != _norm(meta.site_name):
            title = trim_title(title, meta.site_name)
    # A kicker in its own <span> joined to the headline leaves "Kicker : Headline".
    meta.title = _clean(re.sub(r"(?<=\w) : (?=\S)", ": ", title) if title else title)

    # Authors.
    authors = _names(ld.get("author")) if ld else []
    if not authors:
        for k in _AUTHOR_KEYS:
            v = metas.get(k)
            if v and not v.startswith("http"):
                authors = [v]
                break
    meta.authors = clean_authors(authors, meta.site_name)

    # Published date.
    published = None
    for v in (ld.get("datePublished"), ld.get("dateCreated")) if ld else ():
        if isinstance(v, str):
            published = parse_date(v, now=fetched_at, local_tz=tz)
            if published:
                break
    if not published:
        for k in _DATE_KEYS:
            v = metas.get(k)
            if v:
                published = parse_date(v, now=fetched_at, local_tz=tz)
                if published:
                    break
    if not published:
        for dt, text in head.times:
            published = parse_date(dt, now=fetched_at, local_tz=tz) if dt else None
            if published:
                break
    meta.published = published

    # Canonical URL: <link rel=canonical>, og:url, JSON-LD url, resolved against the page URL.
    canon = next((href for rel, href in head.links if "canonical" in rel.split()), None) or metas.get("og:url")
    if not canon and isinstance(ld.get("url"), str):
        canon = ld["url"]
    if canon:
        try:
            canon = urljoin(url, canon) if url else canon
        except ValueError:  # a malformed URL or href ("http://[::1"): no canonical URL
            canon = ""
        meta.canonical_url = canon if canon.startswith(("http://", "https://")) else None

    lang = head.lang or metas.get("content-language") or metas.get("og:locale") or (ld.get("inLanguage") if isinstance(ld.get("inLanguage"), str) else None)
    meta.language = lang
    body = ld.get("articleBody") if ld else None
    meta.article_body = body if isinstance(body, str) and body.strip() else None
    meta.description = metas.get("og:description") or metas.get("description")
    return meta


_TOKEN = re.compile(r"[\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]|\w+")


def _tokens(s: str) -> set[str]:
    return set(_TOKEN.findall(s.lower()))


_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—»:]\s+|\s*[_|｜]\s*|——")


def _headline_h1(h1s: list[str], variants: list[str], site_name: str | None) -> str | None:
    if not variants:
        return h1s[0] if len(h1s) == 1 and 10 <= len(h1s[0]) <= 300 else None
    vt = [_tokens(v) for v in variants]
    # Names that only ever trail a title ("Headline | Valley Tribune") are the site's, not a headline.
    trailing = {_norm(part) for v in variants for part in _TITLE_SEPARATORS.split(v)[1:]}
    for h in h1s[:5]:
        if not 4 <= len(h) <= 300 or (site_name and _norm(h) == _norm(site_name)) or _norm(h) in trailing:
            continue
        ht = _tokens(h)
        if not ht:
            continue
        if any(len(ht & v) >= 0.5 * len(ht) for v in vt if v):
            return h
    return None


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _page_language(head: Head) -> str | None:
    """A first guess of the page's language (for its time zone): the script of its title and
    opening text, else what it declares."""
    sample = (head.title or "") + head.body_text[:1500]
    if _KANA.search(sample):
        return "ja"
    if len(_HANGUL.findall(sample)) > 10:
        return "ko"
    if len(_HAN.findall(sample)) > 10:
        return "zh"
    return head.lang


def _first_str(xs: list[str]) -> str | None:
    return next((x for x in xs if x and x.strip()), None)


def _clean(s: str | None) -> str | None:
    if not s:
        return None
    s = re.sub(r"\s+", " ", s).strip()
    return s or None


def _norm(s: str) -> str:
    return re.sub(r"[\s\W_]+", "", s or "").lower()


_SPLIT_AUTHORS = re.compile(
    r"\s*(?:,|;|、|，|／|/|\||\band\b|\bund\b|\bet\b|\by\b(?!\.)|\bog\b|\boch\b|\ben\b|\be\b(?!\.)|&)\s*", re.I
)


def clean_authors(raw: list[str], site_name: str | None = None) -> list[str]:
    """Authors as a list of names: no "By", no role words, no site name, no e-mail or URL."""
    out: list[str] = []
    for item in raw:
        if not item:
            continue
        item = re.sub(r"\s+", " ", item).strip()
        if re.match(r"(?:https?://|www\.)\S+$", item, re.I):
            continue  # a profile URL is not a name
        if re.fullmatch(r"[\u4e00-\u9fff·]{2,4}(?: [\u4e00-\u9fff·]{2,4})+", item):
            item = item.replace(" ", "、")  # Chinese names are never written with inner spaces
        item = _ROLE_WORDS.sub("", item)
        for name in _SPLIT_AUTHORS.split(item):
            name = re.sub(r"\s*[(（][^)）]*[)）]?\s*$", "", name.strip())  # "Name (abc)" initials
            name = _ROLE_WORDS.sub("", name.strip(" .:：-–—|()（）[]【】"))
            name = re.sub(r"\S+@\S+|https?://\S+", "", name).strip()
            if not name or len(name) > 60 or name.lower().startswith("http"):
                continue
            if site_name and _norm(name) == _norm(site_name):
                continue
            if name not in out:
                out.append(name)
    return out[:10]


def find_source(texts: list[str]) -> str | None:
    """The publication a repost credits: 来源：X, 原标题 (X), 轉載自 X, 更多來自 X 的精彩文章."""
    for t in texts:
        if len(t) > 200:
            continue
        for pat in _SOURCE_PATTERNS:
            m = pat.search(t)
            if m:
                s = m.group("s").strip(" 　:：")
                if s:
                    return s
    return None


_DATE_LABEL = re.compile(
    r"(?:发表于|發表於|发布于|發佈於|发布时间|發佈時間|發布時間|发表时间|發表時間|更新时间|更新時間|时间|時間|日期|"
    r"Posted on|Published on|Published|Veröffentlicht am|Publié le|Publicado el)\s*[:：]?\s*",
    re.I,
)
_COPYRIGHT = re.compile(r"©|copyright|版权所有|版權所有", re.I)


def dateline_near_title(body_text: str, title: str | None, now: datetime | None, local_tz: tzinfo | None = None) -> datetime | None:
    """A date written in the page outside the article text: first just after the headline, where
    news templates put the dateline ("2005-5-7 21:23:57 来源：…"), then after a label such as
    发表于 / Posted on (blogs put it under the post). Never inside a copyright notice."""
    if not body_text:
        return None
    probe = (title or "").strip()[:12]
    if len(probe) >= 4:
        start = 0
        for _ in range(5):
            i = body_text.find(probe, start)
            if i < 0:
                break
            window = " ".join(body_text[i + len(probe): i + len(probe) + 1500].split())[:300]
            cut = _COPYRIGHT.search(window)
            window = window[: cut.start()] if cut else window
            # Absolute dates anywhere in the window; relative ones (3小时前) only right at its start.
            found = find_date_in_text(window, now=now, local_tz=local_tz) or find_date_in_text(
                window[:30], now=now, local_tz=local_tz
            )
            if found:
                return found
            start = i + len(probe)
    for m in _DATE_LABEL.finditer(body_text, 0, 1_000_000):  # bounded: ~0.2 s per million characters
        window = body_text[m.end(): m.end() + 40]
        found = find_date_in_text(window, now=now, local_tz=local_tz)
        if found:
            return found
    return None


_CJK_NAME = r"[\u4e00-\u9fff·]{2,4}?(?=发自|發自|报道|報導|摄|攝|/|／|）|\)|\s|$|[^\u4e00-\u9fff·])"
# 记者/作者 may follow the outlet's name (本报记者, 新京报记者); a bare 文 must be 文/ or 文：.
_BYLINE_CJK = re.compile(
    r"(?:(?:作者|记者|記者|撰文|编译|編譯|采写|採寫|发布者|發布者|博主|责任编辑|責任編輯)\s*[:：/／]?\s*|"
    r"(?:^|(?<=[\s(（【\[|｜]))文\s*[:：/／]\s*)"
    rf"({_CJK_NAME}(?:[ 、，,]{_CJK_NAME}){{0,4}}|[A-Za-z][\w.-]{{1,24}})"
)
_BYLINE_KO = re.compile(r"(?:^|(?<=[\s(|]))([가-힣]{2,4})\s*(?:기자|특파원|논설위원)(?=\s|$|[|·=,])")
# "By Jane Doe and John Roe" inside a longer text: capitalised names joined by commas/and.
_NAME_EN = r"[A-ZÄÖÜÅØÆ][\w.'’-]+(?:\s+[A-ZÄÖÜÅØÆ][\w.'’-]+){1,3}"
_BYLINE_LATIN_IN = re.compile(rf"(?:^|(?<=\s))(?:By|Von|Par|Por|Door)\s+({_NAME_EN}(?:\s*(?:,|\band\b|\bund\b|&)\s*{_NAME_EN})*)")
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
    i = body_text.find(probe)
    if i < 0:
        return []
    window = " ".join(body_text[i + len(probe): i + len(probe) + 1500].split())[:300]
    return byline_authors(window)


def visible_byline(texts: list[str], now: datetime | None, local_tz: tzinfo | None = None) -> tuple[datetime | None, list[str]]:
    """Date and authors from short lines at the top of the article (a dateline, a byline), and
    authors from a short signature line at its end (blogs sign posts at the bottom)."""
    date = None
    authors: list[str] = []
    lines = [t for t in texts[:8] if len(t) <= 160]
    for t in lines:
        if date is None:
            date = find_date_in_text(t, now=now, local_tz=local_tz)
    for t in lines + [t for t in texts[-5:] if len(t) <= 160]:
        authors = byline_authors(t)
        if authors:
            break
    return date, authors


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
    m = _BYLINE_CJK.search(text)
    if m:
        names = clean_authors([m.group(1)])
        return names[:1] + [n for n in names[1:] if n[0] in _SURNAMES]
    m = _BYLINE_KO.search(text)
    if m:
        return [m.group(1)]
    m = _BYLINE_LATIN.match(text)
    if m:
        return clean_authors([re.split(r"\s+(?:\||•|·|-|–)\s+|,\s*(?:\d|Updated|Published)", m.group(1))[0]])
    m = _BYLINE_LATIN_IN.search(text)
    if m:
        return clean_authors([m.group(1)])
    return []


# Keys under which single-page apps keep the article in their embedded state (Next.js, Nuxt, ...).
_BODY_KEYS = {"articlebody", "body", "bodyhtml", "body_html", "content", "contenthtml", "content_html", "html", "text", "fulltext"}


def embedded_body(json_texts: list[str], min_len: int) -> str | None:
    """The longest article-like string (text or HTML) found under a body/content key in the page's
    embedded JSON state, when it is at least `min_len` characters."""
    best = None
    for raw in json_texts:
        if len(raw) < min_len:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        seen = 0
        while stack and seen < 200_000:  # bounded walk: state blobs can be huge
            seen += 1
            obj = stack.pop()
            if isinstance(obj, dict):
                for k, v in obj.items():
                    if isinstance(v, str):
                        if len(v) >= min_len and k.lower() in _BODY_KEYS and (best is None or len(v) > len(best)):
                            best = v
                    elif isinstance(v, (dict, list)):
                        stack.append(v)
            elif isinstance(obj, list):
                stack.extend(x for x in obj if isinstance(x, (dict, list)))
    return best
