from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from regsvc.auth.forms import AccountActiveForm, LoginForm, UserForm
from regsvc.auth.labels import ROLES
from regsvc.auth.services import (
    AccountError,
    LoginRefused,
    LoginThrottled,
    authenticate,
    create_user,
    list_users,
    set_active,
)
from regsvc.db import get_session
from regsvc.roles import Role, staff_required

bp = Blueprint("auth", __name__, url_prefix="/staff")


def _safe_next(target: str | None) -> str:
    """Only our own staff pages: never an open redirect to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/staff/"):
            return target
    return url_for("auth.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(get_session(), form.email.data, form.password.data, request.remote_addr or "")
        except LoginThrottled as throttled:
            minutes = max(1, round(throttled.retry_after.total_seconds() / 60))
            flash(
                _("Too many failed sign-ins. Please wait %(num)d minutes and try again.", num=minutes),
                "error",
            )
            status = 429
        except LoginRefused:
            form.password.errors.append(_("Wrong e-mail or password."))
            status = 401
        else:
            session.clear()  # a fresh session on sign-in
            session.permanent = True  # expires after STAFF_IDLE_MINUTES without a request
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
@staff_required(*Role)
def home():
    return render_template("auth/home.html")


@bp.route("/users", methods=["GET", "POST"])
@staff_required(Role.ORGANISER)
def users():
    form = UserForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = create_user(
                get_session(),
                form.email.data,
                form.roles.data,
                password=form.password.data or None,
                full_name=form.full_name.data or "",
                actor=current_user,
            )
        except AccountError as refused:
            form.email.errors.append(str(refused))
            status = 422
        else:
            if account.generated_password:
                flash(
                    _(
                        "Account created for %(email)s. Their password, shown only now: %(password)s",
                        email=account.user.email,
                        password=account.generated_password,
                    ),
                    "success",
                )
            else:
                flash(_("Account created for %(email)s.", email=account.user.email), "success")
            return redirect(url_for("auth.users"))
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "auth/users.html", form=form, users=list_users(get_session()), role_labels=ROLES
        ),
        status,
    )


@bp.post("/users/<int:user_id>/active")
@staff_required(Role.ORGANISER)
def toggle_active(user_id: int):
    form = AccountActiveForm()
    if not form.validate_on_submit():
        flash(_("That change was not understood. Please use the buttons on this page."), "error")
        return redirect(url_for("auth.users"))
    active = form.active.data == "1"
    try:
        user = set_active(get_session(), user_id, active, actor=current_user)
    except AccountError as refused:
        flash(str(refused), "error")
    else:
        if active:
            flash(_("%(email)s can sign in again.", email=user.email), "success")
        else:
            flash(_("%(email)s can no longer sign in.", email=user.email), "success")
    return redirect(url_for("auth.users"))
