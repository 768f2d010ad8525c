"""The organiser console: events, their dashboards and registrations (/staff/events/…)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from regsvc.auth.access import staff_required
from regsvc.auth.models import Role
from regsvc.db import get_session, utcnow
from regsvc.documents.attendance import (
    AttendanceRow,
    attendance_csv,
    attendance_xlsx,
    badges_pdf,
    sign_in_sheet_pdf,
)
from regsvc.documents.responses import download
from regsvc.events.editing import EventError, all_events, create_event, set_registration_open, update_event
from regsvc.events.fares import (
    FareTableError,
    fare_table,
    fares_as_csv,
    fares_as_text,
    parse_fares,
    replace_fares,
)
from regsvc.events.forms import EventForm, FareTableForm
from regsvc.events.models import Event
from regsvc.events.services import phase
from regsvc.lookups import event_or_404, registration_or_404
from regsvc.registration.forms import DetailsForm, StaffAttendanceForm
from regsvc.registration.models import Attendance
from regsvc.registration.queries import (
    LISTS,
    SORTS,
    counts,
    counts_by_event,
    find_registrations,
    list_members,
)
from regsvc.registration.services import (
    AlreadyRegistered,
    CapacityBelowTaken,
    set_capacity,
    staff_set_attendance,
    update_details,
    waitlist_position,
)

bp = Blueprint("console", __name__, url_prefix="/staff/events")
organiser = staff_required(Role.ORGANISER)


def _capacity_refused(form: EventForm, refused: CapacityBelowTaken) -> None:
    form.onsite_capacity.errors.append(
        _(
            "%(taken)d people already hold on-site seats. Move some of them online first, "
            "or keep at least %(taken)d seats.",
            taken=refused.taken,
        )
    )


@bp.get("/")
@organiser
def events():
    session = get_session()
    rows = all_events(session)
    return render_template(
        "console/events.html", events=rows, counts=counts_by_event(session, rows), now=utcnow(), phase=phase
    )


@bp.route("/new", methods=["GET", "POST"])
@organiser
def new():
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = create_event(get_session(), form.fields_dict(), form.onsite_capacity.data, current_user)
        except EventError as refused:
            form.slug.errors.append(str(refused))
        else:
            flash(_("Event created."), "success")
            return redirect(url_for("console.dashboard", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    return render_template("console/event_form.html", form=form, event=None), status


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@organiser
def edit(event_id: int):
    event = event_or_404(event_id)
    form = EventForm(event=event) if request.method == "GET" else EventForm()
    if form.validate_on_submit():
        try:
            update_event(get_session(), event.id, form.fields_dict(), form.onsite_capacity.data, current_user)
        except EventError as refused:
            form.slug.errors.append(str(refused))
        except CapacityBelowTaken as refused:
            _capacity_refused(form, refused)
        else:
            flash(_("Event saved."), "success")
            return redirect(url_for("console.dashboard", event_id=event.id))
    status = 422 if form.is_submitted() else 200
    return render_template("console/event_form.html", form=form, event=event), status


@bp.get("/<int:event_id>/")
@organiser
def dashboard(event_id: int):
    event = event_or_404(event_id)
    return render_template(
        "console/dashboard.html",
        event=event,
        counts=counts(get_session(), event),
        phase=phase(event, utcnow()),
        form=StaffAttendanceForm(),
    )


@bp.post("/<int:event_id>/registration")
@organiser
def open_or_close(event_id: int):
    event = event_or_404(event_id)
    opening = request.form.get("open") == "1"
    set_registration_open(get_session(), event.id, opening, current_user)
    flash(_("Registration is open.") if opening else _("Registration is closed."), "success")
    return redirect(url_for("console.dashboard", event_id=event.id))


@bp.post("/<int:event_id>/capacity")
@organiser
def capacity(event_id: int):
    event = event_or_404(event_id)
    raw = request.form.get("capacity", "").strip()
    if not raw.isdigit():
        flash(_("Enter the number of on-site seats as a whole number, e.g. 80."), "error")
        return redirect(url_for("console.dashboard", event_id=event.id))
    try:
        promoted = set_capacity(get_session(), event.id, int(raw), actor=current_user)
    except CapacityBelowTaken as refused:
        flash(
            _(
                "%(taken)d people already hold on-site seats: the capacity cannot go below that.",
                taken=refused.taken,
            ),
            "error",
        )
    else:
        flash(
            _("Capacity is now %(num)d.", num=int(raw))
            + (
                " "
                + ngettext(
                    "%(num)d person moved up from the waiting list.",
                    "%(num)d people moved up from the waiting list.",
                    len(promoted),
                )
                if promoted
                else ""
            ),
            "success",
        )
    return redirect(url_for("console.dashboard", event_id=event.id))


@bp.get("/<int:event_id>/registrations")
@organiser
def registrations(event_id: int):
    event = event_or_404(event_id)
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
        attendances=list(Attendance),
    )


@bp.route("/<int:event_id>/registrations/<int:registration_id>", methods=["GET", "POST"])
@organiser
def registration(event_id: int, registration_id: int):
    event = event_or_404(event_id)
    person = registration_or_404(event, registration_id)
    form = DetailsForm(obj=person)
    status = 200
    if form.validate_on_submit():
        try:
            update_details(get_session(), person.id, form.changes(), current_user)
        except AlreadyRegistered:
            form.email.errors.append(
                _("Another registration for this event already uses this e-mail address.")
            )
            status = 422
        else:
            flash(_("Details saved."), "success")
            return redirect(url_for("console.registration", event_id=event.id, registration_id=person.id))
    elif form.is_submitted():
        status = 422
    attendance_form = StaffAttendanceForm(formdata=None, wanted=person.attendance)
    return (
        render_template(
            "console/registration.html",
            event=event,
            person=person,
            form=form,
            attendance_form=attendance_form,
            position=waitlist_position(get_session(), person),
        ),
        status,
    )


@bp.post("/<int:event_id>/registrations/<int:registration_id>/attendance")
@organiser
def registration_attendance(event_id: int, registration_id: int):
    event = event_or_404(event_id)
    person = registration_or_404(event, registration_id)
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
    return redirect(url_for("console.registration", event_id=event.id, registration_id=person.id))


LIST_LABELS = {
    "onsite": _l("On-site participants"),
    "online": _l("Online participants"),
    "all": _l("All participants"),
    "published": _l("Participants (published list)"),
}


def _rows(event: Event, which: str) -> list[AttendanceRow]:
    return [
        AttendanceRow(
            full_name=person.full_name,
            organisation=person.organisation,
            town=person.departure_town,
            attendance=person.attendance,
            checkin_code=person.checkin_code,
            consents_to_publication=person.consents_to_publication,
            checked_in=person.checked_in_at is not None,
        )
        for person in list_members(get_session(), event.id, which)
    ]


def _which() -> str:
    which = request.args.get("list", "onsite")
    if which not in LISTS:
        abort(404)
    return which


@bp.get("/<int:event_id>/sign-in-sheet.pdf")
@staff_required(Role.ORGANISER, Role.DESK)
def sign_in_sheet(event_id: int):
    event = event_or_404(event_id)
    which = _which()
    rows = _rows(event, which)
    if len(rows) > MAX_SHEET_ROWS:
        flash(
            _(
                "A sign-in sheet holds at most %(num)d people: use the CSV export instead.",
                num=MAX_SHEET_ROWS,
            ),
            "error",
        )
        return redirect(url_for("console.dashboard", event_id=event.id))
    pdf = sign_in_sheet_pdf(event, rows, str(LIST_LABELS[which]))
    return download(pdf, "application/pdf", f"{event.slug}-sign-in-{which}.pdf", inline=True)


MAX_SHEET_ROWS = 9999  # the number column holds four digits


@bp.get("/<int:event_id>/badges.pdf")
@staff_required(Role.ORGANISER, Role.DESK)
def badges(event_id: int):
    event = event_or_404(event_id)
    return download(
        badges_pdf(event, _rows(event, "onsite")), "application/pdf", f"{event.slug}-badges.pdf", inline=True
    )


@bp.get("/<int:event_id>/attendance.<fmt>")
@organiser
def export(event_id: int, fmt: str):
    event = event_or_404(event_id)
    which = request.args.get("list", "all")
    if which not in LISTS:
        abort(404)
    rows = _rows(event, which)
    if fmt == "csv":
        return download(attendance_csv(rows), "text/csv; charset=utf-8", f"{event.slug}-{which}.csv")
    if fmt == "xlsx":
        return download(
            attendance_xlsx(rows),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{event.slug}-{which}.xlsx",
        )
    abort(404)


@bp.route("/<int:event_id>/fares", methods=["GET", "POST"])
@organiser
def fares(event_id: int):
    event = event_or_404(event_id)
    session = get_session()
    form = FareTableForm()
    problems: list[tuple[int, str]] = []
    status = 200
    if form.validate_on_submit():
        upload = form.csv_file.data
        if upload and upload.filename:
            raw = upload.read(MAX_FARE_FILE + 1)
            text = None if len(raw) > MAX_FARE_FILE else _decode(raw)
            if text is None:
                problems = [(0, _("The file is not a UTF-8 CSV file of at most 1 MB. Nothing was imported."))]
        else:
            text = form.lines.data or ""
        if not problems:
            try:
                lines = parse_fares(text, event.currency)
            except FareTableError as refused:
                problems = refused.problems
            else:
                replace_fares(session, event, lines, current_user)
                flash(
                    ngettext(
                        "Fare table saved: %(num)d town.", "Fare table saved: %(num)d towns.", len(lines)
                    ),
                    "success",
                )
                return redirect(url_for("console.fares", event_id=event.id))
        status = 422
    elif request.method == "GET":
        form.lines.data = fares_as_text(fare_table(session, event.id), event.currency)
    return (
        render_template(
            "console/fares.html",
            event=event,
            form=form,
            problems=problems,
            fares=fare_table(session, event.id),
        ),
        status,
    )


MAX_FARE_FILE = 1024 * 1024


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@bp.get("/<int:event_id>/fares.csv")
@organiser
def fares_csv(event_id: int):
    event = event_or_404(event_id)
    data = fares_as_csv(fare_table(get_session(), event.id), event.currency)
    return download(data, "text/csv; charset=utf-8", f"{event.slug}-fares.csv")
