from flask import Blueprint, abort, render_template

from regsvc.db import get_reader, utcnow
from regsvc.events.services import listed_events, phase, published_event, seats_left
from regsvc.events.texts import event_text

bp = Blueprint("events", __name__)
# Every page, e-mail and document shows an event's texts in its reader's language:
# {{ event|event_text("title") }}.
bp.add_app_template_filter(event_text, "event_text")


@bp.get("/")
def index():
    now = utcnow()
    session = get_reader()
    events = [(event, phase(event, now), seats_left(event)) for event in listed_events(session, now)]
    return render_template("events/index.html", events=events)


@bp.get("/e/<slug>/")
def detail(slug: str):
    event, seats = published_event(get_reader(), slug)
    if event is None:
        abort(404)
    return render_template("events/detail.html", event=event, phase=phase(event, utcnow()), seats_left=seats)


@bp.get("/privacy")
def privacy():
    return render_template("events/privacy.html")
