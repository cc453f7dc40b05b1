"""The OBD-code use-case: read the code first (no paid call for a malformed one), cache, CarsXE."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final, Protocol

from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import ObdCodeNotFound
from vinbot.models.obd import ObdDiagnosis, parse_obd_code
from vinbot.services.single_flight import SingleFlight

if TYPE_CHECKING:
    from vinbot.cache.base import Cache

log = get_logger(__name__)

PROVIDER: Final = "carsxe"
FORMAT_VERSION: Final = 1
# CarsXE's code list may grow, so "unknown" is asked again sooner than a meaning is.
UNKNOWN_CODE_TTL: Final = 7 * keys.NOT_FOUND_TTL
_UNKNOWN: Final = '{"v":1,"none":true}'


class ObdSource(Protocol):
    """A paid code decoder (CarsXE); raises ObdCodeNotFound or ProviderUnavailable."""

    async def obd_code(self, code: str) -> ObdDiagnosis:
        """What one normalised OBD-II code means."""
        ...


class ObdService:
    """What trouble codes mean: each code read before any paid call, cached for a month."""

    def __init__(self, carsxe: ObdSource, cache: Cache) -> None:
        self._carsxe = carsxe
        self._cache = cache
        self._flights: SingleFlight[str, ObdDiagnosis | ObdCodeNotFound] = SingleFlight()

    async def cached(self, raw_code: str) -> ObdDiagnosis | None:
        """The cached meaning of a code, or None when nothing is cached; free, no call made.

        Raises InvalidObdCode for text that is not a code, and ObdCodeNotFound (no paid call)
        for a code CarsXE recently said it does not know.
        """
        return await self._read(parse_obd_code(raw_code))

    async def _read(self, code: str) -> ObdDiagnosis | None:
        text = await self._cache.get(keys.obd_code_key(code))
        if text == _UNKNOWN:
            raise ObdCodeNotFound(PROVIDER, code, paid_call_made=False)
        return load_diagnosis(text) if text is not None else None

    async def explain(self, raw_code: str) -> tuple[ObdDiagnosis, bool]:
        """The code's meaning and whether this call made a paid request (count it when True).

        Raises InvalidObdCode before any call, ObdCodeNotFound when CarsXE does not know the code
        (its `paid_call_made` says whether to count it), and ProviderUnavailable when CarsXE
        cannot answer now (nothing cached).
        """
        code = parse_obd_code(raw_code)
        cached = await self._read(code)
        if cached is not None:
            return cached, False
        # A double tap, or two people asking about one code, makes (and pays for) one request.
        key = keys.obd_code_key(code)
        found, shared = await self._flights.run(key, lambda: self._ask(key, code))
        if isinstance(found, ObdCodeNotFound):
            paid = found.paid_call_made and not shared
            raise ObdCodeNotFound(PROVIDER, code, paid_call_made=paid)
        return found, not shared

    async def _ask(self, key: str, code: str) -> ObdDiagnosis | ObdCodeNotFound:
        """CarsXE's answer, cached; "unknown" is returned (it is shared, then raised)."""
        try:
            diagnosis = await self._carsxe.obd_code(code)
        except ObdCodeNotFound as exc:
            log.info("obd_code_unknown", code=code)
            await self._cache.set(key, _UNKNOWN, UNKNOWN_CODE_TTL)
            return exc
        await self._cache.set(key, dump_diagnosis(diagnosis), keys.OBD_TTL)
        log.info("obd_code_explained", code=code)
        return diagnosis


def dump_diagnosis(diagnosis: ObdDiagnosis) -> str:
    """Serialise a code's meaning for the cache."""
    data = {"v": FORMAT_VERSION, "code": diagnosis.code, "diagnosis": diagnosis.diagnosis}
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def load_diagnosis(text: str) -> ObdDiagnosis | None:
    """Parse what dump_diagnosis wrote; None for anything else (old format, corruption)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        return None
    code, diagnosis = data.get("code"), data.get("diagnosis")
    if not isinstance(code, str) or not isinstance(diagnosis, str) or not diagnosis:
        return None
    return ObdDiagnosis(code=code, diagnosis=diagnosis)
