"""The market-value use-case: validate the inputs, then cache, then one paid CarsXE call."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import TYPE_CHECKING, Any, Final, Protocol

from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import InvalidMileage, InvalidVin, MarketValueNotFound
from vinbot.models.market_value import (
    CONDITIONS,
    MAX_MILEAGE,
    MarketValue,
    PriceRange,
    parse_condition,
    parse_mileage,
)
from vinbot.models.plate import validate_state
from vinbot.models.vin import analyse
from vinbot.services.single_flight import SingleFlight

if TYPE_CHECKING:
    from vinbot.cache.base import Cache
    from vinbot.models.market_value import Condition

log = get_logger(__name__)

PROVIDER: Final = "carsxe"
FORMAT_VERSION: Final = 1
NO_VALUE_TTL: Final = min(keys.MARKET_VALUE_TTL, 60 * 60)
_NO_VALUE: Final = '{"v":1,"none":true}'
_RANGES: Final = ("retail", "private_party", "trade_in", "wholesale")


class MarketValueSource(Protocol):
    """A paid valuation by VIN (CarsXE); raises MarketValueNotFound or ProviderUnavailable."""

    async def market_value(
        self,
        vin: str,
        *,
        mileage: int,
        state: str | None = None,
        condition: Condition | None = None,
    ) -> MarketValue:
        """Value one valid VIN at a mileage, optionally in a US state and condition."""
        ...


class MarketValueService:
    """Market valuations, each input validated before any paid call and part of the cache key."""

    def __init__(self, carsxe: MarketValueSource, cache: Cache) -> None:
        self._carsxe = carsxe
        self._cache = cache
        self._flights: SingleFlight[str, MarketValue | MarketValueNotFound] = SingleFlight()

    async def value(
        self,
        vin: str,
        mileage: int | str,
        state: str | None = None,
        condition: str | None = None,
    ) -> tuple[MarketValue, bool]:
        """The valuation and whether this call made a paid request (count it when True).

        Raises InvalidVin, InvalidMileage, InvalidRegion or InvalidCondition before any call,
        MarketValueNotFound when CarsXE has no valuation (its `paid_call_made` says whether to
        count it), and ProviderUnavailable when CarsXE cannot answer now (nothing cached).
        """
        analysis = analyse(vin)
        if not analysis.valid:
            raise InvalidVin(analysis)
        miles = _miles(mileage)
        state_code = validate_state("US", state)[1] if state and state.strip() else None
        wanted = parse_condition(condition)
        key = keys.market_value_key(analysis.vin, mileage=miles, state=state_code, condition=wanted)
        text = await self._cache.get(key)
        if text == _NO_VALUE:
            raise MarketValueNotFound(PROVIDER, paid_call_made=False)
        cached = load_value(text) if text is not None else None
        if cached is not None:
            return cached, False
        # A double tap, or two users valuing the same car, makes (and pays for) one request.
        found, shared = await self._flights.run(
            key, lambda: self._ask(key, analysis.vin, miles, state_code, wanted)
        )
        if isinstance(found, MarketValueNotFound):
            raise MarketValueNotFound(PROVIDER, paid_call_made=not shared)
        return found, not shared

    async def _ask(
        self, key: str, vin: str, miles: int, state: str | None, condition: Condition | None
    ) -> MarketValue | MarketValueNotFound:
        """CarsXE's valuation, cached; "no valuation" is returned (it is shared, then raised)."""
        try:
            value = await self._carsxe.market_value(
                vin, mileage=miles, state=state, condition=condition
            )
        except MarketValueNotFound as exc:
            log.info("market_value_no_data", vin=vin)
            await self._cache.set(key, _NO_VALUE, NO_VALUE_TTL)
            return exc
        await self._cache.set(key, dump_value(value), keys.MARKET_VALUE_TTL)
        latest = json.dumps({"at": dt.datetime.now(dt.UTC).isoformat(), "value": dump_value(value)})
        await self._cache.set(keys.latest_market_value_key(vin), latest, keys.MARKET_VALUE_TTL)
        return value

    async def latest_cached(self, vin: str) -> tuple[MarketValue, dt.datetime] | None:
        """The VIN's most recent valuation still cached and when it was made; no call made."""
        text = await self._cache.get(keys.latest_market_value_key(vin))
        if text is None:
            return None
        try:
            data = json.loads(text)
            at = dt.datetime.fromisoformat(data["at"])
            value = load_value(data["value"])
        except (ValueError, TypeError, KeyError):
            return None
        return None if value is None else (value, at)


def _miles(mileage: int | str) -> int:
    if isinstance(mileage, str):
        return parse_mileage(mileage)
    if mileage < 0:
        raise InvalidMileage("negative")
    if mileage > MAX_MILEAGE:
        raise InvalidMileage("too_high", miles=mileage)
    return mileage


def dump_value(value: MarketValue) -> str:
    """Serialise a valuation for the cache."""
    data: dict[str, Any] = {
        field.name: getattr(value, field.name) for field in dataclasses.fields(value)
    }
    for name in _RANGES:
        price_range: PriceRange | None = data[name]
        data[name] = None if price_range is None else dict(price_range.by_condition)
    data["published"] = value.published.isoformat() if value.published else None
    data["v"] = FORMAT_VERSION
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def load_value(text: str) -> MarketValue | None:
    """Parse what dump_value wrote; None for anything else (old format, corruption)."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
            return None
        published = data.get("published")
        condition = data.get("condition")
        if condition is not None and condition not in CONDITIONS:
            return None
        return MarketValue(
            vin=_expect(data["vin"], str),
            mileage=_optional_int(data.get("mileage")),
            state=_optional_text(data.get("state")),
            condition=condition,
            retail=_range(data.get("retail")),
            private_party=_range(data.get("private_party")),
            trade_in=_range(data.get("trade_in")),
            wholesale=_range(data.get("wholesale")),
            msrp=_optional_int(data.get("msrp")),
            year=_optional_int(data.get("year")),
            make=_optional_text(data.get("make")),
            model=_optional_text(data.get("model")),
            series=_optional_text(data.get("series")),
            style=_optional_text(data.get("style")),
            published=dt.date.fromisoformat(published) if isinstance(published, str) else None,
            currency=_expect(data.get("currency", "USD"), str),
        )
    except (ValueError, TypeError, KeyError):
        return None


def _range(value: object) -> PriceRange | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError("a price range is an object")
    values: dict[Condition, int] = {}
    for condition in CONDITIONS:
        price = value.get(condition)
        if price is not None:
            values[condition] = _expect(price, int)
    return PriceRange.of(values)


def _expect[T](value: object, kind: type[T]) -> T:
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"expected {kind.__name__}")
    return value


def _optional_int(value: object) -> int | None:
    return None if value is None else _expect(value, int)


def _optional_text(value: object) -> str | None:
    return None if value is None else _expect(value, str)
