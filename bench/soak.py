"""Soak test: mixed traffic through killed processes and a database restart, then a check
that nothing was lost.

Run from the project root:

    .venv/bin/python bench/soak.py [--minutes 10] [--clients 16] [--workers 4]

It starts everything it needs on loopback, with production settings (REGSVC_ENV=production,
CSRF, two-step sign-in for staff, no mail sent by the web workers):

- a PostgreSQL cluster of its own (initdb and pg_ctl, in a temporary folder, on a free port;
  as root through `runuser -u postgres`), migrated with `regsvc migrate`;
- two events: one open for registration ("soak-open"), and one that started an hour ago
  ("soak-claims", travel reimbursed, with a fare table), whose participants were registered
  beforehand so that they can submit travel claims; one staff account per client thread
  (organiser and finance, two-step sign-in turned on);
- an SMTP server in this process that keeps every message it receives (Message-ID, recipient,
  the private links in its body);
- `regsvc send-mail --watch`, and `regsvc serve` (gunicorn, `--workers` sync workers). The
  clients talk to gunicorn as nginx would: Host is PUBLIC_URL's, X-Forwarded-Proto is https,
  and each simulated person has an X-Forwarded-For address of their own
  (REGSVC_TRUSTED_PROXIES=1), so the per-address limits stay as in production without being
  what is measured.

`--clients` threads then run, for `--minutes`, a mix of journeys as people and staff make
them: event pages; registrations (the form, then the POST with its CSRF token); private pages
(the link taken from the e-mail the SMTP server received); travel claims (details, a JPEG
receipt uploaded through the claim page, its thumbnail, then submitting); and staff pages
(each thread signs in once, password then TOTP code, then reads the registration list, the
finance queue, a claim and the audit log). Meanwhile:

- every minute, from 0:30, one gunicorn worker (never the master) is killed with SIGKILL;
- at 30% of the run the mail sender is killed with SIGKILL the moment the SMTP server has
  received a message and before it answers (the sender cannot have marked it sent: it goes
  out again, the one duplicate a kill may cause), and a new sender is started;
- at 60% of the run PostgreSQL is restarted (`pg_ctl restart -m fast`).

An error is a 5xx, no HTTP answer, or an answer a journey cannot go on with (a 4xx, a
redirect to the wrong place). Errors are reported inside the restart window (from the stop
until PostgreSQL accepts connections again, plus RESTART_GRACE seconds) and outside it. The
request a killed worker was serving loses its connection: kill -9 leaves the worker no way to
answer, so one such reset within KILL_RESET_SECONDS of each kill is counted as a
`worker_kill_reset`, not as an error.

At the end the traffic stops, the sender drains the outbox, everything is stopped (SIGTERM),
and the bench checks:
- the database against the files: every file a receipt names exists in the upload folder,
  and every committed file belongs to a receipt; each event's stored counts equal its rows,
  on-site never exceeds capacity, and nobody waits while a seat is free; every registration
  and claim submission the site confirmed to a client is in the database, and every
  registered address got an e-mail;
- the delivered mail against the outbox: every message sent (or still pending) was received
  (`lost_mail`), and deliveries beyond the first per Message-ID are `duplicate_mail`.

Last line: `requests=N errors=N p99_ms=N lost_mail=N duplicate_mail=N mismatches=N`
(p99 of the requests that got an HTTP answer; errors both inside and outside the restart
window). Exits 1 when there is an error outside the restart window, a lost or failed e-mail,
a mismatch, or more duplicates than sender kills. Server logs go to bench/out/soak-*.log
(ignored by git).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import itertools
import logging
import math
import os
import pwd
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
import pyotp
from aiosmtpd.controller import Controller
from common import clean_environment, free_port, read_response
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HOST = "127.0.0.1"
SITE_HOST = "register.example.org"
PUBLIC_URL = f"https://{SITE_HOST}"
DATABASE_NAME = "regsvc"

OPEN_SLUG = "soak-open"
CLAIMS_SLUG = "soak-claims"
FARES = "Niš, 3600\nKragujevac, 2400\nNovi Sad, 1800\n"
CLAIMANT_TOWN = "Niš"
STAFF_ROLES = ["organiser", "finance"]

# Every wait is bounded.
REQUEST_TIMEOUT = 30.0
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0
# The outbox must be empty this long after the traffic stops: enough for a lease left by the
# killed sender (60 s) to run out and for the backlog to go.
DRAIN_TIMEOUT = 300.0
# After PostgreSQL accepts connections again, the web workers' pools and the sender get this
# long to notice before an error counts as outside the restart window.
RESTART_GRACE = 5.0
# A kill -9 closes the killed worker's connection at once: a reset that long after it is its.
KILL_RESET_SECONDS = 1.0
FIRST_WORKER_KILL = 30.0
WORKER_KILL_EVERY = 60.0
SENDER_KILL_AT = 0.3  # fraction of the run
POSTGRESQL_RESTART_AT = 0.6
# How long the sender's kill waits for a message to arrive, to kill the sender mid-message.
SENDER_KILL_WAIT = 30.0

# Relative frequency of the journeys a client thread picks.
JOURNEYS = {"event pages": 30, "registration": 20, "private page": 20, "claim": 6, "staff pages": 12}
# The share of private-page visits that go on to change the attendance.
ATTENDANCE_CHANGES = 0.2

CSRF_INPUT = re.compile(rb'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
PRIVATE_LINK = re.compile(re.escape(PUBLIC_URL) + r"(/r/[A-Za-z0-9_-]+/)")
THUMBNAIL = re.compile(rb'(/r/[A-Za-z0-9_-]+/claim/receipts/\d+/thumbnail)"')
WANTED = re.compile(rb'name="wanted" value="(onsite|online)"')
FINANCE_CLAIM = re.compile(rb'"(/staff/finance/claims/\d+)"')


# --- a small HTTP/1.1 client ------------------------------------------------------------
#
# Raw sockets, as in bench/registration_burst.py: cheap on the CPUs the servers need, and
# every failure is seen as it is (refused, reset, timed out). gunicorn's sync workers close
# the connection after each response.


@dataclass
class Response:
    status: int  # 0: no HTTP answer
    headers: dict[str, str]  # lower-case names; repeated headers joined by "\n"
    body: bytes
    started: float  # time.monotonic()
    ended: float
    failure: str = ""  # why there is no answer: refused, reset, timeout

    @property
    def location(self) -> str:
        """The path (and query) a redirect points to."""
        parts = urlsplit(self.headers.get("location", ""))
        return parts.path + (f"?{parts.query}" if parts.query else "")


def http_request(port: int, method: str, path: str, headers: list[str], body: bytes = b"") -> Response:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {SITE_HOST}", "Connection: close", *headers]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    started = time.monotonic()
    try:
        with socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT) as sock:
            sock.sendall(raw)
            status, response_headers, response_body = read_response(sock)
    except ConnectionRefusedError:
        return Response(0, {}, b"", started, time.monotonic(), "refused")
    except TimeoutError:
        return Response(0, {}, b"", started, time.monotonic(), "timeout")
    except (OSError, ValueError):
        # Reset, or closed before the whole answer came: the worker died.
        return Response(0, {}, b"", started, time.monotonic(), "reset")
    return Response(status, response_headers, response_body, started, time.monotonic())


def multipart(fields: dict[str, str], files: dict[str, tuple[str, str, bytes]]) -> tuple[str, bytes]:
    """A multipart/form-data body, as a browser sends a form with a file; (content type, body)."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, mime, data) in files.items():
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\nContent-Type: {mime}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


# --- what the clients did ---------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    kind: str
    started: float
    ended: float
    status: int
    failure: str
    expected: bool  # the answer the journey needed

    @property
    def failed(self) -> bool:
        """Counts as an error (unless it is a killed worker's reset, see Faults)."""
        return self.status == 0 or self.status >= 500 or not self.expected


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.lock = threading.Lock()

    def record(self, kind: str, response: Response, expected: bool) -> None:
        sample = Sample(kind, response.started, response.ended, response.status, response.failure, expected)
        with self.lock:
            self.samples.append(sample)

    def snapshot(self) -> list[Sample]:
        with self.lock:
            return list(self.samples)


@dataclass
class Faults:
    """When each fault happened (time.monotonic())."""

    worker_kills: list[float] = field(default_factory=list)
    sender_kills: list[float] = field(default_factory=list)
    restart_windows: list[tuple[float, float]] = field(default_factory=list)
    restart_seconds: list[float] = field(default_factory=list)

    def in_restart_window(self, sample: Sample) -> bool:
        return any(sample.started <= end and sample.ended >= start for start, end in self.restart_windows)

    def classify(self, samples: list[Sample]) -> tuple[list[Sample], list[Sample], list[Sample]]:
        """The failed samples as (inside the restart window, resets of killed workers, other)."""
        inside, resets, outside = [], [], []
        kills_left = sorted(self.worker_kills)
        for sample in sorted((s for s in samples if s.failed), key=lambda s: s.ended):
            if self.in_restart_window(sample):
                inside.append(sample)
                continue
            # A sync worker serves one request at a time: each kill resets at most one.
            kill = next(
                (
                    k
                    for k in kills_left
                    if sample.status == 0
                    and sample.failure == "reset"
                    and sample.started <= k <= sample.ended <= k + KILL_RESET_SECONDS
                ),
                None,
            )
            if kill is not None:
                kills_left.remove(kill)
                resets.append(sample)
            else:
                outside.append(sample)
        return inside, resets, outside


class Browser:
    """One person's browser: its cookies, and the address the proxy saw it come from."""

    def __init__(self, port: int, recorder: Recorder, number: int, address: str = ""):
        self.port = port
        self.recorder = recorder
        self.number = number
        self.address = address or f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
        self.cookies: dict[str, str] = {}
        # The page the person is on: a POST's Referer, which Flask-WTF checks over HTTPS. The
        # site's Referrer-Policy is same-origin, so browsers send the whole URL.
        self.page = "/"

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        files: dict[str, tuple[str, str, bytes]] | None = None,
        expect: int | tuple[int, ...] = 200,
        check: Callable[[Response], bool] = lambda response: True,
    ) -> Response | None:
        """The answer when it is `expect` and passes `check`; otherwise None (recorded as an error)."""
        headers = [
            f"X-Forwarded-For: {self.address}",
            "X-Forwarded-Proto: https",
            f"Referer: {PUBLIC_URL}{self.page}",
        ]
        if self.cookies:
            headers.append("Cookie: " + "; ".join(f"{name}={value}" for name, value in self.cookies.items()))
        body = b""
        if files:
            content_type, body = multipart(form or {}, files)
            headers.append(f"Content-Type: {content_type}")
        elif form is not None:
            body = urlencode(form).encode()
            headers.append("Content-Type: application/x-www-form-urlencoded")
        response = http_request(self.port, method, path, headers, body)
        self._keep_cookies(response)
        expected = expect if isinstance(expect, tuple) else (expect,)
        ok = response.status in expected and check(response)
        self.recorder.record(kind, response, ok)
        if ok and method == "GET" and response.headers.get("content-type", "").startswith("text/html"):
            self.page = path
        return response if ok else None

    def get(self, kind: str, path: str, **options) -> Response | None:
        return self.request(kind, "GET", path, **options)

    def post(self, kind: str, path: str, form: dict[str, str], **options) -> Response | None:
        options.setdefault("expect", 302)
        return self.request(kind, "POST", path, form=form, **options)

    def _keep_cookies(self, response: Response) -> None:
        for line in response.headers.get("set-cookie", "").split("\n"):
            name, sep, value = line.split(";", 1)[0].strip().partition("=")
            if not sep:
                continue
            if value and "max-age=0" not in line.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)


def csrf_token(response: Response | None) -> str | None:
    match = CSRF_INPUT.search(response.body) if response is not None else None
    return match.group(1).decode() if match else None


# --- the SMTP server ----------------------------------------------------------------------


class MailSink:
    """An SMTP server on loopback that accepts every message and keeps what the checks need."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lock = threading.Lock()
        self.deliveries: Counter[str] = Counter()  # Message-ID → times received
        self.recipients: set[str] = set()
        self.links: list[str] = []  # private-link paths, /r/<token>/
        # Called once, when the next message has been received and before it is accepted.
        self.on_next_message: Callable[[], object] | None = None
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname=HOST, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        text_part = message.get_body(("plain",))
        text = text_part.get_content() if text_part is not None else ""
        links = PRIVATE_LINK.findall(text)
        with self.lock:
            self.deliveries[str(message.get("Message-ID", "")).strip()] += 1
            self.recipients.update(address.lower() for address in envelope.rcpt_tos)
            self.links.extend(links)
            received, self.on_next_message = self.on_next_message, None
        if received is not None:
            received()
        return "250 OK"

    def delivered(self) -> int:
        with self.lock:
            return sum(self.deliveries.values())

    def random_link(self, rng: random.Random) -> str | None:
        with self.lock:
            return rng.choice(self.links) if self.links else None


# --- PostgreSQL, the web server and the mail sender --------------------------------------


class Cluster:
    """A PostgreSQL cluster in a temporary folder, on a port of its own (as
    tests/mail/test_sender_postgresql.py makes one)."""

    def __init__(self) -> None:
        initdbs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not initdbs:
            raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
        self.bin_dir = Path(initdbs[-1]).parent
        self.version = self.bin_dir.parent.name
        # initdb refuses to run as root.
        self.run_as = pwd.getpwnam("postgres").pw_name if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="regsvc-soak-postgresql-"))
        if self.run_as:
            shutil.chown(self.folder, self.run_as)
        self.data = self.folder / "data"
        self.log = self.folder / "log"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@{HOST}:{self.port}/{DATABASE_NAME}"
        self.dsn = f"host={HOST} port={self.port} user=postgres dbname={DATABASE_NAME} connect_timeout=5"

    def _run(self, program: str, *args: str) -> None:
        argv = [str(self.bin_dir / program), *args]
        if self.run_as:
            argv = ["runuser", "-u", self.run_as, "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def _pg_ctl(self, action: str, *args: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.folder} -c fsync=off -c max_connections=200"
        )
        # -l: without a log file the server would keep pg_ctl's output pipe open.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *args, action)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")
        self._pg_ctl("start")
        admin = self.dsn.replace(f"dbname={DATABASE_NAME}", "dbname=postgres")
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DATABASE_NAME}")

    def restart(self) -> None:
        """Stop fast (open connections are cut) and start again; returns once it accepts connections."""
        self._pg_ctl("restart", "-m", "fast")

    def accepts_connections(self) -> bool:
        try:
            with psycopg.connect(self.dsn) as connection:
                connection.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def query(self, sql: str) -> list[tuple]:
        with psycopg.connect(self.dsn) as connection:
            return connection.execute(sql).fetchall()  # type: ignore[arg-type]

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        if self.log.exists():
            shutil.copyfile(self.log, OUT / "soak-postgresql.log")
        shutil.rmtree(self.folder, ignore_errors=True)


def regsvc_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "regsvc", *args]


def start_process(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
    with open(OUT / f"soak-{name}.log", "wb") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_process(process: subprocess.Popen) -> int | None:
    """SIGTERM, then SIGKILL if it has not stopped within STOP_TIMEOUT; its exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
    return process.returncode


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the children of its master process."""
    children = []
    for status in glob.glob("/proc/[0-9]*/status"):
        with contextlib.suppress(OSError):
            text = Path(status).read_text()
            if re.search(rf"^PPid:\s+{master}$", text, re.MULTILINE):
                children.append(int(status.split("/")[2]))
    return children


# --- the data the journeys need -----------------------------------------------------------


@dataclass(frozen=True)
class StaffAccount:
    email: str
    password: str
    totp_secret: str


@dataclass
class Prepared:
    open_event_id: int
    claims_event_id: int
    claim_receipt_date: str  # ISO date: the claims event's first day
    claimants: list[tuple[str, str]]  # (private-link token, e-mail)
    staff: list[StaffAccount]


def app_settings(cluster: Cluster, upload_folder: Path, sink: MailSink) -> dict:
    return {
        "DATABASE_URL": cluster.url,
        "UPLOAD_FOLDER": str(upload_folder),
        "PUBLIC_URL": PUBLIC_URL,
        "MAIL_SEND_AFTER_REQUEST": False,
        "MAIL_SERVER": HOST,
        "MAIL_PORT": sink.port,
        "MAIL_FROM": f"regsvc <no-reply@{SITE_HOST}>",
        "REQUIRE_2FA": True,
    }


def prepare(settings: dict, capacity: int, claimants: int, staff: int, run_id: str) -> Prepared:
    """The two events, the claims event's participants, and the staff accounts, through the
    services the site uses."""
    from sqlalchemy import update

    from regsvc import create_app
    from regsvc.auth.services import create_user
    from regsvc.auth.two_step import confirm_enrolment, start_enrolment
    from regsvc.db import database, utcnow, write_transaction
    from regsvc.events.fares import parse_fares, replace_fares
    from regsvc.events.models import Event
    from regsvc.registration.models import Attendance, Registration
    from regsvc.registration.services import ParticipantDetails, register

    app = create_app(settings)
    with app.app_context():
        db = database()
        now = utcnow()
        with db.Session() as session:
            open_event = Event(
                slug=OPEN_SLUG,
                title="Soak test conference",
                description="Registration is open.",
                venue_name="Soak Hall",
                host_town="Belgrade",
                onsite_capacity=capacity,
                starts_at=now + timedelta(days=30),
                ends_at=now + timedelta(days=30, hours=8),
                registration_opens_at=now - timedelta(days=1),
                registration_closes_at=now + timedelta(days=28),
                travel_reimbursed=True,
                stream_details="Live stream: https://stream.example.org/soak",
            )
            # Started an hour ago, so that its participants' claims can be submitted.
            claims_event = Event(
                slug=CLAIMS_SLUG,
                title="Soak test workshop (under way)",
                venue_name="Soak Hall",
                host_town="Belgrade",
                onsite_capacity=claimants + 10,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(days=1),
                registration_opens_at=now - timedelta(days=7),
                registration_closes_at=now - timedelta(hours=2),
                travel_reimbursed=True,
            )
            with write_transaction(session):
                session.add_all([open_event, claims_event])
            replace_fares(session, claims_event, parse_fares(FARES, "RSD"), None)
            registered_at = now - timedelta(hours=3)  # while its registration was open
            tokens = []
            for number in range(claimants):
                email = f"claimant-{run_id}-{number:05d}@example.org"
                details = ParticipantDetails(
                    full_name=f"Claimant {number}",
                    email=email,
                    organisation="Soak Network",
                    position="Coordinator",
                    departure_town=CLAIMANT_TOWN,
                )
                outcome = register(session, claims_event.id, details, Attendance.ONSITE, now=registered_at)
                assert outcome.token is not None
                tokens.append((outcome.token, email))
            # They came: their addresses are confirmed, their seats no longer held.
            with write_transaction(session):
                session.execute(
                    update(Registration)
                    .where(Registration.event_id == claims_event.id)
                    .values(confirmed_at=registered_at, hold_expires_at=None)
                )
            accounts = []
            for number in range(staff):
                email = f"staff-{number:02d}@example.org"
                account = create_user(session, email, STAFF_ROLES, full_name=f"Staff {number}")
                user = start_enrolment(session, account.user.id)
                secret = user.totp_secret
                assert secret is not None and account.generated_password is not None
                # The previous step's code: the current one stays unused, for the first sign-in.
                confirm_enrolment(session, user.id, pyotp.TOTP(secret).at(time.time() - 30))
                accounts.append(StaffAccount(email, account.generated_password, secret))
            prepared = Prepared(
                open_event.id,
                claims_event.id,
                claims_event.local_starts_at.date().isoformat(),
                tokens,
                accounts,
            )
        db.dispose()
    return prepared


def receipt_jpeg() -> bytes:
    """A photographed bus ticket, small."""
    picture = Image.new("RGB", (600, 800), (250, 248, 240))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((30, 30, 570, 770), outline=(60, 60, 60), width=3)
    draw.text((70, 100), "BUS TICKET  Nis - Beograd", fill=(20, 20, 20))
    draw.text((70, 160), "1.800 RSD", fill=(20, 20, 20))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


# --- the journeys ---------------------------------------------------------------------------


@dataclass
class Shared:
    """What the client threads share: the claimants not yet used, what the site confirmed."""

    prepared: Prepared
    sink: MailSink
    recorder: Recorder
    port: int
    run_id: str
    receipt: bytes
    lock: threading.Lock = field(default_factory=threading.Lock)
    claimants: deque = field(default_factory=deque)
    people: Iterator[int] = field(default_factory=itertools.count)
    registered: list[str] = field(default_factory=list)  # e-mails answered "check your e-mail"
    submitted: list[str] = field(default_factory=list)  # claimants whose submission was answered
    staff_sign_ins: int = 0
    claims_not_started: int = 0  # claim journeys that found no claimant left

    def browser(self) -> Browser:
        """A new person, from an address of their own."""
        with self.lock:
            n = next(self.people) + 1
        return Browser(self.port, self.recorder, n)


class Client:
    """One client thread: picks journeys at random, with a pause between them."""

    def __init__(self, shared: Shared, number: int, think: float, seed: int):
        self.shared = shared
        self.number = number
        self.think = think
        self.rng = random.Random(seed)
        self.staff_account = shared.prepared.staff[number]
        # The staff member's browser stays signed in across journeys.
        self.staff_browser = Browser(shared.port, shared.recorder, 0, f"192.168.1.{number + 1}")
        self.signed_in = False
        self.journeys: dict[str, Callable[[], None]] = {
            "event pages": self.event_pages,
            "registration": self.registration,
            "private page": self.private_page,
            "claim": self.claim,
            "staff pages": self.staff_pages,
        }

    def run(self, stop: threading.Event) -> None:
        names, weights = list(JOURNEYS), list(JOURNEYS.values())
        while not stop.is_set():
            self.journeys[self.rng.choices(names, weights)[0]]()
            stop.wait(self.rng.expovariate(1 / self.think) if self.think > 0 else 0)

    def event_pages(self) -> None:
        browser = self.shared.browser()
        if browser.get("event list", "/"):
            browser.get("event page", f"/e/{OPEN_SLUG}/")

    def registration(self) -> None:
        browser = self.shared.browser()
        path = f"/e/{OPEN_SLUG}/register"
        token = csrf_token(browser.get("registration form", path))
        if token is None:
            return
        email = f"person-{self.shared.run_id}-{browser.number:07d}@example.org"
        onsite = self.rng.random() < 0.8
        answer = browser.post(
            "registration",
            path,
            {
                "csrf_token": token,
                "full_name": f"Soak Participant {self.number}",
                "email": email,
                "organisation": "Soak Network",
                "position": "Coordinator",
                "departure_town": self.rng.choice(["Novi Sad", "Niš", "Kragujevac", "Beograd"]),
                "attendance": "onsite" if onsite else "online",
                "when_full": "waitlist",
                "consent_data": "y",
            },
            check=lambda response: "/check-your-email?result=" in response.location,
        )
        if answer is None:
            return
        with self.shared.lock:
            self.shared.registered.append(email)
        browser.get("registration answer", answer.location)

    def private_page(self) -> None:
        link = self.shared.sink.random_link(self.rng)
        if link is None:  # no e-mail has arrived yet
            return self.event_pages()
        browser = self.shared.browser()
        page = browser.get("private page", link)
        if page is None or self.rng.random() >= ATTENDANCE_CHANGES:
            return
        # Switching between on-site and online moves seats, and the waiting list with them.
        choices = WANTED.findall(page.body)
        token = csrf_token(page)
        if choices and token:
            wanted = self.rng.choice(choices).decode()
            browser.post(
                "attendance change",
                f"{link}attendance",
                {"csrf_token": token, "wanted": wanted, "when_full": "waitlist"},
                check=lambda response: response.location == link,
            )

    def claim(self) -> None:
        with self.shared.lock:
            claimant = self.shared.claimants.popleft() if self.shared.claimants else None
            if claimant is None:
                self.shared.claims_not_started += 1
        if claimant is None:
            return self.private_page()
        token, email = claimant
        browser = self.shared.browser()
        page = f"/r/{token}/claim"
        csrf = csrf_token(browser.get("claim page", page))
        if csrf is None:
            return
        details = {
            "csrf_token": csrf,
            "travel_mode": "bus",
            "route": "Niš – Beograd – Niš",
            "payout_method": "cash",
            "account_number": "",
            "account_holder": "",
        }
        to_claim = lambda response: response.location == page  # noqa: E731
        if not browser.post("claim details", f"{page}/details", details, check=to_claim):
            return
        receipt = {
            "csrf_token": csrf,
            "kind": "bus_ticket",
            "issued_on": self.shared.prepared.claim_receipt_date,
            "amount": "1800",
        }
        uploaded = browser.request(
            "receipt upload",
            "POST",
            f"{page}/receipts",
            form=receipt,
            files={"file": ("ticket.jpg", "image/jpeg", self.shared.receipt)},
            expect=302,
            check=to_claim,
        )
        if not uploaded:
            return
        shown = browser.get("claim page", page)
        thumbnail = THUMBNAIL.search(shown.body) if shown else None
        if thumbnail is None:
            return
        if not browser.get("receipt thumbnail", thumbnail.group(1).decode()):
            return
        if browser.post("claim submit", f"{page}/details", dict(details, and_submit="1"), check=to_claim):
            with self.shared.lock:
                self.shared.submitted.append(email)
            browser.get("claim page", page)

    def staff_pages(self) -> None:
        if not self.signed_in:
            self.signed_in = self.sign_in()
            if not self.signed_in:
                return
        browser = self.staff_browser
        event_id = self.shared.prepared.open_event_id
        for kind, path in (
            ("registration list", f"/staff/events/{event_id}/registrations"),
            ("finance queue", f"/staff/finance/?event={self.shared.prepared.claims_event_id}"),
        ):
            page = browser.get(kind, path)
            if page is None:
                self.signed_in = False  # sign in again next time, if that was the trouble
                return
        # The last page read is the finance queue: open one of its claims.
        claims = FINANCE_CLAIM.findall(page.body)
        if claims and not browser.get("finance claim", self.rng.choice(claims).decode()):
            return
        browser.get("audit log", "/staff/audit/")

    def sign_in(self) -> bool:
        browser, account = self.staff_browser, self.staff_account
        browser.cookies.clear()
        token = csrf_token(browser.get("staff sign-in", "/staff/login"))
        if token is None:
            return False
        to_code = lambda response: response.location == "/staff/login/code"  # noqa: E731
        fields = {"csrf_token": token, "email": account.email, "password": account.password}
        if not browser.post("staff sign-in", "/staff/login", fields, check=to_code):
            return False
        token = csrf_token(browser.get("staff sign-in", "/staff/login/code"))
        if token is None:
            return False
        totp = pyotp.TOTP(account.totp_secret)
        # A code is accepted once: if this one was used already (a sign-in whose answer was
        # lost), the next step's code is accepted too.
        for code, expect in ((totp.now(), (302, 401)), (totp.at(time.time() + 30), 302)):
            answer = browser.post(
                "staff sign-in", "/staff/login/code", {"csrf_token": token, "code": code}, expect=expect
            )
            if answer is not None and answer.status == 302:
                if answer.location != "/staff/":
                    return False
                with self.shared.lock:
                    self.shared.staff_sign_ins += 1
                return browser.get("staff home", "/staff/") is not None
            if answer is None:
                return False
        return False


# --- the run ------------------------------------------------------------------------------


def clock(seconds: float) -> str:
    return f"{int(seconds) // 60:2d}:{int(seconds) % 60:02d}"


def say(start: float, text: str) -> None:
    print(f"[{clock(time.monotonic() - start)}] {text}", flush=True)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass
class Servers:
    cluster: Cluster
    sink: MailSink
    env: dict[str, str]
    web: subprocess.Popen | None = None
    web_port: int = 0
    senders: list[subprocess.Popen] = field(default_factory=list)

    def start_sender(self) -> None:
        command = regsvc_command("send-mail", "--watch", "--interval", "1")
        self.senders.append(start_process(f"mail-{len(self.senders) + 1}", command, self.env))

    def start_web(self, workers: int) -> None:
        self.web_port = free_port()
        command = regsvc_command("serve", "--bind", f"{HOST}:{self.web_port}", "--workers", str(workers))
        self.web = start_process("web", command, self.env)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while http_request(self.web_port, "GET", f"/e/{OPEN_SLUG}/", []).status != 200:
            if self.web.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not come up, see {OUT / 'soak-web.log'}")
            time.sleep(0.2)

    def stop_all(self) -> None:
        if self.web is not None:
            stop_process(self.web)
        for sender in self.senders:
            stop_process(sender)


class FaultInjector:
    def __init__(self, servers: Servers, start: float, seed: int):
        self.servers = servers
        self.start = start
        self.rng = random.Random(seed)
        self.faults = Faults()
        self.missed: list[str] = []  # faults that could not be made

    def kill_worker(self) -> None:
        assert self.servers.web is not None
        workers = worker_pids(self.servers.web.pid)
        if not workers:
            self.missed.append("no gunicorn worker to kill")
            say(self.start, "no gunicorn worker to kill")
            return
        pid = self.rng.choice(workers)
        os.kill(pid, signal.SIGKILL)
        self.faults.worker_kills.append(time.monotonic())
        say(self.start, f"killed web worker {pid} (kill -9)")

    def kill_sender(self) -> None:
        """Kill the sender at its worst moment: the SMTP server has the whole message, and the
        sender has not yet heard that it was accepted, so cannot have marked it sent. That
        message goes out again (once), as the outbox promises: at most one duplicate per kill."""
        sender = self.servers.senders[-1]
        killed = threading.Event()

        def kill() -> None:
            sender.kill()
            killed.set()

        self.servers.sink.on_next_message = kill
        moment = "as the SMTP server received a message"
        if not killed.wait(SENDER_KILL_WAIT):
            self.servers.sink.on_next_message = None
            kill()
            moment = f"idle: no mail for {SENDER_KILL_WAIT:g} s"
        if sender.wait() != -signal.SIGKILL:
            self.missed.append(f"the mail sender had already stopped (status {sender.returncode})")
        else:
            self.faults.sender_kills.append(time.monotonic())
        self.servers.start_sender()
        say(
            self.start,
            f"killed the mail sender {sender.pid} (kill -9) {moment}; started {self.servers.senders[-1].pid}",
        )

    def restart_postgresql(self) -> None:
        began = time.monotonic()
        self.servers.cluster.restart()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self.servers.cluster.accepts_connections() and time.monotonic() < deadline:
            time.sleep(0.1)
        ready = time.monotonic()
        self.faults.restart_windows.append((began, ready + RESTART_GRACE))
        self.faults.restart_seconds.append(ready - began)
        say(self.start, f"restarted PostgreSQL (pg_ctl restart -m fast): down {ready - began:.1f} s")


def drive(args: argparse.Namespace, shared: Shared, servers: Servers) -> tuple[FaultInjector, float]:
    """Run the clients for --minutes while the faults happen; returns the faults and the
    traffic's duration in seconds."""
    duration = args.minutes * 60
    stop = threading.Event()
    clients = [Client(shared, number, args.think, seed=args.seed + number) for number in range(args.clients)]
    threads = [threading.Thread(target=client.run, args=(stop,), daemon=True) for client in clients]
    start = time.monotonic()
    injector = FaultInjector(servers, start, args.seed)
    plan: list[tuple[float, Callable[[], None]]] = [
        (at, injector.kill_worker)
        for at in itertools.takewhile(
            lambda at: at < duration - 5, itertools.count(FIRST_WORKER_KILL, WORKER_KILL_EVERY)
        )
    ]
    plan += [
        (SENDER_KILL_AT * duration, injector.kill_sender),
        (POSTGRESQL_RESTART_AT * duration, injector.restart_postgresql),
    ]
    plan.sort(key=lambda step: step[0])
    for thread in threads:
        thread.start()
    next_report = 60.0
    try:
        while (elapsed := time.monotonic() - start) < duration:
            while plan and plan[0][0] <= elapsed:
                plan.pop(0)[1]()
            if elapsed >= next_report:
                progress(shared, injector, start)
                next_report += 60
            time.sleep(0.1)
    finally:
        stop.set()
        # Each client ends the journey it is in; daemon threads, so Ctrl-C need not wait.
        deadline = time.monotonic() + 4 * REQUEST_TIMEOUT
        for thread in threads:
            thread.join(timeout=max(deadline - time.monotonic(), 0))
    ended = time.monotonic()
    progress(shared, injector, start)
    return injector, ended - start


def progress(shared: Shared, injector: FaultInjector, start: float) -> None:
    samples = shared.recorder.snapshot()
    faults = injector.faults
    inside, resets, outside = faults.classify(samples)
    now = time.monotonic()
    last_minute = sum(1 for sample in samples if sample.ended >= now - 60)
    say(
        start,
        f"requests={len(samples)} ({last_minute / 60:.1f}/s last minute) "
        f"errors={len(inside) + len(outside)} (outside the restart window: {len(outside)}) "
        f"worker_kill_resets={len(resets)} worker_kills={len(faults.worker_kills)} "
        f"sender_kills={len(faults.sender_kills)} postgresql_restarts={len(faults.restart_windows)} "
        f"mail_received={shared.sink.delivered()}",
    )


def wait_for_outbox(cluster: Cluster) -> dict[str, int]:
    """Wait until no message is pending or being sent (at most DRAIN_TIMEOUT); the outbox's
    counts by status."""
    deadline = time.monotonic() + DRAIN_TIMEOUT
    counts: dict[str, int] = {}
    while True:
        with contextlib.suppress(psycopg.Error):
            counts = dict(cluster.query("SELECT status, count(*) FROM outbox GROUP BY status"))
            if not counts.get("pending") and not counts.get("sending"):
                return counts
        if time.monotonic() > deadline:
            return counts
        time.sleep(1)


# --- the checks -----------------------------------------------------------------------------


@dataclass
class Findings:
    lines: list[str] = field(default_factory=list)  # what was checked, and what was found
    mismatches: int = 0
    lost_mail: int = 0
    failed_mail: int = 0
    duplicate_mail: int = 0

    def mismatch(self, count: int, what: str, examples: list | None = None) -> None:
        self.mismatches += count
        if count:
            shown = f": {', '.join(map(str, examples[:5]))}" if examples else ""
            self.lines.append(f"MISMATCH {count} {what}{shown}")


def check_files(settings: dict, findings: Findings) -> None:
    """Every file a receipt names is in the upload storage, and every committed file is a receipt's."""
    from regsvc import create_app
    from regsvc.claims.receipts import referenced_upload_names
    from regsvc.db import database
    from regsvc.storage import current_storage

    app = create_app(settings)
    with app.app_context():
        db = database()
        with db.Session() as session:
            referenced = referenced_upload_names(session)
        db.dispose()
        storage = current_storage()
        stored = set(storage.stored_names())
    missing = referenced - stored
    orphans = stored - referenced
    # A local folder stages each file under a temporary name first. Committed, but the
    # process died before moving it into place: `sweep-uploads` moves it. The design's
    # recovery, not a loss; reported apart.
    temporary_path = getattr(storage, "temporary_path", None)
    awaiting_sweep = {name for name in missing if temporary_path and temporary_path(name).exists()}
    staged = list(temporary_path(storage.new_name("jpg")).parent.glob("*")) if temporary_path else []
    findings.lines.append(
        f"files: {len(referenced)} named by receipts, {len(stored)} in the upload storage; "
        f"{len(awaiting_sweep)} committed but still staged (moved by sweep-uploads); "
        f"{len(staged) - len(awaiting_sweep)} staged files of uploads never committed "
        "(removed by sweep-uploads)"
    )
    findings.mismatch(
        len(missing - awaiting_sweep), "receipt file(s) missing", sorted(missing - awaiting_sweep)
    )
    findings.mismatch(len(orphans), "stored file(s) no receipt names", sorted(orphans))


def check_database(cluster: Cluster, shared: Shared, findings: Findings) -> None:
    rows = cluster.query(
        "SELECT e.slug, e.onsite_capacity, e.onsite_taken, e.waitlisted_count, "
        "count(r.id) FILTER (WHERE r.attendance = 'onsite'), "
        "count(r.id) FILTER (WHERE r.attendance = 'waitlisted'), "
        "count(r.id) FILTER (WHERE r.attendance = 'online'), count(r.id) "
        "FROM events e LEFT JOIN registrations r ON r.event_id = e.id GROUP BY e.id ORDER BY e.id"
    )
    for slug, capacity, taken, waitlisted_count, onsite, waitlisted, online, total in rows:
        findings.lines.append(
            f"event {slug}: capacity {capacity}, on-site {onsite}, waiting {waitlisted}, online {online}, "
            f"{total} registrations; stored counts {taken} on-site, {waitlisted_count} waiting"
        )
        findings.mismatch(int(onsite > capacity), f"event {slug}: {onsite} on-site over capacity {capacity}")
        findings.mismatch(
            int(taken != onsite or waitlisted_count != waitlisted),
            f"event {slug}: stored counts differ from rows",
        )
        findings.mismatch(
            int(waitlisted > 0 and onsite < capacity), f"event {slug}: people wait while seats are free"
        )
    prepared = shared.prepared
    in_database = {
        email
        for (email,) in cluster.query(
            f"SELECT email FROM registrations WHERE event_id = {prepared.open_event_id}"
        )
    }
    lost = sorted(set(shared.registered) - in_database)
    findings.mismatch(len(lost), "registration(s) confirmed to the client but not in the database", lost)
    claims = dict(
        cluster.query(
            "SELECT r.email, c.status FROM claims c JOIN registrations r ON r.id = c.registration_id "
            f"WHERE r.event_id = {prepared.claims_event_id}"
        )
    )
    statuses = Counter(claims.values())
    findings.lines.append(
        f"claims: {len(shared.submitted)} submissions answered; in the database "
        + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
    )
    not_submitted = sorted(email for email in shared.submitted if claims.get(email) != "submitted")
    findings.mismatch(len(not_submitted), "claim(s) answered as submitted but not submitted", not_submitted)


def check_mail(cluster: Cluster, shared: Shared, findings: Findings) -> None:
    rows = cluster.query("SELECT message_id, status FROM outbox")
    deliveries = shared.sink.deliveries
    statuses = Counter(status for _, status in rows)
    lost = [
        message_id
        for message_id, status in rows
        if status != "failed" and (message_id is None or deliveries[message_id] == 0)
    ]
    known = {message_id for message_id, _ in rows}
    unknown = [message_id for message_id in deliveries if message_id not in known]
    findings.lost_mail = len(lost)
    findings.failed_mail = statuses["failed"]
    findings.duplicate_mail = sum(count - 1 for count in deliveries.values() if count > 1)
    findings.lines.append(
        f"mail: {len(rows)} in the outbox ("
        + ", ".join(f"{count} {status}" for status, count in sorted(statuses.items()))
        + f"); {sum(deliveries.values())} received, {len(deliveries)} distinct Message-IDs"
    )
    if lost:
        findings.lines.append(f"LOST {len(lost)} message(s): {', '.join(map(str, lost[:5]))}")
    if findings.failed_mail:
        findings.lines.append(f"FAILED {findings.failed_mail} message(s) (gave up after MAIL_MAX_ATTEMPTS)")
    findings.mismatch(len(unknown), "message(s) received that the outbox does not hold", unknown)
    without_mail = sorted(set(shared.registered) - shared.sink.recipients)
    findings.mismatch(
        len(without_mail), "registration(s) confirmed to the client whose e-mail never came", without_mail
    )


def log_notes(findings: Findings) -> None:
    for path in sorted(OUT.glob("soak-*.log")):
        text = path.read_text(errors="replace")
        # "unhandled error": the app's 500 page; "Error handling request": an exception that
        # escaped the app, answered with gunicorn's own 500.
        counts = {
            phrase: text.count(phrase)
            for phrase in ("Traceback", "unhandled error", "Error handling request")
        }
        if any(counts.values()):
            findings.lines.append(
                f"log {path.relative_to(ROOT)}: "
                + ", ".join(f"{n} x '{phrase}'" for phrase, n in counts.items())
            )


# --- the report -----------------------------------------------------------------------------


def describe(sample: Sample, start: float) -> str:
    answer = f"HTTP {sample.status}" if sample.status else f"no answer ({sample.failure})"
    if 0 < sample.status < 500:
        answer += " (not what the journey needed)"
    return f"{clock(sample.started - start)}-{clock(sample.ended - start)} {sample.kind}: {answer}"


def report(
    args: argparse.Namespace,
    shared: Shared,
    servers: Servers,
    injector: FaultInjector,
    seconds: float,
    start: float,
    findings: Findings,
    stop_statuses: dict[str, int | None],
) -> int:
    samples = shared.recorder.snapshot()
    faults = injector.faults
    inside, resets, outside = faults.classify(samples)
    answered = [sample.ended - sample.started for sample in samples if sample.status]
    p99_ms = percentile(answered, 0.99) * 1000
    print()
    print(
        f"regsvc soak: {seconds / 60:.1f} min, {args.clients} clients, gunicorn {args.workers} sync workers, "
        f"PostgreSQL {servers.cluster.version}, {len(samples) / seconds:.1f} requests/s"
    )
    print(f"{'request':22}{'count':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    by_kind: dict[str, list[Sample]] = {}
    for sample in samples:
        by_kind.setdefault(sample.kind, []).append(sample)
    for kind, group in sorted(by_kind.items()):
        times = [s.ended - s.started for s in group if s.status]
        print(
            f"{kind:22}{len(group):8}{percentile(times, 0.5) * 1000:9.0f}"
            f"{percentile(times, 0.99) * 1000:9.0f}{sum(s.failed for s in group):8}"
        )
    print(
        f"journeys: {len(shared.registered)} registrations, {len(shared.submitted)} claims submitted, "
        f"{shared.staff_sign_ins} staff sign-ins; "
        f"{shared.claims_not_started} claim journeys found no claimant left"
    )
    windows = ", ".join(f"{clock(a - start)}-{clock(b - start)}" for a, b in faults.restart_windows)
    print(
        f"faults: {len(faults.worker_kills)} web workers killed, "
        f"{len(faults.sender_kills)} mail sender killed, "
        f"{len(faults.restart_windows)} PostgreSQL restart (down "
        + ", ".join(f"{s:.1f} s" for s in faults.restart_seconds)
        + f"; restart window {windows or 'none'}, {RESTART_GRACE:g} s of grace included)"
    )
    inside_kinds = Counter(f"HTTP {s.status}" if s.status else f"no answer ({s.failure})" for s in inside)
    print(
        f"errors inside the restart window: {len(inside)}"
        + (
            " (" + ", ".join(f"{n}x {what}" for what, n in sorted(inside_kinds.items())) + ")"
            if inside
            else ""
        )
    )
    plain_500 = sum(1 for sample in inside if sample.status == 500)
    if plain_500:
        # Not a failure of the run (inside the window), but a database that cannot be reached
        # is promised the 503 page, never a 500: the web log says where each came from.
        print(f"note: {plain_500} HTTP 500 inside the restart window, where a 503 is promised")
    print(f"errors outside the restart window: {len(outside)}")
    for sample in outside[:20]:
        print(f"  {describe(sample, start)}")
    print(
        f"worker_kill_resets: {len(resets)} (the request a killed worker was serving loses its connection: "
        "kill -9 gives it no way to answer)"
    )
    for line in findings.lines:
        print(line)
    for name, status in stop_statuses.items():
        print(f"stopped {name}: exit status {status}")

    failures = []
    if outside:
        failures.append(f"{len(outside)} error(s) outside the restart window")
    if findings.lost_mail:
        failures.append(f"{findings.lost_mail} e-mail(s) lost")
    if findings.failed_mail:
        failures.append(f"{findings.failed_mail} e-mail(s) failed")
    if findings.mismatches:
        failures.append(f"{findings.mismatches} mismatch(es)")
    if findings.duplicate_mail > len(faults.sender_kills):
        allowed = len(faults.sender_kills)
        failures.append(f"{findings.duplicate_mail} duplicate e-mails, more than {allowed} sender kill(s)")
    failures += injector.missed
    failures += [
        f"{name} stopped with status {status}" for name, status in stop_statuses.items() if status != 0
    ]
    print("FAILED: " + "; ".join(failures) if failures else "all checks passed")
    print(
        f"requests={len(samples)} errors={len(inside) + len(outside)} p99_ms={p99_ms:.0f} "
        f"lost_mail={findings.lost_mail} duplicate_mail={findings.duplicate_mail} "
        f"mismatches={findings.mismatches}"
    )
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="minutes of traffic (default 10)")
    parser.add_argument("--clients", type=int, default=16, help="client threads (default 16)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--think",
        type=float,
        default=0.3,
        help="mean pause of a client between journeys, in seconds (default 0.3)",
    )
    parser.add_argument(
        "--capacity", type=int, default=1500, help="on-site seats of the open event (default 1500)"
    )
    parser.add_argument(
        "--claimants",
        type=int,
        default=0,
        help="participants of the claims event (default: 200 per minute of traffic)",
    )
    parser.add_argument("--seed", type=int, default=14, help="random seed of the clients and the faults")
    args = parser.parse_args()
    if args.minutes <= 0 or args.clients < 1 or args.workers < 2:
        parser.error("--minutes must be positive, --clients at least 1, --workers at least 2")
    claimants = args.claimants or int(200 * args.minutes)
    run_id = secrets.token_hex(3)
    # The project is imported from its root, by the server subprocesses as by this process.
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    for old_log in OUT.glob("soak-*.log"):
        old_log.unlink()
    # Before create_app() would set INFO: the SMTP server's and the app's chatter stays out.
    logging.basicConfig(level=logging.WARNING)

    with contextlib.ExitStack() as cleanup:
        cluster = Cluster()
        cleanup.callback(cluster.remove)
        cluster.create()
        data_dir = Path(tempfile.mkdtemp(prefix="regsvc-soak-data-"))
        cleanup.callback(shutil.rmtree, data_dir, True)
        sink = MailSink()
        sink.start()
        cleanup.callback(sink.stop)
        env = clean_environment(
            ENV="production",
            SECRET_KEY=secrets.token_urlsafe(48),
            PUBLIC_URL=PUBLIC_URL,
            DATA_DIR=str(data_dir),
            DATABASE_URL=cluster.url,
            MAIL_SERVER=HOST,
            MAIL_PORT=str(sink.port),
            MAIL_FROM=f"regsvc <no-reply@{SITE_HOST}>",
            # Behind one proxy (nginx): each simulated person's address is its X-Forwarded-For.
            TRUSTED_PROXIES="1",
        )
        migrated = subprocess.run(
            regsvc_command("migrate"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if migrated.returncode != 0:
            raise RuntimeError(f"regsvc migrate failed:\n{migrated.stdout}{migrated.stderr}")
        settings = app_settings(cluster, data_dir / "uploads", sink)
        began = time.monotonic()
        prepared = prepare(settings, args.capacity, claimants, args.clients, run_id)
        took = time.monotonic() - began
        print(f"prepared the events, {claimants} claimants and the staff accounts in {took:.0f} s")
        servers = Servers(cluster, sink, env)
        cleanup.callback(servers.stop_all)
        servers.start_sender()
        servers.start_web(args.workers)
        print(
            f"PostgreSQL {cluster.version} on port {cluster.port}, gunicorn ({args.workers} workers) on port "
            f"{servers.web_port}, SMTP on port {sink.port}; {claimants} claimants, {args.clients} staff "
            f"accounts; {args.clients} clients for {args.minutes:g} min",
            flush=True,
        )
        shared = Shared(prepared, sink, Recorder(), servers.web_port, run_id, receipt_jpeg())
        shared.claimants.extend(prepared.claimants)
        start = time.monotonic()
        injector, seconds = drive(args, shared, servers)

        say(start, "traffic stopped; waiting for the outbox to empty")
        outbox = wait_for_outbox(cluster)
        say(start, "outbox: " + ", ".join(f"{n} {status}" for status, n in sorted(outbox.items())))
        assert servers.web is not None
        stop_statuses = {"gunicorn": stop_process(servers.web)}
        for number, sender in enumerate(servers.senders, 1):
            if number > len(injector.faults.sender_kills):  # not one that was killed
                stop_statuses[f"mail sender {number}"] = stop_process(sender)
        sink.stop()

        findings = Findings()
        check_files(settings, findings)
        check_database(cluster, shared, findings)
        check_mail(cluster, shared, findings)
        log_notes(findings)
        return report(args, shared, servers, injector, seconds, start, findings, stop_statuses)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
