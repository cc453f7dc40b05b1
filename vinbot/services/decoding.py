"""The decode use-case: validate, cache, provider chain, cache again, one upstream call per VIN."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from vinbot import budget
from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import (
    CIRCUIT_OPEN,
    BadProviderResponse,
    InvalidVin,
    ProviderAuthError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    VinNotFound,
)
from vinbot.models.vehicle import DecodeNote, DecodeResult, NoteCode, Source, VehicleSpec
from vinbot.models.vin import analyse
from vinbot.services.spec_codec import dump_spec, load_spec

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from vinbot.cache.base import Cache, SharedStore
    from vinbot.metrics import ProviderOutcome
    from vinbot.services.ports import VehicleDataProvider

log = get_logger(__name__)

# Kept back from the decode deadline for the offline decode and the reply, at most 1 s.
ANSWER_RESERVE_SHARE = 0.1
MAX_ANSWER_RESERVE_SECONDS = 1.0
# Across instances (a shared cache): a decode that finds another instance asking about the same
# VIN waits at most this share of its provider budget for that answer, then asks itself.
LOCK_WAIT_SHARE = 0.5
# …and never longer than this: a provider answers within seconds, and a lock left by an instance
# that was killed must not hold the others for half a long deadline.
LOCK_WAIT_MAX_SECONDS = 8.0
LOCK_POLL_FIRST_SECONDS = 0.05
LOCK_POLL_MAX_SECONDS = 0.5
# A lease is deleted on release only while it surely is still ours (its TTL less this margin);
# later it is left to expire, so a slow holder never deletes a lock another instance has taken.
LOCK_RELEASE_MARGIN_SECONDS = 1.0


class DecodeObserver(Protocol):
    """Where the decode service reports what it did (the Metrics class satisfies this)."""

    def provider_call(self, provider: str, outcome: ProviderOutcome) -> None:
        """One upstream call finished with an outcome."""
        ...

    def cache_hit(self) -> None:
        """A decode was answered from the cache."""
        ...

    def cache_miss(self) -> None:
        """A decode had to ask providers."""
        ...

    def observe_decode(self, seconds: float) -> None:
        """How long one decode took, end to end."""
        ...


class _NullObserver:
    def provider_call(self, provider: str, outcome: ProviderOutcome) -> None:
        pass

    def cache_hit(self) -> None:
        pass

    def cache_miss(self) -> None:
        pass

    def observe_decode(self, seconds: float) -> None:
        pass


def _outcome(exc: Exception) -> ProviderOutcome:
    if isinstance(exc, VinNotFound):
        return "not_found"
    if isinstance(exc, ProviderQuotaExhausted):
        return "quota"
    if isinstance(exc, ProviderAuthError):
        return "auth"
    if isinstance(exc, BadProviderResponse):
        return "bad_response"
    if isinstance(exc, ProviderUnavailable) and exc.reason == CIRCUIT_OPEN:
        return "circuit_open"
    return "unavailable"


class PayPermission(Protocol):
    """Asked when a paid provider is about to be called; if asked, told once, at the end,
    whether one was made.

    The decode that asks may be shared by several callers and outlive the one that started it,
    so the paid call is settled here, by the decode itself, never by a caller after its await.
    """

    async def ask(self) -> bool:
        """Whether a paid provider may be called now."""
        ...

    def settle(self, *, paid: bool) -> None:
        """Whether a paid call was made (an answer came, data or "no data")."""
        ...


class _Permission:
    """One decode's paid-call account: permission asked at most once, and only when needed."""

    def __init__(self, allow: bool | PayPermission) -> None:
        self._allow = allow
        self._granted: bool | None = allow if isinstance(allow, bool) else None
        self.paid = False

    async def granted(self) -> bool:
        if self._granted is None:
            allow = self._allow
            self._granted = allow if isinstance(allow, bool) else await allow.ask()
        return self._granted

    def settle(self) -> None:
        # Only a permission that was asked holds anything to settle.
        if not isinstance(self._allow, bool) and self._granted is not None:
            self._allow.settle(paid=self.paid)


@dataclass(frozen=True, slots=True)
class _Flight:
    """What one shared upstream attempt produced."""

    spec: VehicleSpec
    unavailable: tuple[Source, ...]
    paid_call_made: bool
    came_from_cache: bool
    out_of_time: bool = False


class _Budget:
    """One decode's share-out of DECODE_DEADLINE_SECONDS between the providers it may ask.

    A provider may use what is left but half a share for each provider after it (with two
    providers the first gets two thirds), so one that hangs leaves the next a real chance.
    Clients honour the share (vinbot/budget.py), so a hang ends as a timeout their circuit
    breaker counts; a provider that ignores it is cut `grace` seconds later.
    """

    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        reserve = min(MAX_ANSWER_RESERVE_SECONDS, seconds * ANSWER_RESERVE_SHARE)
        self.grace = reserve / 2
        self._clock = clock
        self._due = clock() + seconds - reserve

    def remaining(self) -> float:
        """Seconds left for providers."""
        return max(0.0, self._due - self._clock())

    def share(self, providers_after: int) -> float:
        """What the next provider may spend, keeping half a share for each one after it."""
        return self.remaining() * 2 / (2 + providers_after)


@dataclass(frozen=True, slots=True)
class _Lease:
    """This instance's lock on asking the providers about one VIN."""

    key: str
    token: str
    surely_ours_until: float


class DecodeService:
    """Decodes VINs through cache and providers; the bot, the CLI and tests all use this.

    With `locks` (the shared cache, when several instances may run) a decode of an uncached VIN
    first takes a short lock there, so one instance asks the providers and the others wait
    briefly for its answer in the shared cache; a store that fails means going alone.
    """

    def __init__(
        self,
        providers: Sequence[VehicleDataProvider],
        fallback: VehicleDataProvider,
        cache: Cache,
        *,
        observer: DecodeObserver | None = None,
        deadline_seconds: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        locks: SharedStore | None = None,
    ) -> None:
        self._providers = tuple(providers)
        self._locks = locks
        self._fallback = fallback
        self._cache = cache
        self._observer: DecodeObserver = observer or _NullObserver()
        self._deadline = deadline_seconds
        self._clock = clock
        self._flights: dict[str, asyncio.Task[_Flight]] = {}

    async def decode(
        self, raw_vin: str, *, allow_paid: bool | PayPermission = True
    ) -> DecodeResult:
        """Decode one VIN; raises InvalidVin for input that must not reach a provider.

        `allow_paid` may be a PayPermission: it is asked only when a paid provider is about to be
        called, so cached answers never cost a quota look-up, and settled when the decode ends.
        """
        started = time.perf_counter()
        analysis = analyse(raw_vin)
        if not analysis.valid:
            raise InvalidVin(analysis)
        vin = analysis.vin
        flight = self._flights.get(vin)
        leader = flight is None
        if flight is None:
            flight = asyncio.create_task(self._fly(vin, _Permission(allow_paid)))
            self._flights[vin] = flight
            flight.add_done_callback(lambda _: self._flights.pop(vin, None))
        outcome = await asyncio.shield(flight)
        self._observer.observe_decode(time.perf_counter() - started)
        return DecodeResult(
            analysis=analysis,
            spec=outcome.spec,
            cached=outcome.came_from_cache or not leader,
            notes=_notes(outcome),
            unavailable=outcome.unavailable,
            paid_call_made=outcome.paid_call_made and leader,
        )

    async def is_cached(self, raw_vin: str) -> bool:
        """Whether a decode of this VIN is in the cache (no provider would be asked)."""
        return await self._cache.get(keys.spec_key(analyse(raw_vin).vin)) is not None

    async def cached(self, vin: str) -> VehicleSpec | None:
        """The cached decode of a VIN, if any, with no provider asked (free re-opens)."""
        text = await self._cache.get(keys.spec_key(vin))
        return load_spec(text) if text is not None else None

    async def aclose(self) -> None:
        """Cancel and await decodes still in flight (at shutdown)."""
        flights = list(self._flights.values())
        for flight in flights:
            flight.cancel()
        await asyncio.gather(*flights, return_exceptions=True)

    async def _fly(self, vin: str, permission: _Permission) -> _Flight:
        try:
            return await self._look_up(vin, permission)
        finally:
            permission.settle()

    async def _look_up(self, vin: str, permission: _Permission) -> _Flight:
        # One budget for every provider together: the answer is due within the deadline.
        time_left = _Budget(self._deadline, self._clock)
        candidates = self._providers
        cached = await self.cached(vin)
        if cached is not None:
            order = {p.name: i for i, p in enumerate(self._providers)}
            cached_rank = order.get(cached.source, len(order))
            candidates = tuple(p for p in candidates if order[p.name] < cached_rank)
            if not await self._any_may_have_data(vin, candidates):
                self._observer.cache_hit()
                return _Flight(cached, (), paid_call_made=False, came_from_cache=True)
        if cached is not None or self._locks is None or not candidates:
            return await self._attempt(vin, permission, time_left, candidates, cached)
        claim = await self._claim(vin, time_left)
        if isinstance(claim, VehicleSpec):
            self._observer.cache_hit()
            return _Flight(claim, (), paid_call_made=False, came_from_cache=True)
        try:
            if claim is not None:
                # Another instance may have answered between our cache read and our lock.
                answered = await self.cached(vin)
                if answered is not None:
                    self._observer.cache_hit()
                    return _Flight(answered, (), paid_call_made=False, came_from_cache=True)
            return await self._attempt(vin, permission, time_left, candidates, cached)
        finally:
            if claim is not None:
                await self._release(claim)

    async def _claim(self, vin: str, time_left: _Budget) -> VehicleSpec | _Lease | None:
        """The lock on asking about this VIN, or the answer another instance cached while we
        waited for it, or None: go alone (the store failed, or the wait ran out)."""
        locks = self._locks
        if locks is None:
            return None
        key = keys.decode_lock_key(vin)
        token = uuid.uuid4().hex
        ttl_seconds = max(self._deadline, LOCK_RELEASE_MARGIN_SECONDS * 2)
        delay = LOCK_POLL_FIRST_SECONDS
        try:
            wait = min(time_left.remaining() * LOCK_WAIT_SHARE, LOCK_WAIT_MAX_SECONDS)
            async with asyncio.timeout(wait):
                while True:
                    asked_at = self._clock()
                    taken = await locks.add(key, token, int(ttl_seconds * 1000))
                    if taken is None:
                        return None
                    if taken:
                        until = asked_at + ttl_seconds - LOCK_RELEASE_MARGIN_SECONDS
                        return _Lease(key, token, until)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, LOCK_POLL_MAX_SECONDS)
                    answered = await self.cached(vin)
                    if answered is not None:
                        log.info("decode_shared", vin=vin)
                        return answered
        except TimeoutError:
            log.warning("decode_lock_wait_over", vin=vin)
            return None

    async def _release(self, lease: _Lease) -> None:
        locks = self._locks
        if locks is not None and self._clock() < lease.surely_ours_until:
            await locks.delete(lease.key)

    async def _attempt(
        self,
        vin: str,
        permission: _Permission,
        time_left: _Budget,
        candidates: tuple[VehicleDataProvider, ...],
        cached: VehicleSpec | None,
    ) -> _Flight:
        unavailable: list[Source] = []
        for index, provider in enumerate(candidates):
            if await self._cache.get(keys.not_found_key(provider.name, vin)) is not None:
                continue
            if provider.is_paid and not await permission.granted():
                continue
            share = time_left.share(providers_after=len(candidates) - index - 1)
            if share <= 0:
                unavailable.append(provider.name)
                log.warning("provider_skipped", provider=provider.name, vin=vin, reason="no time")
                continue
            try:
                with budget.spend_at_most(share, self._clock):
                    async with asyncio.timeout(share + time_left.grace):
                        spec = await provider.decode(vin)
            except (ProviderUnavailable, VinNotFound, TimeoutError) as exc:
                # An answer of "no data" is billed like any answer; an outage is not, unless the
                # request went out and no answer came back (it may have been billed).
                permission.paid |= provider.is_paid and _maybe_billed(exc)
                self._observer.provider_call(provider.name, _outcome(exc))
                await self._remember_failure(provider.name, vin, exc, unavailable)
                continue
            permission.paid |= provider.is_paid
            self._observer.cache_miss()
            self._observer.provider_call(provider.name, "ok")
            await self._cache.set(keys.spec_key(vin), dump_spec(spec), keys.SPEC_TTL)
            return _Flight(
                spec, tuple(unavailable), paid_call_made=permission.paid, came_from_cache=False
            )
        out_of_time = bool(unavailable) and time_left.remaining() <= time_left.grace
        if cached is not None:
            self._observer.cache_hit()
            return _Flight(
                cached,
                tuple(unavailable),
                paid_call_made=permission.paid,
                came_from_cache=True,
                out_of_time=out_of_time,
            )
        self._observer.cache_miss()
        spec = await self._fallback.decode(vin)
        return _Flight(
            spec,
            tuple(unavailable),
            paid_call_made=permission.paid,
            came_from_cache=False,
            out_of_time=out_of_time,
        )

    async def _any_may_have_data(self, vin: str, providers: Sequence[VehicleDataProvider]) -> bool:
        for provider in providers:
            if await self._cache.get(keys.not_found_key(provider.name, vin)) is None:
                return True
        return False

    async def _remember_failure(
        self, provider: Source, vin: str, exc: Exception, unavailable: list[Source]
    ) -> None:
        if isinstance(exc, VinNotFound):
            log.info("provider_no_data", provider=provider, vin=vin)
            await self._cache.set(keys.not_found_key(provider, vin), "1", keys.NOT_FOUND_TTL)
            return
        unavailable.append(provider)
        log.warning("provider_failed", provider=provider, vin=vin, error=type(exc).__name__)


def _maybe_billed(exc: Exception) -> bool:
    """Whether a paid provider's failed call still counts: "no data" was an answer, and the
    client marks a request that went out (even one the deadline cut) with no answer back."""
    if isinstance(exc, VinNotFound):
        return True
    return isinstance(exc, ProviderUnavailable) and exc.paid_call_made


def _notes(flight: _Flight) -> tuple[DecodeNote, ...]:
    notes: list[DecodeNote] = []
    source = flight.spec.source
    if flight.unavailable:
        code: NoteCode = "late" if flight.out_of_time else "failed"
        notes.append(DecodeNote(code, providers=tuple(flight.unavailable), answered=source))
    elif source == "offline":
        notes.append(DecodeNote("no_data"))
    if source == "nhtsa":
        notes.append(DecodeNote("us_market"))
    return tuple(notes)


def with_note(result: DecodeResult, note: DecodeNote) -> DecodeResult:
    """The same result with one more note for the reader."""
    return replace(result, notes=(*result.notes, note))
