"""Staff accounts: creation, passwords, sign-in (slowed after failures: regsvc.auth.throttle;
the two-step code: regsvc.auth.two_step)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from regsvc.audit.services import record
from regsvc.auth import throttle, two_step
from regsvc.auth.labels import ROLES
from regsvc.auth.models import StaffRole, StaffUser
from regsvc.auth.throttle import Kind, LoginThrottled
from regsvc.db import utcnow, write_transaction
from regsvc.mail.services import queue_mail
from regsvc.roles import Role
from regsvc.text import normalise_email

MIN_PASSWORD_LENGTH = 10


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


@dataclass(frozen=True)
class NewAccount:
    user: StaffUser
    generated_password: str | None  # shown once when no password was given


def find_user(session: Session, email: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))


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
    email = normalise_email(email)
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
        record(
            session, actor, "user.created", event_id=None, subject=user, email=email, roles=sorted(set(roles))
        )
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
    for organiser in organisers:
        locale = organiser.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
        with force_locale(locale):
            roles = ", ".join(str(ROLES(role)) for role in sorted(account.roles))
            who = actor.label if actor is not None else str(_l("the command line"))
        queue_mail(
            session, organiser.email, "staff_account_created", locale, account=account, roles=roles, actor=who
        )


def set_active(session: Session, user_id: int, active: bool, *, actor: StaffUser | None = None) -> StaffUser:
    with write_transaction(session):
        user = session.get(StaffUser, user_id, with_for_update=True, populate_existing=True)
        if user is None:
            raise AccountError(_l("There is no such account."))
        if actor is not None and actor.id == user.id and not active:
            raise AccountError(_l("You cannot disable your own account."))
        user.active = active
        if not active:
            user.end_sessions()
        record(
            session,
            actor,
            "user.enabled" if active else "user.disabled",
            event_id=None,
            subject=user,
            email=user.email,
        )
    return user


def list_users(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def authenticate(
    session: Session,
    email: str,
    password: str,
    address: str,
    now: datetime | None = None,
    *,
    code: str | None = None,
) -> StaffUser:
    """The active user with these credentials, or LoginRefused / LoginThrottled.

    An address that must wait (regsvc.auth.throttle) is answered LoginThrottled without a
    check, unless it gives a two-step `code` too: the right password with the right code
    get past any wait, and every other answer is the same LoginThrottled, so that a wait
    tells a guesser nothing. A `code` is checked whenever the account uses two-step
    sign-in; a user returned with two-step sign-in on and no `code` has passed only the
    password, and the code step (two_step.sign_in_with_code) follows.
    """
    now = now or utcnow()
    email = normalise_email(email)[:254]
    address = throttle.client(address)
    with write_transaction(session):
        # One attempt at a time per account, in every worker: a burst of simultaneous
        # guesses cannot all slip in before the first failure is counted.
        user = session.scalar(select(StaffUser).where(StaffUser.email == email).with_for_update())
        wait = throttle.retry_at(session, Kind.PASSWORD, email, address, now)
        if wait is not None and code is None:
            user = None
        else:
            stored = user.password_hash if user else _dummy_hash(current_app.config["PASSWORD_HASH_METHOD"])
            if not check_password_hash(stored, password) or user is None or not user.active:
                if wait is None:  # while it must wait, the answer is the same whatever was typed
                    throttle.record_failure(session, Kind.PASSWORD, email, address, now)
                user = None
            elif wait is not None or (code is not None and user.two_step_enabled):
                user = _with_code(session, user, code, address, now)
            if user is not None:
                throttle.forget_failures(session, Kind.PASSWORD, email, address)
                if code is not None or not user.two_step_enabled:
                    user.last_login_at = now
    if wait is not None and user is None:
        raise LoginThrottled(retry_after=wait - now)
    if user is None:
        raise LoginRefused()
    return user


def _with_code(
    session: Session, user: StaffUser, code: str | None, address: str, now: datetime
) -> StaffUser | None:
    """The user, whose right password comes with a right two-step code; None otherwise."""
    if code is None or not user.two_step_enabled:
        return None
    if throttle.retry_at(session, Kind.CODE, user.email, address, now) is not None:
        return None
    if not two_step.accept_code(user, code, now):
        throttle.record_failure(session, Kind.CODE, user.email, address, now)
        return None
    throttle.forget_failures(session, Kind.CODE, user.email, address)
    return user


def change_password(
    session: Session, user_id: int, password: str, *, current: str, address: str, now: datetime | None = None
) -> StaffUser:
    """A staff member sets a new password, giving the current one (a wrong one counts as a
    failed sign-in). Their other sessions end; the caller renews the one in use."""
    now = now or utcnow()
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(_l("A password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH))
    address = throttle.client(address)
    with write_transaction(session):
        user = session.get(StaffUser, user_id, with_for_update=True, populate_existing=True)
        if user is None:
            raise AccountError(_l("There is no such account."))
        wait = throttle.retry_at(session, Kind.PASSWORD, user.email, address, now)
        if wait is None and check_password_hash(user.password_hash, current):
            user.password_hash = hash_password(password)
            user.end_sessions()
            record(session, user, "user.password_changed", event_id=None, subject=user)
            changed = True
        else:
            if wait is None:
                throttle.record_failure(session, Kind.PASSWORD, user.email, address, now)
            changed = False
    if wait is not None:
        raise LoginThrottled(retry_after=wait - now)
    if not changed:
        raise AccountError(_l("Your current password is not right."))
    return user


def set_locale(session: Session, user_id: int, locale: str | None) -> None:
    """The language of a staff member's pages and e-mails; None: whatever their browser asks."""
    with write_transaction(session):
        user = session.get(StaffUser, user_id, populate_existing=True)
        if user is not None:
            user.locale = locale


def sign_out(session: Session, user_id: int) -> None:
    """Signing out ends every session of the account: a copied cookie stops working too."""
    with write_transaction(session):
        user = session.get(StaffUser, user_id, with_for_update=True, populate_existing=True)
        if user is not None:
            user.end_sessions()
