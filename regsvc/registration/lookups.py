"""The registration a URL names: by id in a staff URL, by private link for its participant."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, after_this_request, current_app, g, request

from regsvc.db import get_session
from regsvc.limits import Limit
from regsvc.registration.models import Registration
from regsvc.registration.services import confirm_address, registration_for_token
from regsvc.web import MAX_ID


def registration_or_404(event_id: int, registration_id: int) -> Registration:
    """The registration, if it belongs to the event: a URL cannot mix two events."""
    registration = get_session().get(Registration, registration_id) if 0 < registration_id <= MAX_ID else None
    if registration is None or registration.event_id != event_id:
        abort(404)
    return registration


def private_registration(token: str) -> Registration:
    """The registration of a private link (/r/<token>/…), or the 404 page that says the
    link does not work. Every page behind the link uses it."""

    @after_this_request
    def _headers(response):
        # The URL is the key to the registration: keep it out of caches and Referer headers.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    session = get_session()
    registration = registration_for_token(session, token)
    if registration is None:
        # A storm of guessed links from one address is slowed; a real link always opens.
        limit = current_app.config["WRONG_LINKS_PER_ADDRESS_PER_HOUR"]
        Limit(f"wrong-link:{request.remote_addr}", limit, timedelta(hours=1)).hit()
        abort(404, description="private-link")
    # Opening the link proves the address: a seat held for it becomes the participant's.
    g.address_confirmed = confirm_address(session, registration)
    return registration
