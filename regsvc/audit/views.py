from flask import Blueprint, abort, render_template, request

from regsvc.audit.services import PAGE_SIZE, entries
from regsvc.auth.access import staff_required
from regsvc.auth.models import Role
from regsvc.db import get_session
from regsvc.events.models import Event

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")


@bp.get("/")
@staff_required(Role.ORGANISER)
def log():
    session = get_session()
    event_id = request.args.get("event", type=int)
    event = session.get(Event, event_id) if event_id else None
    if event_id and event is None:
        abort(404)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = entries(session, event_id=event_id, page=page)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template("audit/log.html", rows=rows, event=event, page=page, pages=pages, total=total)
