"""The organiser's messages to an event's participants (/staff/events/<id>/messages), and the
participant's calendar entry (/r/<token>/event.ics)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from regsvc.certificates.services import entitled_count, parts
from regsvc.db import get_session, utcnow
from regsvc.documents.responses import download
from regsvc.events.models import Event
from regsvc.messages.forms import MessageForm, language_name, message_form
from regsvc.messages.ics import MIMETYPE, calendar_entry
from regsvc.messages.labels import SEGMENT
from regsvc.messages.reminders import reminded_count, reminder_due_at
from regsvc.messages.services import (
    AlreadySent,
    MessageError,
    previews,
    segment_sizes,
    send_message,
    sent_messages,
)
from regsvc.registration.lookups import private_registration
from regsvc.registration.models import Attendance
from regsvc.roles import Role, staff_required
from regsvc.security import new_token
from regsvc.web import get_or_404

bp = Blueprint("messages", __name__)
bp.add_app_template_filter(language_name, "language_name")
bp.add_app_template_filter(SEGMENT, "segment_label")


def _page(event: Event, form: MessageForm, status: int = 200, **context):
    session = get_session()
    now = utcnow()
    over = now >= event.ends_at
    certificates = entitled_count(session, event) if over else 0
    return (
        render_template(
            "messages/messages.html",
            event=event,
            form=form,
            sent=sent_messages(session, event.id),
            now=now,
            reminder_due_at=reminder_due_at(event),
            reminded=reminded_count(session, event.id),
            over=over,
            certificates=certificates,
            certificate_parts=parts(certificates),
            **context,
        ),
        status,
    )


@bp.route("/staff/events/<int:event_id>/messages", methods=["GET", "POST"])
@staff_required(Role.ORGANISER)
def compose(event_id: int):
    event = get_or_404(Event, event_id)
    session = get_session()
    form = message_form(current_app.config["LANGUAGES"])
    sizes = segment_sizes(session, event.id)
    form.set_segments(sizes)
    if not form.is_submitted():
        form.form_key.data = new_token()
        return _page(event, form)
    if not form.validate():
        return _page(event, form, 422)
    draft = form.draft()
    if form.send.data and form.previewed.data == draft.fingerprint():
        try:
            message = send_message(session, event.id, draft, current_user, form.form_key.data)
        except AlreadySent as sent:
            flash(
                _(
                    "This message was sent already, to %(num)d participants.",
                    num=sent.message.recipient_count,
                ),
                "info",
            )
        except MessageError as refused:
            flash(str(refused), "error")
        else:
            flash(
                ngettext(
                    "The message is on its way to %(num)d participant.",
                    "The message is on its way to %(num)d participants.",
                    message.recipient_count,
                ),
                "success",
            )
        return redirect(url_for("messages.compose", event_id=event.id))
    # Asked for a preview, or the message changed since the one shown: show it (again).
    form.previewed.data = draft.fingerprint()
    return _page(
        event,
        form,
        previews=previews(session, event, draft),
        recipient_count=sizes[draft.segment],
        changed_since_preview=bool(form.send.data),
    )


@bp.get("/r/<token>/event.ics")
def calendar(token: str):
    registration = private_registration(token)
    if registration.attendance == Attendance.CANCELLED:
        abort(404)
    entry = calendar_entry(registration)
    return download(entry, MIMETYPE, f"{registration.event.slug}.ics")
