"""Limits on how often one client (or one key) may do something, shared by every worker
and process through the database: a counter per key and time window.

A `Limit` counts one more use and refuses (429, with Retry-After) beyond it: inside the
write transaction of the use itself (`count_in`: no commit of its own), or on its own
(`hit`: one statement outside any transaction on PostgreSQL, for a request that writes
nothing else, such as a wrong private link).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from flask import current_app
from sqlalchemy import Integer, String, Table, bindparam, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.exceptions import TooManyRequests

from regsvc.db import Base, UTCDateTime, database, utcnow, write_transaction


class RateCounter(Base):
    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    hits: Mapped[int] = mapped_column(Integer, default=0)


class RateLimited(TooManyRequests):
    """Too many tries: the page says when to try again."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after=retry_after)
        self.retry_after_seconds = retry_after


def _window(now: datetime, per: timedelta) -> datetime:
    seconds = int(per.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=now.tzinfo)


@dataclass(frozen=True)
class Limit:
    """At most `limit` uses of `key` per `per`."""

    key: str
    limit: int
    per: timedelta

    @property
    def enabled(self) -> bool:
        return self.limit > 0 and current_app.config["RATE_LIMITS_ENABLED"]

    def count_in(self, session: Session, now: datetime | None = None) -> None:
        """Count one use inside the caller's write transaction (no commit of its own: the
        use and its count are saved together, or neither); RateLimited beyond the limit."""
        if self.enabled:
            now = now or utcnow()
            window = _window(now, self.per)
            params = {"key": self.key[:200], "window": window}
            hits = session.execute(_UPSERT[session.get_bind().dialect.name], params).scalar_one()
            self._check(hits, window, now)

    def hit(self, now: datetime | None = None) -> None:
        """Count one use on its own (for a request that writes nothing else)."""
        if self.enabled:
            now = now or utcnow()
            window = _window(now, self.per)
            self._check(_count(self.key[:200], window), window, now)

    def _check(self, hits: int, window: datetime, now: datetime) -> None:
        if hits > self.limit:
            raise RateLimited(retry_after=max(int((window + self.per - now).total_seconds()), 1))


def _upsert(dialect: str):
    """INSERT … ON CONFLICT DO UPDATE … RETURNING hits, the same on SQLite and PostgreSQL."""
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    table = cast(Table, RateCounter.__table__)
    statement = insert(table).values(key=bindparam("key"), window_start=bindparam("window"), hits=1)
    return statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            # A new window starts the count again.
            "hits": case(
                (table.c.window_start == statement.excluded.window_start, table.c.hits + 1), else_=1
            ),
            "window_start": statement.excluded.window_start,
        },
    ).returning(table.c.hits)


_UPSERT = {dialect: _upsert(dialect) for dialect in ("sqlite", "postgresql")}


def _count(key: str, window: datetime) -> int:
    db = database()
    params = {"key": key, "window": window}
    if db.is_sqlite:
        with db.Session() as session, write_transaction(session):
            return session.execute(_UPSERT["sqlite"], params).scalar_one()
    with db.read_engine.connect() as connection:  # autocommit: one round trip, no lock held
        return connection.execute(_UPSERT["postgresql"], params).scalar_one()


def forget_old(
    session: Session, now: datetime | None = None, older_than: timedelta = timedelta(days=1)
) -> int:
    """Remove counters of windows long past (the daily `retention` command): they hold
    client addresses, needed for an hour at most."""
    with write_transaction(session):
        result = session.connection().execute(
            delete(RateCounter).where(RateCounter.window_start < (now or utcnow()) - older_than)
        )
        return result.rowcount
