"""The desk at the venue (/staff/desk/…): search, check-in by tap or QR code, walk-ins."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from regsvc.db import get_session, utcnow
from regsvc.desk.forms import DeskSearchForm, SeatForm
from regsvc.desk.services import NotSeated, check_in, registration_by_code, undo_check_in
from regsvc.events.editing import all_events
from regsvc.events.fares import fare_towns
from regsvc.events.models import Event
from regsvc.forms import ButtonForm
from regsvc.registration.forms import WalkInForm
from regsvc.registration.labels import ATTENDANCE
from regsvc.registration.lookups import registration_or_404
from regsvc.registration.models import Attendance, Registration
from regsvc.registration.queries import counts, desk_search
from regsvc.registration.services import (
    AlreadyRegistered,
    ParticipantDetails,
    SeatsFull,
    register_walk_in,
    staff_set_attendance,
)
from regsvc.roles import Role, staff_required
from regsvc.web import get_or_404

bp = Blueprint("desk", __name__, url_prefix="/staff/desk")
desk_staff = staff_required(Role.DESK, Role.ORGANISER)


def _back(event: Event, query: str | None):
    return redirect(url_for("desk.desk", event_id=event.id, q=query or None))


@bp.get("/")
@desk_staff
def choose():
    now = utcnow()
    events = [event for event in all_events(get_session()) if event.ends_at > now]
    return render_template("desk/choose.html", events=events)


@bp.get("/<int:event_id>/")
@desk_staff
def desk(event_id: int):
    event = get_or_404(Event, event_id)
    query = request.args.get("q", "")
    session = get_session()
    return render_template(
        "desk/desk.html",
        event=event,
        query=query,
        results=desk_search(session, event.id, query),
        counts=counts(session, event),
    )


@bp.get("/<int:event_id>/search")
@desk_staff
def search(event_id: int):
    """The result list alone, for search as you type."""
    event = get_or_404(Event, event_id)
    query = request.args.get("q", "")
    return render_template(
        "desk/_results.html", event=event, query=query, results=desk_search(get_session(), event.id, query)
    )


@bp.get("/<int:event_id>/counts")
@desk_staff
def live_counts(event_id: int):
    numbers = counts(get_session(), get_or_404(Event, event_id))
    return jsonify(
        checked_in=numbers.checked_in,
        onsite=numbers.onsite,
        capacity=numbers.capacity,
        seats_left=numbers.seats_left,
        waitlisted=numbers.waitlisted,
    )


@bp.post("/<int:event_id>/scan")
@desk_staff
def scan(event_id: int):
    """What the search field sends on Enter: a scanned check-in code checks in, text searches."""
    event = get_or_404(Event, event_id)
    form = DeskSearchForm()
    typed = (form.q.data or "").strip() if form.validate_on_submit() else ""
    # A code may be typed as the participant's page shows it: "7989 6818 6478 4949".
    code = "".join(typed.replace("-", " ").split())
    registration = registration_by_code(get_session(), event.id, code) if code.isdigit() else None
    if registration is None:
        if code.isdigit() and len(code) >= 12:
            flash(_("This code does not belong to a registration for this event."), "error")
            return redirect(url_for("desk.desk", event_id=event.id))
        return redirect(url_for("desk.desk", event_id=event.id, q=typed or None))
    return _check_in(event, registration)


def _check_in(event: Event, registration: Registration):
    try:
        _checked, newly = check_in(get_session(), registration.id, current_user)
    except NotSeated:
        flash(
            _(
                "%(name)s has no on-site seat (%(status)s). Give them a seat below to check them in.",
                name=registration.full_name,
                status=ATTENDANCE(registration.attendance),
            ),
            "warning",
        )
        return redirect(url_for("desk.desk", event_id=event.id, q=registration.full_name))
    if newly:
        flash(_("✓ %(name)s is checked in.", name=registration.full_name), "success")
    else:
        flash(_("%(name)s was already checked in.", name=registration.full_name), "info")
    return redirect(url_for("desk.desk", event_id=event.id))


@bp.post("/<int:event_id>/checkin/<int:registration_id>")
@desk_staff
def check_in_person(event_id: int, registration_id: int):
    event = get_or_404(Event, event_id)
    registration = registration_or_404(event.id, registration_id)
    if not ButtonForm().validate_on_submit():
        return _back(event, None)
    return _check_in(event, registration)


@bp.post("/<int:event_id>/undo/<int:registration_id>")
@desk_staff
def undo(event_id: int, registration_id: int):
    event = get_or_404(Event, event_id)
    person = registration_or_404(event.id, registration_id)
    form = DeskSearchForm()
    if form.validate_on_submit():
        undo_check_in(get_session(), person.id, current_user)
        flash(_("Check-in of %(name)s undone.", name=person.full_name), "info")
    return _back(event, form.q.data)


@bp.post("/<int:event_id>/seat/<int:registration_id>")
@desk_staff
def seat(event_id: int, registration_id: int):
    """Give an on-site seat to someone registered online or waiting, then check them in."""
    event = get_or_404(Event, event_id)
    registration = registration_or_404(event.id, registration_id)
    form = SeatForm()
    if not form.validate_on_submit():
        return _back(event, form.q.data)
    updated = staff_set_attendance(
        get_session(),
        registration.id,
        Attendance.ONSITE,
        current_user,
        override_reason=form.override_reason.data or "",
    )
    if updated.attendance != Attendance.ONSITE:
        flash(
            _(
                "On-site is full. To seat %(name)s anyway, give a reason for the override.",
                name=updated.full_name,
            ),
            "warning",
        )
        return redirect(url_for("desk.desk", event_id=event.id, q=updated.full_name, override=updated.id))
    return _check_in(event, updated)


@bp.route("/<int:event_id>/walk-in", methods=["GET", "POST"])
@desk_staff
def walk_in(event_id: int):
    event = get_or_404(Event, event_id)
    form = WalkInForm()
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
