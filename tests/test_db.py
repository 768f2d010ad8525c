"""Pooled connections after the database server dropped them, and the page when one fails."""

import socket

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, DisconnectionError

from regsvc.db import _replace_if_closed_by_server
from regsvc.registration.models import Registration
from tests.conftest import TEST_DATABASE_URL, form_data
from tests.registration.test_pages import text_of


class _PooledConnection:
    """A stand-in for a driver's connection: a socket, and a ping that works or not."""

    def __init__(self, *, server_said: bytes = b"", ping_works: bool = True, gone: bool = False):
        self.ours, self.server = socket.socketpair()
        if server_said:
            self.server.sendall(server_said)
        self.ping_works = ping_works
        self.gone = gone
        self.pings = 0

    def fileno(self) -> int:
        if self.gone:
            raise OSError("the connection is closed")
        return self.ours.fileno()

    def cursor(self):
        connection = self

        class Cursor:
            def __enter__(self):
                return self

            def __exit__(self, *_exc):
                return False

            def execute(self, _sql):
                connection.pings += 1
                if not connection.ping_works:
                    raise OSError("server closed the connection unexpectedly")

        return Cursor()

    def rollback(self):
        pass

    def close(self):
        self.ours.close()
        self.server.close()


@pytest.fixture
def pooled():
    made = []

    def make(**kwargs):
        made.append(_PooledConnection(**kwargs))
        return made[-1]

    yield make
    for connection in made:
        connection.close()


def test_an_idle_connection_with_nothing_to_read_is_handed_out_without_a_round_trip(pooled):
    connection = pooled()
    _replace_if_closed_by_server(connection, None, None)
    assert connection.pings == 0


def test_a_connection_with_unread_input_is_pinged_and_kept_when_the_ping_works(pooled):
    connection = pooled(server_said=b"TLS session ticket")
    _replace_if_closed_by_server(connection, None, None)
    assert connection.pings == 1


def test_a_connection_the_server_closed_is_replaced(pooled):
    connection = pooled(server_said=b"FATAL: terminating connection", ping_works=False)
    with pytest.raises(DisconnectionError):
        _replace_if_closed_by_server(connection, None, None)
    with pytest.raises(DisconnectionError):
        _replace_if_closed_by_server(pooled(gone=True), None, None)


@pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="an embedded SQLite database has no server to drop a connection"
)
def test_pages_and_registrations_work_right_after_the_server_dropped_every_connection(
    app, client, session, make_event
):
    event = make_event()
    assert client.get(f"/e/{event.slug}/").status_code == 200
    assert client.post(f"/e/{event.slug}/register", data=form_data(1)).status_code == 302
    database = app.extensions["regsvc.db"]
    with database.engine.connect() as admin:
        # A restart, as the pooled connections see it: the server ends them. The second
        # argument waits until each has gone.
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert client.get(f"/e/{event.slug}/").status_code == 200
    assert client.post(f"/e/{event.slug}/register", data=form_data(2)).status_code == 302
    session.expire_all()
    emails = session.scalars(select(Registration.email).order_by(Registration.id)).all()
    assert emails == ["participant1@example.org", "participant2@example.org"]


def test_a_connection_lost_during_a_request_asks_for_a_reload(app, client):
    def lost():
        raise DBAPIError("SELECT 1", {}, OSError("server closed the connection"), connection_invalidated=True)

    app.add_url_rule("/lost", "lost", lost)
    response = client.get("/lost")
    assert response.status_code == 503
    assert "Reload the page" in text_of(response)


def test_a_session_whose_close_fails_leaves_the_response_as_it_is(app, client):
    """A restart cuts the connection as the request ends: its rollback fails, the page stands."""
    from regsvc.db import get_session

    def cut_at_the_end():
        session = get_session()
        session.execute(text("SELECT 1"))

        def close():
            raise DBAPIError("ROLLBACK", {}, OSError("terminating connection"), connection_invalidated=True)

        session.close = close
        return "the page"

    app.add_url_rule("/cut", "cut", cut_at_the_end)
    response = client.get("/cut")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "the page")
