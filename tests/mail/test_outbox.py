"""E-mail goes through the outbox: written with the change, sent after commit over real SMTP."""

import logging
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from regsvc.db import utcnow, write_transaction
from regsvc.mail.models import MailStatus, OutboxMessage
from regsvc.mail.services import committed_message_ids, oldest_pending_age, queue_mail, send_pending, watch
from regsvc.registration.models import Registration
from tests.conftest import body_of, form_data, fresh
from tests.mail.conftest import RecordedStop


def messages(session):
    fresh(session)
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_confirmation_arrives_by_smtp_right_after_registering(app, client, smtp_server, make_event):
    app.config["MAIL_SEND_AFTER_REQUEST"] = True
    event = make_event()
    # buffered: the client consumes and closes the response, as a WSGI server does.
    response = client.post(
        f"/e/{event.slug}/register", data=form_data(1, email="Jelena@Example.org"), buffered=True
    )

    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "Jelena@Example.org"
    assert mail["From"] == "regsvc <noreply@regsvc.test>"
    assert mail["Subject"] == f"Your registration: {event.title}"
    body = body_of(mail)
    assert "An on-site seat is held for you until" in body
    link = re.search(r"http://regsvc.test(/r/[^/\s]+/)", body).group(1)
    assert link not in response.headers["Location"]  # the link reaches the mailbox only
    assert client.get(link).status_code == 200
    # Sent: the outbox keeps who, what and when, but no body with a working link.
    with app.extensions["regsvc.db"].Session() as session:
        [row] = session.scalars(select(OutboxMessage)).all()
    assert (row.status, row.kind, row.body) == ("sent", "registered", "")
    assert row.recipient == "Jelena@Example.org" and row.sent_at is not None


def test_send_mail_command_sends_what_is_pending(app, client, runner, session, smtp_server, make_event):
    event = make_event()
    for n in range(3):
        client.post(f"/e/{event.slug}/register", data=form_data(n))
    assert [m.status for m in messages(session)] == ["pending"] * 3

    result = runner.invoke(args=["regsvc", "send-mail"])

    assert result.exit_code == 0, result.output
    assert "Sent 3 message(s)" in result.output
    assert sorted(m["To"] for m in smtp_server.wait_for(3)) == [
        "participant0@example.org",
        "participant1@example.org",
        "participant2@example.org",
    ]
    assert {m.status for m in messages(session)} == {"sent"}
    # Nothing is sent twice.
    assert send_pending(session) == (0, 0)


def test_a_refused_message_is_retried_later_with_back_off(
    app, session, mailbox, make_event, make_registration
):
    make_registration(make_event())
    mailbox.refuse = lambda address: "450 4.2.1 Mailbox busy, try later"

    assert send_pending(session) == (0, 1)
    [message] = messages(session)
    assert message.status == MailStatus.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at > utcnow() + timedelta(seconds=30)
    assert "Mailbox busy" in message.last_error

    mailbox.refuse = lambda address: None
    assert send_pending(session) == (0, 0)  # not due yet
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert send_pending(session) == (1, 0)
    assert len(mailbox.wait_for(1)) == 1
    assert messages(session)[0].status == MailStatus.SENT


def test_sending_gives_up_after_the_last_attempt(app, session, mailbox, make_event, make_registration):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    mailbox.refuse = lambda address: "550 5.1.1 No such user"
    make_registration(make_event())
    send_pending(session)
    message = messages(session)[0]
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    send_pending(session)
    message = messages(session)[0]
    assert (message.status, message.attempts, message.body) == (MailStatus.FAILED, 2, "")


def test_without_an_smtp_server_mail_is_written_to_the_log(
    app, session, caplog, make_event, make_registration
):
    app.config["MAIL_SERVER"] = ""
    make_registration(make_event(), email="logged@example.org")
    with caplog.at_level(logging.INFO, logger="regsvc.mail.services"):
        assert send_pending(session) == (1, 0)
    assert "mail to logged@example.org" in caplog.text
    assert "/r/" in caplog.text  # development: the whole message, to follow its link
    assert messages(session)[0].status == MailStatus.SENT


def test_production_logs_no_private_links(app, session, caplog, make_event, make_registration):
    app.config.update(MAIL_SERVER="", MAIL_LOG_BODY=False)
    make_registration(make_event(), email="quiet@example.org")
    with caplog.at_level(logging.INFO, logger="regsvc.mail.services"):
        send_pending(session)
    assert "mail to quiet@example.org" in caplog.text and "Your registration" in caplog.text
    assert "/r/" not in caplog.text


def test_a_rolled_back_change_sends_nothing(app, session, make_event):
    event = make_event()
    with pytest.raises(RuntimeError), write_transaction(session):
        registration = session.get(Registration, 1)  # nothing; the mail is what matters
        queue_mail(
            session,
            "ghost@example.org",
            "link_resent",
            "en",
            registration=registration,
            event=event,
            link="http://x",
        )
        raise RuntimeError("the change failed after the mail was written")
    assert messages(session) == []
    assert committed_message_ids(session) == []


def test_a_message_held_by_another_sender_is_sent_once_its_lease_runs_out(
    app, session, make_event, make_registration
):
    app.config["MAIL_SERVER"] = ""
    make_registration(make_event())
    [message] = messages(session)
    message.status = MailStatus.SENDING
    message.next_attempt_at = utcnow() + timedelta(seconds=30)  # that sender's lease
    session.commit()
    assert send_pending(session) == (0, 0)
    # …until that sender has not renewed it in time: it died.
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    session.commit()
    assert send_pending(session) == (1, 0)


def test_onsite_confirmation_carries_the_check_in_qr_code(app, client, smtp_server, session, make_event):
    event = make_event(onsite_capacity=1)
    client.post(f"/e/{event.slug}/register", data=form_data(1))
    client.post(f"/e/{event.slug}/register", data=form_data(2, attendance="online"))
    send_pending(session)
    seated, online = sorted(smtp_server.wait_for(2), key=lambda m: m["To"])
    qr, calendar = seated.iter_attachments()
    assert qr.get_content_type() == "image/png" and qr.get_filename() == "check-in-qr.png"
    assert qr.get_content().startswith(b"\x89PNG")
    code = session.scalars(select(Registration.checkin_code).order_by(Registration.id)).first()
    assert f"check-in code {code}" in body_of(seated)
    # Online: no QR code, only the calendar entry that every confirmation carries.
    assert [part.get_content_type() for part in online.iter_attachments()] == ["text/calendar"]
    assert calendar.get_content_type() == "text/calendar"


def test_the_watching_sender_sends_each_round_until_stopped(
    app, session, smtp_server, make_event, make_registration
):
    make_registration(make_event())
    stop = RecordedStop(after_wait=lambda waits: len(waits) == 2 and stop.set())
    watch(session, interval=0.5, stop=stop)
    assert stop.waits == [0.5, 0.5]
    assert len(smtp_server.wait_for(1)) == 1
    assert messages(session)[0].status == MailStatus.SENT


def test_the_age_of_the_oldest_message_not_yet_sent(app, session, make_event, make_registration):
    assert oldest_pending_age(session) is None
    make_registration(make_event())
    make_registration(make_event())
    first, second = messages(session)
    first.created_at = utcnow() - timedelta(minutes=5)
    first.status = MailStatus.SENDING
    second.created_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert timedelta(minutes=5) <= oldest_pending_age(session) < timedelta(minutes=6)
    first.status = MailStatus.SENT
    session.commit()
    assert timedelta(minutes=1) <= oldest_pending_age(session) < timedelta(minutes=2)
    second.status = MailStatus.FAILED
    session.commit()
    assert oldest_pending_age(session) is None
