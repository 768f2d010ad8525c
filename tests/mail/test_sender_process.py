"""`flask --app wsgi regsvc send-mail --watch` as a process: stopped by a signal it finishes
the message in hand and exits 0; killed, the next sender sends again at most that message."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from regsvc.db import utcnow, write_transaction
from regsvc.mail.models import MailStatus, OutboxMessage
from regsvc.mail.services import LEASE
from tests.mail.conftest import all_sent, count_by_status, queue_messages, recipient

ROOT = Path(__file__).resolve().parents[2]


def start_sender(app, log_path: Path) -> subprocess.Popen:
    """The sender as production runs it, on the test's database and mail server."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("REGSVC_")}
    env.update(
        REGSVC_DATABASE_URL=app.config["DATABASE_URL"],
        REGSVC_MAIL_SERVER=app.config["MAIL_SERVER"],
        REGSVC_MAIL_PORT=str(app.config["MAIL_PORT"]),
        REGSVC_MAIL_FROM=app.config["MAIL_FROM"],
        REGSVC_UPLOAD_FOLDER=app.config["UPLOAD_FOLDER"],
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "regsvc", "send-mail", "--watch"]
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [*command, "--interval", "0.2"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )


def wait_until(condition, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def hold_message(n: int):
    """A before_accepting hook that holds the n-th message until released: (hook, holding,
    release)."""
    holding, release = threading.Event(), threading.Event()

    def hook(number, message):
        if number == n:
            holding.set()
            release.wait(60)

    return hook, holding, release


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_sender_once_the_message_in_hand_is_sent(app, session, mailbox, tmp_path, signum):
    queue_messages(session, range(1, 11))
    mailbox.before_accepting, holding, release = hold_message(3)
    sender = start_sender(app, tmp_path / "sender.log")
    try:
        assert holding.wait(60), (tmp_path / "sender.log").read_text()
        sender.send_signal(signum)
        release.set()
        assert sender.wait(60) == 0
    finally:
        release.set()
        if sender.poll() is None:
            sender.kill()
            sender.wait()

    assert "Stopped." in (tmp_path / "sender.log").read_text()
    assert mailbox.deliveries() == {recipient(1): 1, recipient(2): 1, recipient(3): 1}
    assert count_by_status(session) == {MailStatus.SENT: 3, MailStatus.PENDING: 7}
    # The rest were handed back, due at once and with no attempt counted: not held by a lease.
    rest = session.scalars(select(OutboxMessage).where(OutboxMessage.status == MailStatus.PENDING)).all()
    assert all(message.attempts == 0 and message.next_attempt_at <= utcnow() for message in rest)


def test_a_killed_sender_is_replaced_and_only_the_message_in_hand_goes_twice(app, session, mailbox, tmp_path):
    addresses = queue_messages(session, range(1, 41))
    unlock = threading.Event()
    holders: list[threading.Thread] = []

    def lock_the_25th(n, message):
        # The worst moment to die: the server has accepted the 25th message, and the sender
        # has not recorded it yet (it cannot: the test holds its row, and on SQLite the
        # database's write lock).
        if n == 25:
            locked = threading.Event()
            holders.append(threading.Thread(target=_hold_row, args=(app, recipient(25), locked, unlock)))
            holders[-1].start()
            locked.wait(60)

    mailbox.before_accepting = lock_the_25th
    log_path = tmp_path / "sender.log"
    first = start_sender(app, log_path)
    try:
        assert len(mailbox.wait_for(25)) == 25, log_path.read_text()
        first.kill()
        first.wait()
    finally:
        unlock.set()
        for holder in holders:
            holder.join(60)  # its transaction over, the test may write

    assert count_by_status(session) == {MailStatus.SENT: 24, MailStatus.SENDING: 16}
    held_until = session.scalars(
        select(OutboxMessage.next_attempt_at).where(OutboxMessage.status == MailStatus.SENDING)
    ).all()
    # What the dead sender held goes out again within a minute…
    assert max(held_until) <= utcnow() + LEASE
    session.commit()  # a new transaction for the write below (SQLite refuses to upgrade an old read)
    # …a minute which the test does not wait for.
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MailStatus.SENDING)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    session.commit()

    second = start_sender(app, log_path)
    try:
        assert wait_until(lambda: all_sent(session)), log_path.read_text()
    finally:
        second.terminate()
        assert second.wait(60) == 0

    deliveries = mailbox.deliveries()
    assert set(deliveries) == set(addresses)
    assert [address for address, times in deliveries.items() if times > 1] == [recipient(25)]
    copies = [message for message in mailbox.messages if message["To"] == recipient(25)]
    assert len(copies) == 2 and len({message["Message-ID"] for message in copies}) == 1


def _hold_row(app, address: str, locked: threading.Event, unlock: threading.Event) -> None:
    with app.extensions["regsvc.db"].Session() as other, write_transaction(other):
        other.execute(select(OutboxMessage.id).where(OutboxMessage.recipient == address).with_for_update())
        locked.set()
        unlock.wait(60)
