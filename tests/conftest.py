"""Shared test fixtures: run the real ``newsgrab`` command, find fixture pages, a throwaway store.

``tests/`` is put on sys.path so test modules can ``from httpserver import ...``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SRC = ROOT / "src"
PAGES = ROOT / "fixtures" / "pages"

for p in (str(TESTS), str(SRC)):
    if p not in sys.path:
        sys.path.insert(0, p)


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An environment for a newsgrab subprocess that can never touch the real user's store."""
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSGRAB_STORE", "XDG_DATA_HOME")}
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(extra)
    return env


@pytest.fixture
def run(tmp_path):
    """``run(*args, input=b"", env={...})`` runs ``python -m newsgrab`` and returns the CompletedProcess
    (stdout/stderr decoded as UTF-8)."""

    def _run(*args: str, input: bytes | str | None = None, env: dict[str, str] | None = None, timeout: float = 60):
        data = input.encode("utf-8") if isinstance(input, str) else input
        proc = subprocess.run(
            [sys.executable, "-m", "newsgrab", *map(str, args)],
            input=data if data is not None else b"",
            capture_output=True,
            env=cli_env(tmp_path, **(env or {})),
            cwd=tmp_path,
            timeout=timeout,
        )
        proc.stdout = proc.stdout.decode("utf-8")
        proc.stderr = proc.stderr.decode("utf-8")
        return proc

    return _run


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "store" / "news.db"


@pytest.fixture
def pages() -> Path:
    return PAGES


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def json_objects(text: str) -> list[dict]:
    """Parse concatenated (pretty-printed) JSON objects, as ``--format json`` prints them."""
    decoder = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        obj, i = decoder.raw_decode(text, i)
        out.append(obj)
