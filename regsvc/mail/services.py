"""The outbox: messages are written with the change that causes them, sent after commit."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import cast

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.orm import Session

from regsvc.db import utcnow, write_transaction
from regsvc.documents.qr import qr_png
from regsvc.mail.models import MailStatus, OutboxMessage
from regsvc.translation import current_translations, template_gettext

log = logging.getLogger(__name__)

# A message left in "sending" this long was abandoned by a process that died.
STALE_SENDING = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Mail:
    """A message rendered for the outbox."""

    recipient: str
    subject: str
    body: str
    # When set, the message carries this check-in code as a QR image attachment.
    checkin_code: str | None = None
    kind: str = ""  # its template's name

    def outbox_row(self, now: datetime) -> dict:
        """Every column of its outbox row but the id (see OUTBOX_COLUMNS)."""
        return {
            "recipient": self.recipient,
            "subject": self.subject,
            "kind": self.kind,
            "body": self.body,
            "checkin_code": self.checkin_code,
            "message_id": None,  # given by the sender (see _claim)
            "status": MailStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
            "sent_at": None,
        }


OUTBOX = cast(Table, OutboxMessage.__table__)
OUTBOX_COLUMNS = tuple(column.name for column in OUTBOX.columns if column.name != "id")
_INSERT_MESSAGE = insert(OUTBOX)


def render_mail(
    recipient: str, template: str, locale: str, *, checkin_code: str | None = None, **context
) -> Mail:
    """Render templates/mail/<template>.txt in the recipient's language."""
    jinja_template = current_app.jinja_env.get_template(f"mail/{template}.txt")
    with force_locale(locale):
        jinja_context = jinja_template.new_context(
            dict(context, checkin_code=checkin_code, **template_gettext(current_translations()))
        )
        subject = "".join(jinja_template.blocks["subject"](jinja_context)).strip()
        body = "".join(jinja_template.blocks["body"](jinja_context)).strip() + "\n"
    return Mail(recipient, subject, body, checkin_code, kind=template)


def queue_mail(
    session: Session,
    recipient: str,
    template: str,
    locale: str,
    *,
    checkin_code: str | None = None,
    **context,
) -> int:
    """Render templates/mail/<template>.txt in the recipient's language and add it to the outbox.

    The message becomes visible to the sender only when the caller's transaction commits.
    Returns the message's id.
    """
    return add_to_outbox(
        session, render_mail(recipient, template, locale, checkin_code=checkin_code, **context)
    )


def add_to_outbox(session: Session, mail: Mail, now: datetime | None = None) -> int:
    """Write a rendered message to the outbox, in the caller's transaction; returns its id."""
    # A plain INSERT, not a unit-of-work flush: nothing reads the message back before it is sent.
    row = mail.outbox_row(now or utcnow())
    key = session.connection().execute(_INSERT_MESSAGE, row).inserted_primary_key
    assert key is not None  # a single-row INSERT
    message_id = key[0]
    queued(session, message_id)
    return message_id


def queued(session: Session, message_id: int) -> None:
    """Note a message this session has written to the outbox, to send it after commit
    when MAIL_SEND_AFTER_REQUEST is on (add_to_outbox does this itself)."""
    session.info.setdefault("outbox_new", []).append(message_id)


def committed_message_ids(session: Session) -> list[int]:
    """Ids of the messages that this session has committed since the last call."""
    return session.info.pop("outbox_committed", [])


def oldest_pending_age(session: Session) -> timedelta | None:
    """How long the oldest message not yet sent (pending or being sent) has waited; None
    when every message has gone out (or failed for good)."""
    oldest = session.scalar(
        select(func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_((MailStatus.PENDING, MailStatus.SENDING))
        )
    )
    return None if oldest is None else utcnow() - oldest


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _build(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    email.set_content(message.body)
    if message.checkin_code:
        email.add_attachment(
            qr_png(message.checkin_code), maintype="image", subtype="png", filename="check-in-qr.png"
        )
    return email


class _Transport:
    """One SMTP connection for a batch, opened on first use; or the log."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, message: OutboxMessage) -> None:
        config = self.config
        if not config["MAIL_SERVER"]:
            # Nothing goes out: log it, without building a MIME message for nobody.
            if config["MAIL_LOG_BODY"]:
                log.info(
                    "mail to %s (no MAIL_SERVER set, not sent): %s\n%s",
                    message.recipient,
                    message.subject,
                    message.body,
                )
            else:
                log.info("mail to %s (no MAIL_SERVER set, not sent): %s", message.recipient, message.subject)
            return
        email = _build(message, config["MAIL_FROM"])
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


BATCH = 100


def _due(now):
    return or_(
        (OutboxMessage.status == MailStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
        # Taken by a sender that died before it finished.
        (OutboxMessage.status == MailStatus.SENDING) & (OutboxMessage.next_attempt_at < now - STALE_SENDING),
    )


def _claim(session: Session, now, ids: list[int] | None) -> list[OutboxMessage]:
    """Take up to BATCH due messages, so that no other sender takes them too."""
    # Two short statements: on SQLite this transaction holds the database's write lock,
    # which the registrations of a burst are waiting for.
    with write_transaction(session):
        query = (
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        if ids is not None:
            query = query.where(OutboxMessage.id.in_(ids))
        taken = list(session.scalars(query))
        if taken:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(taken))
                .values(status=MailStatus.SENDING, next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
    if not taken:
        return []
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(taken))
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def send_pending(session: Session, ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Send the messages that are due (or just those of `ids`). Returns (sent, failed attempts)."""
    config = current_app.config
    ids = list(ids) if ids is not None else None
    if session.in_transaction():
        session.commit()
    transport = _Transport(config)
    sent = failed = 0
    try:
        while messages := _claim(session, utcnow(), ids):
            delivered = []
            for message in messages:
                try:
                    transport.send(message)
                except (smtplib.SMTPException, OSError) as error:
                    transport.close()
                    failed += 1
                    log.warning("sending mail %s to %s failed: %s", message.id, message.recipient, error)
                    with write_transaction(session):
                        _record_failure(message, error, config["MAIL_MAX_ATTEMPTS"])
                else:
                    delivered.append(message)
            if delivered:
                with write_transaction(session):
                    session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id.in_([message.id for message in delivered]))
                        .values(
                            status=MailStatus.SENT,
                            sent_at=utcnow(),
                            attempts=OutboxMessage.attempts + 1,
                            last_error="",
                            # Sent: the body (which may carry a private link) is not kept;
                            # recipient, subject, kind and times are.
                            body="",
                        )
                        # Cheaper than letting the ORM check every object of the session
                        # against the new values: the sent ones are reloaded if read again.
                        .execution_options(synchronize_session=False)
                    )
                for message in delivered:
                    session.expire(message)
                sent += len(delivered)
            if ids is not None:
                break
    finally:
        transport.close()
    return sent, failed


def watch(
    session: Session,
    interval: float,
    stop: Callable[[], bool] = lambda: False,
    every_minute: Callable[[], object] | None = None,
) -> None:
    """Send due mail every `interval` seconds until stop() says so; also run `every_minute`
    (other timed work of the same long-running process) once a minute."""
    last_minute = 0.0
    while not stop():
        if every_minute is not None and time.monotonic() - last_minute >= 60:
            last_minute = time.monotonic()
            every_minute()
        send_pending(session)
        time.sleep(interval)


def _record_failure(message: OutboxMessage, error: Exception, max_attempts: int) -> None:
    message.attempts += 1
    message.last_error = str(error)[:2000]
    if message.attempts >= max_attempts:
        message.status = MailStatus.FAILED
        message.body = ""  # never sent: no working link kept at rest either
    else:
        message.status = MailStatus.PENDING
        message.next_attempt_at = utcnow() + _backoff(message.attempts)
