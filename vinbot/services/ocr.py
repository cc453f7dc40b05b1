"""Reading a VIN from a photo: size check, one paid OCR call, then only VIN-valid readings."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Final, Protocol

from vinbot.cache import keys
from vinbot.logs import get_logger
from vinbot.models.errors import ImageProblem, ImageRejected, ImageTooLarge
from vinbot.models.ocr import Candidates, Decided, Nothing, OcrCandidate, OcrResult
from vinbot.models.vin import analyse

if TYPE_CHECKING:
    from vinbot.cache.base import Cache
    from vinbot.models.ocr import OcrOutcome

log = get_logger(__name__)

FORMAT_VERSION: Final = 1
OCR_TTL: Final = keys.NOT_FOUND_TTL  # the same photo sent twice reads the same
NO_VIN_TTL: Final = 60 * 60
DEFAULT_MAX_BYTES: Final = 5_000_000
DEFAULT_HIGH_CONFIDENCE: Final = 0.8


class VinReader(Protocol):
    """A paid VIN OCR (CarsXE); raises ProviderUnavailable when it cannot answer."""

    async def vin_ocr(self, image: bytes) -> OcrResult:
        """What the reader found in the image bytes."""
        ...


def ocr_cache_key(image: bytes) -> str:
    """Where the reading of one image (by content hash) is cached."""
    digest = hashlib.sha256(image).hexdigest()
    return f"{keys.NAMESPACE}:v{keys.SCHEMA_VERSION}:vinocr:{digest}"


class VinOcrService:
    """Turns a photo into a VIN to decode, a few VINs to pick from, or advice."""

    def __init__(
        self,
        carsxe: VinReader,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        high_confidence: float = DEFAULT_HIGH_CONFIDENCE,
        max_candidates: int = 3,
        cache: Cache | None = None,
    ) -> None:
        if max_bytes < 1 or not 0.0 < high_confidence <= 1.0 or max_candidates < 1:
            raise ValueError("max_bytes and max_candidates >= 1; 0 < high_confidence <= 1")
        self._carsxe = carsxe
        self._max_bytes = max_bytes
        self._high = high_confidence
        self._max_candidates = max_candidates
        self._cache = cache

    async def read(self, image: bytes) -> OcrOutcome:
        """Decided (confident, valid VIN), Candidates (valid VINs, best first) or Nothing.

        Raises ImageRejected (ImageTooLarge for oversize images) before any call, and
        ProviderUnavailable when the reader cannot answer; a paid call is flagged on the outcome.
        """
        if not image:
            raise ImageRejected(ImageProblem.EMPTY)
        if len(image) > self._max_bytes:
            raise ImageTooLarge(len(image), self._max_bytes)
        key = ocr_cache_key(image)
        if self._cache is not None:
            text = await self._cache.get(key)
            cached = load_result(text) if text is not None else None
            if cached is not None:
                return self._decide(cached, paid_call_made=False)
        result = await self._carsxe.vin_ocr(image)
        outcome = self._decide(result, paid_call_made=True)
        log.info("vin_ocr_read", outcome=type(outcome).__name__, bytes=len(image))
        if self._cache is not None:
            ttl = NO_VIN_TTL if isinstance(outcome, Nothing) else OCR_TTL
            await self._cache.set(key, dump_result(result), ttl)
        return outcome

    def _decide(self, result: OcrResult, *, paid_call_made: bool) -> OcrOutcome:
        readings = list(result.candidates)
        if result.vin is not None:
            readings.insert(0, OcrCandidate(result.vin, result.confidence or 0.0))
        best: dict[str, float] = {}
        for reading in readings:
            analysis = analyse(reading.vin)
            if analysis.valid:
                best[analysis.vin] = max(best.get(analysis.vin, 0.0), reading.confidence)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        if not ranked:
            return Nothing(paid_call_made=paid_call_made)
        (vin, confidence), *others = ranked
        if confidence >= self._high and not any(c >= self._high for _, c in others):
            return Decided(vin, confidence, paid_call_made=paid_call_made)
        return Candidates(
            tuple(OcrCandidate(v, c) for v, c in ranked[: self._max_candidates]),
            paid_call_made=paid_call_made,
        )


def dump_result(result: OcrResult) -> str:
    """Serialise an OCR reading for the cache."""
    return json.dumps(
        {
            "v": FORMAT_VERSION,
            "vin": result.vin,
            "confidence": result.confidence,
            "candidates": [[c.vin, c.confidence] for c in result.candidates],
        },
        separators=(",", ":"),
    )


def load_result(text: str) -> OcrResult | None:
    """Parse what dump_result wrote; None for anything else."""
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
            return None
        vin, confidence = data.get("vin"), data.get("confidence")
        if (vin is not None and not isinstance(vin, str)) or (
            confidence is not None and not isinstance(confidence, int | float)
        ):
            return None
        candidates = tuple(OcrCandidate(str(v), float(c)) for v, c in data.get("candidates", []))
        return OcrResult(
            vin=vin,
            confidence=None if confidence is None else float(confidence),
            candidates=candidates,
        )
    except (ValueError, TypeError):
        return None
