"""evalkit: load the evaluation sets and score extractions, exactly as ``shared/data/README.md`` defines.

Standard library only, so the quality gate (``tests/test_quality_gate.py``) and the benchmarks
(``benchmarks/quality.py``, ``benchmarks/speed.py``) share one implementation of each metric.

Data
----
``load_set(path)`` reads ``<set>/manifest.jsonl`` and returns ``Case`` objects; the page bytes are gunzipped
lazily (``case.data``) and kept once read. ``load_seed(path)`` turns ``shared/seed/<name>.expected.json`` and
its page into one ``Case``. ``discover_sets(data_dir)`` lists the set folders.

Metrics
-------
``shingles`` (cases with a ``body``): tokens -> multiset of 4-token shingles -> per page tp/fp/fn (normalised by
their sum) -> precision = mean tp/(tp+fp) over pages with output, recall = mean tp/(tp+fn) over pages with truth,
F1 = 2PR/(P+R).

Tokenisation. A character of a script that is written without spaces between words is one token on its own.
Those scripts, by Unicode block:

- Han: CJK Unified Ideographs and Extensions A-I, Compatibility Ideographs (+Supplement), CJK and Kangxi
  radicals, and the Han-script ideographic marks 々 〆 〇 〡-〩 〸-〻;
- Japanese kana: Hiragana, Katakana (incl. ー), Katakana Phonetic Extensions, half-width katakana,
  Kana Supplement/Extended/Small Kana;
- Bopomofo (+Extended), Yi syllables and radicals;
- Southeast Asian scripts: Thai, Lao, Khmer (+Symbols), Myanmar (+Extended-A/B), Tai Le, New Tai Lue,
  Tai Tham, Tai Viet, Javanese, Balinese; and Tibetan (syllables are split by a tsheg, words by nothing).

Only word characters (``\\w``: letters and digits) of those blocks make tokens, so punctuation such as 。、「」・
is dropped like any punctuation; a combining mark of those blocks (Thai/Lao/Khmer/Myanmar/Tibetan vowel signs,
kana voicing marks U+3099/309A) stays attached to the character before it instead of being lost.
Hangul is written with spaces, so Korean is tokenised like Latin: runs of ``\\w``.
Every other token is a run of ``\\w`` (Python ``re``, case kept) that contains no character of the scripts
above (so ``iPhone手机`` is ``iPhone``, ``手``, ``机``). For text with spaces the metric is therefore exactly
the ScrapingHub article-extraction-benchmark one.

``snippets`` (cases with ``with``/``without``): whitespace runs collapsed to one space (and ends stripped) in
output and snippets; case-sensitive substring test; a ``with`` found is TP, missing FN; a ``without`` found is
FP, missing TN; P = TP/(TP+FP), R = TP/(TP+FN), F1 = 2TP/(2TP+FP+FN) over the totals of the set.

A page the extractor failed on (exception, ``None``, ``NoContentError``) is scored as empty output ``""``.

Metadata
--------
``title_match``, ``date_match``, ``authors_match`` and the accumulator ``MetaTally``: title exact after
whitespace normalisation; date correct at the precision the truth gives (day, or month/year for loose
strings such as ``1998-3`` or ``2018``); authors as a set after whitespace/case normalisation (exact, and
"overlap" = at least one author in common).
"""

from __future__ import annotations

import datetime as _dt
import gzip
import json
import math
import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

__all__ = [
    "Case",
    "load_set",
    "load_seed",
    "discover_sets",
    "default_data_dir",
    "default_seed_dir",
    "NOSPACE_BLOCKS",
    "tokenize",
    "shingles",
    "ShinglePage",
    "shingle_page",
    "SnippetPage",
    "snippet_page",
    "Scores",
    "shingle_scores",
    "snippet_scores",
    "metric_of",
    "score_case",
    "aggregate",
    "normalize_ws",
    "title_match",
    "parse_truth_date",
    "date_match",
    "split_authors",
    "authors_match",
    "MetaTally",
    "median",
]

REPO = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------------------------- data sets


def default_data_dir() -> Path:
    """``<repo>/../shared/data``."""
    return (REPO.parent / "shared" / "data").resolve()


def default_seed_dir() -> Path:
    """``<repo>/../shared/seed``."""
    return (REPO.parent / "shared" / "seed").resolve()


@dataclass
class Case:
    """One annotated page. ``data`` is the raw page bytes (read and gunzipped on first access)."""

    id: str
    set: str
    url: str | None
    lang: str | None
    path: Path
    body: str | None = None
    title: str | None = None
    date: str | None = None
    authors: list[str] | None = None
    with_: list[str] | None = None
    without: list[str] | None = None
    either: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    _data: bytes | None = field(default=None, repr=False)

    @property
    def data(self) -> bytes:
        if self._data is None:
            raw = self.path.read_bytes()
            if self.path.suffix == ".gz":
                raw = gzip.decompress(raw)
            self._data = raw
        return self._data

    def drop_data(self) -> None:
        """Forget the cached bytes (to bound memory on big sets)."""
        self._data = None

    @property
    def metric(self) -> str:
        return metric_of(self)


def load_set(path: str | Path, *, eager: bool = False) -> list[Case]:
    """Read ``<path>/manifest.jsonl``; the set's name is the folder's name. ``eager`` reads all pages now."""
    folder = Path(path)
    name = folder.name
    cases: list[Case] = []
    with open(folder / "manifest.jsonl", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            row = json.loads(line)
            known = {"id", "url", "html", "lang", "body", "title", "date", "authors", "with", "without", "either"}
            case = Case(
                id=str(row["id"]),
                set=name,
                url=row.get("url"),
                lang=row.get("lang"),
                path=folder / row["html"],
                body=row.get("body"),
                title=row.get("title"),
                date=None if row.get("date") is None else str(row.get("date")),
                authors=row.get("authors"),
                with_=row.get("with"),
                without=row.get("without"),
                either=row.get("either"),
                extra={k: v for k, v in row.items() if k not in known},
            )
            if case.body is None and case.with_ is None and case.without is None:
                raise ValueError(f"{folder}/manifest.jsonl:{lineno}: neither body nor with/without")
            cases.append(case)
    if eager:
        for case in cases:
            case.data  # noqa: B018 - read now
    return cases


def load_seed(path: str | Path | None = None) -> list[Case]:
    """Cases from the seed folder (every ``*.expected.json`` with its page ``file``), set name ``seed``.

    ``path`` may be the folder or one ``.expected.json`` file; default ``<repo>/../shared/seed``.
    """
    p = Path(path) if path is not None else default_seed_dir()
    files = [p] if p.is_file() else sorted(p.glob("*.expected.json"))
    cases = []
    for exp in files:
        meta = json.loads(exp.read_text(encoding="utf-8"))
        page = exp.parent / meta.get("file", exp.name.replace(".expected.json", ".txt"))
        cases.append(
            Case(
                id=page.name,
                set="seed",
                url=meta.get("url"),
                lang=meta.get("lang") or "zh",
                path=page,
                title=meta.get("title"),
                with_=list(meta.get("with") or []),
                without=list(meta.get("without") or []),
                either=list(meta.get("either") or []),
                extra={k: v for k, v in meta.items() if k not in {"with", "without", "either", "title", "file"}},
            )
        )
    return cases


def discover_sets(data_dir: str | Path | None = None) -> list[Path]:
    """The set folders (those holding a ``manifest.jsonl``), sorted by name."""
    d = Path(data_dir) if data_dir is not None else default_data_dir()
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if (p / "manifest.jsonl").is_file())


# --------------------------------------------------------------------------------------------- tokens

#: Unicode blocks of scripts written without spaces between words: each word character there is a token.
NOSPACE_BLOCKS: tuple[tuple[int, int, str], ...] = (
    (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Lao"),
    (0x0F00, 0x0FFF, "Tibetan"),
    (0x1000, 0x109F, "Myanmar"),
    (0x1780, 0x17FF, "Khmer"),
    (0x1950, 0x197F, "Tai Le"),
    (0x1980, 0x19DF, "New Tai Lue"),
    (0x19E0, 0x19FF, "Khmer Symbols"),
    (0x1A20, 0x1AAF, "Tai Tham"),
    (0x1B00, 0x1B7F, "Balinese"),
    (0x2E80, 0x2EFF, "CJK Radicals Supplement"),
    (0x2F00, 0x2FDF, "Kangxi Radicals"),
    (0x3005, 0x3007, "CJK marks 々〆〇"),
    (0x3021, 0x3029, "Hangzhou numerals"),
    (0x3038, 0x303B, "CJK marks 〸-〻"),
    (0x3040, 0x309F, "Hiragana"),
    (0x30A0, 0x30FF, "Katakana"),
    (0x3100, 0x312F, "Bopomofo"),
    (0x31A0, 0x31BF, "Bopomofo Extended"),
    (0x31F0, 0x31FF, "Katakana Phonetic Extensions"),
    (0x3400, 0x4DBF, "CJK Extension A"),
    (0x4E00, 0x9FFF, "CJK Unified Ideographs"),
    (0xA000, 0xA4CF, "Yi"),
    (0xA980, 0xA9DF, "Javanese"),
    (0xA9E0, 0xA9FF, "Myanmar Extended-B"),
    (0xAA60, 0xAA7F, "Myanmar Extended-A"),
    (0xAA80, 0xAADF, "Tai Viet"),
    (0xF900, 0xFAFF, "CJK Compatibility Ideographs"),
    (0xFF66, 0xFF9F, "Half-width Katakana"),
    (0x1AFF0, 0x1AFFF, "Kana Extended-B"),
    (0x1B000, 0x1B16F, "Kana Supplement/Extended-A/Small Kana"),
    (0x20000, 0x2FA1F, "CJK Extensions B-F, Compatibility Supplement"),
    (0x30000, 0x323AF, "CJK Extensions G-H"),
    (0x2EBF0, 0x2EE5F, "CJK Extension I"),
)

# Ideograph blocks are taken whole (every code point there is, or will be, a Han letter), so that
# ideographs newer than this Python's Unicode tables still count as tokens.
_IDEOGRAPH_BLOCKS = frozenset({0x3400, 0x4E00, 0xF900, 0x20000, 0x30000, 0x2EBF0})


def _build_token_re() -> re.Pattern[str]:
    def rng(a: int, b: int) -> str:
        return re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"

    def runs(points: Iterable[int]) -> str:
        pts = sorted(points)
        out, i = [], 0
        while i < len(pts):
            j = i
            while j + 1 < len(pts) and pts[j + 1] == pts[j] + 1:
                j += 1
            out.append(rng(pts[i], pts[j]))
            i = j + 1
        return "".join(out)

    word = re.compile(r"\w")
    all_ranges = "".join(rng(a, b) for a, b, _ in NOSPACE_BLOCKS)
    base: list[int] = []
    marks: list[int] = []
    big = ""
    for a, b, _ in NOSPACE_BLOCKS:
        if a in _IDEOGRAPH_BLOCKS:
            big += rng(a, b)
            continue
        for cp in range(a, b + 1):
            ch = chr(cp)
            if word.match(ch):
                base.append(cp)
            elif unicodedata.category(ch).startswith("M"):
                marks.append(cp)
    base_cls = big + runs(base)
    mark_cls = runs(marks)
    nospace_token = f"[{base_cls}][{mark_cls}]*" if mark_cls else f"[{base_cls}]"
    # A \w run that contains none of the no-space blocks; or one no-space character (with its marks).
    return re.compile(rf"[^\W{all_ranges}]+|{nospace_token}")


_TOKEN_RE = _build_token_re()


def tokenize(text: str | None) -> list[str]:
    """Tokens of ``text`` for the shingles metric (see the module docstring)."""
    if not text:
        return []
    return _TOKEN_RE.findall(text)


def shingles(text: str | None, n: int = 4) -> Counter:
    """Multiset of ``n``-token shingles; a text of 1..n-1 tokens is one shingle; no tokens, none."""
    toks = tokenize(text)
    if not toks:
        return Counter()
    if len(toks) < n:
        return Counter([tuple(toks)])
    return Counter(tuple(toks[i : i + n]) for i in range(len(toks) - n + 1))


# --------------------------------------------------------------------------------------------- shingles


@dataclass(frozen=True)
class ShinglePage:
    """Per-page shingle counts: ``tp``/``fp``/``fn`` normalised by their sum (raw counts kept too)."""

    tp: float
    fp: float
    fn: float
    n_tp: int
    n_fp: int
    n_fn: int

    @property
    def precision(self) -> float | None:
        d = self.tp + self.fp
        return self.tp / d if d > 0 else None

    @property
    def recall(self) -> float | None:
        d = self.tp + self.fn
        return self.tp / d if d > 0 else None

    @property
    def f1(self) -> float:
        """Per-page F1 (for ranking pages only; the set F1 is 2PR/(P+R) of the means)."""
        p, r = self.precision or 0.0, self.recall or 0.0
        if self.n_tp + self.n_fp + self.n_fn == 0:
            return 1.0  # nothing expected, nothing given
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"f1": _r(self.f1), "p": _r(self.precision), "r": _r(self.recall),
                "tp": self.n_tp, "fp": self.n_fp, "fn": self.n_fn}


def shingle_page(output: str | None, truth: str | None) -> ShinglePage:
    out, exp = shingles(output), shingles(truth)
    tp = sum((out & exp).values())
    fp = sum(out.values()) - tp
    fn = sum(exp.values()) - tp
    total = tp + fp + fn
    if total == 0:
        return ShinglePage(0.0, 0.0, 0.0, 0, 0, 0)
    return ShinglePage(tp / total, fp / total, fn / total, tp, fp, fn)


@dataclass(frozen=True)
class Scores:
    """Set-level scores. ``pages`` = pages scored; snippet totals in ``tp/fp/fn/tn`` (None for shingles)."""

    metric: str
    pages: int
    precision: float
    recall: float
    f1: float
    tp: int | None = None
    fp: int | None = None
    fn: int | None = None
    tn: int | None = None

    def as_dict(self) -> dict[str, Any]:
        d = {"metric": self.metric, "pages": self.pages, "f1": _r(self.f1), "p": _r(self.precision),
             "r": _r(self.recall)}
        if self.tp is not None:
            d.update(tp=self.tp, fp=self.fp, fn=self.fn, tn=self.tn)
        return d


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def shingle_scores(pages: Sequence[ShinglePage]) -> Scores:
    ps = [pg.precision for pg in pages if pg.tp + pg.fp > 0]
    rs = [pg.recall for pg in pages if pg.tp + pg.fn > 0]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    return Scores("shingles", len(pages), p, r, _f1(p, r))


# --------------------------------------------------------------------------------------------- snippets

_WS = re.compile(r"\s+")


def normalize_ws(s: str | None) -> str:
    """Collapse whitespace runs to one space and strip the ends."""
    return _WS.sub(" ", s or "").strip()


@dataclass(frozen=True)
class SnippetPage:
    tp: int
    fp: int
    fn: int
    tn: int
    missing: tuple[str, ...] = ()  # `with` snippets not found
    leaked: tuple[str, ...] = ()  # `without` snippets found

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {"f1": _r(self.f1), "tp": self.tp, "fp": self.fp, "fn": self.fn, "tn": self.tn,
                "missing": list(self.missing), "leaked": list(self.leaked)}


def snippet_page(output: str | None, with_: Iterable[str] | None, without: Iterable[str] | None) -> SnippetPage:
    text = normalize_ws(output)
    tp = fn = fp = tn = 0
    missing, leaked = [], []
    for s in with_ or ():
        if normalize_ws(s) in text:
            tp += 1
        else:
            fn += 1
            missing.append(s)
    for s in without or ():
        if normalize_ws(s) in text:
            fp += 1
            leaked.append(s)
        else:
            tn += 1
    return SnippetPage(tp, fp, fn, tn, tuple(missing), tuple(leaked))


def snippet_scores(pages: Sequence[SnippetPage]) -> Scores:
    tp = sum(p.tp for p in pages)
    fp = sum(p.fp for p in pages)
    fn = sum(p.fn for p in pages)
    tn = sum(p.tn for p in pages)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0
    return Scores("snippets", len(pages), prec, rec, f1, tp, fp, fn, tn)


# --------------------------------------------------------------------------------------------- dispatch


def metric_of(case: Case) -> str:
    return "shingles" if case.body is not None else "snippets"


def score_case(case: Case, output: str | None) -> ShinglePage | SnippetPage:
    """Score one extraction (``None`` or ``""`` for a failure) against the case's truth."""
    if case.body is not None:
        return shingle_page(output, case.body)
    return snippet_page(output, case.with_, case.without)


def aggregate(pages: Sequence[ShinglePage | SnippetPage]) -> Scores:
    """Set scores from page scores of one metric."""
    if not pages:
        return Scores("none", 0, 0.0, 0.0, 0.0)
    kinds = {type(p) for p in pages}
    if len(kinds) > 1:
        raise ValueError("cannot aggregate pages scored with different metrics")
    if isinstance(pages[0], ShinglePage):
        return shingle_scores(pages)  # type: ignore[arg-type]
    return snippet_scores(pages)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------- metadata


def title_match(pred: str | None, truth: str | None) -> bool | None:
    """Exact title after whitespace normalisation; None when there is no truth."""
    if truth is None or not normalize_ws(truth):
        return None
    return normalize_ws(pred) == normalize_ws(truth)


_DATE_RE = re.compile(
    r"^\s*(\d{4})(?:[-/.年](\d{1,2})(?:[-/.月](\d{1,2})日?)?)?"
    r"(?:[ T]+(\d{1,2})[:\-](\d{1,2})(?:[:\-](\d{1,2})(?:\.\d+)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?)?"
)


@dataclass(frozen=True)
class TruthDate:
    year: int
    month: int | None
    day: int | None
    tz: _dt.tzinfo | None  # the offset written in the truth, if any

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"


def parse_truth_date(s: str | None) -> TruthDate | None:
    """Parse a truth date (ISO 8601, or cwce's loose ``2005-5-7 21:23:57`` / ``1998-3`` / ``2018``).

    Returns None when it is not comparable (missing or unparseable).
    """
    if not s:
        return None
    m = _DATE_RE.match(str(s))
    if not m:
        return None
    y = int(m.group(1))
    mo = int(m.group(2)) if m.group(2) else None
    d = int(m.group(3)) if m.group(3) else None
    if mo is not None and not 1 <= mo <= 12:
        return None
    if d is not None and not 1 <= d <= 31:
        return None
    tz = None
    off = m.group(7)
    if off:
        if off == "Z":
            tz = _dt.timezone.utc
        else:
            sign = 1 if off[0] == "+" else -1
            hh, mm = int(off[1:3]), int(off[-2:])
            tz = _dt.timezone(sign * _dt.timedelta(hours=hh, minutes=mm))
    return TruthDate(y, mo, d, tz)


def _pred_date(pred: Any, tz: _dt.tzinfo | None) -> _dt.date | None:
    if pred is None or pred == "":
        return None
    if isinstance(pred, _dt.datetime):
        if tz is not None and pred.tzinfo is not None:
            pred = pred.astimezone(tz)  # compare the day where the truth says it is
        return pred.date()
    if isinstance(pred, _dt.date):
        return pred
    s = str(pred).strip()
    try:
        return _pred_date(_dt.datetime.fromisoformat(s.replace("Z", "+00:00")), tz)
    except ValueError:
        pass
    td = parse_truth_date(s)
    if td and td.month and td.day:
        try:
            return _dt.date(td.year, td.month, td.day)
        except ValueError:
            return None
    return None


def date_match(pred: Any, truth: str | None) -> bool | None:
    """Is ``pred`` (datetime, date or ISO string) right at the precision of ``truth``?

    Day when the truth has a day, else month, else year. When both sides carry an offset the prediction is
    moved to the truth's offset first. None when the truth is not comparable.
    """
    td = parse_truth_date(truth)
    if td is None:
        return None
    pd = _pred_date(pred, td.tz)
    if pd is None:
        return False
    if pd.year != td.year:
        return False
    if td.month is not None and pd.month != td.month:
        return False
    if td.day is not None and pd.day != td.day:
        return False
    return True


def _norm_author(a: str) -> str:
    return normalize_ws(a).casefold()


def split_authors(pred: Any) -> list[str]:
    """A list of author names from a list or a ``"A; B"`` string (trafilatura's format)."""
    if pred is None:
        return []
    if isinstance(pred, str):
        items = pred.split(";")
    else:
        items = list(pred)
    return [a for a in (normalize_ws(str(x)) for x in items) if a]


@dataclass(frozen=True)
class AuthorsResult:
    exact: bool
    overlap: bool  # at least one author in common
    jaccard: float


def authors_match(pred: Any, truth: Sequence[str] | None) -> AuthorsResult | None:
    """Compare author sets (whitespace/case normalised); None when the truth has no authors."""
    t = {_norm_author(a) for a in (truth or []) if normalize_ws(a)}
    if not t:
        return None
    p = {_norm_author(a) for a in split_authors(pred)}
    inter = len(p & t)
    return AuthorsResult(p == t, inter > 0, inter / len(p | t))


@dataclass
class MetaTally:
    """Running counts of metadata accuracy for one tool on one set."""

    title_ok: int = 0
    title_n: int = 0
    date_ok: int = 0
    date_n: int = 0  # comparable truths
    date_truths: int = 0  # truths present (comparable or not)
    auth_exact: int = 0
    auth_overlap: int = 0
    auth_jaccard: float = 0.0
    auth_n: int = 0

    def add(self, case: Case, title: Any, date: Any, authors: Any) -> dict[str, Any]:
        """Count one page; returns the per-page outcome (None = no truth)."""
        t = title_match(title, case.title)
        if t is not None:
            self.title_n += 1
            self.title_ok += t
        if case.date:
            self.date_truths += 1
        d = date_match(date, case.date)
        if d is not None:
            self.date_n += 1
            self.date_ok += d
        a = authors_match(authors, case.authors)
        if a is not None:
            self.auth_n += 1
            self.auth_exact += a.exact
            self.auth_overlap += a.overlap
            self.auth_jaccard += a.jaccard
        return {"title": t, "date": d, "authors": None if a is None else a.exact}

    @staticmethod
    def _pct(ok: float, n: int) -> float | None:
        return 100.0 * ok / n if n else None

    @property
    def title_pct(self) -> float | None:
        return self._pct(self.title_ok, self.title_n)

    @property
    def date_pct(self) -> float | None:
        return self._pct(self.date_ok, self.date_n)

    @property
    def authors_pct(self) -> float | None:
        return self._pct(self.auth_exact, self.auth_n)

    @property
    def authors_overlap_pct(self) -> float | None:
        return self._pct(self.auth_overlap, self.auth_n)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title_pct": _r(self.title_pct), "title_n": self.title_n,
            "date_pct": _r(self.date_pct), "date_comparable": self.date_n, "date_truths": self.date_truths,
            "authors_pct": _r(self.authors_pct), "authors_overlap_pct": _r(self.authors_overlap_pct),
            "authors_n": self.auth_n,
        }


# --------------------------------------------------------------------------------------------- misc


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(x, nd)
