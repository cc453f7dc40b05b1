"""The theft and title check: two paid CarsXE calls (/v1/lien-theft, /history) behind the quotas.

Nothing is spent without an explicit confirmation: `offer` says what a check would cost (or
returns the cached answer, free), and only `check` reserves and calls. Both calls are reserved
first, together (one reservation of two calls, or none), and settled by whoever makes them; a
double tap or two users checking the same car share one flight, so one pair of calls is paid.
Only a complete answer is cached, for hours.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Protocol, get_args

from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import InvalidVin, ProviderUnavailable
from vinbot.models.records import utc_now
from vinbot.models.title_check import (
    CHECK_COST,
    EventKind,
    LienTheftReport,
    RecordSection,
    TheftEvent,
    TitleCheck,
    TitleHistory,
    TitleRecord,
    TitleRecordsNotFound,
    analysed_us_market,
    event_kind,
)
from vinbot.models.vin import analyse
from vinbot.services.extras import PaidFeatureRefused
from vinbot.services.single_flight import SingleFlight

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from vinbot.cache.base import Cache
    from vinbot.models.records import Clock, QuotaReason
    from vinbot.services.paid_calls import PaidCallGate

log = get_logger(__name__)

PROVIDER: Final = "carsxe"
FORMAT_VERSION: Final = 1


class TitleRecordsSource(Protocol):
    """CarsXE's lien/theft and NMVTIS endpoints; each raises TitleRecordsNotFound or
    ProviderUnavailable (with `paid_call_made`)."""

    async def lien_theft(self, vin: str) -> LienTheftReport:
        """Lien and theft events for a valid VIN."""
        ...

    async def title_history(self, vin: str) -> TitleHistory:
        """NMVTIS title records for a valid VIN."""
        ...


class NotUsMarket(InvalidVin):
    """The VIN is not of a car built for the US market: NMVTIS would not know it (no call)."""


@dataclass(frozen=True, slots=True)
class Offer:
    """What a check would cost the user now: `left` paid lookups under `limit` (None: no
    limit applies); `affordable` is False when fewer than the cost are left."""

    vin: str
    cost: int
    left: int | None
    limit: QuotaReason | None

    @property
    def affordable(self) -> bool:
        """Whether the quota allows the check now."""
        return self.left is None or self.left >= self.cost


@dataclass(frozen=True, slots=True)
class _Fetched:
    check: TitleCheck
    paid_theft: bool
    paid_history: bool


class TitleCheckService:
    """Offers, runs and caches theft and title checks for US-market VINs."""

    def __init__(
        self,
        source: TitleRecordsSource,
        cache: Cache,
        gate: PaidCallGate,
        *,
        ttl: int = keys.TITLE_CHECK_TTL,
        now: Clock = utc_now,
    ) -> None:
        self._source = source
        self._cache = cache
        self._gate = gate
        self._ttl = ttl
        self._now = now
        self._flights: SingleFlight[str, _Fetched] = SingleFlight()

    @staticmethod
    def checkable(raw_vin: str) -> str:
        """The normalised VIN; raises InvalidVin, or NotUsMarket for a car NMVTIS cannot know."""
        analysis = analyse(raw_vin)
        if not analysis.valid:
            raise InvalidVin(analysis)
        if not analysed_us_market(analysis):
            raise NotUsMarket(analysis)
        return analysis.vin

    async def cached(self, vin: str) -> TitleCheck | None:
        """The cached answer for a checkable VIN (free), or None."""
        text = await self._cache.get(keys.title_check_key(vin))
        return load_check(text) if text is not None else None

    async def offer(self, raw_vin: str, *, user_id: int, is_admin: bool) -> TitleCheck | Offer:
        """The cached answer, or what a check would cost; raises InvalidVin or NotUsMarket."""
        vin = self.checkable(raw_vin)
        cached = await self.cached(vin)
        if cached is not None:
            return cached
        remaining = await self._gate.remaining(user_id, is_admin=is_admin)
        left, limit = (None, None) if remaining is None else remaining
        return Offer(vin, CHECK_COST, left, limit)

    async def check(self, raw_vin: str, *, user_id: int, is_admin: bool) -> TitleCheck:
        """Run the check (the user confirmed): cached if it is, else two paid calls.

        Raises InvalidVin, NotUsMarket, PaidFeatureRefused (the quota cannot cover both calls)
        and ProviderUnavailable when neither source could answer.
        """
        vin = self.checkable(raw_vin)
        cached = await self.cached(vin)
        if cached is not None:
            return cached
        decision, reservation = await self._gate.reserve(
            user_id, is_admin=is_admin, calls=CHECK_COST
        )
        if reservation is None:
            raise PaidFeatureRefused(decision)
        try:
            fetched, shared = await self._flights.run(vin, lambda: self._fetch(vin))
            # Only the flight's leader made the calls; a sharer's reservation returns whole.
            made = 0 if shared else fetched.paid_theft + fetched.paid_history
            reservation.settle_made(made)
        finally:
            reservation.settle(paid=False)  # only the first settle counts
        check = fetched.check
        if check.theft is None and check.history is None:
            raise ProviderUnavailable(PROVIDER, "no theft or title answer now")
        return check

    async def _fetch(self, vin: str) -> _Fetched:
        """Both calls at once; a source that cannot answer leaves its part None."""
        (theft, paid_theft), (history, paid_history) = await asyncio.gather(
            _answer(self._source.lien_theft(vin), LienTheftReport()),
            _answer(self._source.title_history(vin), TitleHistory()),
        )
        check = TitleCheck(vin=vin, checked_at=self._now(), theft=theft, history=history)
        log.info(
            "title_checked",
            vin=vin,
            theft_events=None if theft is None else len(theft.events),
            title_records=None if history is None else len(history.records),
        )
        if check.complete:
            await self._cache.set(keys.title_check_key(vin), dump_check(check), self._ttl)
        return _Fetched(check, paid_theft, paid_history)


async def _answer[T](call: Awaitable[T], nothing: T) -> tuple[T | None, bool]:
    """The source's answer (`nothing` for "no records") and whether a paid call was made."""
    try:
        return await call, True
    except TitleRecordsNotFound as exc:
        return nothing, exc.paid_call_made
    except ProviderUnavailable as exc:
        log.warning("title_source_unavailable", error=str(exc))
        return None, exc.paid_call_made


# The cache format: the dataclasses as JSON, with dates as ISO text.


def dump_check(check: TitleCheck) -> str:
    """Serialise a complete check for the cache."""
    data = _plain(dataclasses.asdict(check))
    data["v"] = FORMAT_VERSION
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _plain(value: object) -> Any:
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(inner) for inner in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def load_check(text: str) -> TitleCheck | None:
    """Parse what dump_check wrote; None for anything else (old format, corruption)."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
            return None
        theft, history = data["theft"], data["history"]
        return TitleCheck(
            vin=_expect(data["vin"], str),
            checked_at=dt.datetime.fromisoformat(_expect(data["checked_at"], str)),
            theft=None if theft is None else _theft(theft),
            history=None if history is None else _history(history),
        )
    except (ValueError, TypeError, KeyError):
        return None


def _theft(data: dict[str, Any]) -> LienTheftReport:
    return LienTheftReport(events=tuple(_event(item) for item in _expect(data["events"], list)))


def _event(data: dict[str, Any]) -> TheftEvent:
    name = _expect(data["name"], str)
    kind: EventKind = _choice(data["kind"], get_args(EventKind.__value__))
    if event_kind(name) == "other":  # cached before "Lien Released" & co. were told apart
        kind = "other"
    return TheftEvent(
        name=name,
        kind=kind,
        location=_text(data.get("location")),
        date=_date(data.get("date")),
        details=tuple(_expect(item, str) for item in _expect(data.get("details", []), list)),
        lienholder=_text(data.get("lienholder")),
    )


def _history(data: dict[str, Any]) -> TitleHistory:
    count = data.get("brands_count")
    changed = data.get("vin_changed")
    return TitleHistory(
        records=tuple(_record(item) for item in _expect(data["records"], list)),
        brands_count=None if count is None else _expect(count, int),
        vin_changed=None if changed is None else bool(_expect(changed, bool)),
    )


def _record(data: dict[str, Any]) -> TitleRecord:
    odometer = data.get("odometer")
    return TitleRecord(
        section=_choice(data["section"], get_args(RecordSection.__value__)),
        date=_date(data.get("date")),
        state=_text(data.get("state")),
        description=_text(data.get("description")),
        reported_by=_text(data.get("reported_by")),
        odometer=None if odometer is None else _expect(odometer, int),
    )


def _choice[T](value: object, allowed: tuple[T, ...]) -> T:
    for option in allowed:
        if value == option:
            return option
    raise ValueError(f"unknown value {value!r}")


def _date(value: object) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(_expect(value, str))


def _text(value: object) -> str | None:
    return None if value is None else _expect(value, str)


def _expect[T](value: object, kind: type[T]) -> T:
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise TypeError(f"expected {kind.__name__}")
    return value
