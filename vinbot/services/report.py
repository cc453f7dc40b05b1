"""The PDF report: gathers what the caches already hold about a VIN, then renders it off the loop.

Building a report never asks a paid (or any) provider: every read below is cache-only, and
a part not fetched yet is left None for the formatter to say how to get it. The one network
request it may make is a bounded download of a picture whose address is already cached (an
image file, not a paid call). Rendering a PDF costs CPU, so it runs in a worker thread, one
report per user at a time and at most `max_concurrent` for everyone; more are refused, not
queued (a queued build would hold one of the bot's update slots).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

from vinbot.logs import get_logger
from vinbot.models.errors import VinbotError
from vinbot.models.report import CachedValuation, ReportData, TitleCheckSummary

if TYPE_CHECKING:
    from collections.abc import Callable

    from vinbot.i18n import Words
    from vinbot.models.market_value import MarketValue
    from vinbot.models.recalls import RecallOutcome
    from vinbot.models.vehicle import DecodeResult, VehicleSpec
    from vinbot.services.vehicle_photo import PhotoLookup

log = get_logger(__name__)

# Two cores: two PDFs at once leave the event loop's core alone most of the time.
MAX_CONCURRENT_REPORTS: Final = 2


# Why a report cannot be made now (formatters/report_pdf words it).
type ReportRefusal = Literal["own_report_building", "reports_building"]


class ReportRefused(VinbotError):
    """No report can be made now; `refusal` says why."""

    refusal: ReportRefusal


class ReportBusy(ReportRefused):
    """This user's previous report is still being built."""

    refusal = "own_report_building"


class ReportsBusy(ReportRefused):
    """As many reports as the bot builds at once are being built: try again in a moment."""

    refusal = "reports_building"


class CachedDecodes(Protocol):
    """The cached decode of a VIN, or None: no provider is asked."""

    async def reopen_cached(self, vin: str) -> DecodeResult | None:
        """The decode as cached."""
        ...


class CachedRecalls(Protocol):
    """The cached recalls of a VIN, or None: no provider is asked."""

    async def cached(self, vin: str) -> RecallOutcome | None:
        """The recalls as cached."""
        ...


class CachedValuations(Protocol):
    """The VIN's latest cached market valuation and when it was made, or None."""

    async def latest_cached(self, vin: str) -> tuple[MarketValue, dt.datetime] | None:
        """The valuation as cached."""
        ...


class CachedPhotos(Protocol):
    """The cached picture link for a decoded model, or None: no provider is asked."""

    async def cached(self, spec: VehicleSpec) -> PhotoLookup | None:
        """The link as cached."""
        ...


class CachedTitleChecks(Protocol):
    """The cached theft & title check of a VIN, already in words, or None when not checked."""

    async def cached_title_check(self, vin: str, words: Words) -> TitleCheckSummary | None:
        """The check as cached, in the reader's words."""
        ...


class ImageFetcher(Protocol):
    """Downloads a picture by its address, bounded in size and time; None on any failure."""

    async def fetch(self, url: str) -> bytes | None:
        """The image bytes, or None."""
        ...


@dataclass(frozen=True, slots=True)
class Report:
    """A built report: the PDF bytes and the file name to send them under."""

    data: bytes
    filename: str


class ReportService:
    """Gathers a VIN's cached answers and renders them into a PDF in a worker thread."""

    def __init__(
        self,
        *,
        decodes: CachedDecodes,
        recalls: CachedRecalls,
        render: Callable[[Words, ReportData], bytes],
        valuations: CachedValuations | None = None,
        photos: CachedPhotos | None = None,
        images: ImageFetcher | None = None,
        title_checks: CachedTitleChecks | None = None,
        max_concurrent: int = MAX_CONCURRENT_REPORTS,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._decodes = decodes
        self._recalls = recalls
        self._render = render
        self._valuations = valuations
        self._photos = photos
        self._images = images
        self._title_checks = title_checks
        self._max_concurrent = max_concurrent
        self._clock = clock
        self._building: set[int] = set()

    @property
    def building(self) -> int:
        """How many reports are being built right now."""
        return len(self._building)

    async def report(self, vin: str, *, user_id: int, words: Words) -> Report:
        """The PDF report of a valid VIN from cached answers only, in the reader's words.

        Raises ReportBusy while this user's previous report is built, ReportsBusy when the bot
        builds as many as it allows at once.
        """
        if user_id in self._building:
            raise ReportBusy("your previous report is still being built")
        if len(self._building) >= self._max_concurrent:
            raise ReportsBusy("reports are being built for others")
        self._building.add(user_id)
        try:
            data = await self.gather(vin, words)
            pdf = await asyncio.to_thread(self._render, words, data)
        finally:
            self._building.discard(user_id)
        log.info("report_built", vin=vin, size=len(pdf))
        return Report(pdf, f"vinbot-{vin}.pdf")

    async def gather(self, vin: str, words: Words) -> ReportData:
        """What the caches hold about the VIN now (the title check in the reader's words); no
        provider is asked."""
        decode = await self._decodes.reopen_cached(vin)
        photo_url, photo = await self._photo(decode)
        valuation = None
        if self._valuations is not None:
            found = await self._valuations.latest_cached(vin)
            valuation = None if found is None else CachedValuation(*found)
        title_check = None
        if self._title_checks is not None:  # None: no CarsXE key, so never checked
            title_check = await self._title_checks.cached_title_check(vin, words)
        return ReportData(
            vin=vin,
            built_at=self._clock(),
            paid_features=self._valuations is not None,
            decode=decode,
            photo_url=photo_url,
            photo=photo,
            recalls=await self._recalls.cached(vin),
            title_check=title_check,
            valuation=valuation,
        )

    async def _photo(self, decode: DecodeResult | None) -> tuple[str | None, bytes | None]:
        if decode is None or self._photos is None:
            return None, None
        found = await self._photos.cached(decode.spec)
        url = None if found is None else found.url
        if url is None or self._images is None:
            return url, None
        return url, await self._images.fetch(url)
