"""The exception hierarchy: clients and services raise these, the Telegram side words them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    """A provider could not answer now: timeout, 5xx, open circuit, garbage body."""

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"{provider} unavailable: {reason}")
        self.provider = provider
        self.reason = reason


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
