"""Databases made fresh for one test, of the suite's kind: SQLite files, or PostgreSQL databases
when REGSVC_TEST_DATABASE_URL names one (made beside it, and dropped after the test)."""

from __future__ import annotations

import pytest
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, make_url, text

from regsvc import create_app
from tests.conftest import TEST_DATABASE_URL, XDIST_WORKER

ON_POSTGRESQL = bool(TEST_DATABASE_URL) and make_url(TEST_DATABASE_URL).get_backend_name() == "postgresql"


def _postgresql(statement: str) -> None:
    admin = create_engine(make_url(TEST_DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()


@pytest.fixture
def new_database(tmp_path):
    """new_database(label) → the URL of an empty database, made for this test."""
    made: list[str] = []

    def make(label: str) -> str:
        if not ON_POSTGRESQL:
            return f"sqlite:///{tmp_path / label}.sqlite3"
        base = make_url(TEST_DATABASE_URL)
        name = f"{base.database}_{XDIST_WORKER or 'main'}_{label}"
        _postgresql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _postgresql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    yield make
    for name in made:
        _postgresql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def app_on(app_settings):
    """app_on(url): an app of the test's settings on another database (disposed of after the test)."""
    apps = []

    def make(url: str, upload_folder: str | None = None):
        settings = dict(app_settings, DATABASE_URL=url)
        if upload_folder is not None:
            settings["UPLOAD_FOLDER"] = upload_folder
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["regsvc.db"].dispose()


def current_revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
