"""The outbox: messages are written with the change that causes them, sent after commit."""

from __future__ import annotations

import contextlib
import logging
import secrets
import smtplib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from functools import cached_property
from typing import Any, cast

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Row, String, Table, bindparam, func, insert, literal, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Executable

from regsvc.db import utcnow, write_transaction
from regsvc.documents.qr import qr_png
from regsvc.mail.models import MailStatus, OutboxMessage
from regsvc.translation import current_translations, template_gettext

log = logging.getLogger(__name__)

# A sender holds the messages it takes for this long, and renews the hold while it works
# through them: the messages of a sender that died go out again once its hold runs out.
LEASE = timedelta(seconds=60)
# Messages a sender takes at a time: few, so that several senders share the work.
BATCH = 20
# Back-off of a failed message's next attempt (1, 2, 4, … minutes), at most this.
MAX_BACKOFF = timedelta(hours=6)
# `watch` waits 1, 2, 4, … seconds after each failed round (database or mail server
# unreachable), at most this many.
MAX_RETRY_DELAY = 30.0


@dataclass(frozen=True)
class Mail:
    """A message rendered for the outbox."""

    recipient: str
    subject: str
    body: str
    # When set, the message carries this check-in code as a QR image attachment.
    checkin_code: str | None = None
    kind: str = ""  # its template's name
    # When set, the message carries this registration's calendar entry as an .ics attachment.
    calendar_for: int | None = None

    def outbox_row(self, now: datetime) -> dict:
        """Every column of its outbox row but the id (see OUTBOX_COLUMNS)."""
        return {
            "recipient": self.recipient,
            "subject": self.subject,
            "kind": self.kind,
            "body": self.body,
            "checkin_code": self.checkin_code,
            "calendar_registration_id": self.calendar_for,
            "message_id": None,  # given by the sender that first takes it (see _Sender._claim)
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
    recipient: str,
    template: str,
    locale: str,
    *,
    checkin_code: str | None = None,
    calendar_for: int | None = None,
    **context,
) -> Mail:
    """Render templates/mail/<template>.txt in the recipient's language."""
    jinja_template = current_app.jinja_env.get_template(f"mail/{template}.txt")
    with force_locale(locale):
        jinja_context = jinja_template.new_context(
            dict(context, checkin_code=checkin_code, **template_gettext(current_translations()))
        )
        subject = "".join(jinja_template.blocks["subject"](jinja_context)).strip()
        body = "".join(jinja_template.blocks["body"](jinja_context)).strip() + "\n"
    return Mail(recipient, subject, body, checkin_code, kind=template, calendar_for=calendar_for)


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


def _retry_delay(failed_rounds: int) -> float:
    return min(2.0 ** (failed_rounds - 1), MAX_RETRY_DELAY)


# The key of app.extensions under which the application puts the function that makes a
# registration's calendar entry: (session, registration id) → .ics bytes, or None when it
# has none (cancelled, gone). The package that knows registrations provides it, so that
# mail need not import it.
CALENDAR_SOURCE = "regsvc.calendar_entry"


def _build(message: Row, sender: str, calendar: bytes | None = None) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    email.set_content(message.body)
    if message.checkin_code:
        email.add_attachment(
            qr_png(message.checkin_code), maintype="image", subtype="png", filename="check-in-qr.png"
        )
    if calendar is not None:
        email.add_attachment(
            calendar,
            maintype="text",
            subtype="calendar",
            filename="event.ics",
            params={"method": "CANCEL" if b"METHOD:CANCEL" in calendar else "PUBLISH"},
        )
    return email


def _log_instead_of_sending(message: Row, with_body: bool) -> None:
    # No MAIL_SERVER: nothing goes out, and no MIME message is built for nobody.
    if with_body:
        log.info(
            "mail to %s (no MAIL_SERVER set, not sent): %s\n%s",
            message.recipient,
            message.subject,
            message.body,
        )
    else:
        log.info("mail to %s (no MAIL_SERVER set, not sent): %s", message.recipient, message.subject)


class _Unreachable(Exception):
    """No connection to the mail server could be made: no message's fault."""


def _refused(error: Exception) -> bool:
    """Whether the server refused one message on a connection that still works (421 is
    the server closing the connection)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code != 421 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return error.smtp_code != 421
    return False


class _Transport:
    """An SMTP connection, opened when a message needs it and kept for the next ones."""

    def __init__(self, config: Mapping[str, Any]):
        self.config = config
        self.smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage) -> None:
        """Send over the open connection, or a new one. Raises _Unreachable when no
        connection can be made; any other error is this message's: refused (see _refused),
        or the connection broke off while it was being sent."""
        if self.smtp is not None:
            try:
                self.smtp.send_message(email)
                return
            except (smtplib.SMTPException, OSError) as error:
                if _refused(error):
                    raise
                # The server may have dropped the connection since the last message (an idle
                # timeout, a limit of messages per connection): this one gets a new connection.
                self.close()
        smtp = self._connect()
        try:
            smtp.send_message(email)
        except (smtplib.SMTPException, OSError) as error:
            if not _refused(error):
                self.close()
            raise

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp = (
            smtplib.SMTP_SSL(timeout=config["MAIL_TIMEOUT"], context=ssl.create_default_context())
            if config["MAIL_USE_SSL"]
            else smtplib.SMTP(timeout=config["MAIL_TIMEOUT"])
        )
        try:
            smtp.connect(config["MAIL_SERVER"], config["MAIL_PORT"])
            if config["MAIL_USE_STARTTLS"] and not config["MAIL_USE_SSL"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (smtplib.SMTPException, OSError) as error:
            smtp.close()
            where = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
            raise _Unreachable(f"{where}: {error or type(error).__name__}") from error
        self.smtp = smtp
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.smtp.quit()
            self.smtp.close()
            self.smtp = None


_CLAIMED_COLUMNS = (
    OUTBOX.c.id,
    OUTBOX.c.recipient,
    OUTBOX.c.subject,
    OUTBOX.c.body,
    OUTBOX.c.checkin_code,
    OUTBOX.c.calendar_registration_id,
    OUTBOX.c.attempts,
    OUTBOX.c.message_id,
)
# One small statement per message the server accepted: it is recorded at once, so a sender
# killed mid-batch sends again at most the message it had in hand.
_MARK_SENT = (
    update(OUTBOX)
    # Whoever sent it last, a message once recorded as sent stays so.
    .where(OUTBOX.c.id == bindparam("message"), OUTBOX.c.status != MailStatus.SENT.value)
    .values(
        status=MailStatus.SENT.value,
        sent_at=bindparam("accepted_at", type_=OUTBOX.c.sent_at.type),
        attempts=OUTBOX.c.attempts + 1,
        last_error="",
        # Sent: the body (which may carry a private link) is not kept; recipient, subject,
        # kind and times are.
        body="",
    )
)


@dataclass
class _Batch:
    """Messages one sender holds until `lease_until`, the value it wrote to their
    next_attempt_at: only the holder knows it, so only the holder renews or releases them."""

    messages: list[Row]
    lease_until: datetime
    renew_at: float  # time.monotonic() when the lease is half gone


@dataclass
class _Round:
    sent: int = 0
    failed: int = 0  # attempts that failed: retried later, or given up after MAIL_MAX_ATTEMPTS
    # Why the round stopped early: the mail server was unreachable or broke off.
    smtp_error: str | None = None


@dataclass
class _Sender:
    """Takes due messages a few at a time and sends each one once."""

    session: Session
    config: Mapping[str, Any]
    stop: threading.Event = field(default_factory=threading.Event)
    # Writes the database failed to take (a message the server accepted, the rest of a batch
    # handed back): made before anything else once it answers again.
    owed: list[tuple[Executable, dict]] = field(default_factory=list)

    @property
    def lease(self) -> timedelta:
        # At least six SMTP timeouts: time to send the message in hand after a renewal.
        return max(LEASE, timedelta(seconds=6 * self.config["MAIL_TIMEOUT"]))

    def send_due(self, ids: Sequence[int] | None = None) -> _Round:
        """Send the messages that are due (of `ids`, when given) until none is left, the
        mail server fails, or `stop` is set. Database errors are raised."""
        if self.session.in_transaction():
            self.session.commit()
        self.settle()
        outcome = _Round()
        transport = _Transport(self.config)
        try:
            while not self.stop.is_set() and (batch := self._claim(ids)):
                self._send_batch(batch, transport, outcome)
                if outcome.smtp_error is not None:
                    break
        finally:
            transport.close()
        return outcome

    def settle(self) -> None:
        """Make the writes owed to the database (raises while it is unreachable)."""
        if not self.owed:
            return
        with write_transaction(self.session):
            connection = self.session.connection()
            for statement, params in self.owed:
                connection.execute(statement, params)
        self.owed.clear()

    def _write(self, statement: Executable, params: dict | None = None) -> None:
        self.owed.append((statement, params or {}))
        self.settle()

    def _claim(self, ids: Sequence[int] | None) -> _Batch | None:
        """Take up to BATCH due messages (pending ones, and those whose holder's lease ran
        out) so that no other sender takes them too; a message gets its Message-ID here."""
        now = utcnow()
        lease_until = now + self.lease
        query = (
            select(OUTBOX.c.id)
            .where(
                OUTBOX.c.status.in_((MailStatus.PENDING.value, MailStatus.SENDING.value)),
                OUTBOX.c.next_attempt_at <= now,
            )
            .order_by(OUTBOX.c.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True)
        )
        if ids is not None:
            query = query.where(OUTBOX.c.id.in_(ids))
        # Two short statements: on SQLite this transaction holds the database's write lock,
        # which the registrations of a burst are waiting for.
        with write_transaction(self.session):
            connection = self.session.connection()
            taken = list(connection.scalars(query))
            if not taken:
                return None
            claimed = connection.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id.in_(taken))
                .values(
                    status=MailStatus.SENDING.value,
                    next_attempt_at=lease_until,
                    message_id=func.coalesce(OUTBOX.c.message_id, self._new_message_id()),
                )
                .returning(*_CLAIMED_COLUMNS)
            ).all()
        messages = sorted(claimed, key=lambda message: message.id)
        return _Batch(messages, lease_until, time.monotonic() + self.lease.total_seconds() / 2)

    def _new_message_id(self) -> ColumnElement[str]:
        """A Message-ID for each message of a claim that has none: <random.id@domain>."""
        return (
            literal(f"<{secrets.token_hex(12)}.", String)
            + func.cast(OUTBOX.c.id, String)
            + f"@{self._domain}>"
        )

    @cached_property
    def _domain(self) -> str:
        return parseaddr(self.config["MAIL_FROM"])[1].rpartition("@")[2] or socket.getfqdn()

    def _send_batch(self, batch: _Batch, transport: _Transport, outcome: _Round) -> None:
        waiting = list(batch.messages)
        try:
            while waiting and not self.stop.is_set() and outcome.smtp_error is None:
                if time.monotonic() >= batch.renew_at:
                    waiting = self._renew(batch, waiting)
                    continue
                message = waiting.pop(0)
                try:
                    self._send(message, transport)
                except SQLAlchemyError:
                    # The database failed while the message was being made: not its fault.
                    waiting.insert(0, message)
                    raise
                except _Unreachable as error:
                    waiting.insert(0, message)
                    outcome.smtp_error = str(error)
                    log.warning("cannot reach the mail server: %s", error)
                except Exception as error:
                    outcome.failed += 1
                    log.warning("sending mail %s to %s failed: %s", message.id, message.recipient, error)
                    if isinstance(error, smtplib.SMTPException | OSError) and not _refused(error):
                        # The connection broke off while this message was being sent.
                        outcome.smtp_error = str(error) or type(error).__name__
                    self._write(*self._failure(batch, message, error))
                else:
                    outcome.sent += 1
                    self._write(_MARK_SENT, {"message": message.id, "accepted_at": utcnow()})
        except BaseException:
            # The database failed (or the process is being stopped): the rest of the batch
            # goes back with the next write that gets through.
            if waiting:
                self.owed.append(self._release(batch, waiting))
            raise
        if waiting:
            # Stopped, or the mail server failed: not these messages' fault, so no attempt is
            # counted against them; they are due again at once, for this or another sender.
            self._write(*self._release(batch, waiting))

    def _send(self, message: Row, transport: _Transport) -> None:
        if not self.config["MAIL_SERVER"]:
            _log_instead_of_sending(message, self.config["MAIL_LOG_BODY"])
            return
        transport.send(_build(message, self.config["MAIL_FROM"], self._calendar(message)))

    def _calendar(self, message: Row) -> bytes | None:
        source = current_app.extensions.get(CALENDAR_SOURCE)
        if message.calendar_registration_id is None or source is None:
            return None
        try:
            entry = source(self.session, message.calendar_registration_id)
        except SQLAlchemyError:
            raise  # the database's failure, not the message's: handled by the round
        except Exception:
            # The message (it may carry the only private link) matters more than its entry.
            log.exception("no calendar entry for mail %s", message.id)
            entry = None
        # Only a read: end its transaction, so that no snapshot is held while sending.
        self.session.commit()
        return entry

    def _renew(self, batch: _Batch, waiting: list[Row]) -> list[Row]:
        """Extend the lease on the messages still waiting; returns those still held."""
        lease_until = utcnow() + self.lease
        with write_transaction(self.session):
            kept = set(
                self.session.connection().scalars(
                    update(OUTBOX)
                    .where(*self._held(batch, waiting))
                    .values(next_attempt_at=lease_until)
                    .returning(OUTBOX.c.id)
                )
            )
        batch.lease_until = lease_until
        batch.renew_at = time.monotonic() + self.lease.total_seconds() / 2
        return [message for message in waiting if message.id in kept]

    @staticmethod
    def _held(batch: _Batch, messages: list[Row]):
        return (
            OUTBOX.c.id.in_([message.id for message in messages]),
            OUTBOX.c.status == MailStatus.SENDING.value,
            OUTBOX.c.next_attempt_at == batch.lease_until,
        )

    def _release(self, batch: _Batch, messages: list[Row]) -> tuple[Executable, dict]:
        statement = (
            update(OUTBOX)
            .where(*self._held(batch, messages))
            .values(status=MailStatus.PENDING.value, next_attempt_at=utcnow())
        )
        return statement, {}

    def _failure(self, batch: _Batch, message: Row, error: Exception) -> tuple[Executable, dict]:
        """The failed attempt, recorded only while this sender still holds the message: one
        whose lease ran out meanwhile may have been sent by another sender since."""
        attempts = message.attempts + 1
        values: dict[str, object] = {"attempts": attempts, "last_error": str(error)[:2000]}
        if attempts >= self.config["MAIL_MAX_ATTEMPTS"]:
            # Never sent: no working link kept at rest either.
            values.update(status=MailStatus.FAILED.value, body="")
        else:
            values.update(status=MailStatus.PENDING.value, next_attempt_at=utcnow() + _backoff(attempts))
        return update(OUTBOX).where(*self._held(batch, [message])).values(values), {}


def send_pending(session: Session, ids: Iterable[int] | None = None) -> tuple[int, int]:
    """Send the messages that are due (or just those of `ids`). Returns (sent, failed attempts).

    A message is recorded as sent as soon as the mail server accepts it. When the server
    cannot be reached or breaks off, the rest goes back to wait for the next round."""
    outcome = _Sender(session, current_app.config).send_due(list(ids) if ids is not None else None)
    return outcome.sent, outcome.failed


def watch(
    session: Session,
    interval: float,
    stop: threading.Event | None = None,
    every_minute: Callable[[], object] | None = None,
) -> None:
    """Send due mail every `interval` seconds until `stop` is set; also run `every_minute`
    (other timed work of the same long-running process) once a minute.

    Never gives up: a round that fails (database or mail server unreachable) is logged and
    tried again after 1, 2, 4, … seconds, at most MAX_RETRY_DELAY. Once `stop` is set, the
    message in hand is finished and the rest of its batch handed back before returning."""
    stop = stop or threading.Event()
    sender = _Sender(session, current_app.config, stop)
    failed_rounds = 0
    next_minute = time.monotonic()
    while not stop.is_set():
        if every_minute is not None and time.monotonic() >= next_minute:
            next_minute = time.monotonic() + 60
            _run_timed_work(session, every_minute)
        try:
            outcome = sender.send_due()
        except SQLAlchemyError as error:
            _rollback(session)
            failed_rounds += 1
            log.warning(
                "the outbox could not be read or written (%s); trying again in %g s",
                _first_line(error),
                _retry_delay(failed_rounds),
            )
        except Exception:
            _rollback(session)
            failed_rounds += 1
            log.exception("sending mail failed; trying again in %g s", _retry_delay(failed_rounds))
        else:
            if outcome.smtp_error is None:
                failed_rounds = 0
            else:
                failed_rounds += 1
                log.warning("mail server failed; trying again in %g s", _retry_delay(failed_rounds))
        stop.wait(_retry_delay(failed_rounds) if failed_rounds else interval)
    try:
        sender.settle()
    except SQLAlchemyError as error:
        log.error("stopping with %d outbox write(s) not made: %s", len(sender.owed), _first_line(error))


def _run_timed_work(session: Session, work: Callable[[], object]) -> None:
    try:
        work()
    except Exception:
        # Its own failure: the mail keeps going, and the work is tried again next minute.
        _rollback(session)
        log.exception("the once-a-minute work of the mail sender failed")


def _rollback(session: Session) -> None:
    # After a lost connection the rollback itself may fail; the next use reconnects.
    with contextlib.suppress(SQLAlchemyError):
        session.rollback()


def _first_line(error: Exception) -> str:
    return str(error).strip().partition("\n")[0]
