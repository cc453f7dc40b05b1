"""The exception hierarchy: clients and services raise these, the Telegram side words them."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from vinbot.models.obd import ObdCodeProblem
    from vinbot.models.vin import VinAnalysis


class VinbotError(Exception):
    """Base of every error vinbot raises on purpose."""


class ConfigError(VinbotError):
    """A setting is missing or wrong; the message names the variable and what is expected."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(message)
        self.variable = variable


class InvalidVin(VinbotError):
    """The text is not a decodable 17-character VIN; `analysis` says why (its reason codes;
    `formatters/vin_words.py` words them, str() is only for logs)."""

    def __init__(self, analysis: VinAnalysis) -> None:
        super().__init__("invalid VIN: " + (", ".join(e.code for e in analysis.errors) or "?"))
        self.analysis = analysis


class VinNotFound(VinbotError):
    """A provider answered, but has no data for this VIN (not worth retrying)."""

    def __init__(self, provider: str) -> None:
        super().__init__(f"{provider} has no data for this VIN")
        self.provider = provider


# The reason a circuit breaker gives when it refuses a call without trying.
CIRCUIT_OPEN = "circuit open"


class ProviderUnavailable(VinbotError):
    """A provider could not answer now: timeout, 5xx, open circuit, garbage body.

    `paid_call_made` is True when a request reached the provider and no answer came back (a
    read timeout): a paid provider may have billed it, so it is counted, conservatively.
    """

    def __init__(self, provider: str, reason: str, *, paid_call_made: bool = False) -> None:
        super().__init__(f"{provider} unavailable: {reason}")
        self.provider = provider
        self.reason = reason
        self.paid_call_made = paid_call_made


class ProviderQuotaExhausted(ProviderUnavailable):
    """The provider refused with 429: the account's quota is spent; never retried."""


class ProviderAuthError(ProviderUnavailable):
    """The provider rejected our credentials or plan (401/403): an operator must act."""


class BadProviderResponse(ProviderUnavailable):
    """The provider answered with a body that is not the JSON we expect."""


class QuotaExceeded(VinbotError):
    """A user's or the bot's paid-call budget is spent for now."""


class RateLimited(VinbotError):
    """A user sent more decodes than the flood guard allows; `retry_after` is in seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited for {retry_after:.0f} s")
        self.retry_after = retry_after


# Beyond the decode: recalls, market value, photos, VIN OCR and plates.


class InvalidInput(VinbotError):
    """Something a user typed cannot be used; str(error) is a friendly sentence saying why."""


# Why a mileage cannot be used: not a number of miles, below zero, given in kilometres, or
# more than any car has done (`InvalidMileage.miles` holds the number read).
type MileageProblem = Literal["unreadable", "negative", "kilometres", "too_high"]


class InvalidMileage(InvalidInput):
    """The mileage is not a plausible number of miles; `problem` says why (words: formatters)."""

    def __init__(self, problem: MileageProblem, *, miles: int | None = None) -> None:
        super().__init__(f"invalid mileage: {problem}" + (f" ({miles} miles)" if miles else ""))
        self.problem: MileageProblem = problem
        self.miles = miles


class InvalidCondition(InvalidInput):
    """The condition is not one of excellent, clean, average or rough (words: formatters)."""

    def __init__(self, text: str) -> None:
        super().__init__("the condition is not one of excellent, clean, average or rough")
        self.text = text


class RegionProblem(StrEnum):
    """Why a country or state/province code cannot be used for a plate lookup."""

    COUNTRY_FORMAT = "country_format"  # the country is not a two-letter code
    REGION_FORMAT = "region_format"  # another country's region is not a short code
    STATE_MISSING = "state_missing"  # the US, Canada and Australia need a state or province
    STATE_UNKNOWN = "state_unknown"  # not one of that country's codes


# Country -> what its regions are called, in the English kept for logs.
_REGION_WORD = {"US": "state", "CA": "province or territory", "AU": "state or territory"}


class InvalidRegion(InvalidInput):
    """The country or the state/province code is not one a plate lookup can use.

    `problem` says why; the country and state are as given, in capitals. str() is English, for
    logs: users read `formatters.plate.region_problem`.
    """

    def __init__(self, problem: RegionProblem, *, country: str, state: str | None) -> None:
        word = _REGION_WORD.get(country, "region")
        english = {
            RegionProblem.COUNTRY_FORMAT: "The country is a two-letter code such as US, CA or AU.",
            RegionProblem.REGION_FORMAT: "The region is a short code of letters and digits.",
            RegionProblem.STATE_MISSING: f"A {country} plate lookup needs the {word} code.",
            RegionProblem.STATE_UNKNOWN: f"{state} is not a {country} {word} code.",
        }
        super().__init__(english[problem])
        self.problem = problem
        self.country = country
        self.state = state


class PlateProblem(StrEnum):
    """Why a licence plate as typed cannot be looked up."""

    EMPTY = "empty"  # nothing but spaces, dots and dashes
    CHARACTERS = "characters"  # something other than the letters A to Z and digits
    TOO_LONG = "too_long"  # more than `limit` letters and digits


class InvalidPlate(InvalidInput):
    """The licence plate has characters or a length no plate has.

    `problem` says why (`length` and `limit` for one too long); str() is English, for logs.
    """

    def __init__(self, problem: PlateProblem, *, length: int = 0, limit: int = 0) -> None:
        super().__init__(f"invalid plate: {problem} (length {length}, limit {limit})")
        self.problem = problem
        self.length = length
        self.limit = limit


class ImageProblem(StrEnum):
    """Why an image cannot be sent for VIN reading."""

    EMPTY = "empty"  # no bytes at all
    TOO_LARGE = "too_large"  # over the size limit


class ImageRejected(InvalidInput):
    """The image cannot be sent for VIN reading (empty or unusable); no call was made.

    str() is English, for logs: users read `formatters.photo.image_rejected`.
    """

    def __init__(self, problem: ImageProblem = ImageProblem.EMPTY) -> None:
        super().__init__(f"image rejected: {problem}")
        self.problem = problem


class ImageTooLarge(ImageRejected):
    """The image is over the size limit for VIN reading; no call was made."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(ImageProblem.TOO_LARGE)
        self.args = (f"image of {size} bytes is over the {limit}-byte limit",)
        self.size = size
        self.limit = limit


class LookupNotFound(VinNotFound):
    """A paid lookup's provider answered that it has no data for this input.

    A VinNotFound, so breakers and callers treat it as an answer, not an outage.
    `paid_call_made` is True only when this request made the upstream call (not a cached answer).
    """

    def __init__(self, provider: str, subject: str, *, paid_call_made: bool = False) -> None:
        super().__init__(provider)
        self.args = (f"{provider} has no data for this {subject}",)
        self.subject = subject
        self.paid_call_made = paid_call_made


class MarketValueNotFound(LookupNotFound):
    """The provider has no market valuation for this VIN."""

    def __init__(self, provider: str, *, paid_call_made: bool = False) -> None:
        super().__init__(provider, "VIN's market value", paid_call_made=paid_call_made)


class PlateNotFound(LookupNotFound):
    """The provider found no vehicle registered under this plate."""

    def __init__(self, provider: str, *, paid_call_made: bool = False) -> None:
        super().__init__(provider, "plate", paid_call_made=paid_call_made)


class PlateRegionRejected(LookupNotFound):
    """The provider does not cover plates of this country or state."""

    def __init__(
        self, provider: str, *, country: str, state: str | None, paid_call_made: bool = False
    ) -> None:
        super().__init__(provider, "plate region", paid_call_made=paid_call_made)
        self.country = country
        self.state = state


class RecallsUnavailable(VinbotError):
    """Recalls could not be checked: never to be worded as "no recalls".

    `reason` is "providers" (every source failed) or "vehicle_unknown" (no make, model and year
    to ask NHTSA with); `paid_call_made` says whether a paid call was made on the way.
    """

    def __init__(self, reason: str, *, paid_call_made: bool = False) -> None:
        super().__init__(f"recalls could not be checked ({reason})")
        self.reason = reason
        self.paid_call_made = paid_call_made


# OBD-II trouble codes.


class InvalidObdCode(InvalidInput):
    """The text is not an OBD-II trouble code; `problem` says what is wrong (formatters/obd
    words it for the reader; str(error) is for logs)."""

    def __init__(self, problem: ObdCodeProblem) -> None:
        super().__init__(f"not an OBD-II code ({problem.reason})")
        self.problem = problem


class ObdCodeNotFound(LookupNotFound):
    """The provider does not know this OBD-II trouble code."""

    def __init__(self, provider: str, code: str, *, paid_call_made: bool = False) -> None:
        super().__init__(provider, "OBD code", paid_call_made=paid_call_made)
        self.code = code
