"""fetch's connection pools (fetchnet.PerOrigin: one per origin, least recently used idle ones closed) and its look-ahead
bounded by bytes as well as by count."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import httpx
from httpserver import Reply, ScriptedServer

from newsgrab import fetch as fetch_mod
from newsgrab.config import Settings
from newsgrab.fetch import fetch_pages
from newsgrab.fetchnet import PerOrigin

FAST = Settings(timeout=5.0, retries=1, retry_after_cap=0.2, ignore_robots=True)


def _ports(transport: PerOrigin) -> list[int | None]:
    return [port for (_, _, port) in transport.origins]


def test_a_pool_per_origin_and_idle_ones_evicted_first():
    with ScriptedServer() as a, ScriptedServer() as b, ScriptedServer() as c:
        for srv in (a, b, c):
            srv.route("/p", Reply(body="<html>page</html>"))
        pa, pb, pc = (httpx.URL(s.url("/")).port for s in (a, b, c))

        async def scenario() -> None:
            transport = PerOrigin(per_host=2, max_origins=2)
            async with httpx.AsyncClient(transport=transport) as client:
                for _ in range(3):
                    assert (await client.get(a.url("/p"))).status_code == 200
                assert _ports(transport) == [pa]  # three requests, one pool
                await client.get(b.url("/p"))
                await client.get(c.url("/p"))  # a third origin: the least recently used (a) goes
                assert _ports(transport) == [pb, pc]
                # an origin whose response is still being read is never closed under it
                async with client.stream("GET", b.url("/p")) as held:
                    await client.get(a.url("/p"))  # evicts c (idle), not b (busy)
                    assert sorted(_ports(transport)) == sorted([pb, pa])
                    assert (await held.aread()) == b"<html>page</html>"
                assert all(o.active == 0 for o in transport.origins.values())
            assert transport.origins == {}  # closing the client closed every pool

        asyncio.run(scenario())
        assert a.hits("/p") == 4 and b.hits("/p") == 2 and c.hits("/p") == 1


def test_a_failed_request_does_not_leave_its_origin_busy():
    with ScriptedServer() as a:
        a.route("/cut", Reply(body="x" * 5000, cut_after=10))

        async def scenario() -> None:
            transport = PerOrigin(per_host=2, max_origins=2)
            async with httpx.AsyncClient(transport=transport) as client:
                try:
                    await client.get(a.url("/cut"))
                except httpx.HTTPError:
                    pass
                assert [o.active for o in transport.origins.values()] == [0]

        asyncio.run(scenario())


def test_lookahead_is_bounded_by_bytes_too():
    """Big pages: the downloads kept ahead of the consumer stop at LOOKAHEAD_BYTES, not at the URL window."""
    size = fetch_mod.LOOKAHEAD_BYTES // 3
    settings = dataclasses.replace(FAST, concurrency=8, per_host=8)
    window = settings.concurrency * fetch_mod.LOOKAHEAD_FACTOR
    with ScriptedServer() as srv:
        srv.route("/big", Reply(body=b"<html>" + b"x" * size))
        taken = 0

        def endless():
            nonlocal taken
            while True:
                taken += 1
                yield srv.url(f"/big?{taken}")

        results = fetch_pages(endless(), settings)
        try:
            consumed = 0
            for r in results:
                assert r.page is not None and len(r.page.data) == size + 6
                consumed += 1
                if consumed == 2 * window:
                    break
            time.sleep(0.3)  # let the download thread run as far as it may
            ahead = taken - consumed
            assert ahead <= 6 < window  # ~3 pages of this size fit; the URL window alone would allow 16
        finally:
            results.close()
