"""Shared unit-test set-up: CarsXE's httpx client and its respx routes.

Tests of other upstreams (NHTSA) define their own `http` and `upstream`, which win over these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import respx

from tests.unit.carsxe_support import BASE_URL
from vinbot.clients.carsxe import carsxe_http_client

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    import httpx


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """The production CarsXE httpx client, pointed at the respx base URL."""
    async with carsxe_http_client(BASE_URL, timeout=1.0) as client:
        yield client


@pytest.fixture
def upstream() -> Iterator[respx.MockRouter]:
    """respx routes for CarsXE; a route a test sets up but never reaches is no error."""
    with respx.mock(base_url=BASE_URL, assert_all_called=False) as router:
        yield router
