"""Pages that render from embedded JSON (single-page apps) and pages whose JSON-LD holds the body."""

import json

import pytest

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


# -- state handed over in an ordinary script (React Query, Redux, Apollo caches) ----------------------


def _cache_page(state_js: str, attrs: str = "") -> str:
    return _shell(f"<script{attrs}>{state_js}</script>")


def _story(title: str, paras: list[str]) -> dict:
    return {"title": title, "contentHtml": "".join(f"<p>{p}</p>" for p in paras)}


_OTHER = [p.replace("tram", "bridge").replace("Tram", "Bridge") + " More words about the bridge." for p in _PARAS] * 2


def test_body_in_a_script_assigned_cache_is_used_beside_the_pages_title():
    # The cache also holds a longer teaser of another story: the page's own (same title) wins.
    state = {"queries": [{"data": {"related": [_story("Bridge closed for repairs", _OTHER)],
                                   "detail": _story("Tram line approved", _PARAS)}}]}
    page = _cache_page(f'window["__RQ_x"] = window["__RQ_x"] || [];window["__RQ_x"].push({json.dumps(state)});')
    article = extract(page)
    for p in _PARAS:
        assert p in article.text
    assert "bridge" not in article.text
    assert "Loading" not in article.text


def test_script_state_without_the_pages_title_is_not_taken():
    state = {"article": _story("Bridge closed for repairs", _OTHER)}
    page = _cache_page(f"window.__INITIAL_STATE__ = {json.dumps(state)};")
    article = extract(page)
    assert "bridge" not in article.text


def test_javascript_literals_before_the_json_one_are_skipped():
    state = {"article": _story("Tram line approved", _PARAS)}
    js = (f"var cfg = {{debug: false, body: 'x'}}; track({{page: 1}});\n"
          f"window.__PRELOADED_STATE__ = {json.dumps(state)};")
    article = extract(_cache_page(js))
    assert _PARAS[3] in article.text


def test_a_script_that_is_not_javascript_is_not_state():
    state = {"article": _story("Tram line approved", _PARAS)}
    page = _cache_page(f"x = {json.dumps(state)}", attrs=' type="text/template"')
    assert _PARAS[3] not in extract(page).text


def test_template_placeholders_left_in_the_body_are_dropped():
    paras = _PARAS[:2] + ["$$ARTICLEAD$$", "{{ ad_slot }}"] + _PARAS[2:]
    state = {"article": _story("Tram line approved", paras)}
    article = extract(_cache_page(f"window.__STATE__ = {json.dumps(state)};"))
    assert _PARAS[2] in article.text
    assert "$$" not in article.text and "{{" not in article.text


def test_json_script_state_prefers_the_story_titled_like_the_page_over_a_longer_one():
    state = {"props": {"recommended": [_story("Bridge closed for repairs", _OTHER)],
                       "article": _story("Tram line approved", _PARAS)}}
    page = _shell(f"<script id='__NEXT_DATA__' type='application/json'>{json.dumps(state)}</script>")
    article = extract(page)
    assert _PARAS[3] in article.text
    assert "bridge" not in article.text


def test_a_word_of_the_title_does_not_make_a_story_the_pages():
    state = {"teaser": {"title": "Tram", "body": " ".join(_OTHER)}}
    article = extract(_cache_page(f"window.__STATE__ = {json.dumps(state)};"))
    assert "bridge" not in article.text


@pytest.mark.parametrize("script", [
    "x = " + '{"a":' * 100_000 + "1" + "}" * 100_000 + ";",  # nested past the recursion limit
    'x = {"title": "Tram line approved", "body": "' + "never closed " * 20_000,  # a literal that never ends
    "".join(f'f({{"body": "{"x" * 40}", "n": {i}}});' for i in range(20_000)),  # thousands of literals
])
def test_hostile_script_state_costs_nothing_but_a_look(script):
    article = extract(_cache_page(script))  # no RecursionError, no hang: the shell's own text comes back
    assert article.text == "Loading…"
