"""The CLI's JSON object per VIN: a stable, documented interface that scripts parse."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vinbot.formatters.vehicle_view import attributes_for_json
from vinbot.formatters.vin_words import decode_note, vin_problem
from vinbot.i18n import words_in

if TYPE_CHECKING:
    from vinbot.models.vehicle import DecodeResult
    from vinbot.models.vin import VinAnalysis


# The sentences in the JSON object stay English, as scripts have always read them.
_ENGLISH = words_in("en")


def analysis_object(analysis: VinAnalysis) -> dict[str, Any]:
    """The keys every object has, from the VIN alone; provider keys are null."""
    return {
        "vin": analysis.vin,
        "valid": analysis.valid,
        "errors": [vin_problem(_ENGLISH, e) for e in analysis.errors],
        "warnings": [vin_problem(_ENGLISH, w) for w in analysis.warnings],
        "check_digit_valid": analysis.check_digit_valid,
        "model_year": analysis.model_year,
        "model_year_candidates": list(analysis.model_year_candidates),
        "model_year_basis": analysis.model_year_basis,
        "region": analysis.region,
        "country": analysis.country,
        "manufacturer": analysis.manufacturer,
        "makes": list(analysis.makes),
        "make": None,
        "model": None,
        "trim": None,
        "source": None,
        "cached": False,
        "notes": [],
        "attributes": {},
    }


def decode_object(result: DecodeResult) -> dict[str, Any]:
    """The full object for a decoded VIN."""
    spec = result.spec
    obj = analysis_object(result.analysis)
    obj["warnings"] = list(dict.fromkeys((*obj["warnings"], *spec.warnings)))
    if spec.year is not None:
        obj["model_year"] = spec.year
        obj["model_year_basis"] = "provider"
    obj.update(
        make=spec.make,
        model=spec.model,
        trim=spec.trim,
        source=spec.source,
        cached=result.cached,
        notes=[decode_note(_ENGLISH, n) for n in result.notes],
        attributes=attributes_for_json(spec.attributes),
    )
    return obj
