"""Every Alembic revision, one step at a time from head down to nothing and back, on SQLite and
PostgreSQL: each downgrade restores the schema its parent made, rows survive each step's round
trip, and the models still match the migrated schema afterwards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from vinbot.storage.engine import create_engine_for
from vinbot.storage.migrate import alembic_config, current_revision, head_revision, migrate
from vinbot.storage.tables import (
    Base,
    DailyUsageRow,
    DeliveryMarkRow,
    FloodCountRow,
    GarageRow,
    KnownRecallRow,
    LeaseRow,
    LookupRow,
    MonthlyUsageRow,
    RecallCheckRow,
    RecallNotificationRow,
    UpdateJournalMarkRow,
    UpdateJournalRow,
    UserRow,
    ValueDraftRow,
)

from .migration_support import downgrade
from .storage_support import OTHER_VIN, VIN, execute, insert_rows, scalar

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.engine import Connection

# A Telegram user id past 2^31: INTEGER on PostgreSQL cannot hold it, BIGINT (0007) can.
BIG_ID = 2**31 + 7
SMALL_ID = 42
AT = datetime(2026, 1, 2, 9, 30, tzinfo=UTC)
LATER = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)


def _steps() -> list[tuple[str, str]]:
    """(revision, its parent or "base") for every revision in the script directory, head first."""
    script = ScriptDirectory.from_config(alembic_config())
    steps = []
    for revision in script.walk_revisions():
        parent = revision.down_revision
        if not isinstance(parent, str | None):  # pragma: no cover - no merge revisions yet
            raise TypeError(f"revision {revision.revision} merges branches")
        steps.append((revision.revision, parent or "base"))
    return steps


@dataclass(frozen=True)
class Snapshot:
    """A database's schema (as inspect sees it) and every row of every table."""

    schema: dict[str, dict[str, Any]]
    rows: dict[str, list[dict[str, Any]]]

    def columns(self, table: str) -> dict[str, tuple[str, bool]]:
        """A table's columns: name -> (type, nullable)."""
        return {name: (kind, nullable) for name, kind, nullable, _ in self.schema[table]["columns"]}

    def rows_within(self, shape: Snapshot) -> dict[str, list[dict[str, Any]]]:
        """These rows cut down to the tables and columns that exist in shape."""
        return {
            table: _sorted(
                [{k: v for k, v in row.items() if k in shape.columns(table)} for row in rows]
            )
            for table, rows in self.rows.items()
            if table in shape.schema
        }


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda row: repr(sorted(row.items())))


def _describe(connection: Connection) -> Snapshot:
    inspector = inspect(connection)
    schema: dict[str, dict[str, Any]] = {}
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
        schema[table] = {
            "columns": sorted(
                (c["name"], str(c["type"]), c["nullable"], _default_of(c.get("default")))
                for c in inspector.get_columns(table)
            ),
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                    fk.get("options", {}).get("ondelete"),
                )
                for fk in inspector.get_foreign_keys(table)
            ),
            "indexes": sorted(
                (ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                for ix in inspector.get_indexes(table)
            ),
            "unique": sorted(
                (uq["name"], tuple(uq["column_names"]))
                for uq in inspector.get_unique_constraints(table)
            ),
            "checks": sorted(
                (ck["name"], " ".join(ck["sqltext"].split()))
                for ck in inspector.get_check_constraints(table)
            ),
        }
        result = connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608 - a table name
        rows[table] = _sorted([dict(row._mapping) for row in result])
    return Snapshot(schema, rows)


def _default_of(default: object) -> str | None:
    """A server default as text, without the quotes and casts that differ between reflections."""
    if default is None:
        return None
    return str(default).split("::")[0].strip("'\"()")


def _empty_text_defaults_match(
    context: MigrationContext,
    inspected_column: object,
    metadata_column: object,
    inspected_default: str | None,
    metadata_default: object,
    rendered_metadata_default: str | None,
) -> bool | None:
    """Alembic's SQLite comparison reads a reflected DEFAULT '' as differing from the model's
    '' (its quote-stripping needs one character); every other default it judges itself."""
    del context, inspected_column, metadata_column, metadata_default
    if rendered_metadata_default == "" and inspected_default in {"('')", "''"}:
        return False
    return None


def _model_differences(connection: Connection) -> list[Any]:
    """What autogenerate would write to make the database match tables.py: types and server
    defaults included."""
    context = MigrationContext.configure(
        connection,
        opts={"compare_type": True, "compare_server_default": _empty_text_defaults_match},
    )
    return list(compare_metadata(context, Base.metadata))


async def _read[T](url: str, reader: Callable[[Connection], T]) -> T:
    """What reader finds on a connection to the database at url."""
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(reader)
    finally:
        await engine.dispose()


async def _differences_from_models(url: str) -> list[Any]:
    return await _read(url, _model_differences)


async def _snapshot(url: str) -> Snapshot:
    return await _read(url, _describe)


async def _fill_head(url: str) -> None:
    """A row or two in every table of head, with a user id past 2^31 wherever users go."""
    users = []
    for user_id, units, language in ((SMALL_ID, None, "uk"), (BIG_ID, "imperial", None)):
        users.append(
            {
                "id": user_id,
                "first_seen": AT,
                "last_seen": LATER,
                "language_code": "de",
                "units": units,
                "recall_alerts": user_id == SMALL_ID,
                "language": language,
                "blocked_at": None if user_id == SMALL_ID else LATER,
            }
        )
    await insert_rows(url, UserRow, users)
    for user_id in (SMALL_ID, BIG_ID):
        await insert_rows(
            url,
            LookupRow,
            [
                {"user_id": user_id, "vin": vin, "provider": "nhtsa", "looked_up_at": AT}
                for vin in (VIN, OTHER_VIN)
            ],
        )
        await insert_rows(
            url, GarageRow, [{"user_id": user_id, "vin": VIN, "nickname": "Blue", "added_at": AT}]
        )
        await insert_rows(
            url, DailyUsageRow, [{"user_id": user_id, "day": date(2026, 1, 2), "paid_calls": 2}]
        )
        await insert_rows(
            url,
            RecallNotificationRow,
            [{"user_id": user_id, "vin": VIN, "campaign_id": "20V001000", "notified_at": AT}],
        )
        await insert_rows(
            url,
            FloodCountRow,
            [{"user_id": user_id, "window": 29_451_000, "hits": 3, "told": "chat"}],
        )
        await insert_rows(
            url,
            ValueDraftRow,
            [
                {
                    "user_id": user_id,
                    "chat_id": -(10**12) - user_id,
                    "vin": VIN,
                    "step": "state",
                    "mileage": 120_000,
                    "updated_at": AT,
                    "expires_at": LATER,
                }
            ],
        )
    await insert_rows(
        url, MonthlyUsageRow, [{"month": "2026-01", "paid_calls": 7, "cap_reached_at": None}]
    )
    await insert_rows(
        url,
        KnownRecallRow,
        [{"vin": VIN, "campaign_id": "20V001000", "first_seen": AT, "baseline": False}],
    )
    await insert_rows(
        url, RecallCheckRow, [{"vin": VIN, "first_checked_at": AT, "last_checked_at": LATER}]
    )
    await insert_rows(
        url,
        UpdateJournalRow,
        [{"update_id": 900_001, "payload": "{}", "attempts": 1, "fetched_at": AT}],
    )
    await insert_rows(
        url, UpdateJournalMarkRow, [{"id": 1, "last_update_id": 900_001, "recorded_at": AT}]
    )
    await insert_rows(
        url, LeaseRow, [{"name": "poller", "holder": "host:8080", "expires_at": LATER}]
    )
    await insert_rows(
        url,
        DeliveryMarkRow,
        [{"key": "vinbot:v1:update:123:900001", "value": "taken:host:8080", "expires_at": LATER}],
    )


def _adds_tables(*tables: str) -> Callable[[Snapshot, Snapshot, str], None]:
    def check(below: Snapshot, at: Snapshot, dialect: str) -> None:
        del dialect
        for table in tables:
            assert table not in below.schema
            assert table in at.schema

    return check


def _adds_columns(table: str, *columns: str) -> Callable[[Snapshot, Snapshot, str], None]:
    def check(below: Snapshot, at: Snapshot, dialect: str) -> None:
        del dialect
        for column in columns:
            assert column not in below.columns(table)
            assert column in at.columns(table)

    return check


def _check_0001(below: Snapshot, at: Snapshot, dialect: str) -> None:
    _adds_tables("users", "lookups", "garage", "usage_daily", "usage_monthly")(below, at, dialect)
    assert below.schema == {}


def _check_0002(below: Snapshot, at: Snapshot, dialect: str) -> None:
    _adds_tables("known_recalls")(below, at, dialect)
    _adds_columns("users", "blocked_at")(below, at, dialect)


def _check_0003(below: Snapshot, at: Snapshot, dialect: str) -> None:
    _adds_tables("recall_checks", "recall_notifications")(below, at, dialect)
    _adds_columns("known_recalls", "baseline")(below, at, dialect)


def _check_0005(below: Snapshot, at: Snapshot, dialect: str) -> None:
    del dialect
    unique_history = ("ix_lookups_user_id_vin", ("user_id", "vin"), True)
    assert unique_history not in below.schema["lookups"]["indexes"]
    assert unique_history in at.schema["lookups"]["indexes"]
    assert [fk[0] for fk in below.schema["usage_daily"]["foreign_keys"]] == [
        "fk_usage_daily_user_id_users"
    ]
    assert at.schema["usage_daily"]["foreign_keys"] == []


def _check_0006(below: Snapshot, at: Snapshot, dialect: str) -> None:
    _adds_columns("users", "language")(below, at, dialect)
    assert below.columns("users")["units"][1] is False
    assert at.columns("users")["units"][1] is True
    # Not picked (NULL) goes back to the old default; a pick stays.
    assert _units_by_user(below)[SMALL_ID] == "metric"
    assert _units_by_user(at)[SMALL_ID] is None
    assert _units_by_user(below).get(BIG_ID, "imperial") == "imperial"


def _units_by_user(snapshot: Snapshot) -> dict[int, str | None]:
    return {row["id"]: row["units"] for row in snapshot.rows["users"]}


def _check_0007(below: Snapshot, at: Snapshot, dialect: str) -> None:
    expected_below, expected_at = (
        ("INTEGER", "BIGINT") if dialect == "postgresql" else ("INTEGER",) * 2
    )
    for table, column in (("users", "id"), ("lookups", "user_id"), ("update_journal", "update_id")):
        assert below.columns(table)[column][0] == expected_below
        assert at.columns(table)[column][0] == expected_at
    if dialect == "sqlite":  # INTEGER holds 64 bits there: the big id stays on every revision
        assert BIG_ID in _units_by_user(below)


# What each revision says it does, checked on the schema below it and at it: (below, at, dialect).
# A revision missing here (a newer one) gets the generic checks only.
REVISION_CHECKS: dict[str, Callable[[Snapshot, Snapshot, str], None]] = {
    "0001": _check_0001,
    "0002": _check_0002,
    "0003": _check_0003,
    "0004": _adds_tables("update_journal", "update_journal_mark"),
    "0005": _check_0005,
    "0006": _check_0006,
    "0007": _check_0007,
    "0008": _adds_tables("leases", "value_drafts"),
    "0009": _adds_tables("flood_counts"),
    "0011": _adds_tables("delivery_marks"),
}


def _counts(rows: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {table: len(table_rows) for table, table_rows in rows.items()}


async def _refused_narrowing(url: str) -> None:
    """PostgreSQL cannot narrow a BIGINT id past 2^31: 0007's downgrade fails and changes nothing;
    the test then forgets that user so the walk goes on."""
    with pytest.raises(DBAPIError, match="out of range"):
        await downgrade(url, "0006")
    assert await current_revision(url) == "0007"
    assert await scalar(url, "SELECT count(*) FROM lookups WHERE user_id = :id", id=BIG_ID) == 2
    await execute(
        url,
        f"DELETE FROM usage_daily WHERE user_id = {BIG_ID}",  # noqa: S608 - a constant
        f"DELETE FROM users WHERE id = {BIG_ID}",  # noqa: S608 - a constant
    )


async def test_each_revision_downgrades_to_its_parent_and_back_keeping_rows(
    database_url: str,
) -> None:
    """Walking from head to base one revision at a time, each downgrade gives back exactly the
    schema its parent had, says what its revision says (tables, columns, types, constraints), and
    upgrading again restores the revision's schema with the rows of the tables and columns that
    outlive the step."""
    url = database_url
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    steps = _steps()
    shapes: dict[str, Snapshot] = {"base": await _snapshot(url)}
    for revision, _parent in reversed(steps):
        await migrate(url, revision)
        shapes[revision] = await _snapshot(url)
    assert await _differences_from_models(url) == []
    await _fill_head(url)

    for revision, parent in steps:
        if revision == "0007" and dialect == "postgresql":
            await _refused_narrowing(url)
        at = await _snapshot(url)
        await downgrade(url, parent)
        below = await _snapshot(url)
        assert await current_revision(url) == (None if parent == "base" else parent)
        assert below.schema == shapes[parent].schema, f"{revision} down to {parent}"
        assert _counts(below.rows_within(below)) == _counts(at.rows_within(below))
        if (check := REVISION_CHECKS.get(revision)) is not None:
            check(below, at, dialect)
        await migrate(url, revision)
        again = await _snapshot(url)
        assert again.schema == shapes[revision].schema, f"{parent} up to {revision}"
        assert again.rows_within(below) == at.rows_within(below), f"rows lost by {revision}"
        await downgrade(url, parent)

    assert (await _snapshot(url)).schema == {}
    await migrate(url)
    assert (await _snapshot(url)).schema == shapes[head_revision()].schema
    assert await _differences_from_models(url) == []
