"""The outbox sender's test fixtures: an SMTP server that can refuse, pause or stop,
messages queued in bulk, and a stop event that records the watcher's waits."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from regsvc.db import write_transaction
from regsvc.mail.models import MailStatus, OutboxMessage
from regsvc.mail.services import Mail, add_to_outbox
from tests.conftest import _free_port


class Mailbox:
    """An SMTP server on loopback that keeps what it receives. `refuse(address)` may return
    a reply refusing a recipient; `before_accepting(n, message)` runs (in a thread of its
    own) before the n-th message (from 1) is kept and accepted; with `messages_per_connection`
    the server answers 421 to the next message on a connection."""

    def __init__(self):
        self.port = _free_port()
        self.messages: list[EmailMessage] = []
        self.received = threading.Condition()
        self.refuse: Callable[[str], str | None] = lambda address: None
        self.before_accepting: Callable[[int, EmailMessage], object] = lambda n, message: None
        self.messages_per_connection: int | None = None
        self.connections_used = 0  # connections over which a message was accepted
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def configure(self, app) -> None:
        app.config.update(
            MAIL_SERVER="127.0.0.1", MAIL_PORT=self.port, MAIL_FROM="regsvc <noreply@regsvc.test>"
        )

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        carried = getattr(session, "carried", 0)
        if self.messages_per_connection is not None and carried >= self.messages_per_connection:
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.refuse(address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.received:
            n = len(self.messages) + 1
        await asyncio.to_thread(self.before_accepting, n, message)
        with self.received:
            self.messages.append(message)
            session.carried = getattr(session, "carried", 0) + 1
            if session.carried == 1:
                self.connections_used += 1
            self.received.notify_all()
        return "250 OK"

    def wait_for(self, n: int, timeout: float = 60) -> list[EmailMessage]:
        with self.received:
            self.received.wait_for(lambda: len(self.messages) >= n, timeout)
            return list(self.messages)

    def wait_for_recipients(self, recipients: set[str], timeout: float = 60) -> None:
        with self.received:
            self.received.wait_for(lambda: recipients <= set(self.deliveries()), timeout)

    def deliveries(self) -> Counter[str]:
        """How many times each recipient got a message."""
        with self.received:
            return Counter(str(message["To"]) for message in self.messages)


@pytest.fixture
def make_mailbox():
    """Start a Mailbox and point an app at it."""
    started: list[Mailbox] = []

    def make(app) -> Mailbox:
        mailbox = Mailbox()
        mailbox.start()
        mailbox.configure(app)
        started.append(mailbox)
        return mailbox

    yield make
    for mailbox in started:
        mailbox.stop()


@pytest.fixture
def mailbox(app, make_mailbox) -> Mailbox:
    return make_mailbox(app)


class SilentServer:
    """Accepts connections and never says a word: a hanging mail server."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return  # closed
            self.connections.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.connections:
            connection.close()


@pytest.fixture
def silent_server():
    server = SilentServer()
    yield server
    server.close()


class RecordedStop(threading.Event):
    """The watcher's stop event, recording every wait it asks for. `after_wait(waits)` runs
    after each wait; unless `really_wait`, waits return at once."""

    def __init__(self, after_wait: Callable[[list[float]], object] = lambda waits: None, really_wait=False):
        super().__init__()
        self.waits: list[float] = []
        self.after_wait = after_wait
        self.really_wait = really_wait

    def wait(self, timeout: float | None = None) -> bool:
        assert timeout is not None
        self.waits.append(timeout)
        stopped = super().wait(timeout if self.really_wait else 0)
        self.after_wait(self.waits)
        return stopped or self.is_set()


def recipient(n: int) -> str:
    return f"person{n}@example.org"


def queue_messages(session, numbers) -> list[str]:
    """Queue one message to each of recipient(n) for n in `numbers`; returns the addresses."""
    addresses = [recipient(n) for n in numbers]
    with write_transaction(session):
        for address in addresses:
            add_to_outbox(session, Mail(address, f"Hello {address}", "A body.\n", kind="test"))
    return addresses


def count_by_status(session) -> dict[str, int]:
    session.rollback()
    return dict(
        session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    )


def all_sent(session) -> bool:
    counts = count_by_status(session)
    return not counts.get(MailStatus.PENDING) and not counts.get(MailStatus.SENDING)
