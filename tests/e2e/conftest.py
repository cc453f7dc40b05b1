"""The e2e preamble: every test gets the fake servers, and every bot it starts is stopped."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.cluster import Cluster, running_cluster
from tests.e2e.harness import World, running_world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from tests.postgres_server import PostgresServer


# Each e2e test starts Python processes: on a loaded two-core machine starting two took 48 s
# before any work, so these get more than pyproject's 120 s (a hang still ends the test).
E2E_TIMEOUT_SECONDS = 300


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every e2e test E2E_TIMEOUT_SECONDS unless it asks for its own timeout."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(E2E_TIMEOUT_SECONDS))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as world:
        yield world


@pytest.fixture
async def cluster(tmp_path: Path, postgres_server: PostgresServer) -> AsyncIterator[Cluster]:
    """Fakes, a fresh PostgreSQL database and a fake Upstash; start instances with cluster.start."""
    async with running_cluster(tmp_path, postgres_server) as cluster:
        yield cluster
