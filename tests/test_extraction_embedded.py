"""Pages that render from embedded JSON (single-page apps) and pages whose JSON-LD holds the body."""

import json

from newsgrab import extract

_PARAS = [
    "The city council voted on Tuesday to expand the tram network to the northern districts, a plan "
    "that had been debated for more than a decade.",
    "Supporters said the line would cut commuting times in half, while critics pointed to the cost, "
    "which the council estimated at 480 million euros.",
    "Construction is expected to begin next spring and to last about four years, the mayor said.",
    "Residents of the affected streets will be consulted in a series of meetings in January.",
]


def _shell(script: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><title>Tram line approved | City News</title>"
        f"{script}</head><body><div id='app'><nav><a href='/'>Home</a> <a href='/city'>City</a></nav>"
        "<p>Loading…</p></div></body></html>"
    )


def test_article_html_in_embedded_state_is_used():
    state = {"props": {"pageProps": {"article": {"title": "Tram line approved",
                                                "bodyHtml": "".join(f"<p>{p}</p>" for p in _PARAS)}}}}
    page = _shell(f"<script id='__NEXT_DATA__' type='application/json'>{json.dumps(state)}</script>")
    article = extract(page)
    for p in _PARAS:
        assert p in article.text
    assert "Loading" not in article.text
    assert article.text.count("\n\n") == len(_PARAS) - 1


def test_json_ld_article_body_beats_a_teaser():
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Tram line approved",
          "articleBody": "\n".join(_PARAS)}
    page = _shell(f"<script type='application/ld+json'>{json.dumps(ld)}</script>").replace(
        "<p>Loading…</p>", f"<p>{_PARAS[0]}</p><p>Subscribe to read the rest.</p>")
    article = extract(page)
    assert _PARAS[3] in article.text
    assert article.title == "Tram line approved"


def test_embedded_state_is_ignored_when_the_dom_has_the_article():
    state = {"article": {"body": "An unrelated string that is long enough to count. " * 20}}
    page = _shell(f"<script type='application/json'>{json.dumps(state)}</script>").replace(
        "<p>Loading…</p>", "".join(f"<p>{p}</p>" for p in _PARAS))
    article = extract(page)
    assert _PARAS[2] in article.text
    assert "unrelated string" not in article.text
