"""Signing staff in: the session of a signed-in staff member, the sign-in that waits for its
second step, the user loader, and the page header's signed-in staff member (which pages
they may open: regsvc.roles).

A session holds the account's session version and the time of sign-in. The loader refuses
a session whose version the account has left behind (signing out, a new password, a
disabled account or a reset of two-step sign-in end every session at once, copied cookies
included), and one older than STAFF_SESSION_MAX_HOURS, however active.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from regsvc.auth import two_step
from regsvc.auth.models import StaffUser
from regsvc.db import database_failed, get_session
from regsvc.extensions import login_manager

VERSION_KEY = "staff_version"
SINCE_KEY = "staff_since"  # seconds since the epoch
PENDING_KEY = "staff_pending"
# Time to give the code, or to set up two-step sign-in, after the password.
PENDING_SECONDS = 10 * 60


def signed_in_staff() -> StaffUser | None:
    """The signed-in staff member, for the page header; None for anyone else.

    The header is on every public page: a visitor whose session holds no user id (the
    public, participants) is answered without asking Flask-Login to load a user.
    """
    if "_user_id" not in session:  # where login_user keeps it; no remember-me cookies here
        return None
    if database_failed():  # the page says the database cannot be reached: no user to load
        return None
    return current_user if current_user.is_authenticated else None


def stamp(browser_session: MutableMapping[str, Any], user: StaffUser, now: float) -> None:
    """Mark a session as begun now, for this version of the account."""
    browser_session[VERSION_KEY] = user.session_version
    browser_session[SINCE_KEY] = int(now)


def start_session(user: StaffUser) -> None:
    """Sign `user` in, in a fresh session (nothing of the one before is kept)."""
    session.clear()
    session.permanent = True  # expires after STAFF_IDLE_MINUTES without a request
    login_user(user)
    stamp(session, user, time.time())


def renew_session(user: StaffUser) -> None:
    """Keep the session in use after the user ended their others (a new password)."""
    session[VERSION_KEY] = user.session_version


def _is_current(user: StaffUser) -> bool:
    # A session begun before sign-ins were stamped is stamped at its first request. No
    # such cookie is issued any more, and each expires STAFF_IDLE_MINUTES after it was
    # (its signature holds its date).
    if VERSION_KEY not in session:
        stamp(session, user, time.time())
    max_hours = current_app.config["STAFF_SESSION_MAX_HOURS"]
    return (
        session[VERSION_KEY] == user.session_version and time.time() - session[SINCE_KEY] < max_hours * 3600
    )


@dataclass(frozen=True)
class PendingSignIn:
    """A password accepted, waiting for its second step ("code" or "enrol"). It only says
    whose code to ask for: the code step checks the account again (two_step.SignInExpired)."""

    user_id: int
    session_version: int
    step: str
    next_url: str


def hold_sign_in(user: StaffUser, step: str, next_url: str) -> None:
    session.clear()
    session[PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "step": step,
        "next": next_url,
        "at": int(time.time()),
    }


def pending_sign_in(step: str) -> PendingSignIn | None:
    held = session.get(PENDING_KEY)
    if not isinstance(held, dict) or held.get("step") != step:
        return None
    if time.time() - held["at"] > PENDING_SECONDS:
        return None
    return PendingSignIn(held["user"], held["version"], step, held["next"])


def init_app(app: Flask) -> None:
    # Templates get current_user lazily (Flask-Login's own context processor would load
    # the user for every page rendered, public ones included).
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user, "signed_in_staff": signed_in_staff})
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"

    @app.teardown_request
    def _forget_user(_exc=None):
        # The signed-in user is loaded afresh by each request, never carried over from
        # another one that shared the application context.
        g.pop("_login_user", None)

    @login_manager.user_loader
    def load_user(user_id: str) -> StaffUser | None:
        if not user_id.isdigit():
            return None
        user = get_session().get(StaffUser, int(user_id))
        # A disabled account is signed out on its next request, and so is an account that
        # must set up two-step sign-in first (REQUIRE_2FA turned on, a reset).
        if user is None or not user.active or not _is_current(user):
            return None
        return None if two_step.required(user) and not user.two_step_enabled else user
