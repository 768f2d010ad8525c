"""Staff accounts: creation, passwords, login with throttling."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from regsvc.audit.services import record
from regsvc.auth.labels import ROLES
from regsvc.auth.models import LoginFailure, StaffRole, StaffUser
from regsvc.db import utcnow, write_transaction
from regsvc.mail.services import queue_mail
from regsvc.roles import Role

MIN_PASSWORD_LENGTH = 10
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20


def hash_password(password: str) -> str:
    """The hash to store, by the app's PASSWORD_HASH_METHOD (scrypt unless testing)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


@cache
def _dummy_hash(method: str) -> str:
    """Checked when the e-mail is unknown, so that a wrong address takes as long as a wrong
    password: made once per hash method, on first use, not when the module is imported."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


class AccountError(Exception):
    """A staff account could not be created or changed; the message says why."""


class LoginRefused(Exception):
    """Wrong e-mail or password (deliberately not saying which)."""


class LoginThrottled(Exception):
    def __init__(self, retry_after: timedelta):
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class NewAccount:
    user: StaffUser
    generated_password: str | None  # shown once when no password was given


def normalise(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.email == normalise(email)))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def create_user(
    session: Session,
    email: str,
    roles: list[str],
    *,
    password: str | None = None,
    full_name: str = "",
    actor: StaffUser | None = None,
) -> NewAccount:
    email = normalise(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(_l("%(email)s is not an e-mail address.", email=email))
    unknown = set(roles) - set(Role)
    if unknown or not roles:
        raise AccountError(_l("Roles must be among %(roles)s.", roles=", ".join(Role)))
    generated = None
    if password is None:
        password = generated = generate_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    with write_transaction(session):
        if find_user(session, email) is not None:
            raise AccountError(_l("%(email)s already has an account.", email=email))
        user = StaffUser(
            email=email,
            full_name=full_name.strip(),
            password_hash=hash_password(password),
            role_rows=[StaffRole(role=role) for role in sorted(set(roles))],
        )
        session.add(user)
        session.flush()
        record(session, actor, "user.created", event_id=None, subject=user, email=email, roles=sorted(set(roles)))
        _tell_organisers(session, user, actor)
    return NewAccount(user=user, generated_password=generated)


def _tell_organisers(session: Session, account: StaffUser, actor: StaffUser | None) -> None:
    """Every active organiser (the new account too, if it is one) hears of a new account and
    its roles: granting rights never goes unnoticed."""
    organisers = session.scalars(
        select(StaffUser)
        .join(StaffRole)
        .where(StaffRole.role == Role.ORGANISER, StaffUser.active.is_(True))
        .order_by(StaffUser.id)
    )
    roles = ", ".join(str(ROLES(role)) for role in sorted(account.roles))
    for organiser in organisers:
        queue_mail(
            session,
            organiser.email,
            "staff_account_created",
            current_app.config["BABEL_DEFAULT_LOCALE"],  # staff have no language of their own yet
            account=account,
            roles=roles,
            actor=actor.label if actor is not None else "the command line",
        )


def set_active(session: Session, user_id: int, active: bool, *, actor: StaffUser | None = None) -> StaffUser:
    with write_transaction(session):
        user = session.get(StaffUser, user_id, populate_existing=True)
        if user is None:
            raise AccountError(_l("There is no such account."))
        if actor is not None and actor.id == user.id and not active:
            raise AccountError(_l("You cannot disable your own account."))
        user.active = active
        record(session, actor, "user.enabled" if active else "user.disabled", event_id=None, subject=user, email=user.email)
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def authenticate(
    session: Session, email: str, password: str, address: str, now: datetime | None = None
) -> StaffUser:
    """The active user with these credentials, or LoginRefused / LoginThrottled."""
    now = now or utcnow()
    email = normalise(email)[:254]
    address = (address or "unknown")[:64]
    since = now - THROTTLE_WINDOW
    with write_transaction(session):
        session.execute(delete(LoginFailure).where(LoginFailure.at < since))
        for column, value, limit in (
            (LoginFailure.email, email, MAX_FAILURES_PER_ACCOUNT),
            (LoginFailure.address, address, MAX_FAILURES_PER_ADDRESS),
        ):
            count, oldest = session.execute(
                select(func.count(), func.min(LoginFailure.at)).where(
                    column == value, LoginFailure.at >= since
                )
            ).one()
            if count >= limit:
                raise LoginThrottled(retry_after=oldest + THROTTLE_WINDOW - now)

        user = find_user(session, email)
        stored = user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
        valid = check_password_hash(stored, password)
        if user is None or not valid or not user.active:
            session.add(LoginFailure(email=email, address=address, at=now))
            user = None
        else:
            session.execute(delete(LoginFailure).where(LoginFailure.email == email))
            user.last_login_at = now
    if user is None:
        raise LoginRefused()
    return user


def change_password(session: Session, user_id: int, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    with write_transaction(session):
        user = session.get(StaffUser, user_id)
        user.password_hash = hash_password(password)
        record(session, user, "user.password_changed", event_id=None, subject=user)
