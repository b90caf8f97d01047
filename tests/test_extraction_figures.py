"""Figures: an image with its caption never reaches the text; a figure holding a table does."""

from newsgrab import extract

_BODY = "".join(
    f"<p>Paragraph {i} of the report explains, in some detail, how the harvest changed this year.</p>" for i in range(6)
)


def _page(figure: str) -> str:
    cut = _BODY.index("<p>", 300)  # between two paragraphs
    return f"<html><body><article><h1>Harvest report</h1>{_BODY[:cut]}{figure}{_BODY[cut:]}</article></body></html>"


def test_table_in_a_figure_survives_into_markdown():
    fig = ("<figure><table><tr><th>Crop</th><th>Tonnes</th></tr><tr><td>Wheat</td><td>1200</td></tr>"
           "<tr><td>Barley</td><td>800</td></tr></table><figcaption>Table 1: harvest by crop</figcaption></figure>")
    article = extract(_page(fig))
    assert "| Crop | Tonnes |" in article.markdown
    assert "| Wheat | 1200 |" in article.markdown
    assert "Table 1: harvest by crop" not in article.text


def test_image_figure_with_a_caption_div_is_dropped():
    fig = "<figure><img src='a.jpg'><div class='credit'>Photo: Jane Roe / Agency</div><p>A field near the river.</p></figure>"
    article = extract(_page(fig))
    assert "Jane Roe" not in article.text
    assert "A field near the river" not in article.text
    assert "Paragraph 5 of the report" in article.text


def test_image_descriptions_outside_a_figure_are_dropped():
    # An image with its description in a div (BEM class names), and the same caption again in a lightbox.
    fig = ("<div class='media-img'><img src='a.jpg' alt='A field near the river.'>"
           "<div class='media-img__description'>A field near the river, where the harvest began in May.</div></div>"
           "<div class='lightbox'><img src='a.jpg'><div class='lightbox__text'>A field near the river, where the "
           "harvest began in May, as seen from the old mill on the hill above it.</div></div>")
    article = extract(_page(fig))
    assert "A field near the river" not in article.text
    assert "Paragraph 5 of the report" in article.text
