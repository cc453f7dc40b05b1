"""VehicleSpec to and from the JSON stored in the cache; anything unreadable is a miss."""

from __future__ import annotations

import json
from typing import Any

from vinbot.models.vehicle import SOURCES, VehicleSpec

FORMAT_VERSION = 1


def dump_spec(spec: VehicleSpec) -> str:
    """Serialise a spec compactly."""
    return json.dumps(
        {
            "v": FORMAT_VERSION,
            "vin": spec.vin,
            "source": spec.source,
            "year": spec.year,
            "make": spec.make,
            "model": spec.model,
            "trim": spec.trim,
            "attributes": dict(spec.attributes),
            "warnings": list(spec.warnings),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def load_spec(text: str) -> VehicleSpec | None:
    """Parse what dump_spec wrote; None for anything else (old format, corruption)."""
    try:
        data = json.loads(text)
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("v") != FORMAT_VERSION:
        return None
    vin, source, year = data.get("vin"), data.get("source"), data.get("year")
    attributes, warnings = data.get("attributes"), data.get("warnings", [])
    if (
        not isinstance(vin, str)
        or source not in SOURCES
        or (year is not None and not isinstance(year, int))
        or not isinstance(attributes, dict)
        or not isinstance(warnings, list)
    ):
        return None
    return VehicleSpec(
        vin=vin,
        source=source,
        year=year,
        make=_optional_text(data.get("make")),
        model=_optional_text(data.get("model")),
        trim=_optional_text(data.get("trim")),
        attributes={str(k): str(v) for k, v in attributes.items() if isinstance(v, str) and v},
        warnings=tuple(str(w) for w in warnings),
    )
