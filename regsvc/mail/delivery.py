"""Sending what a request wrote to the outbox, once it is committed and the response is out."""

import logging

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from regsvc.db import get_session
from regsvc.mail.services import committed_message_ids, send_pending

log = logging.getLogger(__name__)


@event.listens_for(Session, "after_commit")
def _outbox_committed(session: Session) -> None:
    new = session.info.pop("outbox_new", [])
    if new:
        session.info.setdefault("outbox_committed", []).extend(new)


@event.listens_for(Session, "after_rollback")
def _outbox_rolled_back(session: Session) -> None:
    # A rolled-back change sends nothing.
    session.info.pop("outbox_new", None)


def init_app(app: Flask) -> None:
    @app.after_request
    def _send_after_response(response):
        if not current_app.config["MAIL_SEND_AFTER_REQUEST"]:
            return response
        ids = committed_message_ids(get_session())
        if ids:
            flask_app = current_app._get_current_object()  # type: ignore[attr-defined]

            def _send():
                # The response is already out: a failure here is logged, and the
                # messages stay in the outbox for `regsvc send-mail` to retry.
                try:
                    with flask_app.app_context():
                        send_pending(get_session(), ids=ids)
                except Exception:
                    log.exception("sending mail %s after the request failed", ids)

            response.call_on_close(_send)
        return response
