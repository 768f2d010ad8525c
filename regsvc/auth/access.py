"""Signing staff in: the user loader and the page header's signed-in staff member
(which pages they may open: regsvc.roles)."""

from __future__ import annotations

from flask import Flask, g, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from regsvc.auth.models import StaffUser
from regsvc.db import get_session
from regsvc.extensions import login_manager


def signed_in_staff() -> StaffUser | None:
    """The signed-in staff member, for the page header; None for anyone else.

    The header is on every public page: a visitor whose session holds no user id (the
    public, participants) is answered without asking Flask-Login to load a user.
    """
    if "_user_id" not in session:  # where login_user keeps it; no remember-me cookies here
        return None
    return current_user if current_user.is_authenticated else None


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
        # A disabled account is signed out on its next request.
        return user if user is not None and user.active else None
