"""The outbox: messages are written with the change that causes them, sent after commit."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
from collections.abc import Iterable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from regsvc.db import utcnow, write_transaction
from regsvc.mail.models import MailStatus, OutboxMessage

log = logging.getLogger(__name__)

# A message left in "sending" this long was abandoned by a process that died.
STALE_SENDING = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)


def queue_mail(session: Session, recipient: str, template: str, locale: str, **context) -> OutboxMessage:
    """Render templates/mail/<template>.txt in the recipient's language and add it to the outbox.

    The message becomes visible to the sender only when the caller's transaction commits.
    """
    jinja_template = current_app.jinja_env.get_template(f"mail/{template}.txt")
    with force_locale(locale):
        jinja_context = jinja_template.new_context(dict(context))
        subject = "".join(jinja_template.blocks["subject"](jinja_context)).strip()
        body = "".join(jinja_template.blocks["body"](jinja_context)).strip() + "\n"
    message = OutboxMessage(recipient=recipient, subject=subject, body=body)
    session.add(message)
    session.info.setdefault("outbox_new", []).append(message)
    return message


def committed_message_ids(session: Session) -> list[int]:
    """Ids of the messages that this session has committed since the last call."""
    return [message.id for message in session.info.pop("outbox_committed", [])]


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(session: Session, message_id: int, now) -> OutboxMessage | None:
    """Take one message for sending, unless another process already has it."""
    with write_transaction(session):
        claimed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                or_(
                    OutboxMessage.status == MailStatus.PENDING,
                    (OutboxMessage.status == MailStatus.SENDING)
                    & (OutboxMessage.next_attempt_at < now - STALE_SENDING),
                ),
            )
            .values(status=MailStatus.SENDING, next_attempt_at=now)
        ).rowcount
        if claimed != 1:
            return None
        return session.get(OutboxMessage, message_id, populate_existing=True)


def _build(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    email.set_content(message.body)
    return email


class _Transport:
    """One SMTP connection for a batch, opened on first use; or the log."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        config = self.config
        if not config["MAIL_SERVER"]:
            log.info("mail (no MAIL_SERVER set, not sent)\n%s", email.as_string())
            return
        if self.smtp is None:
            if config["MAIL_USE_SSL"]:
                self.smtp = smtplib.SMTP_SSL(
                    config["MAIL_SERVER"],
                    config["MAIL_PORT"],
                    timeout=config["MAIL_TIMEOUT"],
                    context=ssl.create_default_context(),
                )
            else:
                self.smtp = smtplib.SMTP(
                    config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
                )
                if config["MAIL_USE_STARTTLS"]:
                    self.smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                self.smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        self.smtp.send_message(email)

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp = None


def send_pending(session: Session, ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Send the messages that are due (or just `ids`). Returns (sent, failed attempts)."""
    config = current_app.config
    now = utcnow()
    if session.in_transaction():
        session.commit()
    query = select(OutboxMessage.id).order_by(OutboxMessage.id)
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    else:
        query = query.where(
            or_(
                (OutboxMessage.status == MailStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == MailStatus.SENDING)
                & (OutboxMessage.next_attempt_at < now - STALE_SENDING),
            )
        )
    candidates = session.scalars(query).all()
    session.commit()

    transport = _Transport(config)
    sent = failed = 0
    try:
        for message_id in candidates:
            message = _claim(session, message_id, now)
            if message is None:
                continue
            try:
                transport.send(_build(message, config["MAIL_FROM"]))
                error = None
            except (smtplib.SMTPException, OSError) as exc:
                transport.close()
                error = exc
            with write_transaction(session):
                _record_attempt(message, error, config["MAIL_MAX_ATTEMPTS"])
            if error is None:
                sent += 1
            else:
                failed += 1
                log.warning("sending mail %s to %s failed: %s", message.id, message.recipient, error)
    finally:
        transport.close()
    return sent, failed


def _record_attempt(message: OutboxMessage, error: Exception | None, max_attempts: int) -> None:
    message.attempts += 1
    if error is None:
        message.status = MailStatus.SENT
        message.sent_at = utcnow()
        message.last_error = ""
    else:
        message.last_error = str(error)[:2000]
        if message.attempts >= max_attempts:
            message.status = MailStatus.FAILED
        else:
            message.status = MailStatus.PENDING
            message.next_attempt_at = utcnow() + _backoff(message.attempts)
