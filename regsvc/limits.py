"""Limits on how often one client (or one key) may do something, shared by every worker
and process through the database: a counter per key and time window.

`hit` counts one more use and refuses (429, with Retry-After) beyond the limit. The
counter is written by one statement outside any transaction of the request's (the
autocommit engine on PostgreSQL), so a burst of one key queues only for a moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Integer, String, case, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column
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


def hit(key: str, limit: int, per: timedelta, *, now: datetime | None = None) -> None:
    """Count one use of `key`; RateLimited when it is the (limit + 1)th in its window."""
    if limit <= 0 or not current_app.config["RATE_LIMITS_ENABLED"]:
        return
    now = now or utcnow()
    window = _window(now, per)
    hits = _count(key[:200], window)
    if hits > limit:
        raise RateLimited(retry_after=max(int((window + per - now).total_seconds()), 1))


def _count(key: str, window: datetime) -> int:
    db = database()
    insert = postgresql.insert if not db.is_sqlite else sqlite.insert
    table = RateCounter.__table__
    statement = insert(table).values(key=key, window_start=window, hits=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            # A new window starts the count again.
            "hits": case((table.c.window_start == statement.excluded.window_start, table.c.hits + 1), else_=1),
            "window_start": statement.excluded.window_start,
        },
    ).returning(table.c.hits)
    if db.is_sqlite:
        with db.Session() as session, write_transaction(session):
            return session.execute(statement).scalar_one()
    with db.read_engine.connect() as connection:  # autocommit: one round trip, no lock held
        return connection.execute(statement).scalar_one()


def forget_old(session, now: datetime | None = None, older_than: timedelta = timedelta(days=1)) -> int:
    """Remove counters of windows long past (run with the daily jobs)."""
    with write_transaction(session):
        return session.execute(
            delete(RateCounter).where(RateCounter.window_start < (now or utcnow()) - older_than)
        ).rowcount
