"""Settings, CLI commands, migrations and translations."""

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import url_for
from sqlalchemy import create_engine, select, text

import config
from regsvc.auth.services import authenticate
from regsvc.claims.models import Claim
from regsvc.db import utcnow
from regsvc.demo import next_date
from regsvc.events.models import Event
from regsvc.events.services import Phase, phase
from regsvc.migrating import alembic_config
from regsvc.models import Base
from regsvc.roles import Role
from tests.conftest import fresh, sign_in


def test_settings_are_overridden_by_environment_variables():
    settings = config.load_settings(
        "development",
        {
            "REGSVC_DATABASE_URL": "postgresql+psycopg://db/regsvc",
            "REGSVC_MAIL_PORT": "2525",
            "REGSVC_MAIL_USE_STARTTLS": "true",
            "REGSVC_LANGUAGES": "en, sr",
        },
    )
    assert settings["DATABASE_URL"] == "postgresql+psycopg://db/regsvc"
    assert settings["MAIL_PORT"] == 2525
    assert settings["MAIL_USE_STARTTLS"] is True
    assert settings["LANGUAGES"] == ["en", "sr"]
    assert settings["DATABASE_URL"] != config.load_settings("development", {})["DATABASE_URL"]


def test_sqlite_is_the_default_database():
    assert config.load_settings("development", {})["DATABASE_URL"].startswith("sqlite:///")


def test_a_checkout_keeps_its_database_and_uploads_in_the_checkout():
    checkout = Path(config.__file__).resolve().parent
    settings = config.load_settings("development", {})
    assert settings["DATABASE_URL"] == f"sqlite:///{checkout / 'instance' / 'regsvc.sqlite3'}"
    assert settings["UPLOAD_FOLDER"] == str(checkout / "uploads")


def test_the_database_and_uploads_go_to_the_data_directory_unless_named(tmp_path):
    settings = config.load_settings("development", {"REGSVC_DATA_DIR": str(tmp_path)})
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'instance' / 'regsvc.sqlite3'}"
    assert settings["UPLOAD_FOLDER"] == str(tmp_path / "uploads")
    named = config.load_settings(
        "development", {"REGSVC_DATA_DIR": str(tmp_path), "REGSVC_UPLOAD_FOLDER": "/srv/receipts"}
    )
    assert named["UPLOAD_FOLDER"] == "/srv/receipts"
    assert named["DATABASE_URL"] == settings["DATABASE_URL"]


def test_an_installed_package_keeps_no_data_beside_its_code(monkeypatch, tmp_path):
    monkeypatch.setattr(config, "CHECKOUT", None)  # config.py inside an installed package
    monkeypatch.chdir(tmp_path)
    assert config.load_settings("development", {})["UPLOAD_FOLDER"] == str(tmp_path / "uploads")
    production = {"REGSVC_SECRET_KEY": "k" * 40, "REGSVC_PUBLIC_URL": "https://r.example"}
    with pytest.raises(RuntimeError, match="REGSVC_DATA_DIR"):
        config.load_settings("production", production)
    with pytest.raises(RuntimeError, match="REGSVC_UPLOAD_FOLDER"):
        config.load_settings("production", {**production, "REGSVC_DATABASE_URL": "postgresql+psycopg://db/r"})
    data = tmp_path / "data"
    settings = config.load_settings("production", {**production, "REGSVC_DATA_DIR": str(data)})
    assert settings["UPLOAD_FOLDER"] == str(data / "uploads")


def test_production_refuses_the_default_secret_key():
    with pytest.raises(RuntimeError, match="REGSVC_SECRET_KEY"):
        config.load_settings("production", {})
    settings = config.load_settings(
        "production",
        {
            "REGSVC_SECRET_KEY": "a-long-random-value-of-more-than-32-bytes",
            "REGSVC_PUBLIC_URL": "https://r.example",
        },
    )
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_bad_settings_are_reported_by_name():
    with pytest.raises(RuntimeError, match="REGSVC_MAIL_PORT"):
        config.load_settings("development", {"REGSVC_MAIL_PORT": "twenty-five"})
    with pytest.raises(RuntimeError, match="REGSVC_ENV"):
        config.load_settings("staging", {})


def test_serve_runs_gunicorn_with_the_settings_and_no_access_log(app, runner, monkeypatch):
    started = []
    monkeypatch.setattr("os.execv", lambda path, command: started.append(command))
    app.config.update(SERVE_WORKERS=3, SERVE_FORWARDED_ALLOW_IPS="10.0.0.2")
    result = runner.invoke(
        args=["regsvc", "serve", "--bind", "127.0.0.1:9000", "--", "--max-requests", "500"]
    )
    assert result.exit_code == 0, result.output
    [command] = started
    options = " ".join(command)
    assert command[:3] == [sys.executable, "-m", "gunicorn"]
    assert "--bind 127.0.0.1:9000 --workers 3 --timeout 120 " in options
    assert "--forwarded-allow-ips 10.0.0.2" in options
    assert "access-log" not in options  # a private page's path is its private link
    assert command[-3:] == ["--max-requests", "500", "wsgi:app"]


def test_an_error_is_logged_without_the_path_that_holds_a_private_link(app, client, caplog):
    def broken(token):
        raise RuntimeError("broken")

    app.add_url_rule("/r/<token>/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the error page answers
    assert client.get("/r/secret-token-1234/broken").status_code == 500
    [record] = [record for record in caplog.records if record.exc_info]
    assert "Exception in broken [GET]" in record.getMessage()
    assert "secret-token-1234" not in caplog.text


def test_migrations_build_exactly_the_schema_of_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == []


def test_demo_data_creates_the_two_conferences_open_for_registration(runner, session):
    result = runner.invoke(args=["regsvc", "demo"])
    assert result.exit_code == 0, result.output
    events = {e.slug: e for e in session.scalars(select(Event))}
    serbia = events["national-conference-serbia"]
    macedonia = events["national-conference-north-macedonia"]
    assert serbia.venue_name == "Hotel Mona Plaza" and serbia.currency == "RSD"
    assert (serbia.local_starts_at.month, serbia.local_starts_at.day) == (6, 30)
    assert serbia.local_starts_at.strftime("%H:%M") == "11:30"
    assert macedonia.venue_name == "Aleksandar Palace Hotel" and macedonia.currency == "MKD"
    assert (macedonia.local_starts_at.month, macedonia.local_starts_at.day) == (6, 8)
    assert macedonia.local_starts_at.strftime("%H:%M") == "09:30"
    assert phase(serbia, utcnow()) == phase(macedonia, utcnow()) == Phase.OPEN
    # Running it again changes nothing.
    # One account per role, with its password printed once.
    for role in ("organiser", "desk", "finance"):
        line = next(line for line in result.output.splitlines() if f"{role}@example.org" in line)
        password = line.split("password: ")[1]
        assert authenticate(session, f"{role}@example.org", password, "127.0.0.1").roles == {role}
    # Two travel claims from the conference held three weeks ago wait for finance, each
    # submitted after the event with its receipt pictures.
    held = events["first-national-conference-serbia"]
    assert held.ends_at < utcnow() and phase(held, utcnow()) == Phase.OVER
    claims = session.scalars(select(Claim)).all()
    assert [claim.status for claim in claims] == ["submitted", "submitted"]
    assert all(claim.registration.event_id == held.id for claim in claims)
    assert all(held.starts_at < claim.submitted_at < utcnow() for claim in claims)
    assert [claim.claimed for claim in claims] == [360000, 628000] and claims[0].cap == 360000
    assert all(len(claim.receipts) == 2 for claim in claims)
    again = runner.invoke(args=["regsvc", "demo"])
    assert again.output.count("exists") == 6 and "password" not in again.output
    fresh(session)
    assert len(session.scalars(select(Event)).all()) == 3 and len(session.scalars(select(Claim)).all()) == 2


def test_demo_dates_are_always_in_the_future():
    assert next_date(6, 30, date(2026, 11, 27)) == date(2027, 6, 30)
    assert next_date(6, 30, date(2027, 6, 10)) == date(2028, 6, 30)  # too close: next year
    assert next_date(6, 8, date(2027, 1, 1)) == date(2027, 6, 8)


def test_every_template_string_is_extracted_for_translation(tmp_path):
    catalog = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-o",
            str(catalog),
            ".",
        ],
        check=True,
        capture_output=True,
    )
    text = catalog.read_text()
    for msgid in [
        "Register",  # templates
        "Please enter your full name.",  # forms
        "You are now registered to follow online.",  # views
        "thank you for registering. You have an on-site seat.",  # e-mail
        "This link does not work",  # error page
    ]:
        assert f'msgid "{msgid}"' in text, msgid


def test_upgrading_an_existing_database_gives_old_registrations_check_in_codes_and_events_counts(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    config = alembic_config(url)
    command.upgrade(config, "0001")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO events (id, slug, title, description, timezone, starts_at, ends_at, venue_name,"
                " venue_address, host_town, onsite_capacity, registration_opens_at, registration_closes_at,"
                " currency, travel_reimbursed, stream_details, contact_email, is_published, created_at)"
                " VALUES (1, 'old', 'Old', '', 'Europe/Belgrade', '2030-01-01', '2030-01-02', 'Hall', '', 'Niš',"
                " 10, '2029-01-01', '2029-12-31', 'RSD', 1, '', '', 1, '2029-01-01')"
            )
        )
        for n, attendance in ((1, "onsite"), (2, "waitlisted"), (3, "onsite"), (4, "online")):
            connection.execute(
                text(
                    "INSERT INTO registrations (event_id, full_name, email, email_normalised, phone, organisation,"
                    " position, departure_town, needs, consented_at, consents_to_publication, attendance, locale,"
                    " channel, created_at, updated_at) VALUES (1, :name, :email, :email, '', 'Org', 'P', 'Niš', '',"
                    " '2029-01-01', 0, :attendance, 'en', 'self', '2029-01-01', '2029-01-01')"
                ),
                {"name": f"Đorđe {n}", "email": f"old{n}@example.org", "attendance": attendance},
            )
    command.upgrade(config, "head")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT checkin_code, search_text FROM registrations ORDER BY id")
        ).all()
        counts = connection.execute(text("SELECT onsite_taken, waitlisted_count FROM events")).one()
    engine.dispose()
    assert tuple(counts) == (2, 1)
    codes = [code for code, _ in rows]
    assert all(len(code) == 16 and code.isdigit() for code in codes) and len(set(codes)) == 4
    assert rows[0].search_text.startswith("dorde 1")


def test_every_route_that_changes_something_refuses_a_request_without_its_csrf_token(app, make_user):
    """Forms leave the token to CSRFProtect (regsvc.forms.Form): every POST, PUT, PATCH and
    DELETE route of the application must be covered by it, none exempt. Signed in with every
    role: sign-in is checked first, and would otherwise answer for the staff routes."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    sign_in(client, make_user(Role.ORGANISER, Role.DESK, Role.FINANCE))
    placeholders = {"IdConverter": 1, "UnicodeConverter": "x", "PathConverter": "x"}
    checked = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            values = {
                name: placeholders[type(converter).__name__] for name, converter in rule._converters.items()
            }
            with app.test_request_context():
                url = url_for(rule.endpoint, **values)
            response = client.open(url, method=method, data={"anything": "1"})
            assert response.status_code == 400, f"{method} {rule.rule}"
            assert "Please send the form again" in response.get_data(as_text=True), f"{method} {rule.rule}"
            checked.append(rule.endpoint)
    assert "registration.register_form" in checked and "auth.login" in checked
