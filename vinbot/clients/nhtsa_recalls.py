"""NHTSA's free recalls API: recallsByVehicle JSON in, a RecallReport or a domain error out."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from vinbot.clients import wire
from vinbot.logs import get_logger
from vinbot.models.errors import BadProviderResponse, ProviderAuthError, ProviderQuotaExhausted
from vinbot.models.recalls import Recall, RecallReport

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    import httpx

    from vinbot.clients.breaker import CircuitBreaker
    from vinbot.clients.retry import RetryPolicy

PROVIDER: Final = "nhtsa"
DEFAULT_BASE_URL: Final = "https://api.nhtsa.gov"
RECALLS_PATH: Final = "/recalls/recallsByVehicle"

_AUTH_STATUSES = frozenset({401, 403})
_RATE_LIMIT_STATUS = 429
# NHTSA has been seen answering a query with no match with 400 (or 404) and an empty result.
_EMPTY_ANSWER_STATUSES = frozenset({400, 404})
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def nhtsa_recalls_http_client(
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 10.0,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The pooled HTTP client the composition root passes to NhtsaRecallsClient (caller closes)."""
    return wire.json_http_client(base_url, timeout, transport=transport)


class NhtsaRecallsClient:
    """NHTSA's recalls by make, model and model year, through the circuit breaker and retries.

    The data is per model, not per VIN, and covers vehicles sold in the US.
    """

    def __init__(
        self, http: httpx.AsyncClient, *, breaker: CircuitBreaker, retry: RetryPolicy
    ) -> None:
        self._http = http
        self._breaker = breaker
        self._retry = retry
        self._log = get_logger(__name__)

    @property
    def is_paid(self) -> bool:
        """NHTSA's API is free."""
        return False

    async def recalls_by_vehicle(self, make: str, model: str, year: int) -> RecallReport:
        """Every recall campaign NHTSA lists for a make, model and model year (maybe none)."""
        make, model = make.strip(), model.strip()
        params = {"make": make, "model": model, "modelYear": str(year)}
        return await self._get_json(
            params, partial(recalls_by_vehicle_to_report, make, model, year)
        )

    async def _get_json[T](
        self, params: Mapping[str, str], parse: Callable[[wire.JsonObject], T]
    ) -> T:
        """One logical call: breaker, then retries; `parse` runs inside so garbage counts too."""

        async def attempt() -> T:
            response = await wire.send(
                self._http, "GET", RECALLS_PATH, provider=PROVIDER, params=params
            )
            return parse(self._interpret(response))

        return await self._breaker.call(lambda: self._retry.run(attempt, provider=PROVIDER))

    def _interpret(self, response: httpx.Response) -> wire.JsonObject:
        status = response.status_code
        if status in _AUTH_STATUSES:
            self._log.error(
                "provider_auth_failed",
                provider=PROVIDER,
                endpoint=RECALLS_PATH,
                status=status,
                action="NHTSA refused this host; check egress IP reputation or the recalls URL",
            )
            raise ProviderAuthError(PROVIDER, f"access refused (HTTP {status})")
        if status == _RATE_LIMIT_STATUS:
            self._log.warning("provider_rate_limited", provider=PROVIDER, status=status)
            raise ProviderQuotaExhausted(PROVIDER, "rate limited (HTTP 429)")
        if status in _EMPTY_ANSWER_STATUSES:
            empty = _empty_answer(response)
            if empty is not None:
                return empty
        if not response.is_success:
            raise wire.status_failure(status, PROVIDER)
        return wire.json_object(response, PROVIDER)


def _empty_answer(response: httpx.Response) -> wire.JsonObject | None:
    """The no-match quirk: a 400/404 whose body is a well-formed envelope with Count 0."""
    try:
        body = wire.json_object(response, PROVIDER)
    except BadProviderResponse:
        return None
    results = body.get("results", body.get("Results"))
    if body.get("Count") == 0 and isinstance(results, list) and not results:
        return body
    return None


def nhtsa_date(value: object) -> dt.date | None:
    """A date from NHTSA's "DD/MM/YYYY" (e.g. "27/01/2022"), or an ISO date; else None."""
    cleaned = wire.text(value)
    if cleaned is None:
        return None
    day_first = _DAY_FIRST.fullmatch(cleaned)
    iso = _ISO_DATE.match(cleaned)
    if day_first:
        day, month, year = day_first.groups()
    elif iso:
        year, month, day = iso.groups()
    else:
        return None
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def _campaign_id(record: Mapping[str, Any], when: dt.date | None) -> str:
    number = wire.text(record.get("NHTSACampaignNumber"))
    if number is not None:
        return number.upper()
    text = "|".join(
        str(part or "") for part in (record.get("Component"), when, record.get("Summary"))
    )
    return f"unnumbered-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]}"


def _recall(record: object) -> Recall:
    if not isinstance(record, dict):
        raise BadProviderResponse(PROVIDER, "a recall is not an object")
    when = nhtsa_date(record.get("ReportReceivedDate"))
    return Recall(
        campaign_id=_campaign_id(record, when),
        date=when,
        component=wire.text(record.get("Component")),
        summary=wire.text(record.get("Summary")),
        consequence=wire.text(record.get("Consequence")),
        remedy=wire.text(record.get("Remedy")),
        do_not_drive=wire.yes_no(record.get("parkIt")),
        park_outside=wire.yes_no(record.get("parkOutSide")),
        over_the_air=wire.yes_no(record.get("overTheAirUpdate")),
        manufacturer=wire.text(record.get("Manufacturer")),
        notes=wire.text(record.get("Notes")),
    )


def recalls_by_vehicle_to_report(
    make: str, model: str, year: int, body: Mapping[str, Any]
) -> RecallReport:
    """A RecallReport from a recallsByVehicle envelope (`results`, lower-case; `Results` too)."""
    results = body.get("results", body.get("Results"))
    if not isinstance(results, list):
        raise BadProviderResponse(PROVIDER, "results is not a list")
    return RecallReport(
        source="nhtsa",
        recalls=tuple(_recall(record) for record in results),
        make=make,
        model=model,
        year=year,
    )
