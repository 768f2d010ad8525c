"""The outbox sender records each message as soon as the server accepts it, keeps one
Message-ID per message, holds what it takes only for a short lease, and keeps going
through mail server and database failures."""

import logging
import threading
from datetime import timedelta

from sqlalchemy import select, text, update

from regsvc.db import utcnow
from regsvc.mail import services
from regsvc.mail.models import MailStatus, OutboxMessage
from regsvc.mail.services import LEASE, send_pending, watch
from tests.mail.conftest import RecordedStop, all_sent, queue_messages, recipient


def outbox(session) -> list[OutboxMessage]:
    session.rollback()
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_each_message_is_recorded_as_sent_as_soon_as_the_server_accepts_it(app, session, mailbox):
    queue_messages(session, range(1, 6))
    seen_before_accepting = []

    def look_at_the_outbox(n, message):
        # The sender waits for this message's acceptance: what it recorded so far is visible.
        with app.extensions["regsvc.db"].Session() as other:
            statuses = other.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)).all()
        seen_before_accepting.append(statuses)

    mailbox.before_accepting = look_at_the_outbox
    assert send_pending(session) == (5, 0)
    assert seen_before_accepting == [["sent"] * (n - 1) + ["sending"] * (5 - n + 1) for n in range(1, 6)]
    assert mailbox.connections_used == 1


def test_a_message_keeps_its_message_id_for_every_attempt(app, session, mailbox):
    queue_messages(session, [1, 2])
    [first, second] = outbox(session)
    assert first.message_id is None  # given when a sender first takes it
    mailbox.refuse = lambda address: "451 4.3.0 Try again later" if address == recipient(1) else None

    assert send_pending(session) == (1, 1)
    [first, second] = outbox(session)
    assert (first.status, first.attempts) == (MailStatus.PENDING, 1)
    assert first.message_id and first.message_id.endswith("@regsvc.test>")
    assert first.message_id != second.message_id

    mailbox.refuse = lambda address: None
    first.next_attempt_at = utcnow()
    session.commit()
    assert send_pending(session) == (1, 0)
    delivered = {str(message["To"]): str(message["Message-ID"]) for message in mailbox.wait_for(2)}
    assert delivered == {recipient(1): first.message_id, recipient(2): second.message_id}


def test_a_refused_message_does_not_hold_up_the_others(app, session, mailbox):
    queue_messages(session, [1, 2, 3])
    mailbox.refuse = lambda address: "550 5.1.1 No such user" if address == recipient(2) else None
    assert send_pending(session) == (2, 1)
    assert [(message.status, message.attempts) for message in outbox(session)] == [
        (MailStatus.SENT, 1),
        (MailStatus.PENDING, 1),
        (MailStatus.SENT, 1),
    ]
    assert mailbox.connections_used == 1


def test_a_connection_the_server_closes_is_replaced_without_counting_an_attempt(app, session, mailbox):
    queue_messages(session, range(1, 6))
    mailbox.messages_per_connection = 2
    assert send_pending(session) == (5, 0)
    assert mailbox.connections_used == 3
    assert [(message.status, message.attempts) for message in outbox(session)] == [(MailStatus.SENT, 1)] * 5
    assert sorted(mailbox.deliveries().values()) == [1] * 5


def test_an_unreachable_mail_server_counts_no_attempt_against_anyone(app, session, mailbox):
    queue_messages(session, range(1, 4))
    mailbox.stop()
    assert send_pending(session) == (0, 0)
    messages = outbox(session)
    assert [(message.status, message.attempts) for message in messages] == [(MailStatus.PENDING, 0)] * 3
    assert all(message.next_attempt_at <= utcnow() for message in messages)  # due at once


def test_a_hanging_mail_server_costs_one_timeout_per_round_and_the_watcher_backs_off(
    app, session, silent_server
):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=silent_server.port, MAIL_TIMEOUT=1)
    queue_messages(session, range(1, 6))
    stop = RecordedStop(after_wait=lambda waits: len(waits) == 3 and stop.set())

    watch(session, interval=0.5, stop=stop)

    assert len(silent_server.connections) == 3  # one per round, not one per message
    assert stop.waits == [1, 2, 4]
    messages = outbox(session)
    assert [(message.status, message.attempts) for message in messages] == [(MailStatus.PENDING, 0)] * 5
    assert all("timed out" not in message.last_error for message in messages)


def test_the_watcher_sends_what_waited_once_the_mail_server_is_back(app, session, mailbox, caplog):
    queue_messages(session, range(1, 4))
    mailbox.stop()

    def after_wait(waits):
        if len(waits) == 3:
            mailbox.start()
        elif len(waits) == 4:
            stop.set()

    stop = RecordedStop(after_wait)
    with caplog.at_level(logging.WARNING, logger="regsvc.mail.services"):
        watch(session, interval=0.5, stop=stop)

    assert stop.waits == [1, 2, 4, 0.5]
    assert "cannot reach the mail server" in caplog.text
    assert mailbox.deliveries() == {recipient(n): 1 for n in range(1, 4)}
    assert [(message.status, message.attempts) for message in outbox(session)] == [(MailStatus.SENT, 1)] * 3


def test_the_watcher_keeps_going_through_database_errors(app, session, mailbox, caplog):
    queue_messages(session, range(1, 4))
    engine = app.extensions["regsvc.db"].engine
    session.close()
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE outbox RENAME TO outbox_away"))

    def after_wait(waits):
        if len(waits) == 3:
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE outbox_away RENAME TO outbox"))
        elif len(waits) == 4:
            stop.set()

    stop = RecordedStop(after_wait)
    with caplog.at_level(logging.WARNING, logger="regsvc.mail.services"):
        watch(session, interval=0.5, stop=stop)

    assert stop.waits == [1, 2, 4, 0.5]
    assert caplog.text.count("the outbox could not be read or written") == 3
    assert mailbox.deliveries() == {recipient(n): 1 for n in range(1, 4)}


def test_the_watcher_waits_at_most_half_a_minute_between_tries(app, session, mailbox):
    mailbox.stop()
    queue_messages(session, [1])
    stop = RecordedStop(after_wait=lambda waits: len(waits) == 8 and stop.set())
    watch(session, interval=0.5, stop=stop)
    assert stop.waits == [1, 2, 4, 8, 16, 30, 30, 30]


def test_a_failing_once_a_minute_job_is_logged_and_the_mail_still_goes(app, session, mailbox, caplog):
    queue_messages(session, [1])

    def broken_job():
        raise RuntimeError("the sweep broke")

    stop = RecordedStop(after_wait=lambda waits: stop.set())
    with caplog.at_level(logging.ERROR, logger="regsvc.mail.services"):
        watch(session, interval=0.5, stop=stop, every_minute=broken_job)
    assert "the sweep broke" in caplog.text
    assert mailbox.deliveries() == {recipient(1): 1}


def test_a_stopped_sender_finishes_the_message_in_hand_and_hands_back_the_rest(app, session, mailbox):
    queue_messages(session, range(1, 6))
    stop = RecordedStop()
    mailbox.before_accepting = lambda n, message: n == 2 and stop.set()

    watch(session, interval=0.5, stop=stop)

    assert mailbox.deliveries() == {recipient(1): 1, recipient(2): 1}
    messages = outbox(session)
    assert [message.status for message in messages] == ["sent"] * 2 + ["pending"] * 3
    # The rest are due at once, for the next sender; no attempt is counted against them.
    assert all(message.next_attempt_at <= utcnow() and message.attempts == 0 for message in messages[2:])


def test_a_sender_holds_what_it_takes_for_a_minute_at_most(app, session, mailbox):
    queue_messages(session, [1])
    seen = []

    def note_the_lease(n, message):
        with app.extensions["regsvc.db"].Session() as other:
            seen.append((utcnow(), other.scalar(select(OutboxMessage.next_attempt_at))))

    mailbox.before_accepting = note_the_lease
    send_pending(session)
    [(now, lease)] = seen
    assert now < lease <= now + LEASE == now + timedelta(minutes=1)


def test_a_sender_whose_lease_ran_out_does_not_send_what_another_sender_took(app, session, mailbox):
    queue_messages(session, range(1, 4))
    sender = services._Sender(session, app.config)
    batch = sender._claim(None)
    # Time passed (the sender was paused, its renewal due): meanwhile, another sender
    # took the second message, whose lease had run out.
    batch.renew_at = 0
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.recipient == recipient(2))
        .values(next_attempt_at=utcnow() + timedelta(minutes=1))
    )
    session.commit()

    outcome = services._Round()
    transport = services._Transport(app.config)
    try:
        sender._send_batch(batch, transport, outcome)
    finally:
        transport.close()

    assert outcome.sent == 2
    assert mailbox.deliveries() == {recipient(1): 1, recipient(3): 1}
    [first, second, third] = outbox(session)
    assert (second.status, second.attempts) == (MailStatus.SENDING, 0)  # the other sender's


def test_a_late_failure_never_undoes_what_another_sender_sent(app, session, mailbox):
    """Sender A takes a message; its lease runs out while the server keeps it waiting;
    sender B takes the message, sends it and records it. A's failure then changes nothing:
    the message stays sent, and nobody gets it again with its body gone."""
    queue_messages(session, [1])
    late = services._Sender(session, app.config)
    batch = late._claim(None)
    with app.extensions["regsvc.db"].Session() as other_session:
        other_session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        other_session.commit()
        assert send_pending(other_session) == (1, 0)  # sender B
    mailbox.refuse = lambda address: "451 4.3.0 Try again later"  # A's own attempt fails
    outcome = services._Round()
    transport = services._Transport(app.config)
    try:
        late._send_batch(batch, transport, outcome)
    finally:
        transport.close()
    assert outcome.failed == 1
    [message] = outbox(session)
    assert (message.status, message.attempts) == (MailStatus.SENT, 1)
    mailbox.refuse = lambda address: None
    assert send_pending(session) == (0, 0)
    assert mailbox.deliveries() == {recipient(1): 1}


def test_two_senders_at_once_send_every_message_once(app, session, mailbox):
    _two_senders_at_once(app, session, mailbox)


def _two_senders_at_once(app, session, mailbox, messages=120):
    """Two threads send the same outbox at the same time; each message goes out once."""
    addresses = queue_messages(session, range(1, messages + 1))
    start = threading.Barrier(2)
    sent_by = {}

    def sender(name):
        with app.app_context(), app.extensions["regsvc.db"].Session() as own_session:
            start.wait()
            sent_by[name] = send_pending(own_session)[0]

    threads = [threading.Thread(target=sender, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert mailbox.deliveries() == dict.fromkeys(addresses, 1)
    assert sum(sent_by.values()) == messages
    assert all(sent_by.values()), sent_by  # both took part
    assert all_sent(session)
