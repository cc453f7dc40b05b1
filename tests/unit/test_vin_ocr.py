"""VIN from a photo: CarsXE /v1/vinocr on respx (base64, never a URL) and the deciding service."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx
from hypothesis import given
from hypothesis import strategies as st
from structlog.testing import capture_logs

from tests.fakes.beyond import HONDA_VIN, FakeVinReader
from tests.fakes.providers import DictCache
from tests.unit.carsxe_support import carsxe_client, carsxe_fixture
from vinbot.clients.carsxe import CarsXEClient
from vinbot.models.errors import (
    BadProviderResponse,
    ImageRejected,
    ImageTooLarge,
    ProviderQuotaExhausted,
    ProviderUnavailable,
)
from vinbot.models.ocr import Candidates, Decided, Nothing, OcrCandidate, OcrResult
from vinbot.models.vin import analyse
from vinbot.services.ocr import VinOcrService, dump_result, load_result

KEY = "sk_live_Ocr0SecretKey"
PHOTO = b"\xff\xd8\xff\xe0 a JPEG of a VIN plate \xff\xd9"
READ_VIN = "JHLRD77874C026456"
OTHER_VIN = "JHLRD77874C026457"
BAD_CHECK_DIGIT = "1HGCM82633A004353"


@pytest.fixture
def client(http: httpx.AsyncClient) -> CarsXEClient:
    return carsxe_client(http, KEY)


def ocr_route(upstream: respx.MockRouter) -> respx.Route:
    return upstream.post("/v1/vinocr")


# The client


async def test_the_image_goes_as_base64_json_and_the_documented_body_is_read(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """The bytes are posted as base64 in image_url (no URL anywhere); the answer is parsed."""
    route = ocr_route(upstream).mock(
        return_value=httpx.Response(200, json=carsxe_fixture("vinocr_success.json"))
    )

    result = await client.vin_ocr(PHOTO)

    assert result.vin == READ_VIN
    assert result.confidence == pytest.approx(0.9834, abs=1e-4)
    assert result.candidates == (OcrCandidate(READ_VIN, pytest.approx(0.9834, abs=1e-4)),)
    request = route.calls.last.request
    payload = json.loads(request.content)
    assert list(payload) == ["image_url"]
    assert base64.b64decode(payload["image_url"], validate=True) == PHOTO
    assert "://" not in payload["image_url"]
    assert request.headers["content-type"] == "application/json"
    assert dict(request.url.params) == {"key": KEY}


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"success": False, "message": "No VIN detected"}),
        httpx.Response(404, json={"success": False, "message": "No data found"}),
        httpx.Response(400, json={"success": False, "message": "Invalid image"}),
        httpx.Response(200, json={"success": True, "vin": "", "candidates": []}),
    ],
)
async def test_no_reading_is_an_empty_result(
    client: CarsXEClient, upstream: respx.MockRouter, response: httpx.Response
) -> None:
    """A failed read, CarsXE's no-data answer or an unreadable image read as no VIN."""
    ocr_route(upstream).mock(return_value=response)

    assert await client.vin_ocr(PHOTO) == OcrResult(vin=None)


async def test_percent_confidences_and_odd_candidates(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """Confidences given in percent are scaled; candidates that are not readings are skipped."""
    body = {
        "success": True,
        "vin": "jhlrd 77874-c026456",
        "confidence": 98.5,
        "candidates": [{"vin": OTHER_VIN, "confidence": 0.4}, {"confidence": 0.9}, "x"],
    }
    ocr_route(upstream).mock(return_value=httpx.Response(200, json=body))

    result = await client.vin_ocr(PHOTO)

    assert result == OcrResult(READ_VIN, 0.985, (OcrCandidate(OTHER_VIN, 0.4),))


async def test_ocr_is_attempted_once(client: CarsXEClient, upstream: respx.MockRouter) -> None:
    """A gateway error is not retried: the upload is big and each attempt may be billed."""
    route = ocr_route(upstream).mock(return_value=httpx.Response(503))

    with pytest.raises(ProviderUnavailable):
        await client.vin_ocr(PHOTO)
    assert route.call_count == 1


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (
            httpx.Response(429, json=carsxe_fixture("error_quota_exceeded_429.json")),
            ProviderQuotaExhausted,
        ),
        (httpx.Response(200, text="<html>nginx</html>"), BadProviderResponse),
        (httpx.Response(200, json={"success": True, "candidates": "JHL"}), BadProviderResponse),
    ],
)
async def test_failures_leak_neither_key_nor_image(
    client: CarsXEClient,
    upstream: respx.MockRouter,
    response: httpx.Response,
    error: type[Exception],
) -> None:
    """Quota and garbage raise domain errors; neither the key nor the image is in them or logs."""
    ocr_route(upstream).mock(return_value=response)
    encoded = base64.b64encode(PHOTO).decode()

    with capture_logs() as logs, pytest.raises(error) as caught:
        await client.vin_ocr(PHOTO)

    for secret in (KEY, encoded):
        assert secret not in repr(caught.value)
        assert secret not in repr(logs)


async def test_an_empty_image_is_refused_without_a_call(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """Zero bytes raise ImageRejected and nothing is posted."""
    route = ocr_route(upstream)

    with pytest.raises(ImageRejected):
        await client.vin_ocr(b"")
    assert route.call_count == 0


# The service


def reader(
    vin: str | None, confidence: float | None, *candidates: tuple[str, float]
) -> FakeVinReader:
    return FakeVinReader(
        result=OcrResult(vin, confidence, tuple(OcrCandidate(v, c) for v, c in candidates))
    )


async def test_a_confident_valid_read_is_decided() -> None:
    """A valid VIN read with high confidence is decided, and the call counted."""
    fake = reader(READ_VIN, 0.97, (READ_VIN, 0.97))

    outcome = await VinOcrService(fake).read(PHOTO)

    assert outcome == Decided(READ_VIN, 0.97, paid_call_made=True)
    assert fake.images == [PHOTO]


async def test_the_threshold_is_inclusive() -> None:
    """A read exactly at the threshold counts as confident."""
    outcome = await VinOcrService(reader(READ_VIN, 0.8), high_confidence=0.8).read(PHOTO)

    assert isinstance(outcome, Decided)


async def test_a_doubtful_read_offers_only_valid_candidates() -> None:
    """Below the threshold, valid readings are offered best first; invalid ones never are."""
    fake = reader(
        READ_VIN,
        0.6,
        (OTHER_VIN, 0.7),
        (BAD_CHECK_DIGIT, 0.9),
        ("NOT-A-VIN", 0.95),
        (HONDA_VIN, 0.3),
        ("WBAFR7C57CC811956", 0.2),
    )

    outcome = await VinOcrService(fake).read(PHOTO)

    assert outcome == Candidates(
        (OcrCandidate(OTHER_VIN, 0.7), OcrCandidate(READ_VIN, 0.6), OcrCandidate(HONDA_VIN, 0.3)),
        paid_call_made=True,
    )


async def test_two_confident_readings_are_left_to_the_user() -> None:
    """Two different valid VINs both above the threshold are offered, not decided."""
    outcome = await VinOcrService(reader(READ_VIN, 0.95, (OTHER_VIN, 0.9))).read(PHOTO)

    assert isinstance(outcome, Candidates)
    assert [c.vin for c in outcome.candidates] == [READ_VIN, OTHER_VIN]


@pytest.mark.parametrize(
    "fake",
    [
        reader(None, None),
        reader(BAD_CHECK_DIGIT, 0.99),
        reader("SHORT123", 0.99, ("ALSO-SHORT", 0.9)),
    ],
)
async def test_nothing_valid_gives_advice(fake: FakeVinReader) -> None:
    """No reading that is a valid VIN gives Nothing (the reader gets advice); still counted."""
    outcome = await VinOcrService(fake).read(PHOTO)

    assert outcome == Nothing(paid_call_made=True)


async def test_oversize_images_are_refused_before_any_call() -> None:
    """An image over the limit raises ImageTooLarge carrying the sizes, with no call."""
    fake = FakeVinReader()
    service = VinOcrService(fake, max_bytes=1_000_000)

    with pytest.raises(ImageTooLarge) as caught:
        await service.read(b"\0" * 1_000_001)

    assert (caught.value.size, caught.value.limit) == (1_000_001, 1_000_000)
    assert fake.images == []


async def test_empty_images_are_refused_before_any_call() -> None:
    """Zero bytes raise ImageRejected with no call."""
    fake = FakeVinReader()

    with pytest.raises(ImageRejected):
        await VinOcrService(fake).read(b"")
    assert fake.images == []


async def test_the_same_photo_is_read_once_when_cached() -> None:
    """With a cache, a photo sent again is answered from it and not counted."""
    fake, cache = FakeVinReader(), DictCache()
    service = VinOcrService(fake, cache=cache)

    first = await service.read(PHOTO)
    second = await service.read(PHOTO)

    assert isinstance(first, Decided)
    assert isinstance(second, Decided)
    assert (first.paid_call_made, second.paid_call_made) == (True, False)
    assert len(fake.images) == 1


async def test_reader_failures_propagate_and_are_not_cached() -> None:
    """An outage raises ProviderUnavailable and leaves nothing in the cache."""
    fake, cache = FakeVinReader(error=ProviderUnavailable("carsxe", "timeout")), DictCache()

    with pytest.raises(ProviderUnavailable):
        await VinOcrService(fake, cache=cache).read(PHOTO)
    assert cache.data == {}


def test_settings_are_checked() -> None:
    """A zero size limit or a threshold outside (0, 1] is a programming error."""
    for kwargs in ({"max_bytes": 0}, {"high_confidence": 0.0}, {"high_confidence": 1.5}):
        with pytest.raises(ValueError, match="high_confidence"):
            VinOcrService(FakeVinReader(), **kwargs)  # type: ignore[arg-type]


def test_cached_readings_round_trip() -> None:
    """dump_result and load_result keep the VIN, confidence and candidates."""
    result = OcrResult(READ_VIN, 0.5, (OcrCandidate(OTHER_VIN, 0.25),))

    assert load_result(dump_result(result)) == result
    assert load_result('{"v": 1, "vin": 7}') is None
    assert load_result("[") is None


_READINGS = st.lists(
    st.tuples(
        st.sampled_from([READ_VIN, OTHER_VIN, HONDA_VIN, BAD_CHECK_DIGIT, "X" * 17, "JUNK"]),
        st.floats(0, 1),
    ),
    max_size=6,
)


@given(
    st.none() | st.sampled_from([READ_VIN, BAD_CHECK_DIGIT, "O" * 17]), st.floats(0, 1), _READINGS
)
async def test_only_valid_vins_ever_come_out(
    vin: str | None, confidence: float, readings: list[tuple[str, float]]
) -> None:
    """Whatever the reader says, every VIN decided or offered passes the VIN rules."""
    outcome = await VinOcrService(reader(vin, confidence, *readings)).read(PHOTO)

    if isinstance(outcome, Decided):
        assert analyse(outcome.vin).valid
        assert outcome.confidence >= 0.8
    elif isinstance(outcome, Candidates):
        assert 1 <= len(outcome.candidates) <= 3
        assert all(analyse(c.vin).valid for c in outcome.candidates)
        assert len({c.vin for c in outcome.candidates}) == len(outcome.candidates)
    else:
        assert isinstance(outcome, Nothing)
