"""Records named in a staff URL, or the 404 page."""

from flask import abort

from regsvc.claims.models import Claim
from regsvc.db import get_session
from regsvc.events.models import Event
from regsvc.registration.models import Registration


def event_or_404(event_id: int) -> Event:
    event = get_session().get(Event, event_id)
    if event is None:
        abort(404)
    return event


def registration_or_404(event: Event, registration_id: int) -> Registration:
    """The registration, if it belongs to `event`: a URL cannot mix two events."""
    registration = get_session().get(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return registration


def claim_or_404(claim_id: int) -> Claim:
    claim = get_session().get(Claim, claim_id)
    if claim is None:
        abort(404)
    return claim
