"""How long a sign-in attempt must wait after failed ones.

Failures are rows in the database (LoginFailure), so every worker and process counts the
same ones. They slow the guesser down; they never lock the account's owner out:

- an address that has been failing for an account waits before each further attempt for
  it, by its own failures and by the account's failures from everywhere;
- an address that has not been failing for the account is not kept waiting by failures
  elsewhere: whoever guesses at `desk@…` from one place cannot keep the desk out;
- an address that fails very often, for any accounts, waits before any attempt. The
  ceiling is high, because a venue network puts many people behind one address.

A wait grows with the failures (1, 2, 4, 8 … seconds) up to LONGEST_WAIT, and counts from
the address's last failure. An attempt made while it must wait is not checked and not
counted.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from regsvc.auth.models import LoginFailure

WINDOW = timedelta(hours=1)  # failures older than this are forgotten
FREE_FAILURES_PER_PAIR = 3  # one address, one account
FREE_FAILURES_PER_ACCOUNT = 5  # one account, every address (slows only addresses failing for it)
FREE_FAILURES_PER_ADDRESS = 100  # one address, every account
LONGEST_WAIT = timedelta(minutes=5)


class Kind(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a kind of failure, not a password
    CODE = "code"  # a wrong two-step code after a right password


class LoginThrottled(Exception):
    def __init__(self, retry_after: timedelta):
        super().__init__(retry_after)
        self.retry_after = retry_after


def client(address: str | None) -> str:
    """Whom failures are counted against: the client's IPv4 address, or its IPv6 network
    (/64), since one subscriber holds a whole /64 and could try from each of its addresses."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def backoff(excess: int) -> timedelta:
    """The wait after `excess` + 1 failures beyond the free ones."""
    return min(timedelta(seconds=2 ** min(excess, 20)), LONGEST_WAIT)


def retry_at(session: Session, kind: Kind, email: str, address: str, now: datetime) -> datetime | None:
    """When `address` may next try to sign in as `email`; None: now."""
    pair = and_(LoginFailure.email == email, LoginFailure.address == address)
    account, pair_count, pair_last, address_count, address_last = session.execute(
        select(
            func.count().filter(LoginFailure.email == email),
            func.count().filter(pair),
            func.max(LoginFailure.at).filter(pair),
            func.count().filter(LoginFailure.address == address),
            func.max(LoginFailure.at).filter(LoginFailure.address == address),
        ).where(
            LoginFailure.kind == kind,
            LoginFailure.at >= now - WINDOW,
            or_(LoginFailure.email == email, LoginFailure.address == address),
        )
    ).one()
    moments = []
    if pair_count:
        excess = max(pair_count - FREE_FAILURES_PER_PAIR, account - FREE_FAILURES_PER_ACCOUNT)
        if excess >= 0:
            moments.append(pair_last + backoff(excess))
    if address_count >= FREE_FAILURES_PER_ADDRESS:
        moments.append(address_last + backoff(address_count - FREE_FAILURES_PER_ADDRESS))
    later = max(moments, default=None)
    return later if later is not None and later > now else None


def record_failure(session: Session, kind: Kind, email: str, address: str, now: datetime) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - WINDOW))
    session.add(LoginFailure(kind=kind, email=email, address=address, at=now))


def forget_failures(session: Session, kind: Kind, email: str, address: str) -> None:
    """After a success from this address; failures from elsewhere still count."""
    session.execute(
        delete(LoginFailure).where(
            LoginFailure.kind == kind, LoginFailure.email == email, LoginFailure.address == address
        )
    )
