"""Sign-in sheet benchmark: a 2,000-row attendance list as PDF.

Run from the project root:

    .venv/bin/python bench/attendance_pdf.py [--rows 2000] [--repeat 3]

Builds realistic rows (Serbian and Macedonian names, Latin and Cyrillic, with
diacritics), then, inside an app context of `regsvc.create_app` on a throwaway SQLite
database (no data needed), times:

- ours, cold: `sign_in_sheet_pdf` with the cache bypassed, worker processes included
  (after one small warm-up sheet each way, as in a server that has printed before);
- ours, cached: the same call twice with the cache on (the second one is printed);
- the baseline, in the same run: the same sorted rows as one plain HTML table (header
  repeated by WeasyPrint on each page), rendered by WeasyPrint in this process.

Each of "ours, cold" and the baseline runs --repeat times (3), alternating, and
the medians are compared (the machine may be shared). Prints peak memory: ru_maxrss
of this process and of its largest child (a worker, forked from this process, so it
counts the pages they share in both); `peak_mb` is their sum. The last line is
`rows=N ours_s=S naive_s=S speedup=X peak_mb=M`. Exits 1 when the speedup is below 4.
"""

from __future__ import annotations

import argparse
import html
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from regsvc import create_app  # noqa: E402
from regsvc.documents.attendance import AttendanceRow, sign_in_sheet_pdf, sort_by_surname  # noqa: E402
from regsvc.documents.render import available_cpus, render_pdf  # noqa: E402
from regsvc.events.models import Event  # noqa: E402

TARGET_SPEEDUP = 4.0

# fmt: off
FIRST_NAMES = (
    "Đorđe", "Željko", "Čedomir", "Ćamil", "Šefika", "Ana", "Marija", "Nikola", "Jelena", "Milan",
    "Dragana", "Ivana", "Stefan", "Aleksandar", "Biljana", "Goran", "Snežana", "Vesna", "Zoran", "Dušan",
    "Mirjana", "Nataša", "Vladimir", "Tijana", "Miloš", "Ljiljana", "Njegoš", "Љубица", "Ќиро", "Ѓорѓи",
    "Марија", "Стефан", "Благица", "Жаклина", "Петар", "Елена", "Бојан", "Ана", "Драган", "Весна",
    "Никола", "Ilir", "Arben", "Blerta", "Teuta",
)
SURNAMES = (
    "Đurić", "Živković", "Ćirić", "Čolić", "Šarić", "Petrović", "Jovanović", "Nikolić", "Marković",
    "Ilić", "Stojanović", "Popović", "Lazić", "Kostić", "Pavlović", "Tomić", "Stanković", "Mitrović",
    "Radulović", "Bošković", "Đokić", "Šljivić", "Čavić", "Ljubić", "Njegovan", "Ристовски",
    "Стојановска", "Трајковски", "Ѓорѓиевски", "Љубеновска", "Ќосева", "Андоновски", "Јованоска",
    "Николовски", "Џафероски", "Ѕвездановска", "Krasniqi", "Hoxha",
)
ORGANISATIONS = (
    "CRPM",
    "Civil Rights Defenders",
    "Beogradski centar za bezbednosnu politiku",
    "Metamorphosis Foundation",
    "Udruženje građana „Žene juga“",
    "Здружение на граѓани ЕСЕ",
    "Opština Niš",
    "Institut za evropske poslove",
    "Mreža za razvoj lokalne zajednice Šumadija",
    "Reactor – Research in Action",
    "Fondacija za otvoreno društvo Srbija",
    "Центар за истражување и креирање политики",
    "Gradska uprava Grada Kragujevca – Sekretarijat za lokalni ekonomski razvoj "
    "i saradnju sa civilnim društvom",
    "",
)
TOWNS = (
    "Niš", "Kragujevac", "Novi Sad", "Čačak", "Šabac", "Užice", "Skopje", "Битола", "Штип", "Охрид",
    "Prishtina", "Podgorica", "Subotica", "Zaječar", "Vranje", "Куманово", "Тетово", "Leskovac",
    "Pančevo", "Smederevo", "Sremska Mitrovica", "Bačka Palanka", "Гевгелија",
)
# fmt: on


def make_rows(n: int, seed: int = 2026) -> list[AttendanceRow]:
    pick = random.Random(seed)
    rows = []
    for _ in range(n):
        name = f"{pick.choice(FIRST_NAMES)} {pick.choice(SURNAMES)}"
        if pick.random() < 0.04:  # double surnames, now and then
            name += f"-{pick.choice(SURNAMES)}"
        rows.append(
            AttendanceRow(
                full_name=name,
                organisation=pick.choice(ORGANISATIONS),
                town=pick.choice(TOWNS),
                attendance="onsite",
                checkin_code=f"{pick.randrange(10**8):08d}",
                consents_to_publication=pick.random() < 0.7,
                checked_in=pick.random() < 0.5,
            )
        )
    return rows


def bench_event() -> Event:
    """A transient event: the sheet needs its fields, not a database row."""
    return Event(
        title="Nacionalna konferencija: Civilno društvo u upravljanju krizama",
        timezone="Europe/Belgrade",
        starts_at=datetime(2026, 6, 30, 8, 30, tzinfo=UTC),
        ends_at=datetime(2026, 6, 30, 15, 0, tzinfo=UTC),
        venue_name="Hotel Mona Plaza",
        venue_address="Kralja Milana 27, Beograd",
        host_town="Beograd",
    )


NAIVE_CSS = """
@page { size: A4; margin: 12mm 14mm; }
html { font-family: "DejaVu Sans", sans-serif; font-size: 9pt; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 0.2mm solid #4a4f57; padding: 0 1.6mm; text-align: left; }
th { background: #e6e9ee; height: 8mm; }
td { height: 10mm; }
td.n { text-align: right; width: 10mm; }
td.s { width: 42mm; }
"""


def naive_html(event: Event, rows: list[AttendanceRow], label: str) -> str:
    """The obvious way: one table, WeasyPrint paginates it and repeats the header."""
    body = "".join(
        f"<tr><td class=n>{n}</td><td>{html.escape(row.full_name)}</td>"
        f"<td>{html.escape(row.organisation)}</td><td>{html.escape(row.town)}</td><td class=s></td></tr>"
        for n, row in enumerate(sort_by_surname(rows), 1)
    )
    return (
        f"<!doctype html><html><head><meta charset=utf-8><style>{NAIVE_CSS}</style></head><body>"
        f"<h1>{html.escape(event.title)}</h1><p>{html.escape(event.venue_name)} · {html.escape(label)}</p>"
        "<table><thead><tr><th>No.</th><th>Full name</th><th>Organisation</th><th>Town</th>"
        f"<th>Signature</th></tr></thead><tbody>{body}</tbody></table></body></html>"
    )


def pages(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def timed(fn) -> tuple[float, bytes]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours (cold) and of the baseline")
    args = parser.parse_args()

    rows = make_rows(args.rows)
    event = bench_event()
    label = "On-site participants"
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench"})
        with app.app_context():
            print(f"{args.rows} rows, {available_cpus()} CPUs")
            # Warm up both ways on a few rows (template compilation, fonts, WeasyPrint's first
            # use), as in a server that has printed before: what is timed is the work per list.
            warm = rows[:40]
            sign_in_sheet_pdf(event, warm, label, use_cache=False)
            render_pdf(naive_html(event, warm, label))
            ours_runs, naive_runs, before_baseline_mb = [], [], None
            for _ in range(args.repeat):
                seconds, ours = timed(lambda: sign_in_sheet_pdf(event, rows, label, use_cache=False))
                ours_runs.append(seconds)
                print(f"ours, cold:   {seconds:6.2f} s  {pages(ours)} pages  {len(ours) / 1e6:.2f} MB")
                if before_baseline_mb is None:
                    before_baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB
                seconds, naive = timed(lambda: render_pdf(naive_html(event, rows, label)))
                naive_runs.append(seconds)
                print(f"naive table:  {seconds:6.2f} s  {pages(naive)} pages  {len(naive) / 1e6:.2f} MB")

            sign_in_sheet_pdf(event, rows, label)  # fills the cache
            cached_seconds, _ = timed(lambda: sign_in_sheet_pdf(event, rows, label))
            print(f"ours, cached: {cached_seconds:6.3f} s")

    ours_s, naive_s = statistics.median(ours_runs), statistics.median(naive_runs)
    speedup = naive_s / ours_s
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak memory: this process {self_mb:.0f} MB ({before_baseline_mb:.0f} MB before the baseline ran), "
        f"largest worker process {children_mb:.0f} MB"
    )
    if speedup < TARGET_SPEEDUP:
        print(f"MISSED: speedup {speedup:.2f} < {TARGET_SPEEDUP}")
    print(
        f"rows={args.rows} ours_s={ours_s:.2f} naive_s={naive_s:.2f} speedup={speedup:.2f} "
        f"peak_mb={self_mb + children_mb:.0f}"
    )
    return 0 if speedup >= TARGET_SPEEDUP else 1


if __name__ == "__main__":
    sys.exit(main())
