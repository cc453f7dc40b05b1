"""The exception hierarchy: clients and services raise these, the Telegram side words them."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
    """The text is not a decodable 17-character VIN; `analysis` says why."""

    def __init__(self, analysis: VinAnalysis) -> None:
        super().__init__("; ".join(analysis.errors) or "invalid VIN")
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


class InvalidMileage(InvalidInput):
    """The mileage is not a plausible number of miles."""


class InvalidCondition(InvalidInput):
    """The condition is not one of excellent, clean, average or rough."""


class InvalidRegion(InvalidInput):
    """The country or the state/province code is not one a plate lookup can use."""

    def __init__(self, message: str, *, country: str, state: str | None) -> None:
        super().__init__(message)
        self.country = country
        self.state = state


class InvalidPlate(InvalidInput):
    """The licence plate has characters or a length no plate has."""


class ImageRejected(InvalidInput):
    """The image cannot be sent for VIN reading (empty or unusable); no call was made."""


class ImageTooLarge(ImageRejected):
    """The image is over the size limit for VIN reading; no call was made."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(
            f"That image is {size / 1_000_000:.1f} MB; please send one under "
            f"{limit / 1_000_000:.0f} MB (a photo rather than a file works best)."
        )
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
