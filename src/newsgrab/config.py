"""Frozen settings, built once by the CLI (or a library user) and passed explicitly."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Settings", "default_store_path", "MiB"]

MiB = 1024 * 1024


def default_store_path(environ: dict[str, str] | None = None) -> Path:
    """$NEWSGRAB_STORE, else $XDG_DATA_HOME/newsgrab/newsgrab.db, else ~/.local/share/newsgrab/newsgrab.db."""
    env = os.environ if environ is None else environ
    if env.get("NEWSGRAB_STORE"):
        return Path(env["NEWSGRAB_STORE"]).expanduser()
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "newsgrab" / "newsgrab.db"


MAX_BYTES = 10 * MiB  # the default cap on a page body, after decompression (Settings.max_bytes)


@dataclass(frozen=True, slots=True)
class Settings:
    timeout: float = 30.0  # seconds for a whole request, connect to last byte
    max_bytes: int = MAX_BYTES  # cap on a page body, after decompression
    # Downloads in flight in all (per_host keeps each site to a few). 16 capped a batch at 16 / latency pages a
    # second (266/s at 60 ms, 53/s at 300 ms), too close to or below what two cores extract (~170/s): fetch then
    # waited on the network. Politeness is per_host's job; 32 sockets are nothing for this machine.
    concurrency: int = 32
    per_host: int = 4  # downloads in flight to one host
    retries: int = 3  # tries in all for 5xx / timeouts
    retry_after_cap: float = 60.0  # longest Retry-After we honour
    ignore_robots: bool = False
    workers: int = 0  # extraction processes; 0 = one per core
    # Seconds one page may take to extract in a worker process; past it the worker is killed and replaced and
    # the page fails (0: no limit). The slowest page of shared/data takes 0.14 s, a 10 MiB page ~2 s; some
    # hostile markup costs lexbor minutes (see extraction/guard.py), and one such page must not stall a batch.
    page_timeout: float = 60.0
    user_agent: str = ""  # filled by user_agent() when empty

    def agent(self) -> str:
        if self.user_agent:
            return self.user_agent
        from . import __version__

        return f"newsgrab/{__version__} (+https://pypi.org/project/newsgrab/)"
