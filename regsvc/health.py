"""`/healthz`: for the load balancer and the monitoring, in one look.

503 when this server cannot serve (the database cannot be reached, or the upload storage
cannot be written: a probe file is written and removed in the folder, or a probe object put and
deleted in the bucket); the outbox's backlog is reported beside, with "status": "degraded"
when mail has waited too long, since that calls for a person, not for taking the server
out of the pool.
"""

from datetime import timedelta

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from regsvc.db import get_session
from regsvc.mail.services import oldest_pending_age
from regsvc.storage import current_storage

bp = Blueprint("health", __name__)

# Mail waiting longer than this means no sender is running, or the SMTP server refuses.
OUTBOX_LATE = timedelta(minutes=10)


@bp.get("/healthz")
def healthz():
    session = get_session()
    report: dict[str, object] = {"status": "ok"}
    try:
        session.execute(text("SELECT 1"))
        oldest = oldest_pending_age(session)
    except SQLAlchemyError:
        report.update(status="error", database="unreachable")
    else:
        report["database"] = "ok"
        report["oldest_pending_mail_seconds"] = None if oldest is None else int(oldest.total_seconds())
        if oldest is not None and oldest > OUTBOX_LATE:
            report["status"] = "degraded"
    if current_storage().writable():
        report["storage"] = "ok"
    else:
        report.update(status="error", storage="not writable")
    return jsonify(report), 503 if report["status"] == "error" else 200
