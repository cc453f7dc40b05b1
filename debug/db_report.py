"""Show what the database holds: row counts, paid-call usage and quota state, recent lookups.

A SQLite file is opened read-only (an SQLite `mode=ro` URI), a PostgreSQL database in read-only
transactions (`default_transaction_read_only`), so the report never migrates, creates or changes
anything, and it can run beside the bot. Usage and quotas are read through vinbot's own
repositories and QuotaService, in UTC, with the limits from the settings.

    python debug/db_report.py
    python debug/db_report.py --user 123456789 --limit 20
    DATABASE_URL=sqlite+aiosqlite:///vinbot-backup.db python debug/db_report.py --json
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from _support import EXIT_OK, Failure, Script, as_data, load, parser, run
from sqlalchemy import desc, event, func, select

from vinbot.services.quota import QuotaService, month_key
from vinbot.storage.engine import (
    SessionFactory,
    create_engine_for,
    database_path,
    is_sqlite,
    redact_url,
)
from vinbot.storage.migrate import current_revision, head_revision
from vinbot.storage.repositories import SqlLookupRepository, SqlUsageRepository
from vinbot.storage.tables import DailyUsageRow, GarageRow, LookupRow, UserRow

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from sqlalchemy.ext.asyncio import AsyncSession

NAME = "db_report"


def read_only_url(path: Path) -> str:
    """An aiosqlite URL that opens the file read-only and never creates it."""
    return f"sqlite+aiosqlite:///file:{quote(str(path.resolve()))}?mode=ro&uri=true"


async def _counts(session: AsyncSession) -> dict[str, int]:
    async def count(statement: Any) -> int:
        return int(await session.scalar(statement) or 0)

    return {
        "users": await count(select(func.count()).select_from(UserRow)),
        "users_blocked_us": await count(
            select(func.count()).select_from(UserRow).where(UserRow.blocked_at.is_not(None))
        ),
        "lookups": await count(select(func.count()).select_from(LookupRow)),
        "garage_entries": await count(select(func.count()).select_from(GarageRow)),
    }


async def _top_users_today(session: AsyncSession, day: Any, limit: int) -> list[dict[str, int]]:
    rows = await session.execute(
        select(DailyUsageRow.user_id, DailyUsageRow.paid_calls)
        .where(DailyUsageRow.day == day)
        .order_by(desc(DailyUsageRow.paid_calls), DailyUsageRow.user_id)
        .limit(limit)
    )
    return [{"user_id": user_id, "paid_calls": calls} for user_id, calls in rows]


async def _recent_lookups(session: AsyncSession, limit: int) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(LookupRow).order_by(desc(LookupRow.looked_up_at), desc(LookupRow.id)).limit(limit)
    )
    return [
        {
            "id": row.id,
            "user_id": row.user_id,
            "vin": row.vin,
            "provider": row.provider,
            "looked_up_at": row.looked_up_at,
            "year": row.year,
            "make": row.make,
            "model": row.model,
        }
        for row in rows
    ]


def _read_only(dbapi_connection: Any, _record: object) -> None:
    """Every transaction on a PostgreSQL connection of the report is read-only."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    finally:
        cursor.close()


async def collect(script: Script, *, user_id: int | None, limit: int) -> dict[str, Any]:
    """Everything the report shows, as plain data."""
    settings = script.settings
    if is_sqlite(settings.database_url):
        path = database_path(settings.database_url)
        if path is None:
            raise Failure("DATABASE_URL names no database file; there is nothing to report on", 2)
        if not path.is_file():
            raise Failure(f"no database at {path} (DATABASE_URL={settings.database_url})")
        url = read_only_url(path)
        where, size = str(path), path.stat().st_size
    else:
        url = settings.database_url
        where, size = redact_url(url), None
    revision = await current_revision(url)
    if revision is None:
        raise Failure(f"{where} has no vinbot schema (no alembic_version): not a vinbot database")
    engine = create_engine_for(url)
    if not is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _read_only)
    try:
        sessions = SessionFactory(engine)
        usage = SqlUsageRepository(sessions)
        quota = QuotaService(
            usage,
            daily_lookups_per_user=settings.daily_lookups_per_user,
            monthly_paid_calls=settings.monthly_paid_calls,
        )
        summary = await quota.usage_summary()
        now = summary.as_of
        report: dict[str, Any] = {
            "database": {
                "path": where,
                "size_bytes": size,
                "schema_revision": revision,
                "release_expects": head_revision(),
            },
            "usage": as_data(summary),
        }
        async with sessions.reading() as session:
            report["counts"] = await _counts(session)
            report["top_users_today"] = await _top_users_today(session, now.date(), limit)
            if user_id is None:
                report["recent_lookups"] = await _recent_lookups(session, limit)
        if user_id is not None:
            counts = await usage.counts(user_id, day=now.date(), month=month_key(now))
            decision = await quota.check(user_id, is_admin=user_id in settings.admin_ids)
            report["user"] = {
                "user_id": user_id,
                "admin": user_id in settings.admin_ids,
                "paid_calls_today": counts.user_today,
                "quota_now": as_data(decision),
            }
            lookups = await SqlLookupRepository(sessions).recent(user_id, limit)
            report["recent_lookups"] = as_data(lookups)
    finally:
        await engine.dispose()
    return report


def _when(value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "-" if value is None else str(value)


def render(script: Script, report: dict[str, Any]) -> None:
    """The report as text for a terminal."""
    db = report["database"]
    size = "" if db["size_bytes"] is None else f" ({db['size_bytes']:,} bytes)"
    script.out(f"database: {db['path']}{size}")
    behind = "" if db["schema_revision"] == db["release_expects"] else " (differs: run migrate)"
    script.out(
        f"  schema revision: {db['schema_revision']}, "
        f"this release expects {db['release_expects']}{behind}"
    )
    counts = report["counts"]
    script.out(
        f"rows: {counts['users']} users ({counts['users_blocked_us']} blocked the bot), "
        f"{counts['lookups']} lookups, {counts['garage_entries']} garage entries"
    )
    usage = report["usage"]
    cap = usage["monthly_cap"]
    daily = usage["daily_lookups_per_user"]
    script.out(f"paid calls (UTC, as of {_when(usage['as_of'])}):")
    script.out(f"  today: {usage['today']}")
    cap_text = f"of the cap {cap}" if cap else "(no cap: MONTHLY_PAID_CALLS is 0)"
    script.out(f"  this month: {usage['month']} {cap_text}")
    if usage["cap_reached_at"] is not None:
        script.out(f"  monthly cap reached at {_when(usage['cap_reached_at'])}: paid calls stop")
    script.out(f"  per-user daily limit: {daily or 'none (DAILY_LOOKUPS_PER_USER is 0)'}")
    for row in report["top_users_today"]:
        at_limit = " (at the limit)" if daily and row["paid_calls"] >= daily else ""
        script.out(f"    user {row['user_id']}: {row['paid_calls']} today{at_limit}")
    user = report.get("user")
    if user is not None:
        quota = user["quota_now"]
        verdict = "allowed" if quota.get("allowed") else f"refused ({quota.get('reason')})"
        admin = ", admin" if user["admin"] else ""
        script.out(
            f"user {user['user_id']}{admin}: {user['paid_calls_today']} paid calls today; "
            f"a paid call now would be {verdict}"
        )
    lookups = report["recent_lookups"]
    whose = f"of user {user['user_id']}" if user is not None else "(all users)"
    script.out(f"recent lookups {whose}: {len(lookups) or 'none'}")
    for item in lookups:
        car = " ".join(str(p) for p in (item["year"], item["make"], item["model"]) if p) or "-"
        script.out(
            f"  {_when(item['looked_up_at'])}  user {item['user_id']}  {item['vin']}  "
            f"{item['provider']:<8} {car}"
        )


async def report(script: Script, *, user_id: int | None, limit: int, as_json: bool) -> int:
    """Collect, then print as text or JSON."""
    data = await collect(script, user_id=user_id, limit=limit)
    if as_json:
        script.out_json(data)
    else:
        render(script, data)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, then report."""
    args_parser = parser(NAME, __doc__.splitlines()[0] if __doc__ else NAME)
    args_parser.add_argument(
        "--user", type=int, default=None, metavar="ID", help="one Telegram user's usage and lookups"
    )
    args_parser.add_argument(
        "--limit", type=int, default=10, help="lookups and users listed (default 10)"
    )
    args_parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = args_parser.parse_args(argv)
    script = load(NAME, verbose=args.verbose)
    return run(
        script, report(script, user_id=args.user, limit=max(1, args.limit), as_json=args.json)
    )


if __name__ == "__main__":
    sys.exit(main())
