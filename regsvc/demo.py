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
from regsvc.events.fares import fare_table, read_fare_table, replace_fares
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

# The project's name as the organisers write it in each language (the Serbian one is theirs);
# the announcements give the texts in English and Serbian, the Macedonian is translated.
PROJECT = {
    "en": "SMART Balkans – Civil Society for Shared Society in the Western Balkans",
    "sr_Latn": "SMART Balkan – Civilno društvo za povezani zapadni Balkan",
    "mk": "SMART Balkans – Граѓанско општество за споделено општество на Западен Балкан",
}
TRAVEL_FROM_OUTSIDE_BELGRADE = {
    "en": "For participants travelling from outside Belgrade, the organiser covers travel expenses up to "
    "the price of a return bus ticket. Proof of the trip, such as a fuel bill, a toll bill or a bus "
    "ticket, must be submitted with the reimbursement request.",
    "sr_Latn": "Za učesnike koji dolaze izvan Beograda organizator pokriva putne troškove u iznosu "
    "povratne autobuske karte, a za putovanje koje je obavljeno potrebno je priložiti dokaz (račun za "
    "gorivo, račun za putarinu, autobusku kartu i sl.).",
    "mk": "За учесниците што патуваат од места надвор од Белград, организаторот ги покрива патните "
    "трошоци до износот на повратен автобуски билет. Доказ за патувањето (сметка за гориво, сметка "
    "за патарина, автобуски билет и сл.) треба да се приложи кон барањето за надоместок.",
}
BELGRADE = {
    "en": {"host_town": "Belgrade", "venue_address": "Kralja Milana 27, 11000 Belgrade"},
    "sr_Latn": {"host_town": "Beograd", "venue_address": "Kralja Milana 27, 11000 Beograd"},
    "mk": {"host_town": "Белград", "venue_address": "ул. Краља Милана 27, 11000 Белград"},
}
SKOPJE = {
    "en": {"host_town": "Skopje", "venue_address": "bul. 8-mi Septemvri 15, 1000 Skopje"},
    "sr_Latn": {"host_town": "Skoplje", "venue_address": "bul. 8-mi Septemvri 15, 1000 Skoplje"},
    "mk": {"host_town": "Скопје", "venue_address": "бул. 8-ми Септември 15, 1000 Скопје"},
}


def _texts(main: str, texts: dict[str, dict[str, str]]) -> dict:
    """An event's columns in its `main` language and its translations in the others."""
    return {
        **texts[main],
        "main_language": main,
        "translations": {k: v for k, v in texts.items() if k != main},
    }


def demo_events(now: datetime) -> list[Event]:
    serbia_day = next_date(6, 30, now.date())
    macedonia_day = next_date(6, 8, now.date())
    # A conference held three weeks ago: its travel claims are what finance has to review.
    past_day = now.date() - timedelta(days=21)
    return [
        Event(
            slug="first-national-conference-serbia",
            **_texts(
                "sr_Latn",
                {
                    "sr_Latn": {
                        **BELGRADE["sr_Latn"],
                        "title": f"Prva nacionalna konferencija za Srbiju: {PROJECT['sr_Latn']}",
                        "description": "Prva nacionalna konferencija projekta SMART Balkan u Srbiji: "
                        "organizacije civilnog društva, dobitnici grantova i partneri projekta.\n\n"
                        + TRAVEL_FROM_OUTSIDE_BELGRADE["sr_Latn"],
                    },
                    "en": {
                        **BELGRADE["en"],
                        "title": f"First National Conference for Serbia: {PROJECT['en']}",
                        "description": "The first national conference of the SMART Balkans project in "
                        "Serbia: civil society organisations, grant recipients and the project's "
                        "partners.\n\n" + TRAVEL_FROM_OUTSIDE_BELGRADE["en"],
                    },
                    "mk": {
                        **BELGRADE["mk"],
                        "title": f"Прва национална конференција за Србија: {PROJECT['mk']}",
                        "description": "Првата национална конференција на проектот SMART Balkans во "
                        "Србија: граѓански организации, добитници на грантови и партнерите на "
                        "проектот.\n\n" + TRAVEL_FROM_OUTSIDE_BELGRADE["mk"],
                    },
                },
            ),
            timezone="Europe/Belgrade",
            starts_at=_at(past_day, 11, 30, "Europe/Belgrade"),
            ends_at=_at(past_day, 17, 0, "Europe/Belgrade"),
            venue_name="Hotel Mona Plaza",
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
            **_texts(
                "sr_Latn",
                {
                    "sr_Latn": {
                        **BELGRADE["sr_Latn"],
                        "title": f"Druga nacionalna konferencija za Srbiju: {PROJECT['sr_Latn']}",
                        "description": "Konferencija predstavlja odličnu priliku za diskusiju o "
                        "aktuelnim temama i umrežavanje organizacija civilnog društva, a fokus panel "
                        "diskusije na ovogodišnjoj konferenciji je uloga organizacija civilnog društva "
                        "u upravljanju u kriznim situacijama. Na konferenciji će biti potpisani "
                        "ugovori sa dobitnicima granta Nacionalne intervencije.\n\n"
                        "S obzirom da će događaj biti hibridne prirode, a broj učesnika u sali je "
                        "ograničen, molimo vas da se na vreme prijavite i izaberete način na koji "
                        "želite da pratite događaj (uživo ili online).\n\n"
                        + TRAVEL_FROM_OUTSIDE_BELGRADE["sr_Latn"],
                        "stream_details": "Prenos uživo: https://stream.example.org/smart-balkans-serbia\n"
                        "Prenos počinje 15 minuta pre početka. Pitanja možete da postavite u četu.",
                    },
                    "en": {
                        **BELGRADE["en"],
                        "title": f"Second National Conference for Serbia: {PROJECT['en']}",
                        "description": "The main focus of the panel discussions at this year's "
                        "conference is the role of civil society organisations in crisis management. "
                        "The conference also includes the signing of contracts with the recipients of "
                        "the National Intervention grants, the presentation of the project's results, "
                        "and the opportunities available within the SMART Balkans project.\n\n"
                        "The event is hybrid: everyone interested can take part online. Registration "
                        "is mandatory, as on-site attendance is limited.\n\n"
                        + TRAVEL_FROM_OUTSIDE_BELGRADE["en"],
                        "stream_details": "Live stream: https://stream.example.org/smart-balkans-serbia\n"
                        "The stream opens 15 minutes before the start. Questions can be sent in the chat.",
                    },
                    "mk": {
                        **BELGRADE["mk"],
                        "title": f"Втора национална конференција за Србија: {PROJECT['mk']}",
                        "description": "Главниот фокус на панел-дискусиите на овогодинешната "
                        "конференција е улогата на граѓанските организации во управувањето со кризи. "
                        "На конференцијата ќе бидат потпишани договорите со добитниците на грантовите "
                        "за национални интервенции и ќе бидат претставени резултатите од проектот и "
                        "можностите во рамките на проектот SMART Balkans.\n\n"
                        "Настанот е хибриден: секој заинтересиран може да учествува онлајн. "
                        "Пријавувањето е задолжително, бидејќи бројот на места во салата е "
                        "ограничен.\n\n" + TRAVEL_FROM_OUTSIDE_BELGRADE["mk"],
                        "stream_details": "Пренос во живо: https://stream.example.org/smart-balkans-serbia\n"
                        "Преносот започнува 15 минути пред почетокот. Прашања може да поставите во четот.",
                    },
                },
            ),
            timezone="Europe/Belgrade",
            starts_at=_at(serbia_day, 11, 30, "Europe/Belgrade"),
            ends_at=_at(serbia_day, 17, 0, "Europe/Belgrade"),
            venue_name="Hotel Mona Plaza",
            onsite_capacity=80,
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=_at(serbia_day - timedelta(days=2), 23, 59, "Europe/Belgrade"),
            currency="RSD",
            travel_reimbursed=True,
            contact_email="conference@example.org",
            organiser_name=ORGANISER,
        ),
        Event(
            slug="national-conference-north-macedonia",
            **_texts(
                "mk",
                {
                    "mk": {
                        **SKOPJE["mk"],
                        "title": f"Втора национална конференција за Северна Македонија: {PROJECT['mk']}",
                        "description": "Овогодинешната конференција посебно се фокусира на "
                        "управувањето со кризи и на јакнењето на локалните капацитети за превенција "
                        "на насилството и насилниот екстремизам. Ќе бидат објавени и претставени "
                        "претстојните јавни повици за грантови, а ќе бидат потпишани и договори со "
                        "добитниците на грантови од линијата Национални интервенции.\n\n"
                        "Бројот на места во салата е ограничен. Пријавете се и изберете како ќе "
                        "учествувате: во живо или онлајн.",
                        "stream_details": "Пренос во живо: "
                        "https://stream.example.org/smart-balkans-north-macedonia\n"
                        "Преносот започнува 15 минути пред почетокот.",
                    },
                    "en": {
                        **SKOPJE["en"],
                        "title": f"Second National Conference for N. Macedonia: {PROJECT['en']}",
                        "description": "This year's conference places particular emphasis on crisis "
                        "management and on strengthening local capacities in the prevention of "
                        "violence and violent extremism. The upcoming public call for grants will be "
                        "announced and presented, and contracts will be signed with grant recipients "
                        "from the National Interventions grant line.\n\n"
                        "On-site attendance is limited. Register and choose how you will take part: "
                        "in person or online.",
                        "stream_details": "Live stream: https://stream.example.org/smart-balkans-north-macedonia\n"
                        "The stream opens 15 minutes before the start.",
                    },
                    "sr_Latn": {
                        **SKOPJE["sr_Latn"],
                        "title": f"Druga nacionalna konferencija za Severnu Makedoniju: {PROJECT['sr_Latn']}",
                        "description": "Ovogodišnja konferencija posebnu pažnju posvećuje upravljanju "
                        "u kriznim situacijama i jačanju lokalnih kapaciteta u prevenciji nasilja i "
                        "nasilnog ekstremizma. Biće najavljeni i predstavljeni predstojeći javni "
                        "pozivi za grantove, a biće potpisani i ugovori sa dobitnicima granta "
                        "Nacionalne intervencije.\n\n"
                        "Broj učesnika u sali je ograničen. Prijavite se i izaberite način na koji "
                        "želite da pratite događaj (uživo ili online).",
                        "stream_details": "Prenos uživo: https://stream.example.org/smart-balkans-north-macedonia\n"
                        "Prenos počinje 15 minuta pre početka.",
                    },
                },
            ),
            timezone="Europe/Skopje",
            starts_at=_at(macedonia_day, 9, 30, "Europe/Skopje"),
            ends_at=_at(macedonia_day, 16, 0, "Europe/Skopje"),
            venue_name="Aleksandar Palace Hotel",
            onsite_capacity=60,
            registration_opens_at=now - timedelta(days=1),
            registration_closes_at=_at(macedonia_day - timedelta(days=2), 23, 59, "Europe/Skopje"),
            currency="MKD",
            travel_reimbursed=True,
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
# The same towns in Cyrillic, as Serbian Cyrillic readers write them; Macedonian writes them
# alike, Belgrade apart.
SERBIAN_TOWNS_CYRILLIC = """Beograd = Београд
Čačak = Чачак
Kragujevac = Крагујевац
Kraljevo = Краљево
Leskovac = Лесковац
Niš = Ниш
Novi Pazar = Нови Пазар
Novi Sad = Нови Сад
Pančevo = Панчево
Smederevo = Смедерево
Sombor = Сомбор
Subotica = Суботица
Šabac = Шабац
Užice = Ужице
Valjevo = Ваљево
Vranje = Врање
Zaječar = Зајечар
Zrenjanin = Зрењанин
"""
SERBIAN_TOWN_NAMES = {
    "sr_Cyrl": SERBIAN_TOWNS_CYRILLIC,
    "mk": SERBIAN_TOWNS_CYRILLIC.replace("Beograd = Београд", "Beograd = Белград"),
    "en": "Beograd = Belgrade\n",
}
MACEDONIAN_FARES = """Скопје, 0
Битола, 1100
Гевгелија, 900
Гостивар, 500
Кавадарци, 700
Кичево, 700
Кочани, 700
Куманово, 300
Охрид, 1200
Прилеп, 900
Струмица, 900
Струга, 1200
Штип, 700
Тетово, 400
Велес, 400
"""
# The towns in Latin script, and in Albanian, as many participants from North Macedonia write them.
MACEDONIAN_TOWNS_LATIN = """Скопје = Skopje
Битола = Bitola
Гевгелија = Gevgelija
Гостивар = Gostivar
Кавадарци = Kavadarci
Кичево = Kičevo
Кочани = Kočani
Куманово = Kumanovo
Охрид = Ohrid
Прилеп = Prilep
Струмица = Strumica
Струга = Struga
Штип = Štip
Тетово = Tetovo
Велес = Veles
"""
MACEDONIAN_TOWN_NAMES = {
    "en": MACEDONIAN_TOWNS_LATIN,
    "sr_Latn": MACEDONIAN_TOWNS_LATIN.replace("= Skopje", "= Skoplje").replace("= Gevgelija", "= Đevđelija"),
    "sr_Cyrl": "Скопје = Скопље\nГевгелија = Ђевђелија\n",
    "sq": """Скопје = Shkup
Битола = Manastir
Гевгелија = Gjevgjeli
Гостивар = Gostivar
Кавадарци = Kavadar
Кичево = Kërçovë
Кочани = Koçan
Куманово = Kumanovë
Охрид = Ohër
Прилеп = Përlep
Струмица = Strumicë
Струга = Strugë
Штип = Shtip
Тетово = Tetovë
Велес = Veles
""",
}
SAMPLE_FARES = {
    "first-national-conference-serbia": (SERBIAN_FARES, SERBIAN_TOWN_NAMES),
    "national-conference-serbia": (SERBIAN_FARES, SERBIAN_TOWN_NAMES),
    "national-conference-north-macedonia": (MACEDONIAN_FARES, MACEDONIAN_TOWN_NAMES),
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
            table, names = SAMPLE_FARES[event.slug]
            replace_fares(session, event, read_fare_table(table, names, event.currency), None)
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
