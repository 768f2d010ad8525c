"""Engine, per-request session, declarative base and the write-transaction helper."""

from __future__ import annotations

import fcntl
import logging
import os
import select
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime

from flask import Flask, current_app, g
from sqlalchemy import DateTime, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)
_IMMEDIATE = "regsvc_sqlite_immediate"


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator):
    """A point in time, stored as naive UTC, always returned time-zone aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; attach a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


def note_database_failed() -> None:
    """This request's database call failed: its error page must not call the database again."""
    g.database_failed = True


def database_failed() -> bool:
    return g.get("database_failed", False)


def utcnow() -> datetime:
    return datetime.now(UTC)


def make_engine(url: str, *, sqlite_busy_timeout: int = 30, **options) -> Engine:
    if not url.startswith("sqlite"):
        engine = create_engine(url, **options)
        event.listen(engine, "checkout", _replace_if_closed_by_server)
        return engine
    engine = create_engine(url, connect_args={"timeout": sqlite_busy_timeout}, **options)

    @event.listens_for(engine, "connect")
    def _sqlite_connect(dbapi_connection, _record):
        # Take transaction control away from the sqlite3 module so that we can
        # issue BEGIN IMMEDIATE for writers (see write_transaction).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        # Straight to the driver: every request begins at least one transaction, and a
        # statement through SQLAlchemy costs several times more than BEGIN itself.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _replace_if_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """Hand out no pooled connection that the database server has closed (a restart).

    An idle connection has nothing to read unless the server has said goodbye (or, with
    TLS, sent some bookkeeping): only then is it pinged, and replaced if the ping fails.
    Unlike pinging every connection at checkout, this costs no round trip per request.
    """
    poller = select.poll()
    try:
        poller.register(dbapi_connection.fileno(), select.POLLIN)
    except Exception as error:  # the driver knows the connection is gone
        raise DisconnectionError(str(error)) from error
    if not poller.poll(0):
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:
        raise DisconnectionError(str(error)) from error


class WriterQueue:
    """Lets SQLite writers of all processes take turns through an advisory file lock.

    Without it, a writer that finds the database locked sleeps in SQLite's busy
    handler (1, 2, 5, … 100 ms) and retries; a blocked flock() wakes as soon as the
    lock is released, so bursts of registrations are served in order, without naps.
    """

    def __init__(self, database_path: str):
        self.path = database_path + "-writer.lock"

    @contextmanager
    def turn(self) -> Iterator[None]:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


class Database:
    """The engine and session factory of one application."""

    def __init__(self, url: str, *, sqlite_busy_timeout: int = 30):
        self.engine = make_engine(url, sqlite_busy_timeout=sqlite_busy_timeout)
        database_path = self.engine.url.database if self.is_sqlite else None
        self.writer_queue = (
            WriterQueue(database_path) if database_path and database_path != ":memory:" else None
        )
        self.Session = sessionmaker(
            self.engine, expire_on_commit=False, info={"writer_queue": self.writer_queue}
        )
        # Public pages that only read. On PostgreSQL their statements run outside a
        # transaction: one round trip per query instead of three (BEGIN, query, ROLLBACK).
        # The only writes through it are rate-limit counters (regsvc.limits), which need not
        # wait for the disk: a count lost in a crash costs nothing.
        self.read_engine = (
            self.engine
            if self.is_sqlite
            else make_engine(
                url, isolation_level="AUTOCOMMIT", connect_args={"options": "-c synchronous_commit=off"}
            )
        )
        self.ReadSession = sessionmaker(self.read_engine, expire_on_commit=False)

    def dispose(self) -> None:
        """Close every pooled connection (tests and scripts, when done with the app)."""
        self.engine.dispose()
        self.read_engine.dispose()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"


def init_app(app: Flask) -> None:
    database = Database(app.config["DATABASE_URL"], sqlite_busy_timeout=app.config["SQLITE_BUSY_TIMEOUT"])
    app.extensions["regsvc.db"] = database

    def close_session(_exc=None):
        for name in ("db_session", "db_reader"):
            session = g.pop(name, None)
            if session is None:
                continue
            try:
                session.close()
            except SQLAlchemyError as error:
                # The server cut the connection (a restart) and its rollback failed: the
                # pool has dropped it, and the response, a 503 page or the page itself, stands.
                log.warning("closing a database session failed: %s", error)

    # Each request ends its session, even when it shares an app context (tests do).
    app.teardown_request(close_session)
    app.teardown_appcontext(close_session)


def database() -> Database:
    return current_app.extensions["regsvc.db"]


def get_session() -> Session:
    """The session of the current request or CLI command."""
    if "db_session" not in g:
        g.db_session = database().Session()
    return g.db_session


def get_reader() -> Session:
    """A session for a public page that only reads (never write with it)."""
    if "db_reader" not in g:
        g.db_reader = database().ReadSession()
    return g.db_reader


@contextmanager
def write_transaction(session: Session) -> Iterator[Session]:
    """One transaction that writes, committed on success and rolled back on error.

    On SQLite it starts with BEGIN IMMEDIATE, so it holds the database's write lock
    from its first statement (waiting up to the busy timeout for it): two writers
    can never read the same state and both act on it, and no "database is locked"
    error surfaces half-way through. On PostgreSQL callers lock the rows they decide
    on (see registration.services.seat_transaction).
    """
    if session.in_transaction():
        if session.get_bind().dialect.name != "sqlite":
            # PostgreSQL, READ COMMITTED: each statement sees what others committed, so
            # the transaction this request's reads began serves as well as a new one,
            # and saves a round of COMMIT, connection check-out and BEGIN.
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            return
        # SQLite: end the reads' transaction, to begin again with the write lock.
        session.commit()
    queue = session.info.get("writer_queue")
    with queue.turn() if queue else nullcontext(), session.begin():
        session.connection(execution_options={_IMMEDIATE: True})
        yield session
