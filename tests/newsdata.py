"""Article texts and small page builders shared by the archive-format and repost tests.

* ``SUBWAY`` -- a Simplified Chinese news story (a new metro line opens).
* ``SUBWAY_HANT`` -- the same story as a Taiwanese portal reposts it: converted to Traditional characters
  with Taiwan vocabulary (網路 for 网络...), written out here as data (not converted at test time).
* ``SUBWAY_HANT_HEADER`` / ``SUBWAY_HANT_FOOTER`` -- the repost's own header and footer.
* ``METRO_PLAN`` -- a different story on the same topic (the city's next metro lines): not a repost.
"""

from __future__ import annotations

import html

SUBWAY = (
    "本市轨道交通十号线二期工程今天上午正式开通运营，新线路全长二十一点六公里，共设车站十四座，其中换乘站五座。市交通委员会负责人在开通仪式上表示，十号线二期的开通将进一步完善城市东部的轨道交通网络，沿线约八十万居民的出行时间将平均缩短二十分钟。",
    "据介绍，十号线二期工程于四年前开工建设，施工期间克服了地下水位高、地质条件复杂等多项技术难题。为了减少对沿线居民生活的影响，施工单位采用了盾构法施工，并在夜间严格控制噪音。工程总投资约一百六十亿元，由市政府和社会资本共同出资建设。",
    "新线路开通初期，列车最小行车间隔为四分三十秒，首班车时间为早上六点，末班车时间为晚上十一点。运营公司表示，将根据客流情况逐步加密班次，高峰时段的行车间隔有望缩短至三分钟以内。乘客可以使用交通卡、手机扫码以及银行卡直接刷卡进站。",
    "不少市民在开通首日专程前来体验。家住东湖小区的李女士说，以前去市中心上班要换乘两次公交车，单程需要一个多小时，现在坐地铁只需要四十分钟，非常方便。一些沿线商户也表示，地铁开通后预计客流会明显增加，对周边商业发展是重大利好。",
    "市交通委员会还透露，今年下半年将有另外两条线路开工建设，到二零三零年全市轨道交通运营里程将超过五百公里，基本形成覆盖主要城区和重点新城的轨道交通网络。",
)

SUBWAY_HANT = (
    "本市軌道交通十號線二期工程今天上午正式開通運營，新線路全長二十一點六公里，共設車站十四座，其中換乘站五座。市交通委員會負責人在開通儀式上表示，十號線二期的開通將進一步完善城市東部的軌道交通網路，沿線約八十萬居民的出行時間將平均縮短二十分鐘。",
    "據介紹，十號線二期工程於四年前開工建設，施工期間克服了地下水位高、地質條件複雜等多項技術難題。為了減少對沿線居民生活的影響，施工單位採用了盾構法施工，並在夜間嚴格控制噪音。工程總投資約一百六十億元，由市政府和社會資本共同出資建設。",
    "新線路開通初期，列車最小行車間隔為四分三十秒，首班車時間為早上六點，末班車時間為晚上十一點。運營公司表示，將根據客流情況逐步加密班次，高峰時段的行車間隔有望縮短至三分鐘以內。乘客可以使用交通卡、手機掃碼以及銀行卡直接刷卡進站。",
    "不少市民在開通首日專程前來體驗。家住東湖小區的李女士說，以前去市中心上班要換乘兩次公交車，單程需要一個多小時，現在坐地鐵只需要四十分鐘，非常方便。一些沿線商戶也表示，地鐵開通後預計客流會明顯增加，對周邊商業發展是重大利好。",
    "市交通委員會還透露，今年下半年將有另外兩條線路開工建設，到二零三零年全市軌道交通運營里程將超過五百公里，基本形成覆蓋主要城區和重點新城的軌道交通網路。",
)

SUBWAY_HANT_HEADER = "【香港新聞網訊】本文轉載自大公報，原標題為《地鐵十號線二期今日通車》。"
SUBWAY_HANT_FOOTER = (
    "（責任編輯：陳家明）",
    "免責聲明：本文僅代表作者個人觀點，與本網無關。歡迎下載本網App，第一時間獲取最新資訊，參與互動討論，贏取精美禮品。",
)

METRO_PLAN = (
    "记者从市交通委员会获悉，本市将在明年启动轨道交通第三期建设规划，计划新建六条地铁线路，总里程约一百八十公里。这是本市历史上规模最大的一次轨道交通建设计划，预计总投资将超过一千二百亿元。",
    "根据规划，新建线路将重点覆盖城市南部和西部的新兴发展区域，解决这些地区长期以来公共交通不足的问题。其中，十五号线将连接高铁南站与国际机场，建成后从市中心到机场的时间将缩短到半小时以内。十六号线则将穿越大学城和高新技术产业园区，服务数十万名学生和科技工作者。",
    "专家指出，地铁建设对于缓解城市交通拥堵、减少汽车尾气排放具有重要意义。不过，也有专家提醒，大规模的轨道交通建设需要关注财政可持续性，地方政府债务压力不容忽视。建议在建设过程中引入更多社会资本，并探索地铁上盖物业开发等多元化的融资模式。",
    "市民对这一规划反应热烈。在市交通委员会官方网站的意见征集栏目中，已经收到了超过三万条市民留言，其中大部分表示支持，也有部分市民对线路走向提出了具体建议。交通委员会表示，将认真研究市民意见，进一步优化规划方案，争取年底前报国家发展改革委员会审批。",
)


def text(paragraphs) -> str:
    return "\n\n".join(paragraphs)


def repost_text() -> str:
    """The Traditional repost as a content farm prints it: its header, the story, its footer."""
    return text((SUBWAY_HANT_HEADER, *SUBWAY_HANT, *SUBWAY_HANT_FOOTER))


def page(title: str, paragraphs, *, lang: str = "zh-CN", charset: str | None = "utf-8", site: str = "") -> str:
    """A minimal news page the extractor reads as an article (title, paragraphs, some boilerplate)."""
    meta = f'<meta charset="{charset}">' if charset else ""
    site_meta = f'<meta property="og:site_name" content="{html.escape(site)}">' if site else ""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head>{meta}<title>{html.escape(title)}</title>{site_meta}</head>\n'
        f'<body><div class="nav"><a href="/">Home</a> <a href="/news">News</a></div>\n'
        f'<div class="article"><h1>{html.escape(title)}</h1>\n{body}\n</div>\n'
        f'<div class="footer">Copyright</div></body></html>\n'
    )


def english_page(title: str, n: int = 4, seed: str = "") -> str:
    """An English article whose sentences depend on ``seed`` (so two seeds give two different texts)."""
    paragraphs = [
        f"The harbour council {seed} met on Tuesday to discuss plan number {i} for the old sea wall, which "
        f"engineers say will need repairs costing several million pounds over the next {i + 3} years."
        for i in range(n)
    ]
    return page(title, paragraphs, lang="en")
