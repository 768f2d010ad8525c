"""The organiser's pages of an event's registrations (/staff/events/<id>/…): the overview
with its counts and the on-site capacity, the registration list and each registration,
sign-in sheets, badges and exports."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from regsvc.db import get_session, utcnow
from regsvc.documents.attendance import AttendanceRow, attendance_csv, attendance_xlsx, csv_delimiter
from regsvc.documents.badges import write_badges
from regsvc.documents.responses import download, download_written
from regsvc.documents.sign_in_sheet import write_sign_in_sheet
from regsvc.events.forms import RegistrationOpenForm
from regsvc.events.models import Event
from regsvc.events.services import phase
from regsvc.events.texts import localized
from regsvc.registration.forms import CapacityForm, DetailsForm, StaffAttendanceForm
from regsvc.registration.labels import ATTENDANCE
from regsvc.registration.lookups import registration_or_404
from regsvc.registration.models import Attendance
from regsvc.registration.queries import LISTS, SORTS, counts, find_registrations, list_members
from regsvc.registration.services import (
    AlreadyRegistered,
    CapacityBelowTaken,
    set_capacity,
    staff_set_attendance,
    update_details,
    waitlist_position,
)
from regsvc.roles import Role, staff_required
from regsvc.web import form_page, get_or_404

bp = Blueprint("registrations", __name__, url_prefix="/staff/events")
organiser = staff_required(Role.ORGANISER)


def _dashboard(event: Event, capacity_form: CapacityForm, status: int = 200):
    numbers = counts(get_session(), event)
    return (
        render_template(
            "console/dashboard.html",
            event=event,
            counts=numbers,
            phase=phase(event, utcnow()),
            open_form=RegistrationOpenForm(),
            capacity_form=capacity_form,
            list_labels=LIST_LABELS,
            separators=[(name, label) for name, (_mark, label) in SEPARATORS.items()],
            default_separator=_separator_of(csv_delimiter()),
        ),
        status,
    )


@bp.get("/<int:event_id>/")
@organiser
def dashboard(event_id: int):
    event = get_or_404(Event, event_id)
    return _dashboard(event, CapacityForm(formdata=None, capacity=event.onsite_capacity))


@bp.post("/<int:event_id>/capacity")
@organiser
def capacity(event_id: int):
    event = get_or_404(Event, event_id)
    form = CapacityForm()
    if not form.validate_on_submit():
        return _dashboard(event, form, 422)
    try:
        promoted = set_capacity(get_session(), event.id, form.capacity.data, actor=current_user)
    except CapacityBelowTaken as refused:
        form.capacity.errors.append(
            _(
                "%(taken)d people already hold on-site seats: the capacity cannot go below that. "
                "Move some of them online first.",
                taken=refused.taken,
            )
        )
        return _dashboard(event, form, 422)
    message = _("Capacity is now %(num)d.", num=form.capacity.data)
    if promoted:
        message += " " + ngettext(
            "%(num)d person moved up from the waiting list.",
            "%(num)d people moved up from the waiting list.",
            len(promoted),
        )
    flash(message, "success")
    return redirect(url_for("registrations.dashboard", event_id=event.id))


@bp.get("/<int:event_id>/registrations")
@organiser
def index(event_id: int):
    event = get_or_404(Event, event_id)
    args = request.args
    sort = args.get("sort", "name")
    page = find_registrations(
        get_session(),
        event.id,
        query=args.get("q", ""),
        attendance=args.get("attendance", ""),
        checked_in=args.get("checked_in", ""),
        sort=sort if sort in SORTS else "name",
        descending=args.get("order") == "desc",
        page=args.get("page", 1, type=int),
    )
    return render_template(
        "console/registrations.html",
        event=event,
        page=page,
        args=args,
        sorts=SORTS,
        attendances=ATTENDANCE.choices(),
    )


@bp.route("/<int:event_id>/registrations/<int:registration_id>", methods=["GET", "POST"])
@organiser
def detail(event_id: int, registration_id: int):
    event = get_or_404(Event, event_id)
    person = registration_or_404(event.id, registration_id)
    form = DetailsForm(obj=person)
    if form.validate_on_submit():
        try:
            update_details(get_session(), person.id, form.changes(), current_user)
        except AlreadyRegistered:
            form.email.errors.append(
                _("Another registration for this event already uses this e-mail address.")
            )
        else:
            flash(_("Details saved."), "success")
            return redirect(url_for("registrations.detail", event_id=event.id, registration_id=person.id))
    return form_page(
        "console/registration.html",
        form,
        event=event,
        person=person,
        attendance_form=StaffAttendanceForm(formdata=None, wanted=person.attendance),
        position=waitlist_position(get_session(), person),
    )


@bp.post("/<int:event_id>/registrations/<int:registration_id>/attendance")
@organiser
def attendance(event_id: int, registration_id: int):
    event = get_or_404(Event, event_id)
    person = registration_or_404(event.id, registration_id)
    form = StaffAttendanceForm()
    if not form.validate_on_submit():
        flash(_("Choose an attendance."), "error")
    else:
        updated = staff_set_attendance(
            get_session(),
            person.id,
            Attendance(form.wanted.data),
            current_user,
            override_reason=form.override_reason.data or "",
        )
        if form.wanted.data == Attendance.ONSITE and updated.attendance == Attendance.WAITLISTED:
            flash(
                _(
                    "On-site is full, so they are on the waiting list. "
                    "Give a reason to seat them over the cap."
                ),
                "info",
            )
        else:
            flash(_("Attendance saved."), "success")
    return redirect(url_for("registrations.detail", event_id=event.id, registration_id=person.id))


# -- lists and exports ------------------------------------------------------------------

LIST_LABELS = {
    "onsite": _l("On-site participants"),
    "online": _l("Online participants"),
    "all": _l("All participants"),
    "published": _l("Participants (published list)"),
}


# The separators a CSV file can have: Excel reads the one of the language Windows is set to.
SEPARATORS = {
    "semicolon": (";", _l("Semicolon (;): Excel in Serbian, Macedonian or Albanian")),
    "comma": (",", _l("Comma (,): Excel in English")),
}


def _separator_of(mark: str) -> str:
    return next(name for name, (separator, _label) in SEPARATORS.items() if separator == mark)


def _which(default: str) -> str:
    which = request.args.get("list", default)
    if which not in LISTS:
        abort(404)
    return which


def _rows(event: Event, which: str) -> list[AttendanceRow]:
    return [
        AttendanceRow(
            full_name=person.full_name,
            organisation=person.organisation,
            town=person.departure_town,
            attendance=ATTENDANCE(person.attendance),
            checkin_code=person.checkin_code,
            consents_to_publication=person.consents_to_publication,
            checked_in=person.checked_in_at is not None,
        )
        for person in list_members(get_session(), event.id, which)
    ]


@bp.get("/<int:event_id>/sign-in-sheet.pdf")
@staff_required(Role.ORGANISER, Role.DESK)
def sign_in_sheet(event_id: int):
    event = get_or_404(Event, event_id)
    which = _which("onsite")
    rows, label = _rows(event, which), str(LIST_LABELS[which])
    return download_written(
        lambda out: write_sign_in_sheet(out, localized(event), rows, label),
        "application/pdf",
        f"{event.slug}-sign-in-{which}.pdf",
        inline=True,
    )


@bp.get("/<int:event_id>/badges.pdf")
@staff_required(Role.ORGANISER, Role.DESK)
def badges(event_id: int):
    event = get_or_404(Event, event_id)
    rows = _rows(event, "onsite")
    return download_written(
        lambda out: write_badges(out, localized(event), rows),
        "application/pdf",
        f"{event.slug}-badges.pdf",
        inline=True,
    )


@bp.get("/<int:event_id>/attendance.<fmt>")
@organiser
def export(event_id: int, fmt: str):
    event = get_or_404(Event, event_id)
    which = _which("all")
    if fmt == "csv":
        # As chosen on the export page; a link without a choice: the staff member's language's.
        chosen = SEPARATORS.get(request.args.get("separator", ""))
        delimiter = chosen[0] if chosen else csv_delimiter()
        return download(
            attendance_csv(_rows(event, which), delimiter=delimiter),
            "text/csv; charset=utf-8",
            f"{event.slug}-{which}.csv",
        )
    if fmt == "xlsx":
        return download(
            attendance_xlsx(_rows(event, which)),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{event.slug}-{which}.xlsx",
        )
    abort(404)
