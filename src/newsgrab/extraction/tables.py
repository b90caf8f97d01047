"""Selector and pattern tables used by extraction, kept apart from the algorithms that use them.

Class/id hints follow Readability.js (its regexes, widened with what Chinese and German news
templates use). They are general template vocabulary, never names of particular sites.
"""

from __future__ import annotations

import re

__all__ = [
    "BLOCK_TAGS", "INLINE_TAGS", "HEADING_TAGS", "NEGATIVE_HINT", "POSITIVE_HINT", "STRONG_NEGATIVE_HINT",
    "REMOVE_TAGS", "UNLIKELY_HINT", "UNLIKELY_STRONG_HINT", "MAYBE_HINT", "LEAD_HINT", "COMMENT_HINT",
]

BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu nav ol p pre section table tbody thead tfoot tr td th ul "
    "caption summary".split()
)
INLINE_TAGS = frozenset(
    "a abbr b bdi bdo cite code data dfn em font i kbd mark q rp rt ruby s samp small span strong sub sup time "
    "tt u var wbr del ins nobr".split()
)
HEADING_TAGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))

# Whole elements dropped from the article whatever they hold.
REMOVE_TAGS = frozenset(("nav", "aside", "footer", "form", "fieldset", "menu", "dialog", "figcaption"))

_W = r"(?:^|[\s_-])"  # start of a class word; hints are matched on "class id" strings

NEGATIVE_HINT = re.compile(
    r"hidden(?!-(?:xs|sm|md|lg|xl|mobile|tablet|desktop|print))|\bhid\b|banner|combx|comment|com-|contact|foot|footer|footnote|gdpr|masthead|media|meta|outbrain|"
    r"promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|tool|widget|breadcrumb|"
    r"crumb|byline|author|dateline|recommend|newsletter|subscribe|social|advert|(?:^|[\s_-])ads?(?:$|[\s_-])|"
    r"popup|modal|cookie|rank|hot-?news|copyright|disclaimer|pagination|(?:^|[\s_-])pager|paging|nav|menu|login|signup|"
    r"teaser-list|more-?news|read-?more|xgyd|tuijian|xiangguan|guanggao|pinglun|fenxiang",
    re.I,
)
POSITIVE_HINT = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story|"
    r"artic|zhengwen|detail|cont|news_txt|txt|neirong|wenzhang|main-?text|rich-?text",
    re.I,
)
# Hints so clear that a container carrying them is never climbed into or gathered.
STRONG_NEGATIVE_HINT = re.compile(
    r"comment|sidebar|footer|related|recommend|share|social|breadcrumb|crumb|newsletter|advert|promo|"
    r"cookie|popup|modal|(?:^|[\s_-])nav(?:$|[\s_-])|menu|xgyd|tuijian|xiangguan|pinglun",
    re.I,
)

# Readability's "unlikely candidates", in two tiers. STRONG hints name things that are never the
# article (comments, share bars, related lists): dropped whatever they hold. WEAK hints name
# layout regions (sidebar, header, extra) that templates also use for grid columns holding the
# article ("sidebar-grid__container"): dropped only when they do not read like prose.
UNLIKELY_STRONG_HINT = re.compile(
    r"-ad-|ai2html|banner|breadcrumb|crumb|combx|comment|community|disqus|gdpr|legends|related|remark|replies|"
    r"rss|shoutbox|social|sponsor|ad-break|agegate|pagination|(?:^|[\s_-])pager|popup|yom-remote|share|sharing|subscribe|"
    r"newsletter|cookie|recommend|tag-?list|tags|toolbar|keywords|copyright|xgyd|tuijian|xiangguan|guanggao|"
    r"pinglun|fenxiang|hot-?news|more-?news|read-?more|next-?prev|prev-?next|article-?nav|post-?nav|"
    r"author-?(?:bio|box|info)|login|signup|download|promo|teaser-list|"
    r"(?:^|[\s_-])ads?(?:$|[\s_-])|(?:^|[\s_-])(?:fig)?caption|(?:image|photo|img|picture)(?:-|__)?(?:credit|caption|desc|info|source)|lightbox|"
    r"credits?(?:$|[\s_-])|wp-caption-text|(?:^|[\s_-])(?:gallery|slideshow|carousel)(?:$|[\s_-])",
    re.I,
)
UNLIKELY_HINT = re.compile(
    r"cover-wrap|extra|footer|header|menu|sidebar|skyscraper|supplemental|widget|print|nav(?:$|[\s_-])",
    re.I,
)
# ...unless they also say they are content.
MAYBE_HINT = re.compile(r"and|article|body|content|main|shadow|story|entry|post|text|zhengwen|detail", re.I)


# The standfirst under a headline, in the article's header rather than its body: "lead", "intro",
# "subtitle", "excerpt", "standfirst", "dek"... (French "chapo"/"chapeau", Spanish "entradilla"/"bajada",
# German "vorspann"/"einleitung", Czech "perex", Nordic "ingress").
LEAD_HINT = re.compile(
    r"(?:^|[\s_-])(?:article-?|story-?|post-?|entry-?)?(?:lead|lede|intro|introduction|standfirst|sub-?title|subline|"
    r"sub-?head(?:line)?|summary|excerpt|deck|dek|abstract|chapo|chapeau|sapo|perex|entradilla|bajada|vorspann|"
    r"einleitung|ingress|teaser)(?:$|[\s_-])",
    re.I,
)

# Reader comments: prose-rich, so link density cannot tell them from the story; a container saying
# it holds comments is never where the article is.
# ("commentary" and German "Kommentar" name opinion pieces: only the plural "Kommentare" counts.)
COMMENT_HINT = re.compile(r"comment(?!ary|ator)|kommentare|disqus|replies|pinglun|discussion|respond", re.I)
