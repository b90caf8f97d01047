"""Throughput of ``newsgrab fetch`` (download + extract + store) against a local server, vs ``clean`` from disk.

    python benchmarks/fetch_bench.py                       # 2,000 pages, 8 hosts, 20-100 ms latency, 3 rounds
    python benchmarks/fetch_bench.py --pages 4000 --hosts 4 --latency 50-150 --rounds 2
    python benchmarks/fetch_bench.py --serve-only --pages 2000   # just run the server (prints the URL file)

A server process (asyncio, HTTP/1.1 keep-alive, nothing but the stdlib) serves the pages of
``<repo>/../shared/data`` (gunzipped, replicated and marked like ``batch.py``: ``benchkit.Corpus``) as
``http://127.0.0.K:PORT/p/I``, on ``--hosts`` loopback addresses (127.0.0.1, 127.0.0.2, ...: a real batch spans
many sites, and newsgrab limits each host to a few connections), each answer delayed by a latency drawn per page
from ``--latency`` milliseconds (20-100 by default). Only 127.0.0.0/8 is used. Pages go as they are;
with ``--encoding gzip`` they go gzip-compressed (level 6, compressed before the clock starts) to clients that
accept gzip, as news sites send them: fetch then inflates each page in its download loop, and the store keeps
the server's bytes instead of compressing the page again.

Each round runs, in alternating order:

- ``newsgrab fetch --from URLS --ignore-robots --format jsonl -q --store <fresh>`` (default workers and limits);
- ``newsgrab clean FOLDER --format jsonl -q --store <fresh>``, the same pages written to disk.

Both are timed from start to exit. Prints pages/s, the CPU seconds of the newsgrab process tree, the ratio
fetch / clean within each round (the goal is >= 0.8), and the ratio of their CPU per page (what the pages/s
ratio comes to where both are CPU-bound; it does not move with the machine's other load). Never asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import multiprocessing
import random
import re
import socket
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchkit as bk  # noqa: E402


# --------------------------------------------------------------------------------------------- server
def _latency(i: int, lo: float, hi: float) -> float:
    return random.Random(i * 7919 + 1).uniform(lo, hi) / 1000.0


async def _serve(
    hosts: list[str], port: int, corpus: bk.Corpus, lo: float, hi: float, ready, gzipped: list[bytes] | None
) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                line = head.split(b"\r\n", 1)[0].decode("latin-1")
                parts = line.split()
                path = parts[1] if len(parts) >= 2 else "/"
                close = b"connection: close" in head.lower()
                body, status, coding = b"not found", "404 Not Found", ""
                if path.startswith("/p/") and path[3:].isdigit() and int(path[3:]) < len(corpus):
                    i = int(path[3:])
                    await asyncio.sleep(_latency(i, lo, hi))
                    body, status = corpus.data(i), "200 OK"
                    if gzipped is not None and _ACCEPTS_GZIP.search(head):
                        body, coding = gzipped[i], "Content-Encoding: gzip\r\n"
                ctype = "text/html" if status.startswith("200") else "text/plain"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{coding}"
                    f"{'Connection: close' if close else 'Connection: keep-alive'}\r\n\r\n".encode("latin-1")
                )
                writer.write(body)
                await writer.drain()
                if close:
                    return
        except ConnectionError:
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, h, port, backlog=512, reuse_address=True) for h in hosts]
    ready.set()
    await asyncio.gather(*(s.serve_forever() for s in servers))


_ACCEPTS_GZIP = re.compile(rb"(?im)^accept-encoding:[^\r\n]*\bgzip\b")


def _server_main(hosts: list[str], port: int, pages, n: int, lo: float, hi: float, ready, encoding: str) -> None:
    corpus = bk.Corpus(pages, n)
    gzipped = [gzip.compress(corpus.data(i), 6, mtime=0) for i in range(n)] if encoding == "gzip" else None
    try:
        asyncio.run(_serve(hosts, port, corpus, lo, hi, ready, gzipped))
    except KeyboardInterrupt:
        pass


def free_port(hosts: list[str]) -> int:
    """A port that is free on every one of ``hosts``."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind((hosts[0], 0))
            port = s.getsockname()[1]
        ok = True
        for h in hosts[1:]:
            with socket.socket() as s:
                try:
                    s.bind((h, port))
                except OSError:
                    ok = False
                    break
        if ok:
            return port
    raise RuntimeError("no free port")


class PageServer:
    """The page server in a child process (so its CPU is not counted as newsgrab's)."""

    def __init__(
        self, pages, n: int, hosts: int = 8, latency: tuple[float, float] = (20, 100), encoding: str = "identity"
    ) -> None:
        self.hosts = [f"127.0.0.{k + 1}" for k in range(max(1, min(hosts, 250)))]
        self.port = free_port(self.hosts)
        self.n = n
        ctx = multiprocessing.get_context("fork")  # before any thread: this process has none yet
        ready = ctx.Event()
        self.proc = ctx.Process(
            target=_server_main, args=(self.hosts, self.port, pages, n, latency[0], latency[1], ready, encoding),
            daemon=True,
        )
        self.proc.start()
        if not ready.wait(600):  # gzip-compressing 10,000 pages takes a while
            raise RuntimeError("page server did not start")

    def url(self, i: int) -> str:
        return f"http://{self.hosts[i % len(self.hosts)]}:{self.port}/p/{i}"

    def write_url_file(self, path: Path) -> None:
        with open(path, "w", encoding="ascii") as f:
            f.write("# newsgrab fetch benchmark\n")
            for i in range(self.n):
                f.write(self.url(i) + "\n")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join(10)


# --------------------------------------------------------------------------------------------- runs
def run_fetch(urls: Path, tmp: Path, tag: str, extra: list[str] = (), sample: bool = False) -> dict:
    store = bk.fresh_store(tmp, tag)
    res = bk.run_cli(
        ["fetch", "--from", str(urls), "--ignore-robots", "--format", "jsonl", "-q", "--store", str(store), *extra],
        bk.bench_env(tmp), sample=sample,
    )
    res["counts"] = bk.count_statuses(res["stdout"])
    res["pages"] = sum(res["counts"].values())
    bk.fresh_store(tmp, tag)
    return res


def run_clean(folder: Path, tmp: Path, tag: str, extra: list[str] = (), sample: bool = False) -> dict:
    store = bk.fresh_store(tmp, tag)
    res = bk.run_cli(
        ["clean", "--format", "jsonl", "-q", "--store", str(store), *extra, str(folder)], bk.bench_env(tmp),
        sample=sample,
    )
    res["counts"] = bk.count_statuses(res["stdout"])
    res["pages"] = sum(res["counts"].values())
    bk.fresh_store(tmp, tag)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=2000, help="pages to fetch (default 2000)")
    ap.add_argument("--hosts", type=int, default=8, help="loopback addresses to serve them from (default 8)")
    ap.add_argument("--latency", default="20-100", help="per-answer delay range in ms (default 20-100)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--workers", type=int, default=0, help="--workers for both commands (default 0: one per CPU)")
    ap.add_argument("--encoding", choices=["identity", "gzip"], default="identity",
                    help="how the server sends pages to clients that accept gzip (default identity)")
    ap.add_argument("--serve-only", action="store_true", help="run the server until Ctrl-C")
    args = ap.parse_args(argv)
    lo, _, hi = args.latency.partition("-")
    latency = (float(lo), float(hi or lo))

    pages = bk.real_pages()
    server = PageServer(pages, args.pages, args.hosts, latency, args.encoding)
    try:
        with tempfile.TemporaryDirectory(prefix="newsgrab-fetch-") as tmpname:
            tmp = Path(tmpname)
            urls = tmp / "urls.txt"
            server.write_url_file(urls)
            if args.serve_only:
                print(f"serving {args.pages} pages on {', '.join(server.hosts)} port {server.port}; URLs in {urls}")
                server.proc.join()
                return 0
            folder = tmp / "pages"
            nbytes = bk.write_corpus(folder, bk.Corpus(pages, args.pages))
            extra = ["--workers", str(args.workers)]
            print(f"fetch: {args.pages} pages ({nbytes / 1e6:.0f} MB, {len(pages)} distinct) from "
                  f"{len(server.hosts)} hosts (127.0.0.1-{len(server.hosts)}:{server.port}), latency "
                  f"{latency[0]:g}-{latency[1]:g} ms per answer, sent {args.encoding}; "
                  f"newsgrab defaults (--workers {args.workers})")
            print(f"machine: {bk.cpu_info()}; python {sys.version.split()[0]}")
            print(f"\n{'round':<6} {'command':<8} {'seconds':>8} {'pages/s':>8} {'cpu s':>7} {'cores':>6}  statuses")
            rates: dict[str, list[float]] = {"fetch": [], "clean": []}
            cpu: dict[str, list[float]] = {"fetch": [], "clean": []}
            ratios: list[float] = []
            for r in range(args.rounds):
                got = {}
                for what in (("fetch", "clean") if r % 2 == 0 else ("clean", "fetch")):
                    if what == "fetch":
                        res = run_fetch(urls, tmp, f"f{r}", extra)
                    else:
                        res = run_clean(folder, tmp, f"c{r}", extra)
                    rate = res["pages"] / res["seconds"]
                    got[what] = rate
                    rates[what].append(rate)
                    cpu[what].append(res["cpu"] / res["pages"])
                    note = " ".join(f"{k}={v}" for k, v in sorted(res["counts"].items()))
                    if res["code"] not in (0, 1) or res["pages"] != args.pages:
                        note += f"  exit {res['code']}: {res['stderr'][-300:]}"
                    elif res["counts"].get("failed"):
                        note += "  " + " | ".join(res["stderr"].strip().splitlines()[-3:])
                    print(f"{r + 1:<6} {what:<8} {res['seconds']:>8.2f} {rate:>8.1f} {res['cpu']:>7.1f} "
                          f"{res['cpu'] / res['seconds']:>6.2f}  {note}", flush=True)
                ratios.append(got["fetch"] / got["clean"])
            print()
            for what, v in rates.items():
                print(f"{what:<6} median {statistics.median(v):.1f} pages/s  (rounds: {' '.join(f'{x:.1f}' for x in v)})")
            print(f"fetch / clean (pages/s, within each round): {bk.fmt_ratio(ratios)}")
            c_f, c_c = statistics.median(cpu["fetch"]), statistics.median(cpu["clean"])
            print(f"CPU per page: fetch {c_f * 1000:.1f} ms, clean {c_c * 1000:.1f} ms; clean / fetch = {c_c / c_f:.2f} "
                  f"(the ratio to expect where both are CPU-bound, whatever else runs on the machine)")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
