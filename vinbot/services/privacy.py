"""Privacy: /export gives a user everything stored about them, /forget deletes all of it."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Final, Protocol, cast

from cachetools import TTLCache

from vinbot.logs import get_logger
from vinbot.models.errors import VinbotError
from vinbot.models.records import utc_now

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from vinbot.models.records import Clock, LookupRecord, UserData
    from vinbot.storage.repositories import UserDataRepository


class PendingWrites(Protocol):
    """Something that may still hold a user's data in memory (history, the paid-call ledger)."""

    async def flush(self) -> None:
        """Wait until queued writes are stored."""
        ...


# Telegram bots may upload files up to 50 MB; keep room for the multipart envelope.
EXPORT_MAX_BYTES: Final = 50 * 1024 * 1024 - 64 * 1024
# One export per user per this many seconds (a large history is real work to read and send).
EXPORT_INTERVAL_SECONDS: Final = 300.0
# Lookups read per query: each page is a short read, and the loop serves others in between.
EXPORT_PAGE_SIZE: Final = 500
# Exports built at once across the bot: each may hold about twice EXPORT_MAX_BYTES in memory
# while it is joined and sent, so a second waits for the first.
CONCURRENT_EXPORTS: Final = 1
_REMEMBERED_EXPORTERS: Final = 10_000


class ExportTooSoon(VinbotError):
    """The user had an export less than EXPORT_INTERVAL_SECONDS ago."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"another export is possible in {retry_after:.0f} s")
        self.retry_after = retry_after


class ExportBusy(VinbotError):
    """Another export is being built: try again shortly (waiting would hold an update slot)."""


@dataclass(frozen=True, slots=True)
class ExportFile:
    """The export as JSON bytes, and how many lookups did not fit under the size limit."""

    data: bytes
    lookups_included: int
    lookups_omitted: int


class PrivacyService:
    """Exports and erases one user's data; queued writes land first so nothing slips past."""

    def __init__(
        self,
        data: UserDataRepository,
        *,
        pending: Sequence[PendingWrites] = (),
        now: Clock = utc_now,
        max_export_bytes: int = EXPORT_MAX_BYTES,
        export_interval: float = EXPORT_INTERVAL_SECONDS,
        page_size: int = EXPORT_PAGE_SIZE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._data = data
        self._pending = tuple(pending)
        self._now = now
        self._max_bytes = max_export_bytes
        self._interval = export_interval
        self._page_size = page_size
        self._monotonic = monotonic
        self._exporting = asyncio.Semaphore(CONCURRENT_EXPORTS)
        self._last_export: TTLCache[int, float] = TTLCache(
            maxsize=_REMEMBERED_EXPORTERS, ttl=export_interval, timer=monotonic
        )
        self._log = get_logger(__name__)

    @property
    def exporting(self) -> bool:
        """Whether an export is being built now."""
        return self._exporting.locked()

    async def export_user(self, user_id: int) -> dict[str, object]:
        """Everything stored about the user, as a JSON-serialisable document (no size or rate
        limit: for tests and tools; the bot sends export_file())."""
        built = await self._build(user_id, max_bytes=None)
        return cast("dict[str, object]", json.loads(built.data))

    async def export_file(self, user_id: int) -> ExportFile:
        """The user's export as JSON under Telegram's upload limit: lookups newest first, the
        oldest left out (and counted) when they do not fit. At most one per user per export
        interval, else ExportTooSoon; ExportBusy while another is built. Read page by page, so
        the loop serves others meanwhile."""
        now = self._monotonic()
        last = self._last_export.get(user_id)
        if last is not None:
            raise ExportTooSoon(max(last + self._interval - now, 1.0))
        if self.exporting:
            # Refused, not queued: exports waiting here would each hold one of the bot's
            # concurrent update slots, and enough of them would stall everyone.
            raise ExportBusy("another export is being built")
        self._last_export[user_id] = now  # before the work: a second /export meanwhile waits too
        async with self._exporting:
            built = await self._build(user_id, max_bytes=self._max_bytes)
        self._log.info(
            "user_exported",
            user_id=user_id,
            size=len(built.data),
            lookups=built.lookups_included,
            omitted=built.lookups_omitted,
        )
        return built

    async def _build(self, user_id: int, *, max_bytes: int | None) -> ExportFile:
        await self._flush()
        data = await self._data.collect(user_id, with_lookups=False)
        total = await self._data.count_lookups(user_id)
        document = export_document(data, exported_at=self._now())
        del document["lookups"]
        head = json.dumps(document, indent=2, ensure_ascii=False).removesuffix("\n}").encode()
        # The small document, then the lookups page by page, one per line, newest first.
        chunks = [head, b',\n  "lookups": [']
        size = len(head) + len(_tail(total)) + 64
        after: LookupRecord | None = None
        included = 0
        full = False
        while not full:
            page = await self._data.lookup_page(user_id, after=after, limit=self._page_size)
            for lookup in page:
                line = b"\n    " + json.dumps(lookup_json(lookup), ensure_ascii=False).encode()
                if max_bytes is not None and size + len(line) + 1 > max_bytes:
                    full = True
                    break
                chunks.append(line if included == 0 else b"," + line)
                size += len(line) + 1
                included += 1
            if len(page) < self._page_size:
                break
            after = page[-1]
        chunks.append(b"\n  ]" if included else b"]")
        chunks.append(_tail(max(total - included, 0)))
        joined = await asyncio.to_thread(b"".join, chunks)  # up to 50 MB: a copy off the loop
        return ExportFile(joined, included, max(total - included, 0))

    async def forget_user(self, user_id: int) -> int:
        """Delete every row about the user but today's paid-call count (kept until the UTC day
        ends, so the daily quota still holds); returns how many rows went."""
        # A write still queued would bring rows back after the deletion.
        await self._flush()
        today = self._now().astimezone(UTC).date()
        deleted = await self._data.delete_all(user_id, keep_usage_from=today)
        self._log.info("user_forgotten", user_id=user_id, rows=deleted)
        return deleted

    async def _flush(self) -> None:
        for pending in self._pending:
            await pending.flush()


def _tail(omitted: int) -> bytes:
    return f',\n  "lookups_omitted": {omitted}\n}}\n'.encode()


def lookup_json(lookup: LookupRecord) -> dict[str, object]:
    """One lookup in the export."""
    return {
        "vin": lookup.vin,
        "provider": lookup.provider,
        "looked_up_at": lookup.looked_up_at.isoformat(),
        "year": lookup.year,
        "make": lookup.make,
        "model": lookup.model,
    }


def export_document(data: UserData, *, exported_at: datetime) -> dict[str, object]:
    """The export as plain JSON types: ISO 8601 strings for times, lists for rows."""
    profile = data.profile
    return {
        "user_id": data.user_id,
        "exported_at": exported_at.isoformat(),
        "profile": None
        if profile is None
        else {
            "first_seen": profile.first_seen.isoformat(),
            "last_seen": profile.last_seen.isoformat(),
            "language_code": profile.language_code,
            "blocked_at": None if profile.blocked_at is None else profile.blocked_at.isoformat(),
        },
        "settings": None
        if profile is None
        else {
            "language": profile.settings.language,
            "units": profile.settings.units,
            "recall_alerts": profile.settings.recall_alerts,
        },
        "lookups": [lookup_json(lookup) for lookup in data.lookups],
        "garage": [
            {
                "vin": entry.vin,
                "nickname": entry.nickname,
                "added_at": entry.added_at.isoformat(),
            }
            for entry in data.garage
        ],
        "usage": [
            {"day": usage.day.isoformat(), "paid_calls": usage.paid_calls} for usage in data.usage
        ],
        "recall_notifications": [
            {
                "vin": notice.vin,
                "campaign_id": notice.campaign_id,
                "notified_at": notice.notified_at.isoformat(),
            }
            for notice in data.recall_notifications
        ],
        "value_drafts": [
            {
                "chat_id": draft.chat_id,
                "vin": draft.vin,
                "step": draft.step.value,
                "mileage": draft.mileage,
                "state": draft.state,
                "updated_at": draft.updated_at.isoformat(),
                "expires_at": draft.expires_at.isoformat(),
            }
            for draft in data.value_drafts
        ],
    }
