"""One deadline for a whole decode, over the real clients and fake upstreams on 127.0.0.1:
hanging upstreams are cut off and trip their breakers, and a CarsXE request sent without an
answer counts as a paid call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.fakes.carsxe_server import FakeCarsXE
from tests.fakes.nhtsa_server import FakeNhtsa
from tests.fakes.providers import DictCache
from tests.integration.test_fake_upstreams import BMW_VIN, instant_retry
from tests.unit.test_extras_photo import Gate
from vinbot import budget
from vinbot.clients.breaker import BreakerState, CircuitBreaker
from vinbot.clients.carsxe import CarsXEClient, carsxe_http_client
from vinbot.clients.nhtsa import NhtsaVpicClient, nhtsa_http_client
from vinbot.clients.offline import OfflineProvider
from vinbot.config import Secret
from vinbot.models.errors import ProviderUnavailable
from vinbot.services.decoding import DecodeService
from vinbot.services.extras import ExtrasService, PaidServices

HANGING = 60.0  # longer than any test may run: only a deadline ends these requests


async def test_hanging_upstreams_answer_offline_in_time_then_trip_their_breakers() -> None:
    """Both upstreams hanging: each decode is the offline one with an "in time" note, the
    CarsXE call counts as paid, and after two such decodes nobody is asked any more."""
    async with FakeCarsXE(latency=HANGING) as carsxe, FakeNhtsa(latency=HANGING) as nhtsa:
        await decode_against_hanging_upstreams(carsxe, nhtsa)


async def decode_against_hanging_upstreams(carsxe: FakeCarsXE, nhtsa: FakeNhtsa) -> None:
    """Three decodes with both upstreams hanging (the test above)."""
    breakers = (
        CircuitBreaker("carsxe", failure_threshold=2),
        CircuitBreaker("nhtsa", failure_threshold=2),
    )
    # The clients' own timeouts and retry deadlines would wait far longer than the decode's.
    patient = instant_retry(deadline=HANGING)
    async with (
        carsxe_http_client(carsxe.base_url, timeout=HANGING) as carsxe_http,
        nhtsa_http_client(nhtsa.base_url, timeout=HANGING) as nhtsa_http,
    ):
        providers = (
            CarsXEClient(
                carsxe_http, api_key=Secret(carsxe.api_key), breaker=breakers[0], retry=patient
            ),
            NhtsaVpicClient(nhtsa_http, breaker=breakers[1], retry=patient),
        )
        service = DecodeService(providers, OfflineProvider(), DictCache(), deadline_seconds=0.6)
        for _ in range(2):
            result = await service.decode(BMW_VIN)
            assert result.source == "offline"
            assert result.unavailable == ("carsxe", "nhtsa")
            assert result.notes[0].code == "late"
            assert result.paid_call_made
        assert [b.state for b in breakers] == [BreakerState.OPEN, BreakerState.OPEN]
        asked = (len(carsxe.calls), len(nhtsa.calls))

        result = await service.decode(BMW_VIN)

    assert result.source == "offline"
    assert not result.paid_call_made
    assert (len(carsxe.calls), len(nhtsa.calls)) == asked == (2, 2)


async def test_a_carsxe_request_cut_off_after_sending_counts_as_paid() -> None:
    """A request on the wire when the time budget ends may be billed: it is counted."""
    async with (
        FakeCarsXE(latency=HANGING) as carsxe,
        carsxe_http_client(carsxe.base_url, timeout=HANGING) as http,
    ):
        client = CarsXEClient(
            http,
            api_key=Secret(carsxe.api_key),
            breaker=CircuitBreaker("carsxe"),
            retry=instant_retry(deadline=HANGING),
        )
        with budget.spend_at_most(0.3), pytest.raises(ProviderUnavailable) as caught:
            await client.decode(BMW_VIN)
    assert caught.value.paid_call_made
    assert carsxe.count("/specs") == 1


async def test_a_carsxe_read_timeout_counts_as_paid() -> None:
    """The client's own read timeout after sending counts too."""
    async with (
        FakeCarsXE(latency=HANGING) as carsxe,
        carsxe_http_client(carsxe.base_url, timeout=0.2) as http,
    ):
        client = CarsXEClient(
            http,
            api_key=Secret(carsxe.api_key),
            breaker=CircuitBreaker("carsxe"),
            retry=instant_retry(attempts=1),
        )
        with pytest.raises(ProviderUnavailable, match="ReadTimeout") as caught:
            await client.decode(BMW_VIN)
    assert caught.value.paid_call_made


class FailingOcr:
    """VIN OCR whose CarsXE call fails, billed or not."""

    def __init__(self, error: ProviderUnavailable) -> None:
        self.error = error

    async def read(self, image: bytes) -> Any:
        del image
        raise self.error


@pytest.mark.parametrize("billed", [True, False])
async def test_a_paid_feature_settles_a_maybe_billed_outage_as_paid(billed: bool) -> None:
    """/vin photos, /value and /plate count an unanswered CarsXE request against the quotas."""
    gate = Gate()
    unused: Any = None
    error = ProviderUnavailable("carsxe", "timeout (ReadTimeout)", paid_call_made=billed)
    paid = PaidServices(market_value=unused, photos=unused, ocr=FailingOcr(error), plates=unused)
    extras = ExtrasService(gate, unused, paid)  # type: ignore[arg-type]

    with pytest.raises(ProviderUnavailable):
        await extras.read_vin(b"jpeg", user_id=7, is_admin=False)
    assert gate.charged == ([7] if billed else [])
