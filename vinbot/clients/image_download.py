"""A picture downloaded by its address: https only, bounded in size and time, never raises.

The PDF report embeds the model's picture when its address is already cached. Fetching the
image file is no paid call (the paid part, finding the picture, was done and cached), but it
is a request to a host vinbot does not control, so it is kept small and short.
"""

from __future__ import annotations

from typing import Final

import httpx

from vinbot.logs import get_logger

log = get_logger(__name__)

MAX_IMAGE_BYTES: Final = 2_000_000
TIMEOUT_SECONDS: Final = 3.0
_IMAGE_TYPES: Final = ("image/jpeg", "image/png")


def image_http_client(
    timeout: float = TIMEOUT_SECONDS, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The client ImageDownloader uses (caller closes it); redirects are not followed."""
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=transport)


class ImageDownloader:
    """Fetches JPEG or PNG files over https, at most `max_bytes`, within the client's timeout."""

    def __init__(self, client: httpx.AsyncClient, *, max_bytes: int = MAX_IMAGE_BYTES) -> None:
        self._client = client
        self._max_bytes = max_bytes

    async def fetch(self, url: str) -> bytes | None:
        """The image bytes, or None for anything else (not https, not an image, too big, slow,
        failed). The address is not logged: it is the provider's, not ours to repeat."""
        if not url.startswith("https://"):
            return None
        try:
            async with self._client.stream("GET", url) as response:
                kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
                if response.status_code != httpx.codes.OK or kind not in _IMAGE_TYPES:
                    log.info("report_photo_skipped", status=response.status_code, kind=kind)
                    return None
                data = bytearray()
                async for chunk in response.aiter_bytes():
                    data += chunk
                    if len(data) > self._max_bytes:
                        log.info("report_photo_skipped", reason="too_large")
                        return None
                return bytes(data)
        except httpx.HTTPError as exc:
            log.info("report_photo_skipped", error=type(exc).__name__)
            return None
