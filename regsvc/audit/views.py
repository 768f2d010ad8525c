"""The audit log page (/staff/audit/): every recorded change in plain words, newest first,
filtered by event, who, what and day."""

from flask import Blueprint, render_template, request

from regsvc.audit.forms import LogFilterForm
from regsvc.audit.sentences import log_lines
from regsvc.audit.services import accounts_to_choose, entries, events_to_choose, logged_event
from regsvc.db import get_session
from regsvc.roles import Role, staff_required

bp = Blueprint("audit", __name__, url_prefix="/staff/audit")


@bp.get("/")
@staff_required(Role.ORGANISER)
def log():
    session = get_session()
    form = LogFilterForm(request.args, events=events_to_choose(session), accounts=accounts_to_choose(session))
    log_filter = form.log_filter()
    page = entries(session, log_filter, page=request.args.get("page", 1, type=int))
    return render_template(
        "audit/log.html",
        form=form,
        page=page,
        lines=log_lines(session, page.items),
        event=logged_event(session, log_filter.event_id) if log_filter.event_id is not None else None,
        kept=form.kept(),
    )
