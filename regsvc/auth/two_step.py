"""Two-step sign-in: a 6-digit code (TOTP, RFC 6238) from an authenticator app after the
password. Enrolment, the code step of signing in, and turning it off."""

from __future__ import annotations

import hmac
from datetime import datetime
from urllib.parse import urlsplit

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from regsvc.audit.services import record
from regsvc.auth import throttle
from regsvc.auth.models import StaffUser
from regsvc.auth.throttle import Kind, LoginThrottled
from regsvc.db import utcnow, write_transaction
from regsvc.roles import Role

# Codes of the step before and after the current one are accepted too: a phone's clock
# may be a little off, and typing takes time.
CLOCK_DRIFT_STEPS = 1


class TwoStepError(Exception):
    """Two-step sign-in could not be turned on or off; the message says why."""


class CodeRefused(Exception):
    """A wrong code, or one already used."""


class SignInExpired(Exception):
    """The account changed (or was disabled) since the password was accepted."""


def required(user: StaffUser) -> bool:
    """Finance and organiser accounts must use two-step sign-in where REQUIRE_2FA is set."""
    return bool(current_app.config["REQUIRE_2FA"]) and user.has_role(Role.FINANCE, Role.ORGANISER)


def setup_uri(user: StaffUser) -> str:
    """The otpauth:// address that the enrolment QR code holds, named after this site."""
    assert user.totp_secret is not None
    issuer = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "regsvc"
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=issuer)


def accept_code(user: StaffUser, code: str, now: datetime) -> bool:
    """Whether `code` is the user's current code, never accepted before (the caller holds
    the user's row locked, so that two requests cannot both use one code)."""
    if user.totp_secret is None or not (len(code) == 6 and code.isascii() and code.isdigit()):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    current = totp.timecode(now)
    for step in range(current - CLOCK_DRIFT_STEPS, current + CLOCK_DRIFT_STEPS + 1):
        if step > (user.totp_last_step or -1) and hmac.compare_digest(code, totp.generate_otp(step)):
            user.totp_last_step = step
            return True
    return False


def _locked_user(session: Session, user_id: int) -> StaffUser | None:
    return session.get(StaffUser, user_id, with_for_update=True, populate_existing=True)


def _signing_in(session: Session, user_id: int, session_version: int | None) -> StaffUser | None:
    """The user, locked; while signing in (`session_version` of the password step given),
    SignInExpired if the account was disabled or its sessions ended since."""
    user = _locked_user(session, user_id)
    if session_version is not None and (
        user is None or not user.active or user.session_version != session_version
    ):
        raise SignInExpired()
    return user


def start_enrolment(session: Session, user_id: int, session_version: int | None = None) -> StaffUser:
    """The user with a secret to enrol: the one given earlier if enrolment was not finished
    (the app may have scanned it already), otherwise a new one."""
    with write_transaction(session):
        user = _signing_in(session, user_id, session_version)
        if user is None:
            raise TwoStepError(_l("There is no such account."))
        if user.two_step_enabled:
            raise TwoStepError(_l("Two-step sign-in is already on for your account."))
        if user.totp_secret is None:
            user.totp_secret = pyotp.random_base32()
    return user


def confirm_enrolment(
    session: Session, user_id: int, code: str, session_version: int | None = None, now: datetime | None = None
) -> StaffUser:
    """Turn two-step sign-in on, once a code shows that the app holds the secret."""
    now = now or utcnow()
    with write_transaction(session):
        user = _signing_in(session, user_id, session_version)
        if user is None or user.totp_secret is None:
            raise TwoStepError(_l("Please start setting up two-step sign-in again."))
        if user.two_step_enabled:
            raise TwoStepError(_l("Two-step sign-in is already on for your account."))
        if accept_code(user, code, now):
            user.totp_enabled_at = now
            record(session, user, "user.two_step_on", event_id=None, subject=user)
    if not user.two_step_enabled:
        raise CodeRefused()
    return user


def sign_in_with_code(
    session: Session, user_id: int, session_version: int, code: str, address: str, now: datetime | None = None
) -> StaffUser:
    """The second step of signing in, after the password: the user, or CodeRefused /
    LoginThrottled (wrong codes are slowed like wrong passwords: regsvc.auth.throttle) /
    SignInExpired."""
    now = now or utcnow()
    address = throttle.client(address)
    wait = None
    with write_transaction(session):
        user = _signing_in(session, user_id, session_version)
        if user is None or not user.two_step_enabled:
            raise SignInExpired()
        wait = throttle.retry_at(session, Kind.CODE, user.email, address, now)
        if wait is None:
            if accept_code(user, code, now):
                throttle.forget_failures(session, Kind.CODE, user.email, address)
                user.last_login_at = now
            else:
                throttle.record_failure(session, Kind.CODE, user.email, address, now)
                user = None
    if wait is not None:
        raise LoginThrottled(retry_after=wait - now)
    if user is None:
        raise CodeRefused()
    return user


def turn_off(session: Session, user_id: int, code: str, now: datetime | None = None) -> StaffUser:
    """The user turns two-step sign-in off, with a current code; not where their roles need it."""
    now = now or utcnow()
    with write_transaction(session):
        user = _locked_user(session, user_id)
        if user is None or not user.two_step_enabled:
            raise TwoStepError(_l("Two-step sign-in is not on for your account."))
        if required(user):
            raise TwoStepError(_l("Your roles need two-step sign-in: it cannot be turned off."))
        accepted = accept_code(user, code, now)
        if accepted:
            _forget_secret(user)
            record(session, user, "user.two_step_off", event_id=None, subject=user)
    if not accepted:
        raise CodeRefused()
    return user


def reset(session: Session, user_id: int, *, actor: StaffUser) -> StaffUser:
    """An organiser turns two-step sign-in off for someone who lost their phone. Their
    sessions end; where their roles need it, they set it up again when they next sign in."""
    with write_transaction(session):
        user = _locked_user(session, user_id)
        if user is None:
            raise TwoStepError(_l("There is no such account."))
        if user.id == actor.id:
            raise TwoStepError(_l("Turn off your own two-step sign-in on your account page."))
        if not user.two_step_enabled:
            raise TwoStepError(_l("%(email)s does not use two-step sign-in.", email=user.email))
        _forget_secret(user)
        user.end_sessions()
        record(session, actor, "user.two_step_reset", event_id=None, subject=user, email=user.email)
    return user


def _forget_secret(user: StaffUser) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
