"""Fixtures: an app on a fresh database per test (SQLite, or PostgreSQL when
REGSVC_TEST_DATABASE_URL is set), factories, and a real SMTP server on loopback."""

from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from itertools import count

import pytest
from aiosmtpd.controller import Controller
from alembic import command
from sqlalchemy import create_engine, make_url, text

from config import TestingConfig
from regsvc import create_app
from regsvc.auth.models import StaffUser
from regsvc.auth.services import create_user
from regsvc.db import utcnow
from regsvc.events.models import Event
from regsvc.extensions import babel
from regsvc.migrating import alembic_config
from regsvc.models import Base
from regsvc.registration.models import Attendance, WhenFull
from regsvc.registration.services import ParticipantDetails, register
from regsvc.roles import Role

TEST_DATABASE_URL = os.environ.get("REGSVC_TEST_DATABASE_URL", "")
# Set by pytest-xdist in each of its worker processes ("gw0", "gw1", …); unset without -n.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _postgresql_database_of_worker(url: str, worker: str) -> str:
    """A database of this worker's own beside the one in `url` (regsvc_test_gw0 for
    regsvc_test), created anew through the `postgres` maintenance database."""
    base = make_url(url)
    name = f"{base.database}_{worker}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """A database whose schema is built by the migrations, once per run (per worker process
    under pytest-xdist: SQLite's file is in the worker's own temporary directory; on
    PostgreSQL each worker gets a database of its own)."""
    if TEST_DATABASE_URL and XDIST_WORKER:
        url = _postgresql_database_of_worker(TEST_DATABASE_URL, XDIST_WORKER)
    else:
        url = TEST_DATABASE_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            # Start from nothing, so that the migrations alone build the schema.
            Base.metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()
    command.upgrade(alembic_config(url), "head")
    return url


def _empty_tables(app) -> None:
    database = app.extensions["regsvc.db"]
    with database.engine.begin() as connection:
        if database.is_sqlite:
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
        else:
            # A connection an earlier test left in a transaction would make TRUNCATE wait
            # for ever: fail this test instead, saying so.
            connection.execute(text("SET LOCAL lock_timeout = '15s'"))
            names = ", ".join(table.name for table in Base.metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(autouse=True)
def _no_translations_of_other_tests():
    """Flask-Babel keeps the catalogues it loaded for the whole process, whichever app (and
    translation folder) loaded them: each test starts without those of the tests before."""
    domain = vars(babel).get("domain_instance")  # made by the first app that translated
    if domain is not None:
        domain.cache.clear()


@pytest.fixture
def app_settings(database_url, tmp_path) -> dict:
    """Overrides for the app of one test; a test may change them before using `app`."""
    return {
        "DATABASE_URL": database_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": TestingConfig.PASSWORD_HASH_METHOD,
        "WTF_CSRF_ENABLED": False,
        "MAIL_SEND_AFTER_REQUEST": False,
        "PUBLIC_URL": "http://regsvc.test",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        # Every test client comes from 127.0.0.1: the limits are tested on their own.
        "REGISTRATIONS_PER_ADDRESS_PER_HOUR": TestingConfig.REGISTRATIONS_PER_ADDRESS_PER_HOUR,
        "WRONG_LINKS_PER_ADDRESS_PER_HOUR": TestingConfig.WRONG_LINKS_PER_ADDRESS_PER_HOUR,
    }


@pytest.fixture
def app(app_settings):
    app = create_app(app_settings)
    _empty_tables(app)
    with app.app_context():
        yield app
    app.extensions["regsvc.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """The test's own session; requests made by the test use their own."""
    with app.extensions["regsvc.db"].Session() as session:
        yield session


_numbers = count(1)


@pytest.fixture
def make_event(session):
    """Create an event open for registration; keyword arguments override any field."""

    def make(**fields) -> Event:
        now = utcnow()
        n = next(_numbers)
        values = dict(
            slug=f"event-{n}",
            title=f"National Conference {n}",
            description="Panel on civil society in crisis management.\n\nSecond paragraph.",
            timezone="Europe/Belgrade",
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=6),
            venue_name="Hotel Mona Plaza",
            venue_address="Kralja Milana 27, Belgrade",
            host_town="Belgrade",
            onsite_capacity=3,
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=now + timedelta(days=28),
            currency="RSD",
            travel_reimbursed=True,
            stream_details="Stream: https://stream.example.org/live",
            contact_email="conference@example.org",
        )
        values.update(fields)
        event = Event(**values)
        session.add(event)
        session.commit()
        return event

    return make


def details(n: int | str = 1, **fields) -> ParticipantDetails:
    values = dict(
        full_name=f"Participant {n}",
        email=f"participant{n}@example.org",
        organisation="CRPM",
        position="Programme officer",
        departure_town="Niš",
    )
    values.update(fields)
    return ParticipantDetails(**values)


@pytest.fixture
def make_registration(session):
    """Register someone through the service; returns the outcome."""
    numbers = count(1)

    def make(event, wanted=Attendance.ONSITE, when_full=WhenFull.WAITLIST, **fields):
        return register(session, event.id, details(next(numbers), **fields), wanted, when_full)

    return make


@pytest.fixture
def make_user(session):
    """A staff account; the password is the e-mail's local part repeated to 10+ characters."""
    numbers = count(1)

    def make(*roles: str, email: str | None = None, password: str = "correct horse battery") -> StaffUser:
        email = email or f"staff{next(numbers)}@example.org"
        return create_user(session, email, list(roles), password=password, full_name=email.split("@")[0]).user

    return make


def sign_in(client, user: StaffUser) -> None:
    """Sign a test client in as `user` without going through the login form."""
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = str(user.id)
        browser_session["_fresh"] = True


@pytest.fixture
def organiser(make_user):
    return make_user(Role.ORGANISER, email="organiser@example.org")


@pytest.fixture
def desk_user(make_user):
    return make_user(Role.DESK, email="desk@example.org")


def form_data(n: int | str = 1, **fields) -> dict:
    """What a participant types into the registration form."""
    data = dict(
        full_name=f"Participant {n}",
        email=f"participant{n}@example.org",
        phone="+381 64 123 4567",
        organisation="CRPM",
        position="Programme officer",
        departure_town="Kragujevac",
        attendance="onsite",
        when_full="waitlist",
        consent_data="y",
    )
    data.update(fields)
    return data


class _Inbox:
    """Collects what the SMTP server receives."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.received = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.received:
            self.messages.append(message)
            self.received.notify_all()
        return "250 OK"

    def wait_for(self, n: int, timeout: float = 30) -> list[EmailMessage]:
        with self.received:
            self.received.wait_for(lambda: len(self.messages) >= n, timeout)
        return list(self.messages)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback; the app is configured to send to it."""
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="regsvc <noreply@regsvc.test>")
    yield inbox
    controller.stop()


def body_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def fresh(session) -> None:
    """Forget what the test's session has loaded, to see what requests committed since."""
    session.rollback()
    session.expire_all()
