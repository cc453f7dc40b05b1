"""The e2e preamble: every test gets the fake servers, and every bot it starts is stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.cluster import Cluster, running_cluster
from tests.e2e.harness import World, running_world

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from tests.postgres_server import PostgresServer


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as world:
        yield world


@pytest.fixture
async def cluster(tmp_path: Path, postgres_server: PostgresServer) -> AsyncIterator[Cluster]:
    """Fakes, a fresh PostgreSQL database and a fake Upstash; start instances with cluster.start."""
    async with running_cluster(tmp_path, postgres_server) as cluster:
        yield cluster
