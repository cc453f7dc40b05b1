"""The theft and title check service: reservations, single flight, caching, and the model rules."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

import pytest

from tests.fakes.beyond import STOLEN_EVENT, FakeTitleRecords
from tests.fakes.providers import DictCache
from vinbot.cache import keys
from vinbot.formatters.keyboards import decode_keyboard
from vinbot.i18n import words_in
from vinbot.models.callback import CallbackAction, CallbackCodec
from vinbot.models.errors import ProviderUnavailable
from vinbot.models.records import QuotaDecision
from vinbot.models.title_check import (
    LienTheftReport,
    TitleCheck,
    TitleHistory,
    TitleRecord,
    TitleRecordsNotFound,
    event_kind,
    is_us_market,
)
from vinbot.models.vin import analyse
from vinbot.services.extras import PaidFeatureRefused
from vinbot.services.paid_calls import Reservation
from vinbot.services.quota import PaidSlot
from vinbot.services.title_check import NotUsMarket, TitleCheckService, dump_check, load_check

HONDA = "1HGCM82633A004352"
EUROPEAN = "WVWZZZ1KZAW123456"
NOW = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)


@dataclass
class FakeGate:
    """A gate with `left` paid calls for everyone; records who was charged."""

    left: int = 10
    charged: list[int] = field(default_factory=list)
    asked: list[int] = field(default_factory=list)  # the calls of each reservation asked for

    async def reserve(
        self, user_id: int, *, is_admin: bool, calls: int = 1
    ) -> tuple[QuotaDecision, Reservation | None]:
        self.asked.append(calls)
        if self.left < calls:
            return QuotaDecision(allowed=False, reason="user_daily"), None
        self.left -= calls
        slot = PaidSlot(user_id, NOW.date(), "2026-01", reaches_cap=False, calls=calls)
        return QuotaDecision(allowed=True), Reservation(slot, self._settle)

    def _settle(self, slot: PaidSlot, made: int) -> None:
        self.charged.extend([slot.user_id] * made)
        self.left += slot.calls - made

    async def remaining(self, user_id: int, *, is_admin: bool) -> tuple[int, str]:
        return self.left, "user_daily"


def service(
    source: FakeTitleRecords, gate: FakeGate, cache: DictCache | None = None
) -> TitleCheckService:
    return TitleCheckService(source, cache or DictCache(), gate, now=lambda: NOW)  # type: ignore[arg-type]


async def test_concurrent_checks_share_one_pair_of_paid_calls() -> None:
    """Two checks of one car at once make one call per endpoint; only the first is charged."""
    source, gate = FakeTitleRecords(delay=0.05), FakeGate()
    checks = service(source, gate)
    first, second = await asyncio.gather(
        checks.check(HONDA, user_id=1, is_admin=False),
        checks.check(HONDA, user_id=2, is_admin=False),
    )
    assert first == second
    assert len(source.calls) == 2
    assert gate.charged == [1, 1]
    assert gate.left == 8


async def test_offer_never_calls_and_says_what_is_left() -> None:
    """The offer reserves nothing and calls nothing; it reports the allowance."""
    source, gate = FakeTitleRecords(), FakeGate(left=7)
    offer = await service(source, gate).offer(HONDA, user_id=1, is_admin=False)
    assert not isinstance(offer, TitleCheck)
    assert (offer.left, offer.cost, offer.affordable) == (7, 2, True)
    assert source.calls == []
    assert gate.left == 7


async def test_one_lookup_left_is_refused_and_returned() -> None:
    """With one paid lookup left the check is refused before any call, the one returned."""
    source, gate = FakeTitleRecords(), FakeGate(left=1)
    with pytest.raises(PaidFeatureRefused):
        await service(source, gate).check(HONDA, user_id=1, is_admin=False)
    assert source.calls == []
    assert gate.left == 1


async def test_complete_answer_is_cached_for_hours_and_free() -> None:
    """A complete answer is cached with the title-check TTL; the next check is free."""
    source, gate, cache = FakeTitleRecords(), FakeGate(), DictCache()
    source.thefts[HONDA] = LienTheftReport(events=(STOLEN_EVENT,))
    checks = service(source, gate, cache)
    await checks.check(HONDA, user_id=1, is_admin=False)
    again = await checks.check(HONDA, user_id=1, is_admin=False)
    assert again.theft == LienTheftReport(events=(STOLEN_EVENT,))
    assert len(source.calls) == 2
    assert gate.charged == [1, 1]
    assert cache.ttls[keys.title_check_key(HONDA)] == keys.TITLE_CHECK_TTL == 6 * 3600


async def test_no_records_is_charged_and_cached_as_empty() -> None:
    """CarsXE's "no data" is an answer: charged when billed, and cached as no records."""
    source, gate = FakeTitleRecords(), FakeGate()
    source.theft_error = TitleRecordsNotFound("carsxe", paid_call_made=True)
    check = await service(source, gate).check(HONDA, user_id=1, is_admin=False)
    assert check.theft == LienTheftReport()
    assert check.complete
    assert gate.charged == [1, 1]


async def test_partial_answer_is_not_cached_and_outage_not_charged() -> None:
    """With /history down the answer is partial, uncached, and only the made call counts."""
    source, gate, cache = FakeTitleRecords(), FakeGate(), DictCache()
    source.history_error = ProviderUnavailable("carsxe", "502")
    check = await service(source, gate, cache).check(HONDA, user_id=1, is_admin=False)
    assert check.history is None
    assert gate.charged == [1]
    assert gate.left == 9
    assert await cache.get(keys.title_check_key(HONDA)) is None


async def test_both_calls_are_reserved_by_one_reservation() -> None:
    """A check asks the gate once for its two calls, and a refused one asks once too."""
    source, gate = FakeTitleRecords(), FakeGate(left=3)
    await service(source, gate).check(HONDA, user_id=1, is_admin=False)
    with pytest.raises(PaidFeatureRefused):
        await service(source, gate, DictCache()).check(HONDA, user_id=1, is_admin=False)
    assert gate.asked == [2, 2]
    assert gate.left == 1


async def test_both_sources_down_is_unavailable() -> None:
    """When neither source answers, the check raises ProviderUnavailable and charges nothing."""
    source, gate = FakeTitleRecords(), FakeGate()
    source.theft_error = source.history_error = ProviderUnavailable("carsxe", "503")
    with pytest.raises(ProviderUnavailable):
        await service(source, gate).check(HONDA, user_id=1, is_admin=False)
    assert gate.charged == []
    assert gate.left == 10


async def test_non_us_vin_is_refused_before_anything() -> None:
    """A VIN built for Europe raises NotUsMarket with no reservation and no call."""
    source, gate = FakeTitleRecords(), FakeGate()
    with pytest.raises(NotUsMarket):
        await service(source, gate).check(EUROPEAN, user_id=1, is_admin=False)
    with pytest.raises(NotUsMarket):
        await service(source, gate).offer(EUROPEAN, user_id=1, is_admin=False)
    assert source.calls == []
    assert gate.left == 10


def test_cache_format_round_trips_and_rejects_garbage() -> None:
    """dump_check and load_check agree; other text loads as None."""
    check = TitleCheck(
        vin=HONDA,
        checked_at=NOW,
        theft=LienTheftReport(events=(STOLEN_EVENT,)),
        history=TitleHistory(
            records=(TitleRecord("title", dt.date(2020, 1, 2), "OH", "Original", None, 4000),),
            brands_count=0,
            vin_changed=False,
        ),
    )
    assert load_check(dump_check(check)) == check
    assert load_check("{}") is None
    assert load_check("not json") is None
    assert load_check(dump_check(check).replace('"theft"', '"lien"')) is None


def test_odometer_that_went_backwards_is_found() -> None:
    """A later title reading lower than an earlier one is a roll-back; date order decides."""
    history = TitleHistory(
        records=(
            TitleRecord("title", dt.date(2022, 1, 1), odometer=40_000),
            TitleRecord("history", dt.date(2019, 1, 1), odometer=80_000),
            TitleRecord("history", dt.date(2017, 1, 1), odometer=20_000),
            TitleRecord("history", None, odometer=1),
        )
    )
    ((before, after),) = history.odometer_rollbacks
    assert (before.odometer, after.odometer) == (80_000, 40_000)
    assert [r.date for r in history.titles][:3] == [
        dt.date(2017, 1, 1),
        dt.date(2019, 1, 1),
        dt.date(2022, 1, 1),
    ]


def test_event_kinds_and_us_market() -> None:
    """Event names map to kinds; North American and US-market VINs qualify, a Euro Golf not."""
    assert [
        event_kind(n) for n in ("Active Theft", "Recovered Theft", "Open Lien", "Exported")
    ] == [
        "theft",
        "recovered",
        "lien",
        "export",
    ]
    assert event_kind("Towing/Impound") == "impound"
    assert is_us_market(HONDA)
    assert is_us_market("JN1AZ4EH7DM123456")  # built in Japan for the US: check digit holds
    assert not is_us_market(EUROPEAN)
    assert not is_us_market("not a vin")


def test_decode_keyboard_offers_the_check_for_us_vins_only() -> None:
    """The 🛡 button is under US-market decodes with CarsXE, never without it or for others."""
    codec = CallbackCodec(b"secret")

    def actions(vin: str, *, paid: bool) -> list[CallbackAction | None]:
        markup = decode_keyboard(
            words_in("en"), codec, analyse(vin), expanded=False, market_value=paid
        )
        found = [codec.decode(str(b.callback_data)) for row in markup.inline_keyboard for b in row]
        return [c.action if c else None for c in found]

    assert CallbackAction.TITLE_CHECK in actions(HONDA, paid=True)
    assert CallbackAction.TITLE_CHECK not in actions(HONDA, paid=False)
    assert CallbackAction.TITLE_CHECK not in actions(EUROPEAN, paid=True)
