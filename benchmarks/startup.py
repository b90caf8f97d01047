"""Start-up time of the commands that do not extract: ``--help``, ``list``, ``show``, ``search``...

    python benchmarks/startup.py                     # 15 runs of each command, interleaved; medians
    python benchmarks/startup.py --runs 31
    python benchmarks/startup.py --python /tmp/other-venv/bin/python   # compare another interpreter/venv
    python benchmarks/startup.py --imports           # also: which heavy modules each command imports, and
                                                     #       their cumulative import time (python -X importtime)

Each command is run as a subprocess (``python -m newsgrab ...`` with ``<repo>/src`` first on PYTHONPATH, so the
checkout is what is measured) against a small store made for the run (a few articles cleaned from
``../shared/seed``, or made up when the seed is absent). The runs are interleaved (command after command, round
after round) so that machine noise hits all alike; the median of each is reported, with ``python -c pass`` as
the floor every Python program pays. With ``--python`` the same commands run with that interpreter too (for
example a venv with another typer), interleaved with this one. Never asserts a time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SRC = REPO / "src"
SEED = REPO.parent / "shared" / "seed"

HEAVY = ("typer", "pydantic", "rich", "httpx", "selectolax", "charset_normalizer", "opencc", "sqlite3",
         "newsgrab.store", "newsgrab.extraction", "newsgrab.export", "newsgrab.fetch", "protego", "click")


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSGRAB_STORE",)}
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["XDG_DATA_HOME"] = str(tmp / "xdg")
    return env


def _make_store(python: str, store: Path, tmp: Path) -> None:
    seeds = sorted(p for p in SEED.glob("*") if p.is_file() and p.suffix in (".txt", ".html", ".gz"))
    if seeds:
        subprocess.run([python, "-m", "newsgrab", "clean", "-q", "--store", str(store), *map(str, seeds)],
                       env=_env(tmp), capture_output=True)
    code = (
        "import sys; from newsgrab.store import Store; from newsgrab.models import Article, Page\n"
        "s = Store.open(sys.argv[1])\n"
        "for i in range(30):\n"
        "    t = f'政府 news {i} ' + '市政府周二宣布了新的交通计划。The council approved the budget. ' * 40\n"
        "    a = Article(url=f'https://example.com/{i}', title=f'政府 story {i}', text=t, markdown=t, language='en')\n"
        "    s.save(a, Page(data=t.encode(), input=a.url, url=a.url))\n"
        "s.close()\n"
    )
    subprocess.run([python, "-c", code, str(store)], env=_env(tmp), check=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    ap.add_argument("--python", action="append", default=[], help="also time with this interpreter")
    ap.add_argument("--imports", action="store_true", help="list heavy imports per command (python -X importtime)")
    args = ap.parse_args(argv)

    pythons = {"this": sys.executable}
    for k, p in enumerate(args.python):
        pythons[f"py{k + 2}"] = p
    with tempfile.TemporaryDirectory(prefix="newsgrab-startup-") as tmpname:
        tmp = Path(tmpname)
        store = tmp / "store.db"
        _make_store(sys.executable, store, tmp)
        s = ["--store", str(store)]
        commands = {
            "python -c pass": None,
            "--version": ["--version"],
            "--help": ["--help"],
            "clean --help": ["clean", "--help"],
            "list": ["list", *s],
            "list -f json": ["list", "-f", "json", *s],
            "show 1": ["show", "1", *s],
            "search 政府": ["search", "政府", *s],
            "search council": ["search", "council", *s],
            "export (30)": ["export", *s],
        }
        env = _env(tmp)
        times: dict[tuple[str, str], list[float]] = {}
        failures: dict[tuple[str, str], str] = {}
        for r in range(args.runs):
            for name, cmd in commands.items():
                for label, py in pythons.items():
                    argv_ = [py, "-c", "pass"] if cmd is None else [py, "-m", "newsgrab", *cmd]
                    t0 = time.perf_counter()
                    proc = subprocess.run(argv_, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                    times.setdefault((name, label), []).append(time.perf_counter() - t0)
                    if proc.returncode not in (0,):
                        failures[(name, label)] = proc.stderr.decode("utf-8", "replace")[-200:]
        print(f"start-up: median of {args.runs} runs each, interleaved; {os.cpu_count()} cores, "
              f"load avg {os.getloadavg()[0]:.2f}")
        for label, py in pythons.items():
            ver = subprocess.run([py, "-c", "import typer, sys; print(sys.version.split()[0], 'typer', typer.__version__)"],
                                 env=env, capture_output=True, text=True).stdout.strip()
            print(f"  {label}: {py} (python {ver})")
        header = f"\n{'command':<18}" + "".join(f"{label + ' ms':>12}" for label in pythons)
        print(header)
        for name in commands:
            row = f"{name:<18}"
            for label in pythons:
                row += f"{statistics.median(times[(name, label)]) * 1000:>12.0f}"
            print(row)
        for (name, label), err in failures.items():
            print(f"  ! {name} ({label}) failed: {err.strip()}")

        if args.imports:
            print("\nheavy imports (cumulative import time in ms, one run, python -X importtime):")
            for name, cmd in commands.items():
                if cmd is None:
                    continue
                proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "newsgrab", *cmd], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                found: dict[str, int] = {}
                for line in proc.stderr.splitlines():
                    m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|(\s*)(\S+)", line)
                    if m and m.group(3) in HEAVY:
                        found[m.group(3)] = max(found.get(m.group(3), 0), int(m.group(1)))
                print(f"  {name:<16} " + (", ".join(f"{k} {v / 1000:.0f}" for k, v in
                                                    sorted(found.items(), key=lambda kv: -kv[1])) or "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
