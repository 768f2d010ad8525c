"""The desk at the venue (/staff/desk/…): search, check-in by tap or QR code, the people
expected and not yet here, walk-ins."""

from datetime import datetime

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from regsvc.db import get_session, utcnow
from regsvc.desk.forms import EXPECTED, DeskSearchForm, SeatForm
from regsvc.desk.queries import checked_in_by, desk_events, expected, expected_count, search
from regsvc.desk.services import (
    CheckIn,
    NotSeated,
    check_in,
    complete_code,
    give_seat_and_check_in,
    registration_by_code,
    typed_code,
    undo_check_in,
)
from regsvc.events.fares import fare_towns
from regsvc.events.models import Event
from regsvc.events.services import seats_left
from regsvc.formatting import event_datetime
from regsvc.registration.forms import WalkInForm
from regsvc.registration.labels import ATTENDANCE
from regsvc.registration.lookups import registration_or_404
from regsvc.registration.models import CHECKIN_CODE_DIGITS, Registration
from regsvc.registration.queries import counts
from regsvc.registration.services import (
    AlreadyRegistered,
    ParticipantDetails,
    SeatsFull,
    register_walk_in,
)
from regsvc.roles import Role, staff_required
from regsvc.web import get_or_404

bp = Blueprint("desk", __name__, url_prefix="/staff/desk")
desk_staff = staff_required(Role.DESK, Role.ORGANISER)


def checked_in_time(moment: datetime, event: Event) -> str:
    """When someone was checked in, as the desk reads it: the time alone on the same day
    at the venue ("09:12"), the date too otherwise."""
    same_day = moment.astimezone(event.zone).date() == utcnow().astimezone(event.zone).date()
    return event_datetime(moment, event, "time" if same_day else "short")


bp.add_app_template_filter(checked_in_time, "checked_in_time")


def _back(event: Event, back: str | None = None, query: str | None = None, page: int | None = None):
    if back == EXPECTED:
        return redirect(url_for("desk.expected_list", event_id=event.id, q=query or None, page=page))
    return redirect(url_for("desk.desk", event_id=event.id, q=query or None))


@bp.get("/")
@desk_staff
def choose():
    return render_template("desk/choose.html", events=desk_events(get_session(), utcnow()))


def _results_context(event: Event, query: str) -> dict:
    session = get_session()
    results = search(session, event.id, query)
    return dict(
        event=event,
        query=query,
        code=typed_code(query),
        results=results,
        seats_left=seats_left(event),
        checked_in_by=checked_in_by(session, results.people),
        override=request.args.get("override", type=int),  # whose override form to open
    )


@bp.get("/<int:event_id>/")
@desk_staff
def desk(event_id: int):
    event = get_or_404(Event, event_id)
    session = get_session()
    return render_template(
        "desk/desk.html",
        counts=counts(session, event),
        expected_count=expected_count(session, event.id),
        **_results_context(event, request.args.get("q", "")),
    )


@bp.get("/<int:event_id>/search")
@desk_staff
def search_results(event_id: int):
    """The result list alone, for search as you type."""
    event = get_or_404(Event, event_id)
    return render_template("desk/_results.html", **_results_context(event, request.args.get("q", "")))


def _expected_context(event: Event) -> dict:
    query = request.args.get("q", "")
    page = request.args.get("page", 1, type=int)
    session = get_session()
    people = expected(session, event.id, query, page, str(get_locale()))
    return dict(
        event=event,
        query=query,
        people=people,
        expected_count=expected_count(session, event.id) if query.strip() else people.total,
    )


@bp.get("/<int:event_id>/expected")
@desk_staff
def expected_list(event_id: int):
    """Who holds an on-site seat and is not checked in yet, by surname."""
    event = get_or_404(Event, event_id)
    return render_template(
        "desk/expected.html", counts=counts(get_session(), event), **_expected_context(event)
    )


@bp.get("/<int:event_id>/expected/search")
@desk_staff
def expected_results(event_id: int):
    """The expected list alone, for search as you type."""
    return render_template("desk/_expected.html", **_expected_context(get_or_404(Event, event_id)))


@bp.get("/<int:event_id>/counts")
@desk_staff
def live_counts(event_id: int):
    session = get_session()
    event = get_or_404(Event, event_id)
    numbers = counts(session, event)
    return jsonify(
        checked_in=numbers.checked_in,
        onsite=numbers.onsite,
        capacity=numbers.capacity,
        seats_left=numbers.seats_left,
        waitlisted=numbers.waitlisted,
        expected=expected_count(session, event.id),
    )


def _unknown_code(code: str) -> str:
    if not complete_code(code):
        return ngettext(
            "A check-in code has %(digits)d digits; this one has %(num)d. Check it and try again.",
            "A check-in code has %(digits)d digits; this one has %(num)d. Check it and try again.",
            len(code),
            digits=CHECKIN_CODE_DIGITS,
        )
    return _("This code does not belong to a registration for this event.")


@bp.post("/<int:event_id>/scan")
@desk_staff
def scan(event_id: int):
    """What the search field sends on Enter: a scanned or typed check-in code checks in,
    text searches."""
    event = get_or_404(Event, event_id)
    form = DeskSearchForm()
    if not form.validate_on_submit():
        return _back(event)
    typed = (form.q.data or "").strip()
    code = typed_code(typed)
    if code is None:
        return _back(event, form.back.data, typed)
    registration = registration_by_code(get_session(), event.id, code)
    if registration is None:
        flash(_unknown_code(code), "error")
        return _back(event, form.back.data, page=form.page.data)
    return _check_in(event, registration, form.back.data)


def _already_in(event: Event, arrival: CheckIn) -> str:
    person, time = arrival.registration, checked_in_time(arrival.at, event)
    if arrival.by is None:
        return _("%(name)s was already checked in at %(time)s.", name=person.full_name, time=time)
    return _(
        "%(name)s was already checked in at %(time)s by %(staff)s.",
        name=person.full_name,
        time=time,
        staff=arrival.by.email,
    )


def _check_in(
    event: Event,
    registration: Registration,
    back: str | None = None,
    page: int | None = None,
    query: str | None = None,
):
    try:
        arrival = check_in(get_session(), registration.id, current_user)
    except NotSeated:
        flash(
            _(
                "%(name)s has no on-site seat (%(status)s). Give them a seat below to check them in.",
                name=registration.full_name,
                status=ATTENDANCE(registration.attendance),
            ),
            "warning",
        )
        return _back(event, query=registration.full_name)
    if arrival.newly:
        flash(_("✓ %(name)s is checked in.", name=registration.full_name), "success")
    else:
        flash(_already_in(event, arrival), "info")
    return _back(event, back, query, page)


@bp.post("/<int:event_id>/checkin/<int:registration_id>")
@desk_staff
def check_in_person(event_id: int, registration_id: int):
    event = get_or_404(Event, event_id)
    registration = registration_or_404(event.id, registration_id)
    form = DeskSearchForm()
    if not form.validate_on_submit():
        return _back(event)
    return _check_in(event, registration, form.back.data, form.page.data, form.q.data)


@bp.post("/<int:event_id>/undo/<int:registration_id>")
@desk_staff
def undo(event_id: int, registration_id: int):
    event = get_or_404(Event, event_id)
    person = registration_or_404(event.id, registration_id)
    form = DeskSearchForm()
    if form.validate_on_submit():
        undo_check_in(get_session(), person.id, current_user)
        flash(_("Check-in of %(name)s undone.", name=person.full_name), "info")
    return _back(event, query=form.q.data)


@bp.post("/<int:event_id>/seat/<int:registration_id>")
@desk_staff
def seat(event_id: int, registration_id: int):
    """Give an on-site seat to someone registered online, waiting or cancelled, and check
    them in; over the cap only with a reason. Nothing changes unless the seat is given."""
    event = get_or_404(Event, event_id)
    registration = registration_or_404(event.id, registration_id)
    form = SeatForm()
    if not form.validate_on_submit():
        flash(form.override_reason.errors[0], "error")
        return redirect(
            url_for("desk.desk", event_id=event.id, q=registration.full_name, override=registration.id)
        )
    try:
        arrival = give_seat_and_check_in(
            get_session(), registration.id, current_user, override_reason=form.override_reason.data or ""
        )
    except SeatsFull as full:
        flash(
            _(
                "On-site is full (%(taken)d of %(cap)d seats). Nothing was changed for %(name)s "
                "(%(status)s). To seat them anyway, give a reason for the override: it is logged.",
                taken=full.taken,
                cap=full.capacity,
                name=registration.full_name,
                status=ATTENDANCE(registration.attendance),
            ),
            "warning",
        )
        return redirect(
            url_for("desk.desk", event_id=event.id, q=registration.full_name, override=registration.id)
        )
    if arrival.newly:
        flash(_("✓ %(name)s has an on-site seat and is checked in.", name=registration.full_name), "success")
    else:
        flash(_already_in(event, arrival), "info")
    return _back(event)


@bp.route("/<int:event_id>/walk-in", methods=["GET", "POST"])
@desk_staff
def walk_in(event_id: int):
    event = get_or_404(Event, event_id)
    form = WalkInForm()
    form.offer_languages(current_app.config["LANGUAGES"], str(get_locale()))
    numbers = counts(get_session(), event)
    status = 200
    if form.validate_on_submit():
        details = ParticipantDetails(
            full_name=form.full_name.data,
            email=form.email.data or "",
            organisation=form.organisation.data or "",
            position="",
            departure_town=form.departure_town.data or "",
            consents_to_publication=form.consent_publication.data,
        )
        try:
            registration = register_walk_in(
                get_session(),
                event.id,
                details,
                current_user,
                override_reason=form.override_reason.data or "",
                locale=form.locale.data,
            )
        except SeatsFull as full:
            form.override_reason.errors.append(
                _(
                    "On-site is full (%(taken)d of %(cap)d seats). Nothing was saved. To seat this person "
                    "anyway, give a reason: it is logged.",
                    taken=full.taken,
                    cap=full.capacity,
                )
            )
            status = 409
        except AlreadyRegistered as known:
            form.email.errors.append(
                _(
                    "%(name)s is already registered with this e-mail: find them in the search instead.",
                    name=known.registration.full_name,
                )
            )
            status = 409
        else:
            flash(_("✓ %(name)s is registered and checked in.", name=registration.full_name), "success")
            return redirect(url_for("desk.desk", event_id=event.id))
    elif form.is_submitted():
        status = 422
    return (
        render_template(
            "desk/walk_in.html",
            event=event,
            form=form,
            counts=numbers,
            towns=fare_towns(get_session(), event),
        ),
        status,
    )
