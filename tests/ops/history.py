"""Realistic rows for a database at any revision: two conferences (one to come, one held, with
travel claims, receipts and a payment batch), staff, the audit log, mail and rate counters.

Each row names every column it has ever had. `insert_rows` writes, into the tables that exist
at the database's revision, the columns that exist there, and returns what it wrote, so that
after an upgrade the same values can be looked for.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from regsvc.security import hash_token
from regsvc.text import search_key

NOW = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
HELD = NOW - timedelta(days=21)  # the conference already held, whose claims finance reviews
TO_COME = NOW + timedelta(days=30)

# The private links of the participants, by registration id.
TOKENS = {n: f"private-link-of-participant-{n}-{'x' * 20}" for n in range(1, 7)}
UPCOMING_SLUG = "national-conference-serbia"
# Migration 0015 refolds the search keys ("dj", "gj", "kj" typed in Latin letters): a row written
# before it has the key older code made (as ROWS has it), one written since the key today's
# code makes, and after the upgrade every row has today's.
REFOLDED_IN = "0015"
SEARCH_KEYS = {
    "registrations": (
        "search_text",
        lambda row: search_key(" ".join((row["full_name"], row["organisation"], row["email"]))),
    ),
    "fares": ("town_key", lambda row: search_key(row["town"])),
}
UPCOMING_TITLE = "National Conference on Civil Society"


def _event(id_, slug, title, starts_at, onsite_taken, waitlisted_count):
    return dict(
        id=id_,
        slug=slug,
        title=title,
        description="Panel on civil society in crisis management.",
        timezone="Europe/Belgrade",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=6),
        venue_name="Hotel Mona Plaza",
        venue_address="Kralja Milana 27, Belgrade",
        host_town="Belgrade",
        onsite_capacity=2,
        onsite_taken=onsite_taken,
        waitlisted_count=waitlisted_count,
        registration_opens_at=starts_at - timedelta(days=60),
        registration_closes_at=starts_at - timedelta(days=1),
        currency="RSD",
        travel_reimbursed=True,
        stream_details="Stream: https://stream.example.org/live",
        contact_email="conference@example.org",
        is_published=True,
        created_at=starts_at - timedelta(days=90),
        organiser_name="Centar za istraživanje javnih politika",
        reminder_hours_before=48,
        online_certificates=True,
        main_language="sr_Latn",
        translations={"en": {"title": title + " (English)"}},
    )


def _registration(id_, event_id, name, attendance, town, created_at, **fields):
    email = f"{name.split()[0].lower()}@example.org"
    values = dict(
        id=id_,
        event_id=event_id,
        full_name=name,
        email=email,
        email_normalised=email,
        phone="+381 64 123 4567",
        organisation="CRPM",
        position="Programme officer",
        departure_town=town,
        needs="Vegetarian meal",
        search_text=search_key(f"{name} CRPM {email}"),
        consented_at=created_at,
        consents_to_publication=id_ % 2 == 0,
        attendance=attendance,
        waitlisted_at=created_at if attendance == "waitlisted" else None,
        locale="sr-Latn" if id_ % 2 else "en",
        channel="self",
        checkin_code=f"{id_:06d}",
        checked_in_at=None,
        checked_in_by_id=None,
        confirmed_at=created_at + timedelta(minutes=5),
        hold_expires_at=None,
        hold_reminded_at=None,
        hold_released_at=None,
        reminder_sent_at=None,
        created_at=created_at,
        updated_at=created_at,
    )
    values.update(fields)
    return values


def _receipt(id_, claim_id, amount, created_at):
    return dict(
        id=id_,
        claim_id=claim_id,
        kind="bus_ticket",
        issued_on=(created_at - timedelta(days=1)).date(),
        amount=amount,
        stored_name=f"{id_:02d}{'ab' * 15}.jpg",
        preview_name=None,
        thumbnail_name=f"{id_:02d}{'cd' * 15}.jpg",
        sha256="1" * 64,
        stored_sha256="2" * 64,
        mime="image/jpeg",
        size=204_800,
        original_name="karta Niš–Beograd.jpg",
        created_at=created_at,
    )


# In an order that satisfies the foreign keys.
ROWS: dict[str, list[dict]] = {
    "events": [
        _event(1, UPCOMING_SLUG, UPCOMING_TITLE, TO_COME, onsite_taken=2, waitlisted_count=1),
        _event(2, "first-national-conference", "First National Conference", HELD, 2, 0),
    ],
    "staff_users": [
        dict(
            id=n,
            email=f"{role}@example.org",
            full_name=name,
            password_hash="pbkdf2:sha256:1$salt$" + "0" * 64,
            active=True,
            created_at=HELD - timedelta(days=100),
            last_login_at=HELD,
            totp_secret="JBSWY3DPEHPK3PXP" if role == "finance" else None,
            totp_enabled_at=HELD if role == "finance" else None,
            totp_last_step=59_000_000 if role == "finance" else None,
            session_version=n,
            locale="sr_Latn" if role == "finance" else None,
        )
        for n, role, name in ((1, "organiser", "Ana Organiser"), (2, "finance", "Đorđe Finansije"))
    ]
    + [
        dict(
            id=3,
            email="finance2@example.org",
            full_name="Ќирил Финансии",
            password_hash="pbkdf2:sha256:1$salt$" + "1" * 64,
            active=True,
            created_at=HELD - timedelta(days=90),
            last_login_at=None,
            totp_secret=None,
            totp_enabled_at=None,
            totp_last_step=None,
            session_version=0,
            locale="mk",
        )
    ],
    "staff_roles": [
        dict(user_id=1, role="organiser"),
        dict(user_id=2, role="finance"),
        dict(user_id=3, role="finance"),
    ],
    "registrations": [
        _registration(1, 1, "Jelena Jovanović", "onsite", "Kragujevac", NOW - timedelta(days=3)),
        _registration(2, 1, "Marko Marković", "onsite", "Niš", NOW - timedelta(days=2)),
        _registration(3, 1, "Ивана Петровић", "waitlisted", "Novi Sad", NOW - timedelta(days=1)),
        _registration(
            4,
            1,
            "Dragan Djordjević",  # typed the ASCII way
            "online",
            "Subotica",
            NOW - timedelta(hours=5),
            search_text="dragan djordjevic crpm dragan@example.org",  # as keys were folded before 0015
        ),
        _registration(
            5,
            2,
            "Milica Nikolić",
            "onsite",
            "Niš",
            HELD - timedelta(days=10),
            checked_in_at=HELD + timedelta(minutes=20),
            checked_in_by_id=1,
            reminder_sent_at=HELD - timedelta(days=2),
        ),
        _registration(
            6,
            2,
            "Stefan Stojanović",
            "onsite",
            "Niš",
            HELD - timedelta(days=9),
            checked_in_at=HELD + timedelta(minutes=25),
            checked_in_by_id=1,
            hold_expires_at=HELD - timedelta(days=7),
            hold_reminded_at=HELD - timedelta(days=8),
            reminder_sent_at=HELD - timedelta(days=2),
        ),
    ],
    "registration_links": [
        dict(id=n, registration_id=n, token_hash=hash_token(token), created_at=HELD - timedelta(days=11))
        for n, token in TOKENS.items()
    ],
    "outbox": [
        dict(
            id=1,
            recipient="jelena@example.org",
            subject="You are registered",
            kind="registered",
            body="Your private link: …",
            checkin_code="000001",
            message_id="<1.regsvc@register.example.org>",
            calendar_registration_id=1,
            status="sent",
            attempts=1,
            next_attempt_at=NOW - timedelta(days=3),
            last_error="",
            created_at=NOW - timedelta(days=3),
            sent_at=NOW - timedelta(days=3),
        ),
        dict(
            id=2,
            recipient="ivana@example.org",
            subject="You are on the waiting list",
            kind="registered",
            body="Your private link: …",
            checkin_code=None,
            message_id="<2.regsvc@register.example.org>",
            calendar_registration_id=None,
            status="pending",
            attempts=2,
            next_attempt_at=NOW + timedelta(minutes=5),
            last_error="421 try again later",
            created_at=NOW - timedelta(days=1),
            sent_at=None,
        ),
    ],
    "login_failures": [
        dict(
            id=1, email="finance@example.org", address="203.0.113.7", at=NOW - timedelta(hours=1), kind="code"
        )
    ],
    "audit_log": [
        dict(
            id=1,
            at=HELD - timedelta(days=100),
            actor_id=1,
            actor_label="organiser@example.org",
            action="capacity.changed",
            event_id=1,
            subject_type="event",
            subject_id=1,
            details={"from": 1, "to": 2},
        ),
        dict(
            id=2,
            at=HELD + timedelta(days=2),
            actor_id=2,
            actor_label="finance@example.org",
            action="claim.first_approval",
            event_id=2,
            subject_type="claim",
            subject_id=2,
            details={"amount": 360000, "note": "Potvrđeno"},
        ),
    ],
    "fares": [
        dict(id=1, event_id=2, town="Niš", town_key="nis", return_fare=360000),
        dict(id=2, event_id=2, town="Kragujevac", town_key="kragujevac", return_fare=240000),
        dict(id=3, event_id=2, town="Gjilan", town_key="gjilan", return_fare=420000),  # before 0015
    ],
    "fare_names": [
        dict(id=1, fare_id=1, locale="sr_Cyrl", name="Ниш", name_key="nis"),
        dict(id=2, fare_id=3, locale="sq", name="Gjilani", name_key="gilani"),
    ],
    "payment_batches": [
        dict(
            id=1,
            currency="RSD",
            created_at=HELD + timedelta(days=3),
            created_by_id=2,
            paid_at=None,
            paid_by_id=None,
        )
    ],
    "claims": [
        dict(
            id=1,
            registration_id=5,
            status="submitted",
            travel_mode="bus",
            route="Niš – Beograd",
            payout_method="bank",
            account_number="265-1040310000033-71",
            account_holder="Milica Nikolić",
            currency="RSD",
            cap=360000,
            approved_amount=None,
            first_approved_by_id=None,
            first_approved_amount=None,
            created_at=HELD + timedelta(hours=8),
            submitted_at=HELD + timedelta(hours=9),
            batch_id=None,
        ),
        dict(
            id=2,
            registration_id=6,
            status="approved",
            travel_mode="car",
            route="Niš – Beograd – Niš",
            payout_method="cash",
            account_number="",
            account_holder="",
            currency="RSD",
            cap=360000,
            approved_amount=340000,
            first_approved_by_id=2,
            first_approved_amount=340000,
            created_at=HELD + timedelta(hours=8),
            submitted_at=HELD + timedelta(hours=10),
            batch_id=1,
        ),
    ],
    "receipts": [
        _receipt(1, 1, 190000, HELD + timedelta(hours=8)),
        _receipt(2, 2, 340000, HELD + timedelta(hours=9)),
    ],
    "messages": [
        dict(
            id=1,
            event_id=2,
            author_id=1,
            segment="checked_in",
            subject="Thank you for coming",
            body="The slides are on the conference page.",
            translations={
                "sr-Latn": {"subject": "Hvala što ste došli", "body": "Prezentacije su na stranici."}
            },
            recipient_count=2,
            form_key="f" * 64,
            sent_at=HELD + timedelta(days=1),
        )
    ],
    "rate_counters": [dict(key="register:203.0.113.7", window_start=NOW.replace(minute=0, second=0), hits=3)],
}


def insert_rows(connection: sa.Connection) -> dict[str, list[dict]]:
    """Write the rows of every table the database has, with the columns it has; returns them."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
    revision = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    written: dict[str, list[dict]] = {}
    for name, rows in ROWS.items():
        table = metadata.tables.get(name)
        if table is None:
            continue
        columns = set(table.columns.keys())
        unknown = columns - set(rows[0])
        assert not unknown, f"tests/ops/history.py has no value for {name}.{', '.join(sorted(unknown))}"
        written[name] = [{key: value for key, value in row.items() if key in columns} for row in rows]
        if name in SEARCH_KEYS and revision >= REFOLDED_IN:
            column, today = SEARCH_KEYS[name]
            written[name] = [dict(row, **{column: today(row)}) for row in written[name]]
        connection.execute(table.insert(), written[name])
    if connection.dialect.name == "postgresql":
        # Rows written with their ids: the sequences must move past them, as after real inserts.
        for name in written:
            if "id" in metadata.tables[name].columns:
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                    )
                )
    return written


def rows_by_key(connection: sa.Connection, name: str) -> dict[tuple, dict]:
    """Every row of a table, by primary key."""
    table = sa.Table(name, sa.MetaData(), autoload_with=connection)
    key = [column.name for column in table.primary_key.columns]
    return {
        tuple(row[column] for column in key): dict(row)
        for row in connection.execute(sa.select(table)).mappings()
    }


def _key(name: str, row: dict) -> tuple:
    if name == "staff_roles":
        return (row["user_id"], row["role"])
    if name == "rate_counters":
        return (row["key"],)
    return (row["id"],)


def changed_values(connection: sa.Connection, written: dict[str, list[dict]]) -> list[str]:
    """What is no longer as `insert_rows` wrote it: missing rows and changed values (search keys
    aside: see stale_search_keys)."""
    differences = []
    for name, rows in written.items():
        stored = rows_by_key(connection, name)
        for row in rows:
            now = stored.get(_key(name, row))
            if now is None:
                differences.append(f"{name} {_key(name, row)} is gone")
                continue
            refolded = SEARCH_KEYS.get(name, ("", None))[0]
            differences.extend(
                f"{name} {_key(name, row)}.{column}: {value!r} became {now[column]!r}"
                for column, value in row.items()
                if now[column] != value and column != refolded
            )
    return differences


def stale_search_keys(connection: sa.Connection) -> list[str]:
    """Search keys that are not what today's code makes of their row."""
    stale = []
    for name, (column, today) in SEARCH_KEYS.items():
        for key, row in rows_by_key(connection, name).items():
            if row[column] != today(row):
                stale.append(f"{name} {key}.{column}: {row[column]!r}, not {today(row)!r}")
    return stale
