"""ImageDownloader: a cached picture's file, fetched over https within size and time bounds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest
import respx

from vinbot.clients.image_download import ImageDownloader, image_http_client

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

URL = "https://images.example.test/bmw-5-series.jpg"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100


@pytest.fixture
async def downloader() -> AsyncIterator[ImageDownloader]:
    async with image_http_client(timeout=1.0) as client:
        yield ImageDownloader(client, max_bytes=1_000)


@pytest.fixture
def host() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


async def test_a_picture_is_downloaded(downloader: ImageDownloader, host: respx.MockRouter) -> None:
    """A JPEG answered with 200 comes back as its bytes."""
    host.get(URL).respond(200, content=JPEG, headers={"content-type": "image/jpeg"})

    assert await downloader.fetch(URL) == JPEG


async def test_plain_http_is_not_fetched(
    downloader: ImageDownloader, host: respx.MockRouter
) -> None:
    """An address that is not https is refused before any request."""
    route = host.get("http://images.example.test/x.jpg").respond(200, content=JPEG)

    assert await downloader.fetch("http://images.example.test/x.jpg") is None
    assert not route.called


@pytest.mark.parametrize(
    ("status", "content", "kind"),
    [
        (200, b"x" * 1_001, "image/jpeg"),  # larger than the limit
        (200, b"<html>", "text/html"),  # not a picture
        (404, b"", "image/jpeg"),  # gone
        (302, b"", "image/jpeg"),  # a redirect is not followed
    ],
)
async def test_anything_but_a_small_picture_is_none(
    downloader: ImageDownloader, host: respx.MockRouter, status: int, content: bytes, kind: str
) -> None:
    """Too large, not an image, an error status or a redirect: no picture, no exception."""
    host.get(URL).respond(status, content=content, headers={"content-type": kind})

    assert await downloader.fetch(URL) is None


async def test_a_failed_connection_is_none(
    downloader: ImageDownloader, host: respx.MockRouter
) -> None:
    """A connection error or a timeout means no picture, never an exception."""
    host.get(URL).mock(side_effect=httpx.ConnectTimeout("slow"))

    assert await downloader.fetch(URL) is None
