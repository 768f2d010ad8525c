"""Who may open which staff page. Every /staff/ view is wrapped in staff_required."""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from regsvc.auth.models import StaffUser
from regsvc.db import get_session
from regsvc.extensions import login_manager


def staff_required(*roles: str):
    """Allow signed-in staff holding any of `roles`; others get the login page or a 403."""
    if not roles:
        raise ValueError("name the roles that may open this page")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        guarded.allowed_roles = frozenset(roles)
        return guarded

    return decorate


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
