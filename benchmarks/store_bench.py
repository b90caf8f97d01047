"""The store at scale: insert 100,000 generated articles, then time search and list.

    python benchmarks/store_bench.py                          # 100k articles into /tmp/newsgrab-store-bench.db
    python benchmarks/store_bench.py --articles 20000 --keep  # smaller; keep the file for another run
    python benchmarks/store_bench.py --reuse                  # search/list only, on the file a --keep run left
    python benchmarks/store_bench.py --prepared               # also time the SQL alone (rows made beforehand)

Articles are generated (deterministic, ``--seed``): half Chinese, half English, each a title and 4-12 paragraphs
of sentences sampled from the bodies of ``<repo>/../shared/data`` (fundus-dev and cwce-dev truths; a built-in
sample when the data is absent), lengths like real news (English ~500-1,200 words, Chinese ~800-2,500
characters), plus a few names drawn from a large made-up set, so that rare terms exist (a name is in a handful
of articles) next to very common ones. Each article comes with a small raw page (its text in HTML, ~1.1x the
text) and a URL of its own. The store lives in /tmp (``--db``), never in the repo.

- insert: ``Store.save_many`` in batches of ``pipeline.BATCH_SIZE`` (200, as the pipeline commits), so each
  batch pays the store's own preparation (compression, hashing, index text, sketch) and one transaction; articles/s overall and per
  tenth of the run (does it slow down as the store grows?). With ``--prepared`` the same is timed with rows
  made beforehand by ``store.prepare_save`` (what the pipeline's workers do), i.e. the single writer's share.
- search: ``Store.search(q, limit=20)`` over a mix of queries, each run ``--repeat`` times after one warm-up:
  Chinese two-character words (common and rare), English words (stop words, common, rare), two-word phrases;
  p50 / p90 / p99 / max overall and per kind, and the hits.
- list: ``Store.list(limit=20)`` (the first page), p50 / p99.

Goals: insert >= 1,000 articles/s; search p50 < 50 ms and p99 < 200 ms; list < 50 ms. Never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from newsgrab.models import Article, Page  # noqa: E402
from newsgrab.pipeline import BATCH_SIZE as BATCH  # noqa: E402  (articles per transaction in the pipeline)

DATA = REPO.parent / "shared" / "data"

_FALLBACK_EN = (
    "The council approved the new budget on Tuesday after a long debate. Officials said the plan would cut "
    "waiting times at hospitals. Critics argued that the government had not explained how it would pay for it. "
    "The minister told reporters that more details would follow next week. Residents in the northern district "
    "welcomed the decision but asked for more buses."
)
_FALLBACK_ZH = (
    "市政府周二宣布了新的交通计划。官员表示，这项计划将缩短市民的通勤时间。批评者认为，政府没有说明资金来源。"
    "部长对记者说，下周将公布更多细节。北部地区的居民对这一决定表示欢迎，但希望增加公交线路。"
)
_SYLLABLES = ["ka", "lo", "mi", "ra", "ven", "dor", "sil", "tha", "mur", "qen", "zo", "bri", "wex", "ul", "pan",
              "gor", "fi", "nel", "tas", "yor"]
_HAN = "欧阳司马诸葛上官夏侯东方皇甫尉迟公孙慕容长孙宇文轩辕令狐钟离申屠万俟闻人赫连澹台"


def _sentences() -> tuple[list[str], list[str]]:
    en, zh = [], []
    for name in ("fundus-dev", "cwce-dev", "readability-cjk"):
        manifest = DATA / name / "manifest.jsonl"
        if not manifest.is_file():
            continue
        for line in manifest.open(encoding="utf-8"):
            rec = json.loads(line)
            body, lang = rec.get("body"), rec.get("lang")
            if not body:
                continue
            if lang == "en":
                en += [s.strip() for s in re.split(r"(?<=[.!?])\s+", body) if 20 <= len(s.strip()) <= 400]
            elif lang == "zh":
                zh += [s.strip() for s in re.findall(r"[^。！？\n]+[。！？]?", body) if 8 <= len(s.strip()) <= 200]
    if len(en) < 50:
        en += re.split(r"(?<=[.])\s+", _FALLBACK_EN)
    if len(zh) < 50:
        zh += re.findall(r"[^。]+。", _FALLBACK_ZH)
    return en, zh


class Generator:
    """Deterministic articles: ``article(i)`` -> (Article, Page)."""

    def __init__(self, seed: int = 1) -> None:
        self.en, self.zh = _sentences()
        rnd = random.Random(seed)
        # Made-up names: 40,000 English ones, 20,000 Chinese two-character ones (from an unusual set of Han).
        self.en_names = sorted({"".join(rnd.choice(_SYLLABLES) for _ in range(rnd.randint(3, 4))).capitalize()
                                for _ in range(60000)})[:40000]
        han = sorted(set(_HAN)) + [chr(c) for c in range(0x7A00, 0x7B00)]
        self.zh_names = sorted({rnd.choice(han) + rnd.choice(han) for _ in range(30000)})[:20000]
        self.seed = seed

    @staticmethod
    def name(names: list[str], rank: int) -> str:
        """The name of popularity ``rank`` (0: the most used)."""
        return names[min(rank, len(names) - 1) * 7919 % len(names)]

    def article(self, i: int) -> tuple[Article, Page]:
        rnd = random.Random(self.seed * 1_000_003 + i)
        zh = i % 2 == 1
        pool = self.zh if zh else self.en
        names = self.zh_names if zh else self.en_names
        # Zipf-like use of names: a few are in many articles, most in a handful.
        picks = [self.name(names, int(rnd.paretovariate(0.8)) - 1) for _ in range(rnd.randint(2, 5))]
        target = rnd.randint(800, 2500) if zh else rnd.randint(3000, 7500)  # characters
        paras, size = [], 0
        while size < target:
            para = []
            for _ in range(rnd.randint(2, 6)):
                s = rnd.choice(pool)
                if rnd.random() < 0.15:
                    s = (rnd.choice(picks) + ("表示，" if zh else " said ") + s) if zh else f"{rnd.choice(picks)} said {s}"
                para.append(s)
            text = ("" if zh else " ").join(para)
            paras.append(text)
            size += len(text)
        title = rnd.choice(pool)[:60 if zh else 120].rstrip("。，.,") + ("：" if zh else ": ") + picks[0]
        body = "\n\n".join(paras)
        host = f"news{i % 97}.example"
        url = f"https://{host}/{2000 + i % 26}/{i}.html"
        article = Article(
            url=url, canonical_url=url, title=title, authors=[f"{picks[-1]}"], site_name=host,
            language="zh-Hans" if zh else "en", text=body, markdown=body,
        )
        html = ("<!doctype html><html><head><meta charset=utf-8><title>" + title + "</title></head><body><article>"
                + "".join(f"<p>{p}</p>" for p in paras) + "</article></body></html>")
        return article, Page(data=html.encode("utf-8"), input=url, url=url, content_type="text/html; charset=utf-8")

    def queries(self) -> list[tuple[str, str]]:
        """(kind, query) pairs: common and rare terms of both languages, stop words, phrases."""
        from collections import Counter

        zh_big: Counter = Counter()
        for s in self.zh:
            for run in re.findall(r"[\u4e00-\u9fff]+", s):
                zh_big.update(run[k : k + 2] for k in range(len(run) - 1))
        en_words: Counter = Counter(w.lower() for s in self.en for w in re.findall(r"[A-Za-z]{3,}", s))
        stop = {"the", "and", "that", "for", "with", "was", "this", "are", "has", "have", "from", "not", "but",
                "his", "her", "they", "its", "were", "will", "been", "their", "which", "who", "had", "would"}
        common_en = [w for w, _ in en_words.most_common(200) if w not in stop][:8]
        mid_en = [w for w, _ in en_words.most_common(3000)[1500:1508]]
        common_zh = [w for w, _ in zh_big.most_common(8)]
        mid_zh = [w for w, _ in zh_big.most_common(3000)[1500:1508]]
        q = [("zh-common", w) for w in common_zh + ["政府", "中国", "发展", "经济"]]
        q += [("zh-mid", w) for w in mid_zh]
        ranks = [100, 150, 200, 300, 400, 500, 700, 900]  # 1 to ~40 articles each, at 100k
        q += [("zh-rare", self.name(self.zh_names, r)) for r in ranks]
        q += [("en-stop", w) for w in ["the", "and", "said", "that"]]
        q += [("en-common", w) for w in common_en]
        q += [("en-mid", w) for w in mid_en]
        q += [("en-rare", self.name(self.en_names, r).lower()) for r in ranks]
        q += [("en-phrase", f"{a} {b}") for a, b in [("the", "government"), ("prime", "minister"),
                                                        ("last", "year"), ("police", "said")]]
        q += [("zh-phrase", w) for w in ["政府工作", "经济发展", "中国政府", "人民群众"]]
        q += [("mixed", f"{common_zh[0]} {common_en[0]}")]
        return q


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=100_000, help="articles to insert (default 100000)")
    ap.add_argument("--db", default="/tmp/newsgrab-store-bench.db", help="store file (default in /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the store file afterwards")
    ap.add_argument("--reuse", action="store_true", help="skip the inserts: time search/list on --db as it is")
    ap.add_argument("--prepared", action="store_true", help="also time inserts of rows prepared beforehand")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each query after a warm-up (default 5)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    from newsgrab.store import Store, prepare_save

    db = Path(args.db)
    if REPO in db.resolve().parents:
        sys.exit("store_bench: keep the store out of the repo (use /tmp)")
    gen = Generator(args.seed)
    print(f"store_bench: {args.articles} articles -> {db}; sentence pools: {len(gen.en)} English, "
          f"{len(gen.zh)} Chinese; python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load avg {os.getloadavg()[0]:.2f}")

    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        store = Store.open(db)
        n = args.articles
        tenth = max(1, n // 10)
        saved, chars = 0, 0
        insert_time = gen_total = 0.0  # generation is not counted
        seg_time, seg_start, seg_rates = 0.0, 0, []
        for start in range(0, n, BATCH):
            g0 = time.perf_counter()
            pairs = [gen.article(i) for i in range(start, min(n, start + BATCH))]
            g1 = time.perf_counter()
            saved += sum(r.status == "saved" for r in store.save_many(pairs))
            g2 = time.perf_counter()
            gen_total += g1 - g0
            insert_time += g2 - g1
            seg_time += g2 - g1
            chars += sum(len(a.text) for a, _ in pairs)
            done = min(n, start + BATCH)
            if done - seg_start >= tenth or done == n:
                seg_rates.append((done, (done - seg_start) / seg_time))
                seg_time, seg_start = 0.0, done
        store.close()
        size = sum(Path(str(db) + s).stat().st_size for s in ("", "-wal") if Path(str(db) + s).exists())
        print(f"\ninsert (save_many, batches of {BATCH}): {n} articles ({saved} saved, {chars / n:.0f} chars of "
              f"text on average) in {insert_time:.1f} s (generation, {gen_total:.1f} s, not counted) = "
              f"{n / insert_time:.0f} articles/s; store {size / 1e6:.0f} MB")
        print("  per tenth (articles so far: articles/s): "
              + ", ".join(f"{d // 1000}k: {r:.0f}" for d, r in seg_rates))
        if args.prepared:
            extra = db.with_name(db.name + ".prepared")
            for suffix in ("", "-wal", "-shm"):
                Path(str(extra) + suffix).unlink(missing_ok=True)
            m = min(n, 20_000)
            s2 = Store.open(extra)
            prep = 0.0
            sql = 0.0
            for start in range(0, m, BATCH):
                pairs = [gen.article(i) for i in range(start, min(m, start + BATCH))]
                p0 = time.perf_counter()
                rows = [(a, p, prepare_save(a, p)) for a, p in pairs]
                p1 = time.perf_counter()
                s2.save_many(rows)
                sql += time.perf_counter() - p1
                prep += p1 - p0
            s2.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(extra) + suffix).unlink(missing_ok=True)
            print(f"  prepared beforehand ({m} articles into a fresh store): prepare_save {m / prep:.0f} articles/s "
                  f"of one thread; the SQL alone {m / sql:.0f} articles/s")

    store = Store.open(db)
    count = store.count()
    queries = gen.queries()
    by_kind: dict[str, list[float]] = {}
    hits: dict[str, int] = {}
    all_ms: list[float] = []
    for q_kind, q in queries:
        store.search(q, limit=20)  # warm-up
    for _ in range(args.repeat):
        for q_kind, q in queries:
            t0 = time.perf_counter()
            res = store.search(q, limit=20)
            ms = (time.perf_counter() - t0) * 1000
            by_kind.setdefault(q_kind, []).append(ms)
            all_ms.append(ms)
            hits[q] = len(res)
    matches = {}
    for q_kind, q in queries:  # how many articles each query matches (untimed)
        from newsgrab.store import _fts_query

        match = _fts_query(q)
        matches[q] = store._conn.execute("SELECT count(*) FROM search WHERE search MATCH ?", (match,)).fetchone()[0]
    print(f"\nsearch (limit 20) on {count} articles: {len(queries)} queries x {args.repeat} runs after a warm-up")
    print(f"  {'kind':<10} {'queries':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}  matches per query")
    for q_kind, ms in by_kind.items():
        qs = [q for k, q in queries if k == q_kind]
        print(f"  {q_kind:<10} {len(qs):>7} {pct(ms, 50):>8.1f} {pct(ms, 90):>8.1f} {pct(ms, 99):>8.1f} "
              f"{max(ms):>8.1f}  " + ", ".join(f"{q}:{matches[q]}" for q in qs))
    print(f"  {'all':<10} {len(queries):>7} {pct(all_ms, 50):>8.1f} {pct(all_ms, 90):>8.1f} {pct(all_ms, 99):>8.1f} "
          f"{max(all_ms):>8.1f}")

    list_ms = []
    for _ in range(max(20, args.repeat * 10)):
        t0 = time.perf_counter()
        store.list(limit=20)
        list_ms.append((time.perf_counter() - t0) * 1000)
    print(f"\nlist (first page, 20 articles): p50 {pct(list_ms, 50):.2f} ms, p99 {pct(list_ms, 99):.2f} ms")
    store.close()
    if not args.keep and not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    else:
        print(f"(store kept: {db})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
