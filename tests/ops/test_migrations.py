"""Migrations cannot lose data by accident: data from every past revision survives the upgrade
to head; a downgrade refuses to drop tables or columns holding data unless forced; a migration
that fails half-way leaves the database as it was; the standard `alembic` command works."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import op
from flask.cli import AppGroup
from sqlalchemy import create_engine, func, select

from regsvc import migrating
from regsvc.auth.models import StaffUser
from regsvc.db import get_session
from regsvc.migrating import DataLossRefused, downgrade, scripts, upgrade
from tests.conftest import sign_in
from tests.ops.conftest import current_revision
from tests.ops.history import (
    TOKENS,
    UPCOMING_SLUG,
    UPCOMING_TITLE,
    changed_values,
    insert_rows,
    stale_search_keys,
)

ROOT = Path(__file__).resolve().parents[2]
# Oldest first: 0001, 0002, …, head.
REVISIONS = [script.revision for script in reversed(list(scripts().walk_revisions()))]
HEAD = REVISIONS[-1]


def database_at(url: str, revision: str) -> dict[str, list[dict]]:
    """Upgrade an empty database to `revision` and fill it; returns the rows written."""
    upgrade(url, revision)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            return insert_rows(connection)
    finally:
        engine.dispose()


def contents(url: str) -> dict[str, dict[str, int]]:
    """Each table (but Alembic's) → its number of rows ("") and, per column, of values."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            found = {}
            for name in sa.inspect(connection).get_table_names():
                if name == "alembic_version":
                    continue
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                counts = connection.execute(
                    select(func.count(), *(func.count(column) for column in table.columns))
                ).one()
                found[name] = dict(zip(["", *table.columns.keys()], counts, strict=True))
            return found
    finally:
        engine.dispose()


def rows(n: int) -> str:
    return "1 row" if n == 1 else f"{n} rows"


def test_the_revisions_are_one_line_from_0001():
    assert REVISIONS[0] == "0001"
    assert sorted(REVISIONS) == REVISIONS and len(scripts().get_heads()) == 1


@pytest.mark.parametrize("revision", REVISIONS)
def test_data_from_every_revision_survives_the_upgrade_to_head(revision, new_database, app_on):
    url = new_database(f"at_{revision}")
    written = database_at(url, revision)

    upgrade(url, "head")

    engine = create_engine(url)
    with engine.connect() as connection:
        assert changed_values(connection, written) == []
        assert stale_search_keys(connection) == []
        # What the upgrades filled in for rows older than their columns.
        registrations = (
            connection.execute(sa.text("SELECT * FROM registrations ORDER BY id")).mappings().all()
        )
        assert len({row["checkin_code"] for row in registrations}) == len(registrations) == 6
        assert all(row["confirmed_at"] is not None for row in registrations)
        counts = connection.execute(
            sa.text("SELECT onsite_taken, waitlisted_count FROM events WHERE id = 1")
        ).one()
        assert tuple(counts) == (2, 1)
    engine.dispose()

    # The application works on it.
    app = app_on(url)
    client = app.test_client()
    page = client.get(f"/e/{UPCOMING_SLUG}/")
    assert page.status_code == 200 and UPCOMING_TITLE in page.text
    own_page = client.get(f"/r/{TOKENS[1]}/")
    assert own_page.status_code == 200 and "Jelena Jovanović" in own_page.text
    if "claims" in written:  # from 0004 on
        claim_page = client.get(f"/r/{TOKENS[5]}/claim")
        assert claim_page.status_code == 200 and "3,600.00" in claim_page.text  # its cap
        with app.app_context():
            sign_in(client, get_session().get_one(StaffUser, 2))  # finance
        review = client.get("/staff/finance/claims/2")
        assert review.status_code == 200 and "Stefan Stojanović" in review.text


@pytest.mark.parametrize("revision", REVISIONS)
def test_each_downgrade_refuses_to_drop_data_unless_forced(revision, new_database):
    url = new_database(f"down_{revision}")
    database_at(url, revision)
    before = contents(url)
    below = scripts().get_revision(revision).down_revision or "base"

    try:
        downgrade(url, below)
        refusal = None
    except DataLossRefused as refused:
        refusal = str(refused)
        assert current_revision(url) == revision and contents(url) == before, "a refusal changes nothing"
        downgrade(url, below, force=True)

    after = contents(url)
    lost = [f"table {name} ({rows(columns[''])})" for name, columns in before.items() if name not in after]
    lost += [
        f"column {name}.{column} ({rows(values)} with a value)"
        for name, columns in before.items()
        if name in after
        for column, values in columns.items()
        if column not in after[name] and values
    ]
    if lost:
        assert refusal is not None, f"downgrading {revision} dropped {lost} without asking"
        assert all(loss in refusal for loss in lost), refusal
    else:
        assert refusal is None, f"downgrading {revision} drops nothing, yet: {refusal}"
    assert current_revision(url) == (None if below == "base" else below)


def test_a_downgrade_that_fails_half_way_leaves_every_table_and_the_revision_as_they_were(
    new_database, monkeypatch
):
    url = new_database("failed_downgrade")
    database_at(url, HEAD)
    before = contents(url)
    drop_table = op.drop_table

    def fail_at_claims(name, *args, **kwargs):
        if name == "claims":  # 0004 drops receipts first; later revisions went before
            raise RuntimeError("disk full")
        return drop_table(name, *args, **kwargs)

    monkeypatch.setattr(op, "drop_table", fail_at_claims)
    with pytest.raises(RuntimeError, match="disk full"):
        downgrade(url, "0003", force=True)

    assert current_revision(url) == HEAD
    assert contents(url) == before
    monkeypatch.undo()
    upgrade(url, "head")  # "up to date", and rightly so
    assert contents(url) == before


def test_an_upgrade_that_fails_half_way_leaves_the_previous_revision_intact(new_database, monkeypatch):
    url = new_database("failed_upgrade")
    written = database_at(url, "0009")
    before = contents(url)
    execute = op.execute

    def fail_at_holds(statement, *args, **kwargs):
        # 0010 has added four columns to registrations by now.
        if "confirmed_at = created_at" in str(statement):
            raise RuntimeError("killed")
        return execute(statement, *args, **kwargs)

    monkeypatch.setattr(op, "execute", fail_at_holds)
    with pytest.raises(RuntimeError, match="killed"):
        upgrade(url, "head")

    assert current_revision(url) == "0009"
    assert contents(url) == before  # no column of 0010 in registrations
    monkeypatch.undo()
    upgrade(url, "head")
    engine = create_engine(url)
    with engine.connect() as connection:
        assert changed_values(connection, written) == []
    engine.dispose()


def add_rate_counter(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO rate_counters VALUES ('k', '2030-01-01 00:00:00', 1)"))
    engine.dispose()


@pytest.fixture
def regsvc_commands():
    """The schema commands in a group of their own (regsvc/cli.py assembles the real one)."""
    group = AppGroup("regsvc")
    migrating.register(group)
    return group


def test_regsvc_downgrade_names_what_it_would_drop_and_drops_it_only_when_forced(
    new_database, app_on, regsvc_commands
):
    url = new_database("downgrade_command")
    upgrade(url, "head")
    add_rate_counter(url)  # what 0012 added; nothing else holds data
    runner = app_on(url).test_cli_runner()

    refused = runner.invoke(regsvc_commands, ["downgrade", "0011"])
    assert refused.exit_code == 1
    assert "Error: Downgrading 0012 would drop table rate_counters (1 row)" in refused.output
    assert "--force" in refused.output and "Traceback" not in refused.output
    assert current_revision(url) == HEAD and "rate_counters" in contents(url)

    forced = runner.invoke(regsvc_commands, ["downgrade", "0011", "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.output == "Database schema is at revision 0011.\n"
    assert current_revision(url) == "0011" and "rate_counters" not in contents(url)

    assert runner.invoke(regsvc_commands, ["migrate"]).exit_code == 0
    assert current_revision(url) == HEAD


def test_regsvc_downgrade_explains_a_revision_it_cannot_go_to(new_database, app_on, regsvc_commands):
    url = new_database("downgrade_unknown")
    upgrade(url, "0005")
    runner = app_on(url).test_cli_runner()
    unknown = runner.invoke(regsvc_commands, ["downgrade", "0099"])
    assert unknown.exit_code == 1 and "0099" in unknown.output and "Traceback" not in unknown.output
    upward = runner.invoke(regsvc_commands, ["downgrade", "0007"])
    assert upward.exit_code == 1 and "Traceback" not in upward.output
    assert current_revision(url) == "0005"


def test_the_alembic_command_works_with_regsvcs_settings(new_database):
    url = new_database("alembic_command")
    environment = dict(os.environ, REGSVC_DATABASE_URL=url, REGSVC_ENV="development")

    def alembic(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "alembic", *arguments],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert alembic("upgrade", "head").returncode == 0
    assert alembic("current").stdout.split() == [HEAD, "(head)"]
    add_rate_counter(url)

    refused = alembic("downgrade", "0011")
    assert refused.returncode != 0 and "table rate_counters (1 row)" in refused.stderr
    assert current_revision(url) == HEAD

    assert alembic("-x", "force=yes", "downgrade", "0011").returncode == 0
    assert current_revision(url) == "0011"
