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
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

from .dates import local_timezone, parse_date
from .dom import Head
from .language import script_counts

__all__ = ["Meta", "read_metadata", "clean_authors", "drop_outlets"]

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
    "cxenseparse:publishtime",
)
_AUTHOR_KEYS = (
    "author", "article:author", "dc.creator", "sailthru.author", "parsely-author", "byl", "itemprop:author", "og:article:author",
    "citation_author", "dcterms.creator", "cxenseparse:author",
)
# Keys a page repeats once per author (<meta property="article:author"> twice for two authors).
_REPEATED_AUTHOR_KEYS = {"article:author", "og:article:author", "citation_author", "dc.creator", "dcterms.creator"}
# twitter:labelN values that say twitter:dataN names the author (Yoast SEO's wording in its languages).
_WRITTEN_BY = {
    "written by", "verfasst von", "geschrieben von", "écrit par", "escrito por", "scritto da", "geschreven door",
    "napisane przez", "skriven av", "skrevet af", "skrevet av", "napsal", "autor", "auteur", "author", "作者",
}
# Bylines that name a desk or the publishing system's account, not a person.
_DESKS = {
    "redaktion", "die redaktion", "online-redaktion", "onlineredaktion", "webredaktion", "redaction", "rédaction",
    "la rédaction", "redazione", "redacción", "la redacción", "redação", "redactie", "de redactie", "redakcja",
    "editorial", "editorial staff", "editorial team", "the editors", "editors", "newsroom", "admin", "administrator",
    "编辑部", "編輯部", "本报编辑部", "編集部",
}
# Role words before a name: Latin ones are whole words followed by a space or colon (so "Di" in
# "Diana" stays); CJK ones may be glued to the name (记者张三).
_ROLE_WORDS = re.compile(
    r"^(?:(?:written by|reported by|photos? by|by|von|par|por|door|av|af|from)(?:\s*[:：]\s*|\s+)|"
    r"(?:di|text|texte|autor(?:/in|in)?|autorin/autor|author|auteur|autore|redaktion)\s*[:：]\s*|"
    r"(?:本报记者|本報記者|特约记者|特約記者|责任编辑|責任編輯|作者|文|记者|記者|编辑|編輯|撰文|采写|採寫|通讯员|通訊員)"
    r"\s*[:：/／]?\s*)",
    re.I,
)
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
    outlets: tuple[set[str], str | None] = (set(), None)  # (site names normalised, host label): see drop_outlets


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
        if any(isinstance(x, str) and _is_article_type(x) for x in types):
            out.append(obj)
        # A WebPage often holds the story as its mainEntity: read both (the sort below puts the
        # article first).
        if obj.get("mainEntity"):
            _walk_ld(obj["mainEntity"], out, depth + 1)


def _is_article_type(t: str) -> bool:
    """schema.org article types, also as "schema:NewsArticle" or a schema.org URL; every subtype
    whose name ends in Article or Posting (ReportageNewsArticle, DiscussionForumPosting...)."""
    t = t.strip().lower().rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return t in _ARTICLE_TYPES or t.endswith(("article", "posting"))


def _names(v) -> list[str]:
    if isinstance(v, str):
        return [v]
    if isinstance(v, dict):
        n = v.get("name")
        if isinstance(n, list):
            return [x for x in n if isinstance(x, str)]
        if isinstance(n, str) and n.strip():
            return [n]
        # A Person given as givenName + familyName only.
        parts = [v.get(k) for k in ("givenName", "familyName")]
        return [" ".join(x.strip() for x in parts if isinstance(x, str) and x.strip())] if any(
            isinstance(x, str) and x.strip() for x in parts
        ) else []
    if isinstance(v, list):
        out = []
        for x in v:
            out += _names(x)
        return out
    return []


_LD_OPEN = re.compile(r"^\s*(?://\s*)?(?:<!\[CDATA\[|<!--)")
_LD_CLOSE = re.compile(r"(?://\s*)?(?:\]\]>|-->)\s*$")


def _unwrap_ld(raw: str) -> str:
    """The JSON inside //<![CDATA[ ... //]]> or <!-- ... -->. The closing pattern is searched in the
    last characters only: searched over the whole text it is tried at every position (30 ms on a
    megabyte of JSON-LD)."""
    raw = _LD_OPEN.sub("", raw, count=1)
    tail = len(raw) - 80
    if tail > 0:
        m = _LD_CLOSE.search(raw, tail)
        return raw[: m.start()] if m else raw
    return _LD_CLOSE.sub("", raw, count=1)


def _ld_objects(head: Head) -> list[dict]:
    found: list[dict] = []
    for raw in head.json_ld:
        raw = _unwrap_ld(raw)
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
    page_lang = _page_language(head)
    meta.local_tz = tz = local_timezone(page_lang)

    # Title: JSON-LD headline, og:title, an <h1> that the <title> contains, then <title> trimmed.
    site = _first_str(_names(ld.get("publisher")) if ld else []) or metas.get("og:site_name") or metas.get("application-name")
    meta.site_name = _clean(site)
    # Every name the site goes by: "Headline | Site" loses it before the sources are compared.
    sites = [x for x in (_names(ld.get("publisher")) if ld else []) + [metas.get(k) for k in ("og:site_name", "application-name", "twitter:site")] if x]
    candidates = [ld.get("headline") if isinstance(ld.get("headline"), str) else None, metas.get("og:title"), metas.get("twitter:title"), metas.get("title"), metas.get("headline")]
    candidates = [html.unescape(c) if "&" in c else c for c in candidates if c and c.strip()]
    site_keys = _site_keys(sites)
    candidates = [_strip_site(c, site_keys) for c in candidates]
    title = candidates[0] if candidates else None
    # The visible headline (<h1>) is what readers and editors call the title; og:title and <title>
    # are often SEO variants. Take the first <h1> that shares enough words with those variants
    # (a logo or section name in an <h1> shares none).
    h1 = _headline_h1(head.h1s, candidates + ([head.title] if head.title else []), meta.site_name, len(candidates))
    if h1:
        # Sources often disagree (an SEO og:title, a social twitter:title, a shorter <h1>): the
        # wording most of them share wins; on a tie the visible headline does.
        votes = [" ".join(c.split()) for c in [h1] + candidates[:3]]
        title = max(votes, key=lambda v: (votes.count(v), -votes.index(v)))
    elif not title and head.title:
        from .clean import trim_title

        title = trim_title(_strip_site(head.title, site_keys), meta.site_name)
    elif title and meta.site_name:
        from .clean import trim_title

        if meta.site_name in title and _norm(title) != _norm(meta.site_name):
            title = trim_title(title, meta.site_name)
    # A kicker in its own <span> joined to the headline leaves "Kicker : Headline" (French
    # typography writes "Guerre en Ukraine : la ..." on purpose: kept when a source has it too).
    if title and " : " in title and not any(" : " in " ".join(c.split()) for c in candidates):
        title = re.sub(r"(?<=\w) : (?=\S)", ": ", title)
    meta.title = _clean(title)

    # Authors: JSON-LD, else the first author <meta> key that names someone (every value of it:
    # pages repeat article:author once per author). An outlet named as author is not an author.
    meta.outlets = _outlet_keys(sites, url)
    lang = page_lang
    authors = clean_authors(_names(ld.get("author")), meta.site_name, outlets=meta.outlets, lang=lang) if ld else []
    for k in _AUTHOR_KEYS if not authors else ():
        values = [v for kk, v in head.metas if kk == k and v and not v.startswith("http")]
        if k in _REPEATED_AUTHOR_KEYS:
            authors = clean_authors(values, meta.site_name, outlets=meta.outlets, lang=lang)
        else:  # the first value that names someone: `author` and itemprop markup also tag photo credits and teasers
            authors = next((a for v in values if (a := clean_authors([v], meta.site_name, outlets=meta.outlets, lang=lang))), [])
        if authors:
            break
    if not authors:
        # SEO plugins (Yoast, on millions of WordPress sites) write the author as a Twitter card pair:
        # twitter:label1 "Written by" (in the site's language), twitter:data1 the name.
        labels = {k[len("twitter:label"):] for k, v in head.metas if k.startswith("twitter:label") and v.strip().lower() in _WRITTEN_BY}
        names = [v for k, v in head.metas if k.startswith("twitter:data") and k[len("twitter:data"):] in labels]
        authors = clean_authors(names, meta.site_name, outlets=meta.outlets, lang=lang) if names else []
    meta.authors = authors

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


def _headline_h1(h1s: list[str], variants: list[str], site_name: str | None, n_meta: int = 0) -> str | None:
    """The first <h1> that is the headline: it shares at least half its words with one of
    `variants` (the metadata titles, the first `n_meta` of them, then <title>)."""
    if not variants:
        return h1s[0] if len(h1s) == 1 and 10 <= len(h1s[0]) <= 300 else None
    vt = [_tokens(v) for v in variants]
    # Names that only ever trail a title ("Headline | Valley Tribune") are the site's, not a headline
    # -- unless a metadata title says exactly that ("Kicker: - Headline" in <title>, "Headline" in og).
    same = {_norm(v) for v in variants[:n_meta]}
    trailing = {_norm(part) for v in variants for part in _TITLE_SEPARATORS.split(v)[1:]} - same
    for h in h1s[:5]:
        if not 4 <= len(h) <= 300 or (site_name and _norm(h) == _norm(site_name)) or _norm(h) in trailing:
            continue
        ht = _tokens(h)
        if not ht:
            continue
        if any(len(ht & v) >= 0.5 * len(ht) for v in vt if v):
            return h
    return None


# Separators between a headline and the site's name (and section) in <title> and og:title.
_SITE_SEP = re.compile(r"(\s+[|\-–—»·•:]\s+|(?<=\w):\s+|\s*[_|｜ㅣ]\s*|\s+-{1,2}\s*|\s*——\s*|(?<=[\u3400-\u9fff）」』])-{1,2}(?=[\u3400-\u9fff（「『]))")
# A section glued to a CJK or Korean headline just before the site name: "...커졌다-정치ㅣ한국일보".
_GLUED_SECTION = re.compile(r"(?<=[\u3400-\u9fff\uac00-\ud7af])[-_]([\u3400-\u9fff\uac00-\ud7af]{1,6})$")


def _is_site_part(part: str, keys: set[str]) -> bool:
    p = _norm(part)
    if not p or len(part) > 60:
        return False
    if p in keys:
        return True
    # "Mirror Online" / "The Mirror", "Daily Mail Online" / "Mail Online", "news.ORF.at" / "ORF.at"
    return any(len(k) >= 4 and (k in p or p in k) and min(len(k), len(p)) >= 0.5 * max(len(k), len(p)) for k in keys)


def _site_keys(sites: list[str]) -> set[str]:
    """The site's names as _strip_site compares them."""
    keys = {_norm(x.lstrip("@")) for x in sites if x and _norm(x)}
    keys |= {k[3:] for k in keys if k.startswith("the") and len(k) > 6}  # "The Mirror" is "Mirror Online"
    return keys


def _strip_site(title: str, keys: set[str]) -> str:
    """`title` without a leading or trailing site name ("Headline | Site", "Site: Headline"), and
    without the sections between the headline and the site name ("Headline | Royal | News | Site").
    `keys`: _site_keys of the site's names."""
    if not keys or not title:
        return title
    pieces = _SITE_SEP.split(title.strip())
    segs, seps = pieces[0::2], pieces[1::2]
    if len(segs) < 2:
        return title
    cut = False
    while len(segs) > 1 and _is_site_part(segs[-1], keys):
        sep = seps.pop()
        segs.pop()
        cut = True
        # Section names between headline and site: short, and the same separator as the site's.
        while len(segs) > 1 and seps[-1].strip() == sep.strip() and len(segs[-1].split()) <= 2 and len(segs[-1]) <= 20 \
                and sum(map(len, segs[:-1])) >= 3 * len(segs[-1]):
            segs.pop()
            seps.pop()
    if not cut:
        while len(segs) > 1 and _is_site_part(segs[0], keys) and len(segs[0]) < len(segs[1]):
            segs.pop(0)
            seps.pop(0)
            cut = True
    if not cut:
        return title
    out = "".join(seg + (seps[i] if i < len(seps) else "") for i, seg in enumerate(segs)).strip()
    if len(segs) == 1:
        g = _GLUED_SECTION.search(out)
        if g and len(out) >= 4 * len(g.group(1)):
            out = out[: g.start()]
    return out or title


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _page_language(head: Head) -> str | None:
    """A first guess of the page's language (for its time zone): the script of its title and
    opening text, else what it declares."""
    sample = (head.title or "") + head.body_text[:1500]
    counts = script_counts(sample)  # (language.py's C counts: a findall of every Han character costs more)
    if counts is not None:
        han, kana, hangul = counts[:3]
        return "ja" if kana else "ko" if hangul > 10 else "zh" if han > 10 else head.lang
    if _KANA.search(sample):
        return "ja"
    if len(_HANGUL.findall(sample)) > 10:
        return "ko"
    if len(_HAN.findall(sample)) > 10:
        return "zh"
    return head.lang


def _first_str(xs: list[str]) -> str | None:
    return next((x for x in xs if x and x.strip()), None)


_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\s\W_]+")


def _clean(s: str | None) -> str | None:
    if not s:
        return None
    s = _SPACES.sub(" ", s).strip()
    return s or None


@lru_cache(maxsize=4096)
def _norm(s: str) -> str:
    # (~20 calls a page, most on the same few site names and title parts)
    return _NOT_WORD.sub("", s or "").lower()


_SPLIT_AUTHORS = re.compile(
    r"\s*(?:,|;|、|，|／|/|\||\band\b|\bund\b|\bet\b|\by\b(?!\.)|\bog\b|\boch\b|\ben\b|\be\b(?!\.)|&)\s*", re.I
)


# Role words written after a name: Korean 기자 (reporter), 특파원 (correspondent)...; Japanese 記者.
_ROLE_SUFFIX = re.compile(
    r"(?<=\S)\s*(?:(?:선임|수습|인턴|객원|전문)?기자|특파원|논설위원|편집위원|칼럼니스트|記者|特派員|编辑|編輯)$"
)
_DOMAIN = re.compile(r"(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/?", re.I)
_SLD = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"}


def _outlet_keys(sites: list[str], url: str | None) -> tuple[set[str], str | None]:
    """What an outlet named as an author looks like on this page: its site names (normalised)
    and the main label of its host ("mdr" for www.mdr.de, "bbc" for www.bbc.co.uk)."""
    keys = {_norm(x.lstrip("@")) for x in sites if x and _norm(x)}
    label = None
    if url:
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        labels = [x for x in host.split(".") if x]
        if len(labels) >= 3 and labels[-2] in _SLD and len(labels[-1]) == 2:
            labels = labels[:-1]
        if len(labels) >= 2:
            label = _norm(labels[-2]) or None
    return keys, label


def _is_outlet(name: str, outlets: tuple[set[str], str | None]) -> bool:
    keys, label = outlets
    n = _norm(name)
    if _DOMAIN.fullmatch(name):
        return True  # "mdr.de", "ORF.at": a website, not a person
    if n in keys or (label and n == label):
        return True
    # "MDR THÜRINGEN", "BBC NEWS": a name in capitals that starts with the outlet's name
    first = _norm(name.split()[0]) if name.split() else ""
    return name.isupper() and len(name.split()) > 1 and (first in keys or (label is not None and first == label))


def drop_outlets(names: list[str], outlets: tuple[set[str], str | None]) -> list[str]:
    """`names` without those that are the page's own outlet (its site name, its host)."""
    return [n for n in names if not _is_outlet(n, outlets)]


def clean_authors(
    raw: list[str],
    site_name: str | None = None,
    *,
    outlets: tuple[set[str], str | None] | None = None,
    lang: str | None = None,
) -> list[str]:
    """Authors as a list of names: no "By", no role words, no site name, no e-mail or URL.

    `outlets` (from the page's site names and host) also drops the outlet under another of its
    names ("mdr.de", "LTO" on lto.de); `lang` "ja" keeps the space of Japanese names (大渡 美咲)."""
    out: list[str] = []
    for item in raw:
        if not item:
            continue
        item = re.sub(r"\s+", " ", item).strip()
        if item.lower() in _DESKS:
            continue  # (a desk alone: the role words below would make 编辑部 into 部)
        if re.match(r"(?:https?://|www\.)\S+$", item, re.I):
            continue  # a profile URL is not a name
        if re.search(r"[(（]\s*(?:https?://)?(?:www\.)?[\w-]+\.[a-z]{2,}\b", item, re.I):
            continue  # "Deutsche Welle (www.dw.com)": an outlet with its website
        if lang != "ja" and re.fullmatch(r"[\u4e00-\u9fff·]{2,4}(?: [\u4e00-\u9fff·]{2,4})+", item):
            item = item.replace(" ", "、")  # Chinese names are never written with inner spaces
        item = re.sub(r"^By(?=[A-Z][a-z])", "", item)  # "ByJane Doe": the byline's "By" glued on
        item = _ROLE_WORDS.sub("", item)
        parts = _SPLIT_AUTHORS.split(item)
        if len(parts) > 1 and outlets and _is_outlet(parts[0].strip(), outlets):
            continue  # "SPIEGEL ONLINE, Hamburg, Germany": the outlet's imprint, not a list of people
        for name in parts:
            if name.strip().lower() in _DESKS:
                continue  # "Redaktion", "admin": a desk or the CMS's account (asked before role words go: 编辑部 is no 编辑 named 部)
            name = re.sub(r"\s*[(（][^)）]*[)）]?\s*$", "", name.strip())  # "Name (abc)" initials
            name = _ROLE_WORDS.sub("", name.strip(" .:：-–—|()（）[]【】"))
            name = re.sub(r"\S+@\S+|https?://\S+", "", name).strip()
            name = _ROLE_SUFFIX.sub("", name).strip()
            words = name.split()
            if len(words) >= 4 and len(words) % 2 == 0 and words[: len(words) // 2] == words[len(words) // 2:]:
                name = " ".join(words[: len(words) // 2])  # "Jane Doe Jane Doe": a name printed twice
            if not name or len(name) > 60 or name.lower().startswith("http"):
                continue
            if len(re.findall(r"\d", name)) >= 3:
                continue  # "105092", "L_104485": an id, not a name
            if site_name and _norm(name) == _norm(site_name):
                continue
            if outlets and _is_outlet(name, outlets):
                continue
            if name not in out:
                out.append(name)
    return out[:10]
