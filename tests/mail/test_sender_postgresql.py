"""The sender on a PostgreSQL server of the test's own, which the test stops and starts:
the watcher survives the outage and sends every message once; two senders share the work."""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from regsvc import create_app
from regsvc.mail.services import _Sender, watch
from regsvc.migrating import alembic_config
from regsvc.models import Base
from tests.conftest import _free_port
from tests.mail.conftest import RecordedStop, all_sent, queue_messages, recipient
from tests.mail.test_sender import _two_senders_at_once
from tests.mail.test_sender_process import wait_until


class ThrowawayPostgreSQL:
    """A PostgreSQL cluster in a temporary folder, on a port of its own."""

    def __init__(self, bin_dir: Path, run_as: str | None):
        self.bin_dir = bin_dir
        self.run_as = run_as  # initdb refuses to run as root
        self.folder = Path(tempfile.mkdtemp(prefix="regsvc-postgresql-"))
        if run_as:
            shutil.chown(self.folder, run_as)
        self.data = self.folder / "data"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        argv = [str(self.bin_dir / program), *args]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        subprocess.run(argv, check=True, capture_output=True)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        # Fast: open connections are closed at once, as in a restart.
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _cluster_or_skip() -> ThrowawayPostgreSQL:
    initdbs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(path.split("/")[4]))
    if not initdbs:
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    run_as = None
    if os.geteuid() == 0:
        try:
            run_as = pwd.getpwnam("postgres").pw_name
        except KeyError:
            pytest.skip("running as root, and there is no postgres user to run initdb as")
    return ThrowawayPostgreSQL(Path(initdbs[-1]).parent, run_as)


@pytest.fixture(scope="module")
def postgresql():
    cluster = _cluster_or_skip()
    try:
        cluster.create()
        cluster.start()
        command.upgrade(alembic_config(cluster.url), "head")
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def pg_app(postgresql, app_settings):
    app = create_app(dict(app_settings, DATABASE_URL=postgresql.url))
    database = app.extensions["regsvc.db"]
    with database.engine.begin() as connection:
        names = ", ".join(table.name for table in Base.metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    with app.app_context():
        yield app
    database.dispose()


@pytest.fixture
def pg_session(pg_app):
    with pg_app.extensions["regsvc.db"].Session() as session:
        yield session


def test_the_watcher_survives_a_postgresql_restart_and_sends_every_message_once(
    postgresql, pg_app, pg_session, make_mailbox, caplog
):
    mailbox = make_mailbox(pg_app)
    addresses = queue_messages(pg_session, range(1, 31))
    pg_session.close()
    restarted = threading.Event()

    def stop_the_database_at_the_fifth(n, message):
        # The server accepts the fifth message while PostgreSQL is down: the sender cannot
        # record it until it is back.
        if n == 5:
            postgresql.stop()

    def start_it_again_after_two_failed_rounds(waits):
        if not restarted.is_set() and len([wait for wait in waits if wait >= 1]) == 2:
            postgresql.start()
            restarted.set()

    mailbox.before_accepting = stop_the_database_at_the_fifth
    stop = RecordedStop(start_it_again_after_two_failed_rounds, really_wait=True)

    def watcher():
        with pg_app.app_context(), pg_app.extensions["regsvc.db"].Session() as session:
            watch(session, interval=0.1, stop=stop)

    thread = threading.Thread(target=watcher)
    with caplog.at_level(logging.WARNING, logger="regsvc.mail.services"):
        thread.start()
        try:
            assert restarted.wait(60)
            addresses += queue_messages(pg_session, range(31, 41))  # written after the restart
            assert wait_until(lambda: all_sent(pg_session))
            assert thread.is_alive()
        finally:
            stop.set()
            thread.join(60)

    assert mailbox.deliveries() == dict.fromkeys(addresses, 1)
    assert "the outbox could not be read or written" in caplog.text
    assert stop.waits[:2] == [1, 2]


def test_two_senders_at_once_send_every_message_once_on_postgresql(pg_app, pg_session, make_mailbox):
    _two_senders_at_once(pg_app, pg_session, make_mailbox(pg_app))


def test_a_sender_cut_off_mid_batch_records_what_it_sent_once_postgresql_is_back(
    postgresql, pg_app, pg_session, make_mailbox
):
    """send_pending raises while the database is down; the watcher's next round records the
    message the server accepted meanwhile, and hands back the rest of its batch."""
    mailbox = make_mailbox(pg_app)
    queue_messages(pg_session, range(1, 6))
    pg_session.close()
    mailbox.before_accepting = lambda n, message: n == 2 and postgresql.stop()
    sender = _Sender(pg_session, pg_app.config)
    with pytest.raises(OperationalError):
        sender.send_due()
    assert len(sender.owed) == 2  # the second message is sent; the rest go back

    postgresql.start()
    outcome = sender.send_due()
    assert outcome.sent == 3
    assert mailbox.deliveries() == {recipient(n): 1 for n in range(1, 6)}
    assert all_sent(pg_session)
