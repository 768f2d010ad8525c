from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from regsvc.db import get_reader, get_session, utcnow
from regsvc.documents.qr import qr_svg
from regsvc.events.fares import fare_towns
from regsvc.events.services import Phase, phase, published_event, seats_left
from regsvc.limits import Limit
from regsvc.registration.forms import AttendanceChangeForm, RegistrationForm
from regsvc.registration.labels import ATTENDANCE
from regsvc.registration.lookups import private_registration
from regsvc.registration.models import Attendance, WhenFull
from regsvc.registration.services import (
    ChangeNotAllowed,
    EventNotFound,
    ParticipantDetails,
    RegistrationNotOpen,
    allowed_changes,
    change_attendance,
    register,
    waitlist_position,
)

bp = Blueprint("registration", __name__)
bp.add_app_template_filter(ATTENDANCE, "attendance_label")


def _event_or_404(slug: str):
    event, seats = published_event(get_reader(), slug)
    if event is None:
        abort(404)
    return event, seats


def _unavailable(event, current: Phase):
    return render_template("registration/unavailable.html", event=event, phase=current)


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
def register_form(slug: str):
    form = RegistrationForm()
    # A complete form goes straight to the seat allocation, which reads the event under its
    # lock: in a registration burst, that is the only time the event is read.
    if form.validate_on_submit():
        if form.website.data:
            # A robot filled in the field people never see: it is told what a person would be.
            return redirect(url_for("registration.link_sent", slug=slug, result="held"))
        details = ParticipantDetails(
            full_name=form.full_name.data,
            email=form.email.data,
            phone=form.phone.data or "",
            organisation=form.organisation.data,
            position=form.position.data,
            departure_town=form.departure_town.data,
            needs=form.needs.data or "",
            consents_to_publication=form.consent_publication.data,
        )
        try:
            outcome = register(
                get_session(),
                slug,
                details,
                Attendance(form.attendance.data),
                WhenFull(form.when_full.data or WhenFull.WAITLIST),
                locale=str(get_locale()),
                # Counted with the registration itself: one transaction, one commit.
                limit=Limit(
                    f"register:{request.remote_addr}",
                    current_app.config["REGISTRATIONS_PER_ADDRESS_PER_HOUR"],
                    timedelta(hours=1),
                ),
            )
        except EventNotFound:
            abort(404)
        except RegistrationNotOpen as closed:
            return _unavailable(_event_or_404(slug)[0], closed.phase)
        # The private link goes to the mailbox only; the browser learns what the request got,
        # on a page that is the same whether or not the address was registered before.
        return redirect(url_for("registration.link_sent", slug=slug, result=outcome.result))
    event, seats = _event_or_404(slug)
    current = phase(event, utcnow())
    if current != Phase.OPEN:
        return _unavailable(event, current)
    status = 422 if form.is_submitted() else 200
    return (
        render_template(
            "registration/form.html",
            form=form,
            event=event,
            seats_left=seats,
            # Suggested as you type; any other town can be typed too.
            towns=fare_towns(get_reader(), event),
        ),
        status,
    )


@bp.get("/e/<slug>/register/check-your-email")
def link_sent(slug: str):
    event, _seats = _event_or_404(slug)
    result = request.args.get("result", "")
    return render_template(
        "registration/link_sent.html",
        event=event,
        result=result if result in RESULTS else "",
        hold_hours=current_app.config["SEAT_HOLD_HOURS"],
    )


RESULTS = ("held", "waitlisted", "online")


@bp.get("/r/<token>/")
def manage(token: str):
    registration = private_registration(token)
    session = get_session()
    event = registration.event
    return render_template(
        "registration/manage.html",
        registration=registration,
        event=event,
        token=token,
        just_confirmed=g.get("address_confirmed", False),
        position=waitlist_position(session, registration),
        seats_left=seats_left(event),
        changes=allowed_changes(registration, utcnow()),
        form=AttendanceChangeForm(),
        qr_svg=qr_svg,
    )


@bp.route("/r/<token>/cancel", methods=["GET"])
def confirm_cancel(token: str):
    registration = private_registration(token)
    if Attendance.CANCELLED not in allowed_changes(registration, utcnow()):
        return redirect(url_for("registration.manage", token=token))
    return render_template(
        "registration/cancel.html",
        registration=registration,
        event=registration.event,
        token=token,
        form=AttendanceChangeForm(),
    )


_CHANGED_MESSAGES = {
    Attendance.ONSITE: (_l("You have an on-site seat."), "success"),
    Attendance.ONLINE: (_l("You are now registered to follow online."), "success"),
    Attendance.WAITLISTED: (
        _l("On-site is full, so you are on the waiting list. We will e-mail you if a seat frees up."),
        "info",
    ),
    Attendance.CANCELLED: (_l("Your registration is cancelled."), "info"),
}


@bp.post("/r/<token>/attendance")
def change(token: str):
    registration = private_registration(token)
    form = AttendanceChangeForm()
    if not form.validate_on_submit():
        flash(_("That change was not understood. Please use the buttons on this page."), "error")
        return redirect(url_for("registration.manage", token=token))
    try:
        registration = change_attendance(
            get_session(),
            registration.id,
            Attendance(form.wanted.data),
            WhenFull(form.when_full.data or WhenFull.WAITLIST),
        )
    except ChangeNotAllowed:
        flash(_("This change is not possible any more."), "error")
        return redirect(url_for("registration.manage", token=token))
    message, category = _CHANGED_MESSAGES[Attendance(registration.attendance)]
    flash(str(message), category)
    return redirect(url_for("registration.manage", token=token))
