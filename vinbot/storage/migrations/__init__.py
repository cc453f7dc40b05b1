"""Alembic migrations for vinbot's SQLite schema, shipped inside the package."""
