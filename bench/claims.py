"""Travel-claim benchmark: a phone-photo receipt, the claim PDF and the finance queue.

Run from the project root:

    .venv/bin/python bench/claims.py [--runs 5] [--claims 5000]

Each time is the median of --runs runs that follow a first call, which is left out of
the median (imports, fonts, templates, caches: a server that has been up for a while has
paid for them) but printed. On a throwaway SQLite database built by the Alembic
migrations, it measures:

- receipt: `process_upload` of one 12-megapixel phone JPEG (4000 × 3000, with what
  `tests.claims.corpus.phone_photo` writes: EXIF orientation 6 and GPS, XMP with GPS, an
  sRGB profile, a comment). The corpus photo is flat grey and compresses to 0.2 MB; the
  one measured has photo-like grain, so that it weighs what a real photo does (about
  4 MB) and takes as long to decode. The corpus photo is timed too, for comparison.
  Peak memory is measured once, in a fresh process (spawn): the high-water mark of RSS
  during the call minus RSS just before it (after the imports, this module's included,
  and reading the file; the mark is reset there, so the imports' own peak does not
  count). Pillow allocates outside tracemalloc's view; RSS is what the server pays.
- claim PDF: `claim_pdf` of a submitted claim with three such receipts, made through the
  services (register, open the claim, details, three receipts, submit).
- finance queue: GET /staff/finance/ (first page, 50 claims) through the Flask test
  client, signed in as a finance user, with 50 and then --claims submitted claims of two
  receipts each (inserted in bulk with SQLAlchemy Core: the page reads only rows). SQL
  statements are counted with a `before_cursor_execute` listener; the count must not
  grow with the number of claims. The last page is timed too (its OFFSET is the largest).

Prints the figures with their targets (ok / MISSED) and, as its last line,
`receipt_s=S receipt_mb=M claim_pdf_s=S queue_s=S queue_queries=N` (queue figures at
--claims claims). Never fails on a timing; exits 1 only if a page does not work.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import os
import platform
import re
import resource
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import PIL
import weasyprint
from flask import Flask
from PIL import Image, ImageCms
from pypdf import PdfReader
from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402

from regsvc import create_app  # noqa: E402
from regsvc.auth.models import StaffUser  # noqa: E402
from regsvc.auth.services import create_user  # noqa: E402
from regsvc.claims.documents import claim_pdf  # noqa: E402
from regsvc.claims.drafting import ClaimDetails, add_receipt, open_claim, save_details, submit_claim  # noqa: E402
from regsvc.claims.models import Claim, ClaimStatus, ExpenseKind, PayoutMethod, Receipt, TravelMode  # noqa: E402
from regsvc.claims.receipts import process_upload  # noqa: E402
from regsvc.claims.review import QUEUE_PAGE  # noqa: E402
from regsvc.db import utcnow  # noqa: E402
from regsvc.events.fares import parse_fares, replace_fares  # noqa: E402
from regsvc.events.models import Event  # noqa: E402
from regsvc.migrating import alembic_config  # noqa: E402
from regsvc.registration.models import Attendance, Registration  # noqa: E402
from regsvc.registration.services import ParticipantDetails, register  # noqa: E402
from regsvc.roles import Role  # noqa: E402
from regsvc.storage import LocalStorage, Storage  # noqa: E402
from regsvc.text import search_key  # noqa: E402
from tests.claims.corpus import GPS_XMP, marked_picture, phone_exif, phone_photo  # noqa: E402

# Targets from the issue.
RECEIPT_SECONDS = 0.5
RECEIPT_MB = 300
CLAIM_PDF_SECONDS = 0.8
QUEUE_SECONDS = 0.2

PHOTO_SIZE = (4000, 3000)  # 12 megapixels, as the phone's sensor saw it
# Grain that brings the JPEG to the size of a real 12-megapixel photo (about 4 MB at quality 90).
PHOTO_GRAIN = 16
# The claim PDF's three receipts: the same picture saved with three EXIF orientations, so
# three different files (and hashes), each turned upright differently.
CLAIM_PDF_ORIENTATIONS = (6, 1, 8)
FEW_CLAIMS = 50  # one queue page: the query count here is compared with the one at --claims

FARES = "Niš, 3600\nKragujevac, 2400\nNovi Sad, 2000"
# Towns of the bulk claims, with their frozen caps in minor units; None: not in the fare table.
TOWN_CAPS = (("Niš", 360000), ("Kragujevac", 240000), ("Novi Sad", 200000), ("Čačak", None))
NAMES = ("Jelena Petrović", "Đorđe Ilić", "Ana Šarić", "Марија Ристовска", "Nikola Čolić", "Teuta Hoxha")


# -- the receipt photo ---------------------------------------------------------------------


def grainy_picture() -> Image.Image:
    """The corpus's marked picture with photo-like grain: detail is what makes a JPEG large
    and slow to decode."""
    grain = Image.effect_noise(PHOTO_SIZE, PHOTO_GRAIN).convert("RGB")
    return Image.blend(marked_picture(*PHOTO_SIZE), grain, 0.5)


def phone_jpeg(picture: Image.Image, orientation: int) -> bytes:
    """`picture` saved with the metadata that `tests.claims.corpus.phone_photo` writes."""
    buffer = io.BytesIO()
    picture.save(
        buffer,
        "JPEG",
        quality=90,
        exif=phone_exif(orientation).tobytes(),
        xmp=GPS_XMP,
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
        comment=b"taken at Kralja Milana 27",
    )
    return buffer.getvalue()


# -- timing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Runs:
    first: float  # the first call: not in the median, printed for information
    seconds: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def __str__(self) -> str:
        return (
            f"median {self.median:.3f} s (min {min(self.seconds):.3f}, max {max(self.seconds):.3f} "
            f"over {len(self.seconds)} runs; first call {self.first:.3f} s)"
        )


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def time_runs(action: Callable[[], object], runs: int) -> Runs:
    first = timed(action)
    return Runs(first, [timed(action) for _ in range(runs)])


def verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "MISSED"


# -- peak memory, in a fresh process -----------------------------------------------------------


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _reset_peak_rss() -> bool:
    """Make the high-water mark the current RSS (Linux ≥ 4.0), so that the imports' own peak
    is not counted; False where that is not allowed."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def receipt_memory_in_child(photo_path: str) -> tuple[float, float, bool]:
    """Runs in a fresh process: (RSS before, peak RSS during, whether the peak was reset), MB."""
    data = Path(photo_path).read_bytes()
    reset = _reset_peak_rss()
    before = _resident_mb()
    process_upload(data, "IMG_0001.jpg")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return before, peak, reset


def receipt_memory(photo_path: Path) -> tuple[float, float, bool]:
    # spawn, not fork: a forked child would start with this process's pages, and its peak.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(receipt_memory_in_child, str(photo_path)).result()


# -- the database -------------------------------------------------------------------------------


def bench_app(workdir: Path) -> Flask:
    url = f"sqlite:///{workdir / 'claims.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "MAIL_SEND_AFTER_REQUEST": False,
            "PUBLIC_URL": "http://regsvc.bench",
            "UPLOAD_FOLDER": str(workdir / "uploads"),
        }
    )


def open_event(session: Session, seats: int) -> Event:
    """An event open for registration, with travel reimbursed and a fare table."""
    now = utcnow()
    event = Event(
        slug="bench-claims",
        title="Nacionalna konferencija: Civilno društvo u upravljanju krizama",
        timezone="Europe/Belgrade",
        starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=30, hours=6),
        venue_name="Hotel Mona Plaza",
        venue_address="Kralja Milana 27, Beograd",
        host_town="Beograd",
        onsite_capacity=seats,
        registration_opens_at=now - timedelta(days=1),
        registration_closes_at=now + timedelta(days=28),
        currency="RSD",
        travel_reimbursed=True,
    )
    session.add(event)
    session.commit()
    replace_fares(session, event, parse_fares(FARES, "RSD"), None)
    return event


def claim_with_photos(session: Session, event: Event, storage: Storage, photos: list[bytes]) -> Claim:
    """A submitted claim with one receipt per photo, made as a participant makes it."""
    details = ParticipantDetails(
        full_name="Đorđe Đorđević",
        email="djordje@example.org",
        organisation="Udruženje građana „Žene juga“",
        position="Koordinator",
        departure_town="Niš",
    )
    registration = register(session, event.id, details, Attendance.ONSITE).registration
    claim = open_claim(session, registration)
    save_details(session, claim.id, ClaimDetails(TravelMode.BUS, "Niš – Beograd", PayoutMethod.CASH))
    issued_on = event.local_starts_at.date()
    for number, photo in enumerate(photos, 1):
        processed = process_upload(photo, f"IMG_{number:04d}.jpg")
        add_receipt(session, claim.id, storage, processed, ExpenseKind.BUS_TICKET, issued_on, 120000)
    return submit_claim(session, claim.id, now=event.starts_at)


def _next_id(connection: Connection, model: type[Registration] | type[Claim]) -> int:
    return (connection.scalar(select(func.max(model.id))) or 0) + 1


def insert_submitted_claims(engine: Engine, event: Event, how_many: int) -> None:
    """`how_many` more submitted claims of two receipts each, in three executemany
    statements: through the services, thousands would take minutes."""
    now = utcnow()
    issued_on = event.local_starts_at.date()
    registrations, claims, receipts = [], [], []
    with engine.begin() as connection:
        # Ids chosen here, so that each row can name its parent without reading it back.
        registration_id = _next_id(connection, Registration)
        claim_id = _next_id(connection, Claim)
        for offset in range(how_many):
            number = registration_id + offset
            town, cap = TOWN_CAPS[number % len(TOWN_CAPS)]
            name = f"{NAMES[number % len(NAMES)]} {number}"
            email = f"bench{number}@example.org"
            registrations.append(
                dict(
                    id=number,
                    event_id=event.id,
                    full_name=name,
                    email=email,
                    email_normalised=email,
                    organisation="CRPM",
                    position="Programme officer",
                    departure_town=town,
                    search_text=search_key(f"{name} CRPM {email}"),
                    consented_at=now,
                    attendance=Attendance.ONSITE,
                    checkin_code=f"9{number:015d}",  # unique, 16 digits like the real ones
                )
            )
            claims.append(
                dict(
                    id=claim_id + offset,
                    registration_id=number,
                    status=ClaimStatus.SUBMITTED,
                    travel_mode=TravelMode.BUS,
                    route=f"{town} – Beograd",
                    payout_method=PayoutMethod.CASH,
                    currency="RSD",
                    cap=cap,
                    submitted_at=now - timedelta(minutes=how_many - offset),
                )
            )
            for amount in (180000, 20000 + 100 * (number % 100)):
                receipts.append(fake_receipt_row(claim_id + offset, issued_on, amount))
        connection.execute(insert(Registration), registrations)
        connection.execute(insert(Claim), claims)
        connection.execute(insert(Receipt), receipts)


def fake_receipt_row(claim_id: int, issued_on: date, amount: int) -> dict:
    """A receipt row whose files do not exist: the queue never opens them."""
    return dict(
        claim_id=claim_id,
        kind=ExpenseKind.BUS_TICKET,
        issued_on=issued_on,
        amount=amount,
        stored_name=Storage.new_name("jpg"),
        preview_name=None,
        thumbnail_name=Storage.new_name("jpg"),
        sha256=secrets.token_hex(32),
        mime="image/jpeg",
        size=1_200_000,
        original_name="karta.jpg",
    )


# -- the finance queue ---------------------------------------------------------------------------


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_connection, _cursor, statement, *_rest) -> None:
        statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


@dataclass(frozen=True)
class QueueFigures:
    claims: int
    first_page: Runs
    last_page: Runs
    statements: list[str]  # of one request for the first page, as `statement_label` names them


def measure_queue(app: Flask, finance_user: StaffUser, claims: int, runs: int) -> QueueFigures:
    client = app.test_client()
    with client.session_transaction() as browser_session:  # signed in, as tests/conftest.sign_in does
        browser_session["_user_id"] = str(finance_user.id)
        browser_session["_fresh"] = True

    def get(path: str) -> None:
        response = client.get(path)
        # Make sure that what is timed is the queue, with every claim counted.
        if response.status_code != 200 or f"{claims} claims" not in response.get_data(as_text=True):
            raise SystemExit(f"GET {path}: status {response.status_code}, not a queue of {claims:,} claims")

    first_page = time_runs(lambda: get("/staff/finance/"), runs)
    last_page = time_runs(lambda: get(f"/staff/finance/?page={-(-claims // QUEUE_PAGE)}"), runs)
    # Counted apart from the timed runs, which the listener would slow down.
    with counting_statements(app.extensions["regsvc.db"].engine) as statements:
        get("/staff/finance/")
    return QueueFigures(claims, first_page, last_page, [statement_label(sql) for sql in statements])


def statement_label(sql: str) -> str:
    """A short name for a statement ("count claims", "receipts", "BEGIN"): what a page asks for."""
    keyword = sql.split(maxsplit=1)[0].upper()
    if keyword != "SELECT":
        return keyword
    # The table of the outermost FROM: subqueries (the claimed sums, a count's inner select) removed.
    outer = sql
    while (inner := re.sub(r"\([^()]*\)", "", outer)) != outer:
        outer = inner
    table = re.search(r"\bFROM\s+([a-z_]\w*)", outer) or re.search(r"\bFROM\s+([a-z_]\w*)", sql)
    counting = re.match(r"SELECT\s+count\(", sql, re.IGNORECASE) is not None
    return f"{'count ' if counting else ''}{table.group(1) if table else '?'}"


def submitted_claims(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).where(Claim.status != ClaimStatus.DRAFT))


# -- the run ---------------------------------------------------------------------------------------


def bench_receipt(photo: bytes, corpus_photo: bytes, workdir: Path, runs: int) -> tuple[Runs, float]:
    """(a) Prints the figures; returns the times and the extra memory in MB."""
    photo_path = workdir / "IMG_0001.jpg"
    photo_path.write_bytes(photo)
    before, peak, peak_was_reset = receipt_memory(photo_path)
    extra_mb = peak - before
    receipt = time_runs(lambda: process_upload(photo, "IMG_0001.jpg"), runs)
    # Baseline, the least any processing costs: decode the photo and save it again, nothing else.
    plain = time_runs(lambda: Image.open(io.BytesIO(photo)).save(io.BytesIO(), "JPEG"), runs)
    corpus_receipt = time_runs(lambda: process_upload(corpus_photo, "IMG_0002.jpg"), runs)
    stored = process_upload(photo, "IMG_0001.jpg")

    width, height = PHOTO_SIZE
    print(f"receipt: {width} × {height} phone JPEG of {len(photo) / 1e6:.1f} MB (EXIF, GPS, XMP, sRGB)")
    print(f"  process_upload: {receipt}")
    print(f"    target <= {RECEIPT_SECONDS} s: {verdict(receipt.median, RECEIPT_SECONDS)}")
    print(f"  baseline, Pillow decode + re-encode only: {plain} ({receipt.median / plain.median:.2f}×)")
    print(f"  memory in a fresh process: RSS {before:.0f} MB before, peak {peak:.0f} MB: +{extra_mb:.0f} MB")
    print(f"    target <= {RECEIPT_MB} MB: {verdict(extra_mb, RECEIPT_MB)}")
    if not peak_was_reset:
        print("    note: /proc/self/clear_refs is not writable: the peak may be the imports' own")
    print(
        f"  stored: {stored.width} × {stored.height} JPEG of {len(stored.document.data) / 1e6:.2f} MB, "
        f"thumbnail of {len(stored.thumbnail.data) / 1e3:.0f} kB"
    )
    print(f"  the corpus's flat grey phone_photo ({len(corpus_photo) / 1e6:.2f} MB): {corpus_receipt}")
    return receipt, extra_mb


def bench_claim_pdf(session: Session, event: Event, storage: Storage, photos: list[bytes], runs: int) -> Runs:
    """(b) Prints the figures; returns the times."""
    claim = claim_with_photos(session, event, storage, photos)
    document = time_runs(lambda: claim_pdf(session, claim, storage), runs)
    # Baseline: WeasyPrint's fixed cost for any document, one line of text on one page.
    blank = time_runs(lambda: weasyprint.HTML(string="<p>Travel claim</p>").write_pdf(), runs)
    pdf = claim_pdf(session, claim, storage)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(f"claim PDF: {len(claim.receipts)} photo receipts, {pages} pages, {len(pdf) / 1e6:.1f} MB")
    print(f"  claim_pdf: {document}")
    print(f"    target <= {CLAIM_PDF_SECONDS} s: {verdict(document.median, CLAIM_PDF_SECONDS)}")
    print(f"  baseline, a one-line WeasyPrint page: {blank}")
    return document


def bench_queue(app: Flask, event: Event, finance_user: StaffUser, claims: int, runs: int) -> QueueFigures:
    """(c) At one page of claims, then at `claims`. Prints the figures; returns those at `claims`."""
    engine = app.extensions["regsvc.db"].engine
    print(f"finance queue: GET /staff/finance/ as a finance user, {QUEUE_PAGE} claims a page")
    queues = []
    for size in (FEW_CLAIMS, claims):
        insert_submitted_claims(engine, event, size - submitted_claims(engine))
        figures = measure_queue(app, finance_user, size, runs)
        queues.append(figures)
        print(f"  {size:,} claims: {len(figures.statements)} SQL statements: {', '.join(figures.statements)}")
        print(f"    first page: {figures.first_page}")
        print(f"    last page:  {figures.last_page}")
    few, many = queues
    growth = "fixed" if len(few.statements) == len(many.statements) else "GROWS (MISSED)"
    print(
        f"  SQL statements per page: {len(few.statements)} at {few.claims:,} claims, "
        f"{len(many.statements)} at {many.claims:,}: {growth}"
    )
    print(
        f"    target <= {QUEUE_SECONDS} s at {many.claims:,} claims: "
        f"{verdict(many.first_page.median, QUEUE_SECONDS)}"
    )
    return many


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (default 5)")
    parser.add_argument("--claims", type=int, default=5000, help="claims in the big queue (default 5000)")
    args = parser.parse_args()
    if args.runs < 1 or args.claims <= FEW_CLAIMS:
        parser.error(f"--runs must be at least 1 and --claims more than {FEW_CLAIMS}")

    print(
        f"regsvc claims benchmark: {args.runs} timed runs each, {os.cpu_count()} CPUs; "
        f"Python {platform.python_version()}, Pillow {PIL.__version__}, WeasyPrint {weasyprint.__version__}, "
        f"SQLite {sqlite3.sqlite_version}"
    )
    picture = grainy_picture()
    photos = [phone_jpeg(picture, orientation) for orientation in CLAIM_PDF_ORIENTATIONS]

    with tempfile.TemporaryDirectory(prefix="regsvc-bench-claims-") as tmp:
        workdir = Path(tmp)
        receipt, receipt_mb = bench_receipt(photos[0], phone_photo(), workdir, args.runs)

        app = bench_app(workdir)
        database = app.extensions["regsvc.db"]
        storage = LocalStorage(app.config["UPLOAD_FOLDER"])
        with app.app_context(), database.Session() as session:
            event = open_event(session, seats=args.claims + 10)
            claim_document = bench_claim_pdf(session, event, storage, photos, args.runs)
            finance_user = create_user(
                session, "finance@example.org", [Role.FINANCE], password="correct horse battery"
            ).user
        queue = bench_queue(app, event, finance_user, args.claims, args.runs)
        database.dispose()

    print(
        f"receipt_s={receipt.median:.3f} receipt_mb={receipt_mb:.0f} claim_pdf_s={claim_document.median:.3f} "
        f"queue_s={queue.first_page.median:.3f} queue_queries={len(queue.statements)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
