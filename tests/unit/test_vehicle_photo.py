"""Vehicle photos: CarsXE /images on respx, and the service that never lets a photo block."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import respx

from tests.fakes.beyond import FakeImages
from tests.fakes.carsxe_server import images_body
from tests.fakes.providers import DictCache
from tests.unit.carsxe_support import carsxe_client, no_wait
from vinbot.cache import keys
from vinbot.clients.carsxe import CarsXEClient
from vinbot.clients.retry import RetryPolicy
from vinbot.models.errors import BadProviderResponse, ProviderAuthError, ProviderUnavailable
from vinbot.models.vehicle import VehicleSpec
from vinbot.services.vehicle_photo import NO_PHOTO_TTL, PhotoLookup, VehiclePhotoService

KEY = "sk_live_Photo0SecretKey"
SPEC = VehicleSpec("WBAFR7C57CC811956", "carsxe", year=2012, make="BMW", model="5-Series")


@pytest.fixture
def client(http: httpx.AsyncClient) -> CarsXEClient:
    retry = RetryPolicy(attempts=2, base_delay=0.01, sleep=no_wait)
    return carsxe_client(http, KEY, retry=retry)


def image(link: str, **fields: Any) -> dict[str, Any]:
    return {"mime": "image/jpeg", "link": link, "width": 800, "height": 600, **fields}


async def test_the_first_usable_link_is_chosen(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """The first https JPEG/PNG/WebP under 5 MB wins; make, model, year and trim are sent."""
    body = {
        "success": True,
        "images": [
            image("http://insecure.example.test/a.jpg"),
            image("https://cdn.example.test/b.gif", mime="image/gif"),
            image("https://cdn.example.test/c.jpg", byteSize=9_000_000),
            "not an image",
            image("https://cdn.example.test/has space.jpg"),
            image("https://cdn.example.test/d.png", mime="image/png"),
            image("https://cdn.example.test/e.jpg"),
        ],
    }
    route = upstream.get("/images").mock(return_value=httpx.Response(200, json=body))

    link = await client.images("BMW", "5-Series", 2012, "535i")

    assert link == "https://cdn.example.test/d.png"
    assert dict(route.calls.last.request.url.params) == {
        "make": "BMW",
        "model": "5-Series",
        "year": "2012",
        "trim": "535i",
        "photoType": "exterior",
        "key": KEY,
    }


async def test_the_fake_servers_body_gives_its_first_link(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """A body in CarsXE's documented shape gives its first image link."""
    upstream.get("/images").mock(return_value=httpx.Response(200, json=images_body("BMW", "X5")))

    assert await client.images("BMW", "X5") == "https://images.example.test/bmw-x5-1.jpg"


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"success": True, "images": []}),
        httpx.Response(200, json={"success": True}),
        httpx.Response(200, json={"success": True, "images": [image("ftp://x.test/a.jpg")]}),
        httpx.Response(404, json={"success": False, "message": "No data found"}),
    ],
)
async def test_nothing_found_is_none(
    client: CarsXEClient, upstream: respx.MockRouter, response: httpx.Response
) -> None:
    """No images, no usable link, or CarsXE's no-data answer all mean no photo."""
    upstream.get("/images").mock(return_value=response)

    assert await client.images("BMW", "5-Series") is None


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (httpx.Response(200, json={"success": True, "images": {"a": 1}}), BadProviderResponse),
        (
            httpx.Response(500, json={"success": False, "message": "Missing make"}),
            ProviderUnavailable,
        ),
        (
            httpx.Response(401, json={"success": False, "message": "Missing API key"}),
            ProviderAuthError,
        ),
    ],
)
async def test_failures_raise_from_the_client(
    client: CarsXEClient,
    upstream: respx.MockRouter,
    response: httpx.Response,
    error: type[Exception],
) -> None:
    """Garbage, v1 500s and auth failures are errors at the client (the service hides them)."""
    upstream.get("/images").mock(return_value=response)

    with pytest.raises(error):
        await client.images("BMW", "5-Series")


async def test_the_photo_is_cached_per_make_model_year_trim() -> None:
    """A found photo is cached for a month and counted once."""
    images, cache = FakeImages(), DictCache()
    service = VehiclePhotoService(images, cache)

    first = await service.photo(SPEC)
    second = await service.photo(SPEC)

    assert first.url == second.url == "https://images.example.test/BMW-5-Series.jpg"
    assert (first.paid_call_made, second.paid_call_made) == (True, False)
    assert second.cached
    assert images.calls == [("BMW", "5-Series", 2012, None)]
    assert cache.ttls[keys.image_key("BMW", "5-Series", 2012, None)] == keys.IMAGE_TTL


async def test_no_photo_is_cached_briefly() -> None:
    """ "Not found" is remembered for a day, not a month, and not asked again meanwhile."""
    images, cache = FakeImages(links={("BMW", "5-Series"): None}), DictCache()
    service = VehiclePhotoService(images, cache)

    assert (await service.photo(SPEC)).url is None
    assert (await service.photo(SPEC)).url is None

    assert len(images.calls) == 1
    assert cache.ttls[keys.image_key("BMW", "5-Series", 2012, None)] == NO_PHOTO_TTL


@pytest.mark.parametrize(
    "error", [ProviderUnavailable("carsxe", "timeout"), BadProviderResponse("carsxe", "html")]
)
async def test_failures_mean_no_photo_and_are_not_cached(error: Exception) -> None:
    """Any provider failure gives None, caches nothing and counts nothing."""
    images, cache = FakeImages(error=error), DictCache()
    service = VehiclePhotoService(images, cache)

    lookup = await service.photo(SPEC)

    assert (lookup.url, lookup.paid_call_made) == (None, False)
    assert cache.data == {}


async def test_a_hanging_provider_gives_up_at_the_deadline() -> None:
    """A provider that never answers costs at most the deadline, then no photo."""
    service = VehiclePhotoService(FakeImages(hang=True), DictCache(), deadline_seconds=0.05)

    assert (await service.photo(SPEC)).url is None


async def test_a_request_sent_without_an_answer_counts() -> None:
    """A CarsXE failure that may have been billed gives no photo but counts the call."""
    billed = ProviderUnavailable("carsxe", "timeout (ReadTimeout)", paid_call_made=True)
    service = VehiclePhotoService(FakeImages(error=billed), DictCache())

    assert (await service.photo(SPEC)) == PhotoLookup(None, paid_call_made=True)


async def test_a_spec_without_make_or_model_asks_nobody() -> None:
    """Without make and model there is nothing to search for, and no call is made."""
    images = FakeImages()
    service = VehiclePhotoService(images, DictCache())

    assert (await service.photo(VehicleSpec(SPEC.vin, "offline", year=2012))).url is None
    assert images.calls == []


async def test_a_corrupt_cache_entry_is_a_miss() -> None:
    """An unreadable cached value is ignored and the photo fetched again."""
    images, cache = FakeImages(), DictCache()
    cache.data[keys.image_key("BMW", "5-Series", 2012, None)] = '{"v": 1, "url": 5}'

    assert (await VehiclePhotoService(images, cache).photo(SPEC)).url is not None
    assert len(images.calls) == 1


async def test_a_link_carrying_the_key_is_never_returned(
    client: CarsXEClient, upstream: respx.MockRouter
) -> None:
    """A photo link that somehow contains the API key is dropped rather than shown to users."""
    body = {"success": True, "images": [image(f"https://cdn.example.test/a.jpg?key={KEY}")]}
    upstream.get("/images").mock(return_value=httpx.Response(200, json=body))

    assert await client.images("BMW", "5-Series") is None


async def test_concurrent_requests_for_one_model_make_one_call() -> None:
    """Many users decoding the same new model at once cause one image call, charged once."""

    class SlowImages(FakeImages):
        async def images(
            self, make: str, model: str, year: int | None = None, trim: str | None = None
        ) -> str | None:
            await asyncio.sleep(0.01)
            return await super().images(make, model, year, trim)

    images = SlowImages()
    service = VehiclePhotoService(images, DictCache())
    spec = VehicleSpec(vin="WBAFR7C57CC811956", source="carsxe", year=2012, make="BMW", model="5")
    found = await asyncio.gather(*(service.photo(spec) for _ in range(50)))
    assert len(images.calls) == 1
    assert sum(f.paid_call_made for f in found) == 1
    assert {f.url for f in found} == {found[0].url}
