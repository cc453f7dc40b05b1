"""CarsXE on respx for unit tests: the base URL, an instant backoff and a client over them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.fakes.carsxe_server import load_fixture
from vinbot.clients.breaker import CircuitBreaker
from vinbot.clients.carsxe import CarsXEClient
from vinbot.clients.retry import RetryPolicy
from vinbot.config import Secret

if TYPE_CHECKING:
    import httpx

BASE_URL = "https://carsxe.test"


async def no_wait(_seconds: float) -> None:
    """Backoff that returns at once."""


def carsxe_fixture(name: str) -> dict[str, Any]:
    """A recorded CarsXE body from tests/fixtures/carsxe."""
    return load_fixture(f"carsxe/{name}")


def carsxe_client(
    http: httpx.AsyncClient,
    key: str,
    *,
    breaker: CircuitBreaker | None = None,
    retry: RetryPolicy | None = None,
) -> CarsXEClient:
    """A client sending `key`, by default with a fresh breaker and three tries that never wait."""
    return CarsXEClient(
        http,
        api_key=Secret(key),
        breaker=CircuitBreaker("carsxe") if breaker is None else breaker,
        retry=RetryPolicy(attempts=3, base_delay=0.01, sleep=no_wait) if retry is None else retry,
    )
