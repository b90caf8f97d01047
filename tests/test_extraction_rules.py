"""Extraction rules of issue #3 (body quality), each on small hand-written blocks or pages:

- clean.py: photo captions told by their credit or their start, the tail of the article judged by
  multi-word phrases, "related" markers that head a teaser box inside the story, comment/author
  markers that always end it;
- render.py: inline links' spans, ruby readings, soft hyphens, prose with many inline links;
- scoring.py: the standfirst beside the body, the titled story of an endless page, comment threads;
- the <noscript> copy of a script-rendered page.
"""

from __future__ import annotations

import pytest

from newsgrab import extract
from newsgrab.extraction.clean import filter_blocks, phrases
from newsgrab.extraction.render import Block

P1 = "The mayor announced the plan on Monday, saying it would take five years and cost about two hundred million dollars in total."
P2 = "Council members are expected to vote on the proposal next month, after a series of public hearings in every district of the city."
P3 = "Opponents say the money would be better spent on repairing the roads and bridges that the city already has, many of them old."
P4 = "Supporters answer that the new lines would cut journey times across the city by a third and take thousands of cars off the road."
D1 = "Die Abstimmung fiel mit 31 zu 28 Stimmen denkbar knapp aus, nachdem sich vor dem Rathaus mehrere hundert Menschen versammelt hatten."
D2 = "Der Plan sieht vor, dass die wichtigsten Achsen zwischen Bahnhof, Universität und Rheinufer getrennte Radspuren bekommen."
D3 = "Die Opposition kündigte an, das Projekt weiter kritisch zu begleiten, vor allem wegen der Parkplätze in der Altstadt."
# Paragraphs of 200+ bytes: what a story going on after a teaser box looks like.
L1 = ("The first line will run from the station to the university along the river, and the council expects building "
      "work to start next spring once the last objections from shop owners in the old town have been heard.")
L2 = ("The second and third lines will follow two years later, crossing the bridge to the new housing estates in the "
      "south, where thousands of families moved last year without a single bus route to the city centre.")


def B(text: str, kind: str = "p", **kw) -> Block:
    return Block(kind, text, **kw)


def texts(blocks) -> list[str]:
    return [b.text for b in blocks]


def page(body: str, title: str = "Council approves the new tram lines", lang: str = "en", head: str = "") -> bytes:
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:title" content="{title}">{head}</head><body>{body}</body></html>'
    ).encode()


# ---- clean.py: captions --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "caption",
    [
        "Radfahrer auf der Rheinbrücke: Hier soll die erste neue Spur entstehen. (Foto: dpa)",
        "The state epidemiologist at one of the agency's daily briefings. Photo: Jane Doe/AFP",
        "Lee Elder war mit golferischem Talent gesegnet. | © Augusta National/Getty Images",
        "Der Trainer möchte mit dem Verein noch so viele Punkte wie möglich sammeln. IMAGO/Nico Herbertz",
        "Eingefrorenes Sperma in einer Klinik. Friso Gentsch/dpa",
        "Rescue workers approach the damaged ship on 11 May 2026 (AFP / JORGE GUERRERO)",
        "Der Schulleiter empfing am Montag nur 14 von 75 Kindern © VS Tristach",
        "Abbildung 2: Farblich codierte Schneehöhen für das Mattertal, berechnet aus Satellitendaten",
        "Fig. 3. Growth of the colony over the first twelve days of the experiment, in cells per millilitre",
        "Vergrößern Eine kleine runde Aussparung für die Kamera im Display des neuen Telefons.",
        "Diese Pyramide zeigt den angedachten Ablauf der einzelnen Phasen. Bild: Screenshot: fdp.de",
        "People have lived in these forests for thousands of years. Credit: Tomas Munita/CIFOR (CC BY-NC-ND 2.0)",
    ],
)
def test_photo_captions_go(caption):
    assert texts(filter_blocks([B(P1), B(caption), B(P2)], None)) == [P1, P2]


@pytest.mark.parametrize(
    "paragraph",
    [
        "Das sagte der Sprecher der Stadt am Dienstag der Nachrichtenagentur dpa.",
        "Wie der SWR berichtet, lagen in beiden Fällen technische Mängel vor. (Quelle: SWR)",
        "Figures from the statistics office show the population grew by two percent last year.",
        "The photo: a boy on a bicycle, taken in 1952, which the family kept for seventy years.",
        "Zu sehen ist auf dem Bild: das alte Rathaus. Es wurde 1952 abgerissen, die Stadt bedauert es bis heute",
    ],
)
def test_paragraphs_that_cite_agencies_or_mention_photos_stay(paragraph):
    assert paragraph in texts(filter_blocks([B(P1), B(paragraph), B(P2)], None))


# ---- clean.py: the tail of the article ---------------------------------------------------------------

SUPPORT = "If you enjoyed reading this post – would you consider supporting our work? Just click here. Thanks!"


def test_tail_blocks_are_judged_by_multi_word_phrases():
    # Too long for a short-block phrase match, but in the tail of the article: a promo.
    assert texts(filter_blocks([B(P1), B(P2), B(P3), B(P4), B(SUPPORT)], None)) == [P1, P2, P3, P4]
    # The same block before most of the text is not judged so (a paragraph may quote a phrase).
    assert SUPPORT in texts(filter_blocks([B(P1), B(SUPPORT), B(P2), B(P3), B(P4)], None))


def test_short_only_phrases_do_not_judge_tail_blocks():
    contact = "Weitere Informationen erteilt Anne Beispiel im Bürgerbüro unter Tel. 01234 56789 (anne@example.org)."
    assert "weitere informationen" in phrases().short_only
    assert contact in texts(filter_blocks([B(D1), B(D2), B(D3), B(contact)], None))
    assert texts(filter_blocks([B(D1), B(D2), B("Weitere Informationen"), B(D3)], None)) == [D1, D2, D3]


def test_licence_and_posted_in_lines_in_the_tail_go():
    posted = ("Dieser Beitrag wurde am Mittwoch, den 27. November 2019 um 15:21 Uhr veröffentlicht und wurde unter "
              "Allgemein, Region, Veranstaltungen abgelegt.")
    licence = "Dieser Text wurde veröffentlicht unter der Lizenz CC-BY-NC-ND-4.0-DE. Die Fotos dürfen nicht verwendet werden."
    story = [D1, D2, D3, D1 + " " + D2, D3 + " " + D1]
    assert texts(filter_blocks([B(t) for t in story] + [B(posted), B(licence)], None)) == story


# ---- clean.py: cut markers ---------------------------------------------------------------------------


def test_related_marker_inside_the_story_drops_only_itself():
    blocks = [B(P1), B(P2), B(P3), B(P4), B("Read more", "h"), B(L1), B(L2)]
    assert texts(filter_blocks(blocks, None)) == [P1, P2, P3, P4, L1, L2]


def test_related_marker_before_teaser_summaries_cuts():
    # Teasers: a headline and a summary shorter than a paragraph of the story.
    blocks = [B(P1), B(P2), B(P3), B("Read more", "h"), B("Tram fares rise in June", "h"), B(P4)]
    assert texts(filter_blocks(blocks, None)) == [P1, P2, P3]


def test_related_marker_before_teaser_links_cuts():
    blocks = [B(P1), B(P2), B(P3), B("Related stories", "h"), B("Tram fares rise in June", "h", link_ratio=1.0), B(P4)]
    assert texts(filter_blocks(blocks, None)) == [P1, P2, P3]


def test_related_marker_with_nothing_but_short_lines_after_it_cuts():
    blocks = [B(P1), B(P2), B(P3), B("Auch interessant", "h"), B("Parkhaus: Preise steigen")]
    assert texts(filter_blocks(blocks, None)) == [P1, P2, P3]


@pytest.mark.parametrize("marker", ["Comments", "About the author", "Über den Autor", "Kommentare", "评论列表"])
def test_comment_and_author_markers_always_end_the_story(marker):
    blocks = [B(P1), B(P2), B(P3), B(P4), B(marker, "h"), B(L1), B(L2)]
    assert texts(filter_blocks(blocks, None)) == [P1, P2, P3, P4]


# ---- clean.py: phrases of this issue ---------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Gefällt mir Lade …", "Externer Inhalt", "ERSCHIENEN IN", "Quellen ausblenden", "Zitiervorschlag",
        "Jetzt für unseren Newsletter anmelden", "Access articles from across Canada with one account.",
        "Article continues below", "Video unavailable", "Follow The Daily Example on Twitter and Instagram",
        "For the latest stories download the Example News apps for iOS and Android.", "Síguenos en Telegram",
        "Czytaj więcej", "글자크기 설정", "서울 홍길동 기자 hong@example.co.kr", "입력 : 2025-06-04 02:37:08",
        "※下に線があることばは辞書の説明を見ることができます。", "您是本文第 154 个阅览者", "本文已被瀏覽 2031 次",
        "Get the latest news to your phone Join us on WhatsApp",
        "Our community members are treated to special offers, promotions, and adverts from us and our partners. "
        "You can check out at any time. Read our Privacy Policy",
    ],
)
def test_new_phrases_drop_short_lines(line):
    assert texts(filter_blocks([B(P1), B(line), B(P2)], None)) == [P1, P2]


Z1 = "市政府昨日召开会议，研究部署老旧小区改造工作，会议指出要把好事办好，让居民住得更舒心，今年将完成改造一百二十个小区。"
Z2 = "据介绍，改造内容包括加装电梯、更新管网、增设停车位和充电桩，资金由财政补贴和居民自筹共同承担，预计年底前全部完工。"
Z3 = "不少居民表示，多年来上下楼不便的问题终于有望解决，希望施工期间能尽量减少噪音，并及时公布工程进度和资金使用情况。"


@pytest.mark.parametrize("line", [
    "声明：该文观点仅代表作者本人，搜狐号系信息发布平台，搜狐仅提供信息存储空间服务。",
    "特别声明：以上内容为自媒体平台用户上传并发布，本平台仅提供信息存储服务。",
    "聲明：本文觀點僅代表作者本人，平台僅提供資訊儲存空間服務。",
])
def test_platform_disclaimers_of_self_media_reposts_go(line):
    assert texts(filter_blocks([B(Z1), B(Z2), B(Z3), B(line)], None)) == [Z1, Z2, Z3]


@pytest.mark.parametrize("marker", ["反侵权公告：", "版权声明", "版權聲明："])
def test_a_copyright_notice_after_the_story_ends_it(marker):
    notice = "一、任何单位或个人使用本报社原创内容，必须事先取得书面授权；二、对侵权行为，本报社将追究法律责任。"
    blocks = [B(Z1), B(Z2), B(Z3), B(marker), B(notice), B("陈律师（法律顾问）0432-62099222")]
    assert texts(filter_blocks(blocks, None)) == [Z1, Z2, Z3]


def test_interview_questions_stay_while_reporter_lines_go():
    q = "记者：首先欢迎你接受我们的采访，请问你怎样看待农业税补贴问题？"
    blocks = [B(Z1), B(q), B(Z2), B("记者：张三 李四"), B(Z3)]
    assert texts(filter_blocks(blocks, None)) == [Z1, q, Z2, Z3]


def test_a_copyright_marker_before_most_of_the_story_only_goes_itself():
    blocks = [B("版权声明"), B(Z1), B(Z2), B(Z3)]
    assert texts(filter_blocks(blocks, None)) == [Z1, Z2, Z3]


def test_a_teaser_ending_on_a_more_link_goes():
    teaser = "Viele haben die Polarlichter am gestrigen Abend verpasst. Doch auch am Montag bestehen Chancen. mehr"
    more = len("mehr") / len(teaser)
    blocks = [B(D1), B(teaser, link_ratio=more), B(D2), B("查看全部评论。更多", link_ratio=2 / 9), B(D3)]
    assert texts(filter_blocks(blocks, None)) == [D1, D2, D3]


@pytest.mark.parametrize(("text", "link_ratio"), [
    ("Die Stadt will das nicht mehr.", 0.0),  # a sentence ending in the word, no link
    ("Die Stadt will das nicht. mehr", 0.0),  # the word, not linked
    ("Das steht im Bericht des Rechnungshofs. Mehr", 0.9),  # ...but a line of links goes anyway
])
def test_more_as_a_word_is_no_teaser(text, link_ratio):
    kept = texts(filter_blocks([B(D1), B(text, link_ratio=link_ratio), B(D2)], None))
    assert (text in kept) == (link_ratio == 0.0)


def test_gefaellt_mir_in_a_sentence_stays():
    line = "Das Retro-Design ist auf jeden Fall ein Hingucker und gefällt mir sehr gut."
    assert line in texts(filter_blocks([B(D1), B(line), B(D2)], None))


# ---- render.py -----------------------------------------------------------------------------------------


def test_span_inside_an_inline_link_keeps_its_words():
    body = (f"<article><p>{P1}</p><p>About a month after officials announced "
            '<a href="/x"><span>a four-day return-to-office rule for most staff</span></a>'
            f"<span> the plan was changed.</span></p><p>{P2}</p><p>{P3}</p></article>")
    text = extract(page(body)).text
    assert "announced a four-day return-to-office rule for most staff the plan was changed." in text


def test_ruby_readings_without_fallback_parentheses_are_dropped():
    body = ("<article><p>法律では虐待をした親に専門家が子どもの<ruby>育<rt>そだ</rt></ruby>て<ruby>方<rt>かた</rt></ruby>を"
            "教えることも決まりました。これで子どもを守る仕事をする専門の職員も増えることになります。</p>"
            "<p>新しい法律では、親の叱る権利をなくしたり変えたりすることも話し合うと決めています。"
            "多くの専門家がこの法律に賛成しています。</p></article>")
    text = extract(page(body, "子どもへの虐待をなくすための法律", "ja")).text
    assert "子どもの育て方を教える" in text


def test_ruby_readings_with_fallback_parentheses_stay():
    body = ("<article><p>韓国の<ruby>尹錫悦<rp>（</rp><rt>ユンソンニョル</rt><rp>）</rp></ruby>大統領は３日夜、緊急談話を出し、"
            "野党が国政をまひさせているとして非常戒厳を宣言した。</p><p>尹氏は野党が政府高官への弾劾訴追案を提出している点などを挙げ、"
            "内乱を企てる明白な反国家行為だと指摘した。</p></article>")
    text = extract(page(body, "韓国大統領が非常戒厳を宣言", "ja")).text
    assert "尹錫悦（ユンソンニョル）大統領" in text


def test_soft_hyphens_are_removed():
    body = f"<article><p>Es ist vorgesehen, dass der Geschlechts\u00adeintrag künftig geändert werden kann. {D1}</p><p>{D2}</p></article>"
    text = extract(page(body, "Neues Gesetz", "de")).text
    assert "Geschlechtseintrag" in text and "\u00ad" not in text


def test_prose_with_many_inline_links_is_not_a_link_list():
    links = " ".join(f'<a href="/p{i}">Partei Nummer {i}</a>' for i in range(8))
    body = (f"<article><h1>Die Parteien</h1><p>{D1}</p><p>{D2}</p>"
            f"<div class='note'>Zur Wahl treten viele Parteien an, darunter {links}. Weil es zu viele sind und viele auch nur "
            "in wenigen Bundesländern mit einer Landesliste antreten, haben wir uns auf die größten beschränkt, "
            "die in allen Ländern wählbar sind. Die übrigen Parteien finden Sie in der Liste der Landeswahlleiterin, "
            f"die auch die Wahlprogramme verlinkt.</div><p>{D3}</p></article>")
    text = extract(page(body, "Die Parteien", "de")).text
    assert "haben wir uns auf die größten beschränkt" in text


# ---- scoring.py ----------------------------------------------------------------------------------------


def test_standfirst_in_a_header_beside_the_article_is_kept():
    lead = "After months of argument the council approved three new tram lines on Tuesday night by a single vote."
    body = (f'<header class="story-header"><h1>Council approves the new tram lines</h1>'
            f'<p class="story-header__lead">{lead}</p><div class="byline">By Jane Doe</div></header>'
            f"<article><div class='story-body'><p>{P1}</p><p>{P2}</p><p>{P3}</p><p>{P4}</p></div></article>")
    text = extract(page(body)).text
    assert text.startswith(lead)
    assert "By Jane Doe" not in text


def test_titled_story_of_an_endless_page_wins():
    first = ("The old harbour ferry went back into service on Saturday morning, two years after it was taken out of the "
             "water for a refit that ran well over budget. About two hundred people queued on the quay for the first crossing.")
    second = [P1, P2, P3, P4]
    body = ('<div class="stream">'
            f'<article class="item item-1"><h2>Harbour ferry returns after refit</h2><div class="item-body"><p>{first}</p></div></article>'
            '<article class="item item-2"><h2>Council budget vote delayed again</h2><div class="item-body">'
            + "".join(f"<p>{p}</p>" for p in second) + "</div></article></div>")
    text = extract(page(body, "Harbour ferry returns after refit")).text
    assert first in text
    assert P1 not in text


def test_comment_thread_is_not_the_article():
    comments = "".join(
        f'<div class="comment column"><p>{p} I have lived here for thirty years and never seen anything like it, honestly.</p></div>'
        for p in (P1, P2, P3, P4, P1, P2)
    )
    body = (f"<article><h1>Council approves the new tram lines</h1><div class='story'><p>{P3}</p><p>{P4}</p></div></article>"
            f'<section class="comments-list column"><h2>Comments</h2>{comments}</section>')
    text = extract(page(body)).text
    assert P3 in text and P4 in text
    assert "thirty years" not in text


# ---- the <noscript> copy -------------------------------------------------------------------------------


def test_noscript_copy_is_read_when_the_page_is_empty_without_it():
    body = ('<div class="post"><h3>Counting swifts</h3><div class="post-body">'
            '<script type="text/template"><p>rendered by script</p></script>'
            f"<noscript><p>{P1}</p><p>{P2}</p><p>{P3}</p></noscript></div></div>")
    text = extract(page(body, "Counting swifts")).text
    assert P1 in text and P3 in text


def test_page_wrapped_in_an_unclosed_noscript_is_read():
    body = f'<noscript><div id="nojs"></noscript><div id="main"><p>{P1}</p><p>{P2}</p><p>{P3}</p></div><noscript></div></noscript>'
    assert P2 in extract(page(body)).text


# ---- the story's only paragraph among widgets; hint words inside longer class names --------------------


def test_a_paywalled_teaser_among_widgets_is_the_article():
    tags = "".join(f"<li><a href='/tag/{i}'>Tag number {i}</a></li>" for i in range(12))
    share = "".join(f"<a href='/share/{n}'>Share on {n}</a> " for n in ("Facebook", "Twitter", "Email", "Telegram"))
    page = ("<html><head><title>Prison official speaks</title></head><body><article><h1>Prison official speaks</h1>"
            f"<div class='td-container'><div class='sharing'>{share}</div>"
            "<p><img src='logo.jpg'>A senior prison official has said in a sworn affidavit that anyone with "
            "enough determination could escape from the prison.</p><div id='pay-barrier'></div>"
            f"<footer><ul class='td-tags'>{tags}</ul></footer></div></article></body></html>")
    article = extract(page)
    assert article.text.startswith("A senior prison official has said in a sworn affidavit")
    assert "Tag number" not in article.text and "Share on" not in article.text


def test_pager_inside_a_longer_class_name_is_no_pager():
    sections = "".join(
        f"<section class='apageroot__sectionwrapper'><div class='text'><p>{p}</p></div></section>" for p in (P1, P2, P3)
    )
    page = f"<html><body><main class='apageroot'>{sections}</main><div class='pager'><a href='/2'>2</a></div></body></html>"
    assert texts_of(extract(page)) == [P1, P2, P3]


def texts_of(article) -> list[str]:
    return article.text.split("\n\n")


def test_a_span_in_a_sentence_keeps_its_words():
    # A dateline span with a 'date' class, and a span around a link, inside running text: part of the
    # sentence, whatever their class weight or link share say. A share button's hint still drops it.
    page = ("<html><body><article>"
            f"<p><span class='dateline'>KOBE – </span>{P1}</p>"
            "<p>Both camps acknowledge that victory is no sure thing, as polls have been close since "
            "<span class='link-embed'><a href='/biden'>President Joe Biden ended his campaign</a></span> in July.</p>"
            f"<p>{P2} <span class='share-button'>Share on Facebook</span></p><p>{P3}</p></article></body></html>")
    text = extract(page).text
    assert "KOBE – The mayor announced" in text
    assert "since President Joe Biden ended his campaign in July." in text
    assert "Share on Facebook" not in text


def test_a_span_in_a_list_item_or_heading_keeps_its_words():
    page = ("<html><body><article>"
            f"<p>{P1}</p><h2><span class='meta-kicker'>Düsseldorf</span>: Tote Tauben gefunden</h2><p>{P2}</p>"
            "<ul><li>1 tbsp <span class='product-link'><a href='/p'>Gia Sundried Tomato Puree Paste</a></span> or six tomatoes, "
            "blended with the oil</li><li>2 cloves of garlic, crushed, and a pinch of salt for the sauce</li>"
            f"<li>400 g of pasta, cooked for two minutes less than the packet says</li></ul><p>{P3}</p></article></body></html>")
    text = extract(page).text
    assert "Düsseldorf: Tote Tauben gefunden" in text
    assert "1 tbsp Gia Sundried Tomato Puree Paste or six tomatoes" in text
