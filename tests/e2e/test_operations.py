"""Operating the real bot process: what probes cost, what operators hear, what users wait."""

from __future__ import annotations

import pytest

from tests.e2e.harness import World
from tests.fakes.upstash_server import FakeUpstash

pytestmark = pytest.mark.slow

UPSTASH_TOKEN = "upstash-e2e-token"
BMW = "WBAFR7C57CC811956"
USER = 5001


def pings(upstash: FakeUpstash) -> int:
    """How many PING commands the fake Upstash received."""
    return sum(1 for call in upstash.calls if call.name == "PING")


async def test_ready_probes_reuse_one_upstash_ping(world: World) -> None:
    """Many /ready calls in a row cost one billed Upstash PING, not one each."""
    async with FakeUpstash(token=UPSTASH_TOKEN) as upstash:
        bot = await world.start_bot(
            UPSTASH_REDIS_REST_URL=upstash.url, UPSTASH_REDIS_REST_TOKEN=UPSTASH_TOKEN
        )
        at_ready = pings(upstash)
        for _ in range(10):
            response = await bot.get("/ready")
            assert response.status_code == 200
            assert response.json()["probes"]["cache"] == "ok"
        assert at_ready >= 1
        assert pings(upstash) == at_ready
        assert await bot.terminate() == 0


async def test_hanging_upstreams_still_answer_with_the_offline_decode(world: World) -> None:
    """With CarsXE and NHTSA both hanging, the user gets the offline decode and an honest note
    from the one decode deadline (not one per provider)."""
    world.carsxe.latency = world.nhtsa.latency = 60.0
    await world.start_bot(DECODE_DEADLINE_SECONDS="2")

    world.telegram.send_text(USER, BMW)
    reply = await world.telegram.wait_for_message(USER)

    assert "CarsXE and NHTSA did not answer in time" in reply["text"]
    assert "basic offline decode" in reply["text"]
