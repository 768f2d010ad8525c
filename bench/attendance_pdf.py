"""Sign-in sheet and badges benchmark: 2,000 people each, beside a plain ReportLab table.

Run from the project root:

    .venv/bin/python bench/attendance_pdf.py [--rows 2000] [--repeat 3]

Builds realistic rows (Serbian and Macedonian names, Latin and Cyrillic, with
diacritics, organisations long and short, 16-digit check-in codes), then times, each in
a fresh process:

- signin: `write_sign_in_sheet`, in an app context of `regsvc.create_app` on a throwaway
  SQLite database (the process holds the whole app, as a server's does);
- badges: `write_badges`, the same way;
- baseline: the same rows, sorted, as a plain ReportLab table (platypus `Table` with the
  same five columns, its header repeated on each page), with no page header, no page
  numbers and no fitting of long values; ReportLab set up as for ours (fonts, streams).

Each child first renders 40 rows (fonts loaded, as in a server that has printed before),
then the timed document, into a temporary file. The three run in turn --repeat times (3),
and the medians are compared (the machine may be shared).

Peak memory of a document is ru_maxrss of its process plus that of its children. Linux
starts a child's ru_maxrss at the resident size of the process that started it, and keeps
it across exec: so this process imports neither the app nor ReportLab, and the children
that importing the app starts (WeasyPrint looks for its libraries with `ldconfig` and
`gcc`, tiny programs reported as large as the app) count only if one ran during the
rendering (none does); the raw sum is printed beside. The last line is
`rows=N signin_s=S badges_s=S baseline_s=S signin_ratio=R badges_ratio=R peak_mb=M`, with
peak_mb the largest of the sheet's and the badges' processes. Exits 1 when a ratio is
above 1.5 or peak_mb is not below 250 (`--rows 20000` checks that memory stays there).
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_RATIO = 1.5
TARGET_PEAK_MB = 250
KINDS = ("baseline", "signin", "badges")

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


def make_rows(n: int, seed: int = 2026):
    from regsvc.documents.attendance import AttendanceRow

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
                checkin_code=f"{pick.randrange(10**16):016d}",
                consents_to_publication=pick.random() < 0.7,
                checked_in=pick.random() < 0.5,
            )
        )
    return rows


def bench_event():
    """A transient event: the documents need its fields, not a database row."""
    from regsvc.events.models import Event

    return Event(
        title="Nacionalna konferencija: Civilno društvo u upravljanju krizama",
        timezone="Europe/Belgrade",
        starts_at=datetime(2026, 6, 30, 8, 30, tzinfo=UTC),
        ends_at=datetime(2026, 6, 30, 15, 0, tzinfo=UTC),
        venue_name="Hotel Mona Plaza",
        venue_address="Kralja Milana 27, Beograd",
        host_town="Beograd",
    )


def baseline(out, rows) -> None:
    """The obvious way: one platypus table, which ReportLab paginates, repeating its header.
    ReportLab is set up as for ours (fonts, stream encoding)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from regsvc.documents.attendance import sort_by_surname
    from regsvc.documents.canvas import REGULAR, set_up_reportlab

    set_up_reportlab()
    document = SimpleDocTemplate(out, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm)
    numbered = enumerate(sort_by_surname(rows), 1)
    data = [["No.", "Full name", "Organisation", "Town", "Signature"]] + [
        [str(n), row.full_name, row.organisation, row.town, ""] for n, row in numbered
    ]
    table = Table(data, colWidths=[w * mm for w in (9, 45, 63, 27, 38)], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 9),
                ("GRID", (0, 0), (-1, -1), 0.2 * mm, "#4a4f57"),
                ("ROWHEIGHT", (0, 0), (-1, -1), 10 * mm),
            ]
        )
    )
    document.build([table])


def ours(kind: str, database: str):
    """The document `kind` as the server renders it: in an app context of the whole app."""
    from regsvc import create_app
    from regsvc.documents.badges import write_badges
    from regsvc.documents.sign_in_sheet import write_sign_in_sheet

    create_app({"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "bench"}).app_context().push()
    event = bench_event()

    def render(out, rows) -> None:
        if kind == "signin":
            write_sign_in_sheet(out, event, rows, "On-site participants")
        else:
            write_badges(out, event, rows)

    return render


@dataclass(frozen=True)
class Run:
    seconds: float
    written: int  # bytes
    own_mb: float  # ru_maxrss of the process
    children_mb: float  # of its children that ran while it rendered
    all_children_mb: float  # of all its children, the app's import included

    @property
    def peak_mb(self) -> float:
        return self.own_mb + self.children_mb


def measure(kind: str, row_count: int) -> Run:
    """Runs in a fresh process."""
    rows = make_rows(row_count)
    with tempfile.TemporaryDirectory() as tmp:
        render = baseline if kind == "baseline" else ours(kind, f"{tmp}/bench.sqlite3")
        with tempfile.TemporaryFile() as out:
            render(out, rows[:40])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with tempfile.TemporaryFile() as out:
            start = time.perf_counter()
            render(out, rows)
            seconds = time.perf_counter() - start
            written = out.tell()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    ran_meanwhile = (children.ru_utime, children.ru_stime) != (before.ru_utime, before.ru_stime)
    return Run(
        seconds,
        written,
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # kB on Linux
        children.ru_maxrss / 1024 if ran_meanwhile else 0.0,
        children.ru_maxrss / 1024,
    )


def in_fresh_process(kind: str, row_count: int) -> Run:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(measure, kind, row_count).result()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each document")
    args = parser.parse_args()

    runs: dict[str, list[Run]] = {kind: [] for kind in KINDS}
    print(f"{args.rows} rows, each document in a fresh process")
    for _ in range(args.repeat):
        for kind in KINDS:
            run = in_fresh_process(kind, args.rows)
            runs[kind].append(run)
            print(
                f"{kind:9} {run.seconds:6.2f} s  {run.written / 1e6:6.2f} MB written  "
                f"peak {run.peak_mb:4.0f} MB (ru_maxrss of the process and all its children: "
                f"{run.own_mb:.0f} + {run.all_children_mb:.0f} MB)"
            )

    median = {kind: statistics.median(run.seconds for run in runs[kind]) for kind in KINDS}
    ratios = {kind: median[kind] / median["baseline"] for kind in ("signin", "badges")}
    peak_mb = max(run.peak_mb for kind in ("signin", "badges") for run in runs[kind])
    print(f"baseline peak {max(run.peak_mb for run in runs['baseline']):.0f} MB")
    missed = [
        f"{kind}_ratio {ratio:.2f} > {TARGET_RATIO}" for kind, ratio in ratios.items() if ratio > TARGET_RATIO
    ]
    if peak_mb >= TARGET_PEAK_MB:
        missed.append(f"peak_mb {peak_mb:.0f} >= {TARGET_PEAK_MB}")
    for miss in missed:
        print(f"MISSED: {miss}")
    print(
        f"rows={args.rows} signin_s={median['signin']:.2f} badges_s={median['badges']:.2f} "
        f"baseline_s={median['baseline']:.2f} signin_ratio={ratios['signin']:.2f} "
        f"badges_ratio={ratios['badges']:.2f} peak_mb={peak_mb:.0f}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
