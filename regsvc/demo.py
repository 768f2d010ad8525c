"""Demo data modelled on the organisers' real announcements, moved into the future."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from regsvc.auth.services import create_user, find_user
from regsvc.claims.drafting import ClaimDetails, add_receipt, open_claim, save_details, submit_claim
from regsvc.claims.models import ExpenseKind, PayoutMethod, TravelMode
from regsvc.claims.receipts import process_upload
from regsvc.db import utcnow, write_transaction
from regsvc.events.fares import fare_table, parse_fares, replace_fares
from regsvc.events.models import Event
from regsvc.messages.models import Segment
from regsvc.messages.services import Draft, Text, send_message
from regsvc.registration.models import Attendance, Registration
from regsvc.registration.services import ParticipantDetails, register
from regsvc.roles import Role
from regsvc.security import new_token
from regsvc.storage import Storage


def next_date(month: int, day: int, today: date, at_least_days: int = 30) -> date:
    """The next `month`/`day` that is at least `at_least_days` away."""
    candidate = date(today.year, month, day)
    while candidate < today + timedelta(days=at_least_days):
        candidate = candidate.replace(year=candidate.year + 1)
    return candidate


def _at(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


ORGANISER = "SMART Balkans"


def demo_events(now: datetime) -> list[Event]:
    serbia_day = next_date(6, 30, now.date())
    macedonia_day = next_date(6, 8, now.date())
    # A conference held three weeks ago: its travel claims are what finance has to review.
    past_day = now.date() - timedelta(days=21)
    return [
        Event(
            slug="first-national-conference-serbia",
            title="First National Conference for Serbia: SMART Balkans – "
            "Civil Society for Shared Society in the Western Balkans",
            description=(
                "The first national conference of the SMART Balkans project in Serbia: civil "
                "society organisations, grant recipients and the project's partners.\n\n"
                "For participants travelling from outside Belgrade, the organiser covers travel "
                "expenses up to the price of a return bus ticket."
            ),
            timezone="Europe/Belgrade",
            starts_at=_at(past_day, 11, 30, "Europe/Belgrade"),
            ends_at=_at(past_day, 17, 0, "Europe/Belgrade"),
            venue_name="Hotel Mona Plaza",
            venue_address="Kralja Milana 27, 11000 Belgrade",
            host_town="Belgrade",
            onsite_capacity=80,
            registration_opens_at=_at(past_day - timedelta(days=30), 9, 0, "Europe/Belgrade"),
            registration_closes_at=_at(past_day - timedelta(days=2), 23, 59, "Europe/Belgrade"),
            currency="RSD",
            travel_reimbursed=True,
            contact_email="conference@example.org",
            organiser_name=ORGANISER,
        ),
        Event(
            slug="national-conference-serbia",
            title="Second National Conference for Serbia: SMART Balkans – "
            "Civil Society for Shared Society in the Western Balkans",
            description=(
                "The main focus of the panel discussions at this year's conference is the role "
                "of civil society organisations in crisis management. The conference also "
                "includes the signing of contracts with the recipients of the National "
                "Intervention grants, the presentation of the project's results, and the "
                "opportunities available within the SMART Balkans project.\n\n"
                "The event is hybrid: everyone interested can take part online. Registration is "
                "mandatory, as on-site attendance is limited.\n\n"
                "For participants travelling from outside Belgrade, the organiser covers travel "
                "expenses up to the price of a return bus ticket. Proof of the trip, such as a "
                "fuel bill, a toll bill or a bus ticket, must be submitted with the "
                "reimbursement request."
            ),
            timezone="Europe/Belgrade",
            starts_at=_at(serbia_day, 11, 30, "Europe/Belgrade"),
            ends_at=_at(serbia_day, 17, 0, "Europe/Belgrade"),
            venue_name="Hotel Mona Plaza",
            venue_address="Kralja Milana 27, 11000 Belgrade",
            host_town="Belgrade",
            onsite_capacity=80,
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=_at(serbia_day - timedelta(days=2), 23, 59, "Europe/Belgrade"),
            currency="RSD",
            travel_reimbursed=True,
            stream_details=(
                "Live stream: https://stream.example.org/smart-balkans-serbia\n"
                "The stream opens 15 minutes before the start. Questions can be sent in the chat."
            ),
            contact_email="conference@example.org",
            organiser_name=ORGANISER,
        ),
        Event(
            slug="national-conference-north-macedonia",
            title="Second National Conference for N. Macedonia: SMART Balkans – "
            "Civil Society for Shared Society in the Western Balkans",
            description=(
                "This year's conference places particular emphasis on crisis management and on "
                "strengthening local capacities in the prevention of violence and violent "
                "extremism. The upcoming public call for grants will be announced and presented, "
                "and contracts will be signed with grant recipients from the National "
                "Interventions grant line.\n\n"
                "On-site attendance is limited. Register and choose how you will take part: in "
                "person or online."
            ),
            timezone="Europe/Skopje",
            starts_at=_at(macedonia_day, 9, 30, "Europe/Skopje"),
            ends_at=_at(macedonia_day, 16, 0, "Europe/Skopje"),
            venue_name="Aleksandar Palace Hotel",
            venue_address="bul. 8-mi Septemvri 15, 1000 Skopje",
            host_town="Skopje",
            onsite_capacity=60,
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=_at(macedonia_day - timedelta(days=2), 23, 59, "Europe/Skopje"),
            currency="MKD",
            travel_reimbursed=True,
            stream_details=(
                "Live stream: https://stream.example.org/smart-balkans-north-macedonia\n"
                "The stream opens 15 minutes before the start."
            ),
            contact_email="conference@example.org",
            organiser_name=ORGANISER,
        ),
    ]


DEMO_USERS = (
    ("organiser@example.org", "Ivana Organiser", Role.ORGANISER),
    ("desk@example.org", "Marko Desk", Role.DESK),
    ("finance@example.org", "Jovana Finance", Role.FINANCE),
)


# Sample figures, not real timetables: round numbers near 2023 intercity bus prices.
SERBIAN_FARES = """Beograd, 0
Čačak, 2600
Kragujevac, 2400
Kraljevo, 2900
Leskovac, 4000
Niš, 3600
Novi Pazar, 4400
Novi Sad, 1800
Pančevo, 800
Smederevo, 1200
Sombor, 3600
Subotica, 3400
Šabac, 1700
Užice, 3200
Valjevo, 1900
Vranje, 4600
Zaječar, 3800
Zrenjanin, 1900
"""
SAMPLE_FARES = {
    "first-national-conference-serbia": SERBIAN_FARES,
    "national-conference-serbia": SERBIAN_FARES,
    "national-conference-north-macedonia": """Bitola, 1100
Gevgelija, 900
Gostivar, 500
Kavadarci, 700
Kičevo, 700
Kočani, 700
Kumanovo, 300
Ohrid, 1200
Prilep, 900
Strumica, 900
Struga, 1200
Štip, 700
Tetovo, 400
Veles, 400
""",
}


def load_demo_data(session: Session, storage: Storage, now: datetime | None = None) -> Iterator[str]:
    """Create the demo events, staff accounts, travel claims and the organiser's message that
    do not exist yet; yields a line each.

    Passwords of new demo accounts are generated and printed once.
    """
    now = now or utcnow()
    with write_transaction(session):
        existing = set(session.scalars(select(Event.slug)))
        for event in demo_events(now):
            if event.slug in existing:
                yield f"exists:  /e/{event.slug}/"
                continue
            session.add(event)
            yield f"created: /e/{event.slug}/ ({event.local_starts_at:%d %b %Y %H:%M})"
    for event in session.scalars(select(Event).where(Event.slug.in_(SAMPLE_FARES))):
        if not fare_table(session, event.id):
            replace_fares(session, event, parse_fares(SAMPLE_FARES[event.slug], event.currency), None)
            yield f"created: sample fare table for /e/{event.slug}/ ({event.currency})"
    for email, name, role in DEMO_USERS:
        if find_user(session, email) is not None:
            yield f"exists:  {email} ({role})"
            continue
        account = create_user(session, email, [role], full_name=name)
        yield f"created: {email} ({role}), password: {account.generated_password}"
    held = session.scalar(select(Event).where(Event.slug == "first-national-conference-serbia"))
    if held is not None and not session.scalar(
        select(func.count()).select_from(Registration).where(Registration.event_id == held.id)
    ):
        yield from _demo_claims(session, storage, held)
        yield from _demo_message(session, held)


# Two participants who travelled to Belgrade and claim it back: something for finance to review.
DEMO_CLAIMANTS = (
    (
        "Jelena Ilić",
        "Niš",
        TravelMode.BUS,
        "Niš – Beograd – Niš",
        ("RS35 2600 0560 1001 6113 79", "Jelena Ilić"),
        [
            (ExpenseKind.BUS_TICKET, "Bus ticket Nis - Beograd", 180000),
            (ExpenseKind.BUS_TICKET, "Bus ticket Beograd - Nis", 180000),
        ],
    ),
    (
        "Marko Stojanović",
        "Kragujevac",
        TravelMode.CAR,
        "Kragujevac – Beograd – Kragujevac, by car",
        None,
        [(ExpenseKind.FUEL, "Fuel 32.5 l", 560000), (ExpenseKind.TOLL, "Toll Batocina - Beograd", 68000)],
    ),
)


def _demo_claims(session: Session, storage: Storage, event: Event) -> Iterator[str]:
    """Participants of the conference already held: registered while registration was open,
    checked in, and claiming their trip after it."""
    day = event.local_starts_at.date()
    registered_at = event.registration_opens_at + timedelta(days=3)
    claimed_at = event.ends_at + timedelta(days=1)
    for number, (name, town, mode, route, account, receipts) in enumerate(DEMO_CLAIMANTS, 1):
        details = ParticipantDetails(
            full_name=name,
            email=f"demo.participant{number}@example.org",
            organisation="Demo organisation",
            position="Programme officer",
            departure_town=town,
        )
        registration = register(session, event.id, details, Attendance.ONSITE, now=registered_at).registration
        assert registration is not None  # a new address
        with write_transaction(session):
            # Checked in at the desk, which confirms the person (no seat hold left).
            registration.checked_in_at = registration.confirmed_at = event.starts_at - timedelta(minutes=20)
            registration.hold_expires_at = None
        claim = open_claim(session, registration)
        payout = (
            ClaimDetails(mode, route, PayoutMethod.BANK, *account)
            if account
            else ClaimDetails(mode, route, PayoutMethod.CASH)
        )
        save_details(session, claim.id, payout)
        for kind, text, amount in receipts:
            picture = process_upload(_receipt_picture(text, amount), "receipt.jpg")
            add_receipt(session, claim.id, storage, picture, kind, day, amount)
        submit_claim(session, claim.id, now=claimed_at)
        yield f"created: travel claim of {name} (demo participant), waiting for finance"


THANK_YOU = Text(
    "Thank you for coming: your certificate of attendance",
    "Thank you for taking part in the conference in Belgrade.\n\n"
    "Your certificate of attendance is ready: download it from your private page, through the "
    "link below. If you travelled from outside Belgrade and have not yet claimed your travel "
    "costs, you can do it on the same page.",
)


def _demo_message(session: Session, event: Event) -> Iterator[str]:
    """The organiser's thanks to those who came, the day after the conference."""
    organiser = find_user(session, DEMO_USERS[0][0])
    assert organiser is not None  # created above
    sent_at = event.ends_at + timedelta(hours=18)
    message = send_message(
        session, event.id, Draft(Segment.CHECKED_IN, THANK_YOU), organiser, new_token(), now=sent_at
    )
    yield f"created: message to the {message.recipient_count} checked-in participants of /e/{event.slug}/"


def _receipt_picture(text: str, amount: int) -> bytes:
    """A plain picture standing in for a photographed receipt."""
    picture = Image.new("RGB", (900, 1200), (250, 248, 240))
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=48)
    draw.rectangle((40, 40, 860, 1160), outline=(60, 60, 60), width=4)
    draw.text((90, 120), "DEMO RECEIPT", fill=(20, 20, 20), font=font)
    draw.text((90, 260), text, fill=(20, 20, 20), font=font)
    draw.text((90, 400), f"{amount // 100:,} RSD".replace(",", "."), fill=(20, 20, 20), font=font)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
