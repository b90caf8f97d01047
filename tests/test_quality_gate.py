"""Quality gate: newsgrab's F1 on every evaluation set must not fall below the floors pinned in
tests/quality_floors.json, and the seed page must come out right.

Runs ``newsgrab.extract`` on every page of every set in ``<repo>/../shared/data`` (skipped, with the reason,
when that folder is absent) and on ``<repo>/../shared/seed``; scores with ``benchmarks/evalkit.py`` (the
metrics of shared/data/README.md). The measured F1 per set is printed to the terminal even under pytest's
output capture, so CI logs show it. For the full side-by-side with trafilatura run
``benchmarks/quality.py``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

import evalkit as ek  # noqa: E402

try:
    import newsgrab  # noqa: F401
except ImportError:  # running without PYTHONPATH=src and without an install
    sys.path.insert(0, str(REPO / "src"))

FLOORS_FILE = Path(__file__).with_name("quality_floors.json")
DATA = ek.default_data_dir()
SEED = ek.default_seed_dir()


def _extract():
    from newsgrab import NoContentError, extract

    return extract, NoContentError


def _run(cases: list[ek.Case]) -> tuple[ek.Scores, list[tuple[str, str]], float]:
    """Extract and score all cases -> (scores, [(id, error)], seconds)."""
    extract, NoContentError = _extract()
    pages, errors = [], []
    t0 = time.perf_counter()
    for case in cases:
        try:
            text = extract(case.data, url=case.url).text or ""
        except NoContentError:
            text = ""
        except Exception as e:  # noqa: BLE001 - the metric counts a failure as empty output
            text = ""
            errors.append((case.id, f"{type(e).__name__}: {e}"))
        pages.append(ek.score_case(case, text))
        case.drop_data()
    return ek.aggregate(pages), errors, time.perf_counter() - t0


@pytest.fixture(scope="module")
def floors() -> dict:
    return json.loads(FLOORS_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def measured() -> dict[str, tuple[ek.Scores, list, float]]:
    sets = ek.discover_sets(DATA)
    if not sets:
        pytest.skip(f"no evaluation data: {DATA} is absent or holds no set (it is shared/data beside the repo)")
    return {folder.name: _run(ek.load_set(folder)) for folder in sets}


def test_f1_per_set_meets_floor(measured, floors, capsys):
    lines = [f"{'set':<16} {'pages':>5} {'metric':<8} {'F1':>6} {'P':>6} {'R':>6} {'floor':>6} {'s':>6}"]
    failures = []
    for name, (sc, errors, secs) in measured.items():
        floor = floors.get(name, {}).get("f1")
        lines.append(f"{name:<16} {sc.pages:>5} {sc.metric:<8} {sc.f1:>6.3f} {sc.precision:>6.3f} "
                     f"{sc.recall:>6.3f} {('-' if floor is None else f'{floor:.3f}'):>6} {secs:>6.1f}")
        if floor is None:
            lines.append(f"  note: no floor pinned for {name} in {FLOORS_FILE.name}")
        elif sc.f1 < floor:
            failures.append(f"{name}: F1 {sc.f1:.4f} < floor {floor:.4f}")
        if errors:
            lines.append(f"  {len(errors)} page(s) raised (scored as empty): "
                         + "; ".join(f"{i}: {e[:80]}" for i, e in errors[:5]))
    with capsys.disabled():
        print("\n[quality gate] newsgrab F1 per set\n" + "\n".join(lines))
    assert not failures, "quality fell below the pinned floor: " + "; ".join(failures) + \
        " (run benchmarks/quality.py --worst 20 to see which pages)"


def test_floors_file_is_well_formed(floors):
    assert isinstance(floors.get("_note"), str) and floors["_note"]
    for name, entry in floors.items():
        if name.startswith("_"):
            continue
        assert set(entry) == {"f1"}, name
        assert isinstance(entry["f1"], (int, float)) and 0.0 <= entry["f1"] <= 1.0, name


@pytest.fixture(scope="module")
def seed_case() -> ek.Case:
    cases = ek.load_seed(SEED) if SEED.is_dir() else []
    if not cases:
        pytest.skip(f"no seed page: {SEED} is absent (it is shared/seed beside the repo)")
    return cases[0]


def test_seed_page(seed_case):
    extract, _ = _extract()
    art = extract(seed_case.data)
    text = ek.normalize_ws(art.text)
    missing = [s for s in seed_case.with_ if ek.normalize_ws(s) not in text]
    leaked = [s for s in seed_case.without if ek.normalize_ws(s) in text]
    assert not missing, f"seed: expected text missing: {missing}"
    assert not leaked, f"seed: boilerplate kept: {leaked}"
    assert ek.normalize_ws(art.title) == ek.normalize_ws(seed_case.title)
