"""CarsXE /v1/lien-theft and /history (NMVTIS) bodies into domain objects, read defensively.

Only the top level of /history is documented; its records are read by looking for familiar
words in their keys (a date, a state, an odometer, a brand or disposition, who reported it),
one level deep, so an unexpected layout shows less, never crashes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from vinbot.clients import wire
from vinbot.clients.carsxe import PROVIDER, carsxe_date
from vinbot.models.errors import BadProviderResponse
from vinbot.models.title_check import (
    LienTheftReport,
    TheftEvent,
    TitleHistory,
    TitleRecord,
    TitleRecordsNotFound,
    event_kind,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping

    from vinbot.clients.carsxe import CarsXEClient
    from vinbot.models.title_check import RecordSection

_MAX_DETAILS: Final = 5
_MAX_RECORDS: Final = 50  # per list; a runaway list cannot crowd out the answer
_MAX_ODOMETER: Final = 5_000_000
_SECTIONS: Final[tuple[tuple[str, RecordSection], ...]] = (
    ("junkAndSalvageInformation", "junk_salvage"),
    ("insuranceInformation", "insurance"),
    ("brandsInformation", "brand"),
    ("currentTitleInformation", "title"),
    ("historyInformation", "history"),
)
_DATE_KEYS: Final = (
    "titleissuedate",
    "vehicleobtaineddate",
    "branddate",
    "reportdate",
    "date",
)
_STATE_KEYS: Final = ("titleissuingjurisdiction", "jurisdiction", "titlestate", "state")
_DESCRIPTION_KEYS: Final = (
    "brandname",
    "branddescription",
    "brandtypedescription",
    "brand",
    "vehicledispositiontext",
    "disposition",
    "titletype",
    "titlebrand",
    "description",
    "brandcode",
)
_ENTITY_KEYS: Final = (
    "reportingentityabstract",
    "reportingentity",
    "entityname",
    "insurancecompany",
    "insurer",
    "reportedby",
    "source",
)
_NAME_KEYS: Final = ("entityname", "name", "companyname")
_ODOMETER_KEYS: Final = ("odometerreading", "odometer", "mileage")
_NON_KEY = re.compile(r"[^a-z0-9]")
_VALIDATION_STATUS: Final = 400  # CarsXE: failed validation is not billed


class CarsXETitleRecords:
    """Lien/theft and NMVTIS title records over the shared CarsXE transport (both paid)."""

    def __init__(self, client: CarsXEClient) -> None:
        self._client = client

    async def lien_theft(self, vin: str) -> LienTheftReport:
        """Lien and theft events for a valid VIN; raises TitleRecordsNotFound for none."""
        return await self._client.get_json(
            "/v1/lien-theft",
            {"vin": vin},
            lien_theft_from,
            require_success=False,  # its "no data" envelope may come with a 200
            not_found=_no_records,
        )

    async def title_history(self, vin: str) -> TitleHistory:
        """NMVTIS title records for a valid VIN; raises TitleRecordsNotFound for none."""
        return await self._client.get_json(
            "/history",
            {"vin": vin},
            title_history_from,
            require_success=False,
            not_found=_no_records,
        )


def _no_records(status: int, _message: str) -> TitleRecordsNotFound:
    return TitleRecordsNotFound(PROVIDER, paid_call_made=status != _VALIDATION_STATUS)


def _require_success(body: Mapping[str, Any]) -> None:
    """`success: false` saying nothing was found ("No lien or theft data found for this VIN")
    is no records, a billed call; any other `success` but true is an answer we cannot read."""
    if body.get("success") is True:
        return
    message = (wire.text(body.get("message")) or "").lower()
    if (
        body.get("success") is False
        and "found" in message
        and ("no " in message or "not" in message)
    ):
        raise TitleRecordsNotFound(PROVIDER, paid_call_made=True)
    raise BadProviderResponse(PROVIDER, "success is not true")


def lien_theft_from(body: Mapping[str, Any]) -> LienTheftReport:
    """A LienTheftReport from a /v1/lien-theft body; no events is no records."""
    _require_success(body)
    raw = body.get("events")
    if raw is None:
        return LienTheftReport()
    if not isinstance(raw, list):
        raise BadProviderResponse(PROVIDER, "events is not a list")
    events = [event for item in raw[:_MAX_RECORDS] if (event := _event(item)) is not None]
    return LienTheftReport(events=tuple(events))


def _event(item: object) -> TheftEvent | None:
    if not isinstance(item, dict):
        return None
    name = wire.text(item.get("event")) or wire.text(item.get("type"))
    if name is None:
        return None
    details_raw = item.get("details_list")
    if not isinstance(details_raw, list):
        details_raw = [details_raw]
    details = [text for d in details_raw if (text := wire.text(d)) is not None]
    return TheftEvent(
        name=name,
        kind=event_kind(name),
        location=wire.text(item.get("location")),
        date=carsxe_date(item.get("date")),
        details=tuple(details[:_MAX_DETAILS]),
        lienholder=_name(item.get("lienholder")),
    )


def title_history_from(body: Mapping[str, Any]) -> TitleHistory:
    """A TitleHistory from a /history body: every list read, odd fields skipped."""
    _require_success(body)
    records: list[TitleRecord] = []
    for key, section in _SECTIONS:
        raw = body.get(key)
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            continue
        records.extend(
            record for item in raw[:_MAX_RECORDS] if (record := _record(section, item)) is not None
        )
    count = body.get("brandsRecordCount")
    vin_changed = body.get("vinChanged")
    return TitleHistory(
        records=tuple(records),
        brands_count=_int(count),
        vin_changed=vin_changed if isinstance(vin_changed, bool) else wire.yes_no(vin_changed),
    )


def _record(section: RecordSection, item: object) -> TitleRecord | None:
    """One record; None for an empty or unreadable one (the documented placeholder is `{}`)."""
    if not isinstance(item, dict):
        return None
    fields = _flatten(item)
    odometer = _odometer(fields)
    record = TitleRecord(
        section=section,
        date=_date(fields),
        state=wire.text(_first(fields, _STATE_KEYS, contains=True)),
        description=wire.text(_first(fields, _DESCRIPTION_KEYS)),
        reported_by=_name(_first_raw(item, _ENTITY_KEYS)),
        odometer=odometer if odometer is not None and 0 <= odometer <= _MAX_ODOMETER else None,
    )
    empty = TitleRecord(section=section)
    return None if record == empty else record


def _norm(key: object) -> str:
    return _NON_KEY.sub("", str(key).lower())


def _flatten(item: Mapping[str, Any]) -> dict[str, object]:
    """Scalar fields by normalised key, nested objects' fields one level down after them."""
    flat: dict[str, object] = {}
    nested: dict[str, object] = {}
    for key, value in item.items():
        if isinstance(value, dict):
            for inner_key, inner in value.items():
                if not isinstance(inner, dict | list):
                    nested.setdefault(_norm(key) + _norm(inner_key), inner)
                    nested.setdefault(_norm(inner_key), inner)
        elif not isinstance(value, list):
            flat[_norm(key)] = value
    return {**nested, **flat}


def _first(fields: Mapping[str, object], names: Iterable[str], *, contains: bool = False) -> object:
    ordered = tuple(names)
    for name in ordered:
        value = fields.get(name)
        if wire.text(value) is not None:
            return value
    if contains:
        for key, value in fields.items():
            if any(name in key for name in ordered) and wire.text(value) is not None:
                return value
    return None


def _first_raw(item: Mapping[str, Any], names: Iterable[str]) -> object:
    by_key = {_norm(key): value for key, value in item.items()}
    for name in names:
        if by_key.get(name) is not None:
            return by_key[name]
    return None


def _date(fields: Mapping[str, object]) -> dt.date | None:
    for name in _DATE_KEYS:
        if (found := carsxe_date(fields.get(name))) is not None:
            return found
    for key, value in fields.items():
        if "date" in key and (found := carsxe_date(value)) is not None:
            return found
    return None


def _odometer(fields: Mapping[str, object]) -> int | None:
    for key, value in sorted(fields.items(), key=lambda kv: _ODOMETER_KEYS.count(kv[0]) == 0):
        if any(name in key for name in _ODOMETER_KEYS) and (reading := _int(value)) is not None:
            return reading
    return None


def _name(value: object) -> str | None:
    """A name given as text, or as an object holding one."""
    if isinstance(value, dict):
        by_key = {_norm(key): inner for key, inner in value.items()}
        for name in _NAME_KEYS:
            if (text := wire.text(by_key.get(name))) is not None:
                return text
        return None
    return wire.text(value)


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value)
    number = wire.numeral(value)
    try:
        return round(float(number)) if number is not None else None
    except ValueError:
        return None
