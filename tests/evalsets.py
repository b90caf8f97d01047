"""The evaluation sets of ../shared/data for tests that compare C and Python code on every page."""

from __future__ import annotations

import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def evaluation_sets() -> dict:
    """{set name: (the evalkit module, the set's folder)}; empty when ../shared/data is absent."""
    if not DATA.is_dir():
        return {}
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import evalkit

    return {d.name: (evalkit, d) for d in evalkit.discover_sets(DATA)}
