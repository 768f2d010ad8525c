"""The audit log page (/staff/audit/): every recorded change, newest first."""

from flask import Blueprint, render_template, request

from regsvc.audit.models import AuditEntry
from regsvc.audit.services import entries
from regsvc.db import get_session
from regsvc.roles import Role, staff_required
from regsvc.web import get_or_404, query_id

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")


@bp.get("/")
@staff_required(Role.ORGANISER)
def log():
    event_id = query_id("event")
    # The event through the log's own relation to it: the log imports no other package.
    event = get_or_404(AuditEntry.event.property.mapper.class_, event_id) if event_id is not None else None
    page = entries(get_session(), event_id=event_id, page=request.args.get("page", 1, type=int))
    return render_template("audit/log.html", page=page, event=event)
