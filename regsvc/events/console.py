"""The organiser console's event pages (/staff/events/…): the list of events, creating and
editing one, opening and closing its registration, its fare table. Its registrations,
capacity and lists are the registration package's (regsvc.registration.console)."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from regsvc.db import get_session, utcnow
from regsvc.documents.responses import download
from regsvc.events.editing import EventError, all_events, create_event, set_registration_open, update_event
from regsvc.events.fares import (
    FareTableError,
    fare_table,
    fares_as_csv,
    fares_as_text,
    names_as_text,
    read_fare_table,
    replace_fares,
)
from regsvc.events.forms import (
    EventEditForm,
    EventForm,
    RegistrationOpenForm,
    event_form,
    fare_table_form,
)
from regsvc.events.models import Event
from regsvc.events.services import phase
from regsvc.roles import Role, staff_required
from regsvc.web import form_page, get_or_404

bp = Blueprint("console", __name__, url_prefix="/staff/events")
organiser = staff_required(Role.ORGANISER)


@bp.get("/")
@organiser
def events():
    return render_template("console/events.html", events=all_events(get_session()), now=utcnow(), phase=phase)


@bp.route("/new", methods=["GET", "POST"])
@organiser
def new():
    form = event_form(EventForm, current_app.config["LANGUAGES"])
    if form.validate_on_submit():
        try:
            event = create_event(
                get_session(),
                form.fields_dict(),
                form.onsite_capacity.data,
                current_user,
                form.translations(),
            )
        except EventError as refused:
            form.slug.errors.append(str(refused))
        else:
            flash(_("Event created."), "success")
            return redirect(url_for("registrations.dashboard", event_id=event.id))
    return form_page("console/event_form.html", form, event=None)


@bp.route("/<int:event_id>/edit", methods=["GET", "POST"])
@organiser
def edit(event_id: int):
    event = get_or_404(Event, event_id)
    languages = current_app.config["LANGUAGES"]
    form = event_form(EventEditForm, languages, **({"event": event} if request.method == "GET" else {}))
    if form.validate_on_submit():
        try:
            update_event(get_session(), event.id, form.fields_dict(), current_user, form.translations())
        except EventError as refused:
            form.slug.errors.append(str(refused))
        else:
            flash(_("Event saved."), "success")
            return redirect(url_for("registrations.dashboard", event_id=event.id))
    return form_page("console/event_form.html", form, event=event)


@bp.post("/<int:event_id>/registration")
@organiser
def open_or_close(event_id: int):
    event = get_or_404(Event, event_id)
    form = RegistrationOpenForm()
    if form.validate_on_submit():
        opening = form.open.data == "1"
        set_registration_open(get_session(), event.id, opening, current_user)
        flash(_("Registration is open.") if opening else _("Registration is closed."), "success")
    else:
        flash(_("That change was not understood. Please use the buttons on this page."), "error")
    return redirect(url_for("registrations.dashboard", event_id=event.id))


@bp.route("/<int:event_id>/fares", methods=["GET", "POST"])
@organiser
def fares(event_id: int):
    event = get_or_404(Event, event_id)
    session = get_session()
    form = fare_table_form(_other_languages(event))
    problems: list[tuple[int, str]] = []
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
                lines = read_fare_table(text or "", form.names(), event.currency)
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
    elif request.method == "GET":
        table = fare_table(session, event.id)
        form.lines.data = fares_as_text(table, event.currency)
        for locale, names in form.name_fields():
            names.data = names_as_text(table, locale)
    return form_page(
        "console/fares.html", form, event=event, problems=problems, fares=fare_table(session, event.id)
    )


MAX_FARE_FILE = 1024 * 1024


def _other_languages(event: Event) -> list[str]:
    """The site's languages other than the event's main one, in which towns may be named."""
    return [locale for locale in current_app.config["LANGUAGES"] if locale != event.main_language]


def _decode(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@bp.get("/<int:event_id>/fares.csv")
@organiser
def fares_csv(event_id: int):
    event = get_or_404(Event, event_id)
    data = fares_as_csv(fare_table(get_session(), event.id), event.currency)
    return download(data, "text/csv; charset=utf-8", f"{event.slug}-fares.csv")
