"""Signing staff in: the session of a signed-in staff member, the sign-in that waits for its
second step, the user loader, and the page header's signed-in staff member (which pages
they may open: regsvc.roles).

A session holds the account's session version and the time of sign-in. The loader refuses
a session whose version the account has left behind (signing out, a new password, a
disabled account or a reset of two-step sign-in end every session at once, copied cookies
included), and one older than STAFF_SESSION_MAX_HOURS, however active.

Whoever is sent to the sign-in page comes back afterwards to the page they were on: a page
they opened (roles.staff_required gives its address), or the page of a form they sent after
their session had ended (`form_sent_too_late`). Such a form is not saved: the sign-in pages
carry it (`SentForm`) and, once signed in, offer to send it again.
"""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, make_response, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from regsvc.auth import two_step
from regsvc.auth.forms import LoginForm
from regsvc.auth.models import StaffUser
from regsvc.db import database_failed, get_session
from regsvc.extensions import login_manager
from regsvc.web import form_page

VERSION_KEY = "staff_version"
SINCE_KEY = "staff_since"  # seconds since the epoch
PENDING_KEY = "staff_pending"
# Time to give the code, or to set up two-step sign-in, after the password.
PENDING_SECONDS = 10 * 60
# The sign-in steps and signing out: never a page to come back to after signing in.
SIGN_IN_ENDPOINTS = frozenset({"auth.login", "auth.login_code", "auth.login_enrol", "auth.logout"})


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
    whose code to ask for: the code step checks the account again (two_step.SignInExpired).
    `unsaved`: the sign-in began with a form sent too late, to be sent again."""

    user_id: int
    session_version: int
    step: str
    next_url: str
    unsaved: bool = False


def hold_sign_in(user: StaffUser, step: str, next_url: str, *, unsaved: bool = False) -> None:
    session.clear()
    session[PENDING_KEY] = {
        "user": user.id,
        "version": user.session_version,
        "step": step,
        "next": next_url,
        "unsaved": unsaved,
        "at": int(time.time()),
    }


def pending_sign_in(step: str) -> PendingSignIn | None:
    held = session.get(PENDING_KEY)
    if not isinstance(held, dict) or held.get("step") != step:
        return None
    if time.time() - held["at"] > PENDING_SECONDS:
        return None
    return PendingSignIn(held["user"], held["version"], step, held["next"], bool(held.get("unsaved")))


def page_to_return_to(target: str | None) -> str | None:
    """`target` if it is a staff page of this site to come back to after signing in: a path
    alone, never another site's address (no open redirect), nor a sign-in step."""
    endpoint = _staff_endpoint(target, "GET")
    return target if endpoint is not None and endpoint not in SIGN_IN_ENDPOINTS else None


def _staff_endpoint(target: str | None, method: str) -> str | None:
    """The endpoint of a staff page of this site at `target` (a path and query) for `method`."""
    # Browsers read a backslash as a slash (/\\evil.example is another site) and drop spaces
    # and control characters around an address: a target with any of them is refused.
    if not target or any(character == "\\" or character <= " " for character in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/"):
        return None
    try:
        endpoint, _values = current_app.url_map.bind("").match(parts.path, method=method)
    except HTTPException:
        return None  # nothing there, or nothing that takes this method
    return endpoint


# --- a form sent after the session ended -----------------------------------------------------

# On the sign-in pages, a form sent too late travels as hidden fields: its address, and each
# of its fields under its own name after this prefix.
SENT_TO = "sent_to"
CARRIED = "sent."


@dataclass(frozen=True)
class SentForm:
    """A form sent to a staff page after its sender's session had ended, carried through the
    sign-in pages, to be sent again once they are signed in: where it went, what it held,
    and the roles of the page it went to."""

    to: str
    fields: tuple[tuple[str, str], ...]
    roles: frozenset[str]

    def hidden_fields(self) -> list[tuple[str, str]]:
        return [(SENT_TO, self.to), *((CARRIED + name, value) for name, value in self.fields)]


def carried_form(form_data: MultiDict[str, str]) -> SentForm | None:
    """The form carried through the sign-in page that sent `form_data`, if any."""
    fields = tuple(
        (name.removeprefix(CARRIED), value)
        for name, value in form_data.items(multi=True)
        if name.startswith(CARRIED)
    )
    return _carried(form_data.get(SENT_TO), fields)


def _carried(to: str | None, fields: tuple[tuple[str, str], ...]) -> SentForm | None:
    """A form to carry, if it goes to a staff page that takes forms. Nothing of the sign-in
    steps or of staff accounts is carried: they hold passwords and codes."""
    endpoint = _staff_endpoint(to, "POST")
    if to is None or endpoint is None or endpoint.startswith("auth."):
        return None
    roles: frozenset[str] = getattr(current_app.view_functions[endpoint], "allowed_roles", frozenset())
    return SentForm(to, fields, roles) if roles else None


def _sent_form() -> SentForm | None:
    """This request's form, to carry: only one the browser says it sent from a page of this
    site (Origin, Sec-Fetch-Site), so that another site cannot have one sent again after a
    sign-in; and one without files, which cannot be carried."""
    this_site = f"{request.scheme}://{request.host}"
    if request.headers.get("Origin") != this_site:
        return None
    if request.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
        return None
    if any(file.filename for file in request.files.values()):
        return None
    fields = tuple((name, value) for name, value in request.form.items(multi=True) if name != "csrf_token")
    return _carried(request.full_path.rstrip("?"), fields)


def sign_in_page(
    form: LoginForm,
    status: int | None = None,
    *,
    back_to: str | None,
    unsaved: bool = False,
    sent: SentForm | None = None,
    **context: Any,
) -> Response:
    """The sign-in page, after which the staff member goes to `back_to` (a page they were on).
    `unsaved`: they had sent a form, which was not saved; `sent`: that form, carried."""
    action = url_for("auth.login", next=back_to, unsaved="1" if unsaved else None)
    page = form_page(
        "auth/login.html", form, status, action=action, back_to=back_to, unsaved=unsaved, sent=sent, **context
    )
    response = make_response(page)
    if sent is not None:
        response.headers["Cache-Control"] = "no-store"  # it holds what they typed
    return response


def form_sent_too_late() -> Response | None:
    """A form sent to a staff page by someone not signed in: their session ended while the
    page was open (or they never signed in). Nothing is done; the sign-in page answers, and
    afterwards offers to send the form again, or leads back to the page that sent it."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method in ("GET", "HEAD", "OPTIONS") or not getattr(view, "allowed_roles", None):
        return None
    if current_user.is_authenticated:
        return None
    back_to = _referring_page() or page_to_return_to(request.path)
    return sign_in_page(LoginForm(formdata=None), 401, back_to=back_to, unsaved=True, sent=_sent_form())


def _referring_page() -> str | None:
    """The page of this site the form was on (the browser's Referer), as a path."""
    referrer = urlsplit(request.referrer or "")
    if (referrer.scheme, referrer.netloc) != (request.scheme, request.host):
        return None
    return page_to_return_to(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def init_app(app: Flask) -> None:
    # Templates get current_user lazily (Flask-Login's own context processor would load
    # the user for every page rendered, public ones included).
    login_manager.init_app(app, add_context_processor=False)
    app.context_processor(lambda: {"current_user": current_user, "signed_in_staff": signed_in_staff})
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"

    # Answers before the view, and before CSRFProtect if create_app sets this up first: an
    # ended session takes the form's CSRF token with it.
    app.before_request(form_sent_too_late)

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
