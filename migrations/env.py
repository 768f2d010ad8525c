"""Alembic environment.

The database URL is the one regsvc's code gives (regsvc.migrating.alembic_config) or, when the
standard `alembic` command runs with alembic.ini, regsvc's own setting (REGSVC_DATABASE_URL, or
config.py's default, found by regsvc.layout in a checkout and in an installed wheel alike).

Every run is one transaction: all its migrations and their version bumps are committed
together, or none is, so a failure (or a downgrade refusing to drop data) leaves the
database at the revision it started from. PostgreSQL runs DDL in transactions by itself;
SQLite does too, but Python's sqlite3 module would commit before each DDL statement, so the
connection is put in autocommit mode and the transaction is begun here instead.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, event, pool

from regsvc.layout import load_settings
from regsvc.models import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name is not None:  # the `alembic` command: log what it runs
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings()["DATABASE_URL"]


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_engine(url: str):
    # Foreign keys stay off (SQLite's default): batch migrations copy a table and drop the
    # old one, and with them on, that drop would delete the rows that refer to it.
    engine = create_engine(url, poolclass=pool.NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # sqlite3 issues no BEGIN or COMMIT of its own

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # IMMEDIATE: the write lock from the start, so a running app cannot slip a write in
        # between the migration's reads and its changes.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def run_migrations_online() -> None:
    url = database_url()
    engine = _sqlite_engine(url) if url.startswith("sqlite") else create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            transactional_ddl=True,
            # One transaction for the whole run, not one per migration: a refusal or a failure
            # half-way changes nothing at all.
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
