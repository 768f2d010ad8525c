import math
from datetime import timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_time
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from regsvc.auth import two_step
from regsvc.auth.access import (
    SentForm,
    carried_form,
    hold_sign_in,
    page_to_return_to,
    pending_sign_in,
    renew_session,
    sign_in_page,
    start_session,
)
from regsvc.auth.forms import AccountActiveForm, CodeForm, LanguageForm, LoginForm, PasswordForm, UserForm
from regsvc.auth.labels import ROLES
from regsvc.auth.models import StaffUser
from regsvc.auth.services import (
    AccountError,
    LoginRefused,
    authenticate,
    change_password,
    create_user,
    list_users,
    set_active,
    set_locale,
    sign_out,
)
from regsvc.auth.throttle import LoginThrottled
from regsvc.auth.two_step import CodeRefused, SignInExpired, TwoStepError
from regsvc.db import get_session, utcnow
from regsvc.documents.qr import qr_svg_data_uri
from regsvc.forms import ButtonForm
from regsvc.roles import Role, staff_required
from regsvc.translation import LANGUAGE_NAMES, remember_choice
from regsvc.web import form_page

bp = Blueprint("auth", __name__, url_prefix="/staff")


def _safe_next(target: str | None) -> str:
    """The staff page to go to after signing in: only one of ours, never another site."""
    return page_to_return_to(target) or url_for("auth.home")


def _address() -> str:
    return request.remote_addr or ""


def _private(page: str | tuple[str, int]) -> Response:
    """A page showing a secret (a new password, a two-step key): stored by no cache."""
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _wait_notice(retry_after: timedelta) -> str:
    seconds = max(1, math.ceil(retry_after.total_seconds()))
    at = format_time(
        utcnow() + timedelta(seconds=seconds),
        "HH:mm:ss",
        tzinfo=ZoneInfo(current_app.config["STAFF_TIMEZONE"]),
        locale=get_locale(),
    )
    if seconds < 90:
        wait = ngettext("%(num)d second", "%(num)d seconds", seconds)
    else:
        wait = ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))
    return _("Too many failed attempts. You can try again in %(wait)s, at %(time)s.", wait=wait, time=at)


def _retry_after(response: Response, throttled: LoginThrottled) -> Response:
    response.headers["Retry-After"] = str(max(1, math.ceil(throttled.retry_after.total_seconds())))
    return response


def _sign_in_again():
    flash(_("Please sign in again."), "info")
    return redirect(url_for("auth.login"))


def _code_page(form: CodeForm, status: int | None = None, *, sent: SentForm | None, **context) -> Response:
    response = make_response(form_page("auth/code.html", form, status, sent=sent, **context))
    if sent is not None:
        response.headers["Cache-Control"] = "no-store"  # it holds what they typed
    return response


def _signed_in(
    user: StaffUser, next_url: str, unsaved: bool, sent: SentForm | None = None
) -> ResponseReturnValue:
    """Into the new session, and back to the page the staff member was on. A form they had
    sent after their session ended is offered to be sent again (if their roles let them)."""
    start_session(user)
    if sent is not None and user.has_role(*sent.roles):
        return _private(render_template("auth/login.html", resend=sent, back_to=next_url))
    if unsaved:
        flash(
            _(
                "You are signed in again, back on the page you were on. What you sent before was "
                "not saved: make the change again and send it."
            ),
            "info",
        )
    return redirect(next_url)


@bp.route("/login", methods=["GET", "POST"])
def login():
    back_to = page_to_return_to(request.args.get("next"))
    next_url = back_to or url_for("auth.home")
    unsaved = request.args.get("unsaved") == "1"  # a form sent after the session had ended
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm()
    sent = carried_form(request.form) if form.is_submitted() else None

    def page(status: int | None = None, **context) -> Response:
        return sign_in_page(form, status, back_to=back_to, unsaved=unsaved, sent=sent, **context)

    if not form.validate_on_submit():
        return page()
    code = form.code.data or None
    try:
        user = authenticate(get_session(), form.email.data, form.password.data, _address(), code=code)
    except LoginThrottled as throttled:
        notice = _wait_notice(throttled.retry_after)
        return _retry_after(page(429, wait_notice=notice), throttled)
    except LoginRefused:
        form.password.errors.append(
            _("Wrong e-mail, password or code.") if code else _("Wrong e-mail or password.")
        )
        return page(401)
    if user.two_step_enabled and code is None:
        hold_sign_in(user, "code", next_url, unsaved=unsaved)
        if sent is not None:  # the form goes on in the code's page, never in the session cookie
            return _code_page(CodeForm(formdata=None), 200, sent=sent)
        return redirect(url_for("auth.login_code"))
    if two_step.required(user) and not user.two_step_enabled:
        hold_sign_in(user, "enrol", next_url, unsaved=unsaved)
        return redirect(url_for("auth.login_enrol"))
    return _signed_in(user, next_url, unsaved, sent)


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    """The second step of signing in: the code from the app (the password was right)."""
    pending = pending_sign_in("code")
    if pending is None:
        return _sign_in_again()
    form = CodeForm()
    sent = carried_form(request.form) if form.is_submitted() else None
    if not form.validate_on_submit():
        return _code_page(form, sent=sent)
    try:
        user = two_step.sign_in_with_code(
            get_session(), pending.user_id, pending.session_version, form.code.data, _address()
        )
    except LoginThrottled as throttled:
        notice = _wait_notice(throttled.retry_after)
        return _retry_after(_code_page(form, 429, sent=sent, wait_notice=notice), throttled)
    except CodeRefused:
        form.code.errors.append(
            _("This code is not right, or was used already. Enter the code your app shows now.")
        )
        return _code_page(form, 401, sent=sent)
    except SignInExpired:
        return _sign_in_again()
    return _signed_in(user, _safe_next(pending.next_url), pending.unsaved, sent)


def _enrolment_page(
    user_id: int, session_version: int | None, form: CodeForm, status: int | None = None
) -> Response:
    user = two_step.start_enrolment(get_session(), user_id, session_version)
    setup_uri = two_step.setup_uri(user)
    return _private(
        form_page(
            "auth/enrol.html",
            form,
            status,
            user=user,
            setup_uri=setup_uri,
            qr_code=qr_svg_data_uri(setup_uri, border=4),
            signing_in=session_version is not None,
        )
    )


@bp.route("/login/two-step", methods=["GET", "POST"])
def login_enrol():
    """After the password, for an account whose roles need two-step sign-in and that has
    not set it up: nothing else opens until it has."""
    pending = pending_sign_in("enrol")
    if pending is None:
        return _sign_in_again()
    form = CodeForm()
    try:
        if not form.validate_on_submit():
            return _enrolment_page(pending.user_id, pending.session_version, form)
        try:
            user = two_step.confirm_enrolment(
                get_session(), pending.user_id, form.code.data, pending.session_version
            )
        except CodeRefused:
            form.code.errors.append(_("This code is not right. Enter the code your app shows now."))
            return _enrolment_page(pending.user_id, pending.session_version, form, 422)
    except (SignInExpired, TwoStepError):
        return _sign_in_again()
    response = _signed_in(user, _safe_next(pending.next_url), pending.unsaved)
    flash(
        _("Two-step sign-in is on. From now on, you enter a code from your app after your password."),
        "success",
    )
    return response


@bp.post("/logout")
def logout():
    if ButtonForm().validate_on_submit() and current_user.is_authenticated:
        sign_out(get_session(), current_user.id)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
@staff_required(*Role)
def home():
    return render_template("auth/home.html")


def _account_page(
    password_form: PasswordForm | None = None,
    off_form: CodeForm | None = None,
    language_form: LanguageForm | None = None,
    status: int = 200,
):
    offered = current_app.config["LANGUAGES"]
    return form_page(
        "auth/account.html",
        password_form or PasswordForm(formdata=None),
        status,
        off_form=off_form or CodeForm(formdata=None),
        language_form=language_form or LanguageForm(offered, formdata=None, locale=current_user.locale or ""),
        two_step_required=two_step.required(current_user),
        role_labels=ROLES,
    )


@bp.get("/account")
@staff_required(*Role)
def account():
    return _account_page()


@bp.post("/account/password")
@staff_required(*Role)
def account_password():
    form = PasswordForm()
    if not form.validate_on_submit():
        return _account_page(password_form=form, status=422)
    try:
        user = change_password(
            get_session(), current_user.id, form.password.data, current=form.current.data, address=_address()
        )
    except LoginThrottled as throttled:
        flash(_wait_notice(throttled.retry_after), "error")
        return _account_page(password_form=form, status=429)
    except AccountError as refused:
        form.current.errors.append(str(refused))
        return _account_page(password_form=form, status=422)
    renew_session(user)
    flash(
        _("Your password is changed. Everywhere else you were signed in, you are now signed out."), "success"
    )
    return redirect(url_for("auth.account"))


@bp.post("/account/language")
@staff_required(*Role)
def account_language():
    form = LanguageForm(current_app.config["LANGUAGES"])
    if not form.validate_on_submit():
        return _account_page(language_form=form, status=422)
    chosen = form.locale.data or None
    set_locale(get_session(), current_user.id, chosen)
    if chosen is None:
        flash(_("Your pages now follow the language your browser asks for."), "success")
    else:
        with force_locale(chosen):  # said in the language chosen, as the next page will be
            language = LANGUAGE_NAMES.get(chosen, chosen)
            flash(_("Your pages are now in %(language)s.", language=language), "success")
    return remember_choice(redirect(url_for("auth.account")), chosen)


@bp.route("/account/two-step", methods=["GET", "POST"])
@staff_required(*Role)
def account_enrol():
    form = CodeForm()
    try:
        if not form.validate_on_submit():
            return _enrolment_page(current_user.id, None, form)
        try:
            two_step.confirm_enrolment(get_session(), current_user.id, form.code.data)
        except CodeRefused:
            form.code.errors.append(_("This code is not right. Enter the code your app shows now."))
            return _enrolment_page(current_user.id, None, form, 422)
    except TwoStepError as refused:
        flash(str(refused), "error")
        return redirect(url_for("auth.account"))
    flash(
        _("Two-step sign-in is on. From now on, you enter a code from your app after your password."),
        "success",
    )
    return redirect(url_for("auth.account"))


@bp.post("/account/two-step/off")
@staff_required(*Role)
def account_two_step_off():
    form = CodeForm()
    if not form.validate_on_submit():
        return _account_page(off_form=form, status=422)
    try:
        two_step.turn_off(get_session(), current_user.id, form.code.data)
    except CodeRefused:
        form.code.errors.append(
            _("This code is not right, or was used already. Enter the code your app shows now.")
        )
        return _account_page(off_form=form, status=422)
    except TwoStepError as refused:
        flash(str(refused), "error")
        return redirect(url_for("auth.account"))
    flash(_("Two-step sign-in is off. You can remove regsvc from your authenticator app."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/users", methods=["GET", "POST"])
@staff_required(Role.ORGANISER)
def users():
    form = UserForm()
    status = None
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
                # Shown in this response only: a flashed message would travel in the
                # session cookie.
                return _private(
                    render_template(
                        "auth/account_created.html",
                        account=account.user,
                        password=account.generated_password,
                        role_labels=ROLES,
                    )
                )
            flash(_("Account created for %(email)s.", email=account.user.email), "success")
            return redirect(url_for("auth.users"))
    return form_page(
        "auth/users.html",
        form,
        status,
        users=list_users(get_session()),
        role_labels=ROLES,
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


@bp.post("/users/<int:user_id>/two-step")
@staff_required(Role.ORGANISER)
def reset_two_step(user_id: int):
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("auth.users"))
    try:
        user = two_step.reset(get_session(), user_id, actor=current_user)
    except TwoStepError as refused:
        flash(str(refused), "error")
    else:
        flash(
            _(
                "Two-step sign-in is off for %(email)s, and they are signed out. "
                "They can set it up again from their account page.",
                email=user.email,
            ),
            "success",
        )
    return redirect(url_for("auth.users"))
