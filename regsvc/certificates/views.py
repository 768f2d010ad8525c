"""The certificate of attendance on the participant's private page (/r/<token>/certificate.pdf)
and all of an event's for the organiser (/staff/events/<id>/certificates.pdf[?part=N])."""

from flask import Blueprint, abort, render_template, request
from flask_babel import get_locale

from regsvc.certificates.services import (
    Refusal,
    certificates_pdf,
    entitled_registrations,
    part_of,
    parts,
    refusal,
)
from regsvc.db import get_session, utcnow
from regsvc.documents.responses import download
from regsvc.events.models import Event
from regsvc.registration.lookups import private_registration
from regsvc.registration.models import Registration
from regsvc.roles import Role, staff_required
from regsvc.web import get_or_404

bp = Blueprint("certificates", __name__)

PDF = "application/pdf"


@bp.app_template_global("certificate_available")
def certificate_available(registration: Registration) -> bool:
    """For the participant's private page: whether it offers the certificate."""
    return refusal(registration) is None


def _unavailable(event: Event, reason: Refusal, **context):
    page = render_template("certificates/unavailable.html", event=event, reason=reason, **context)
    return page, 404


@bp.get("/r/<token>/certificate.pdf")
def participant_certificate(token: str):
    registration = private_registration(token)
    if (reason := refusal(registration)) is not None:
        return _unavailable(registration.event, reason, registration=registration, token=token)
    return download(certificates_pdf([registration]), PDF, f"certificate-{registration.event.slug}.pdf")


@bp.get("/staff/events/<int:event_id>/certificates.pdf")
@staff_required(Role.ORGANISER)
def all_certificates(event_id: int):
    event = get_or_404(Event, event_id)
    if utcnow() < event.ends_at:
        return _unavailable(event, Refusal.NOT_OVER, staff=True)
    people = entitled_registrations(get_session(), event, str(get_locale()))
    if not people:
        return _unavailable(event, Refusal.NOT_ENTITLED, staff=True)
    # A large event's come in parts (?part=2, …), each ready within a request's time.
    part = request.args.get("part", 1, type=int)
    chosen = part_of(people, part)
    if not chosen:
        abort(404)
    name = f"certificates-{event.slug}" + (f"-{part}" if len(parts(len(people))) > 1 else "")
    return download(certificates_pdf(chosen), PDF, f"{name}.pdf")
