"""Settings. Every setting can be overridden by an environment variable REGSVC_<NAME>.

REGSVC_ENV picks the class: "development" (default), "production" or "testing".

Each setting has a comment of its own, right above it or at the end of its line:
docs/configuration.md is generated from them (`make docs`), and a test fails when a setting
has none or the file is out of date.
"""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
# A checkout has the package beside this file. An installed package carries this file inside
# itself (regsvc/root/), where nothing may be written.
CHECKOUT = HERE if (HERE / "regsvc").is_dir() else None
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production


class Config:
    # The settings in force: development, production or testing. Set it with REGSVC_ENV,
    # which chooses the defaults of the other settings too.
    ENV_NAME = "development"
    # Signs sessions and CSRF tokens. Production refuses to start without one of its own, of
    # at least 32 bytes.
    SECRET_KEY = DEFAULT_SECRET_KEY
    # The database. Empty: a SQLite file, instance/regsvc.sqlite3 in DATA_DIR. A URL such as
    # postgresql+psycopg://user:password@host/regsvc selects PostgreSQL.
    DATABASE_URL = ""
    # Where receipt files are stored (never served statically). Empty: uploads/ in DATA_DIR.
    # Not used when STORAGE_URL names a bucket.
    UPLOAD_FOLDER = ""
    # Receipt files in an S3-compatible bucket instead of UPLOAD_FOLDER, for more than one app
    # server: s3://bucket/prefix, with optional parameters endpoint_url (the server's address;
    # none: Amazon S3), region and addressing_style (path or virtual), e.g.
    # s3://regsvc-uploads/receipts?endpoint_url=https://s3.example.org&region=eu-central-1.
    # No credentials in it. Empty: the local UPLOAD_FOLDER.
    STORAGE_URL = ""
    # The bucket's access key id. Empty (with STORAGE_SECRET_ACCESS_KEY): boto3 finds the
    # credentials itself, in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ~/.aws or an
    # instance role.
    STORAGE_ACCESS_KEY_ID = ""
    # The secret of STORAGE_ACCESS_KEY_ID. Never written to a log.
    STORAGE_SECRET_ACCESS_KEY = ""
    # The directory that holds the SQLite database and the uploads when DATABASE_URL and
    # UPLOAD_FOLDER do not name places of their own. Empty: the checkout when run from one;
    # an installed package uses the current directory, and in production refuses to start
    # without DATA_DIR (or both of the others).
    DATA_DIR = ""
    # Seconds a SQLite writer waits for the write lock before giving up.
    SQLITE_BUSY_TIMEOUT = 30
    # Base of every absolute link (e-mails, PDFs, QR codes), e.g. https://register.example.org.
    # Never taken from a request. Production refuses to start without it, and answers only
    # requests for its host (and ALLOWED_HOSTS).
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Other host names the site answers to in production, besides PUBLIC_URL's.
    ALLOWED_HOSTS: list[str] = []

    # Outgoing mail: the SMTP server. Empty: messages are written to the log instead.
    MAIL_SERVER = ""
    # The SMTP server's port.
    MAIL_PORT = 25
    # The SMTP user name; empty: no authentication.
    MAIL_USERNAME = ""
    # The SMTP password.
    MAIL_PASSWORD = ""
    # Upgrade the SMTP connection to TLS with STARTTLS (usually port 587).
    MAIL_USE_STARTTLS = False
    # Connect to the SMTP server over TLS from the start (usually port 465).
    MAIL_USE_SSL = False
    # Seconds an SMTP connection or reply may take before the attempt counts as failed.
    MAIL_TIMEOUT = 10
    # The sender of every e-mail.
    MAIL_FROM = "regsvc <no-reply@localhost>"
    # Send a message right after the request that wrote it. In production a separate
    # `regsvc send-mail --watch` process sends instead, so no web worker waits on SMTP.
    MAIL_SEND_AFTER_REQUEST = True
    # With no MAIL_SERVER, write whole messages (private links included) to the log.
    MAIL_LOG_BODY = True
    # Attempts at sending a message before it is marked failed.
    MAIL_MAX_ATTEMPTS = 8
    # Claims approved above these amounts need a second finance officer's approval, one
    # amount per currency: "RSD 20000, MKD 10000, EUR 200". Empty: one approval is enough.
    SECOND_APPROVAL_ABOVE: list[str] = []
    # Finance sees a flag on receipts dated more than this many days before or after the event.
    RECEIPT_DATE_WINDOW_DAYS = 7
    # Personal data: registrations without a travel claim are anonymised this many
    # days after their event ends, by the daily `regsvc retention` command.
    RETENTION_DAYS_AFTER_EVENT = 180
    # Travel claims finance has seen are kept this many years after their event for the donor's
    # audit (with receipts, the participant's name, town and bank account), then anonymised and
    # their receipt files deleted. A participant's erasure keeps such a claim until then.
    AUDIT_RETENTION_YEARS = 10
    # A new on-site seat is held this long for an address nobody has confirmed (by opening
    # the private link); then it goes to the waiting list. A reminder goes at half time.
    SEAT_HOLD_HOURS = 48
    # Limits per client address, shared by all workers through the database (a friendly 429
    # page beyond them).
    RATE_LIMITS_ENABLED = True
    # Registrations from one client address per hour; a venue or office network shares one.
    REGISTRATIONS_PER_ADDRESS_PER_HOUR = 30
    # Private links that do not exist, tried from one client address per hour; a real link
    # always opens.
    WRONG_LINKS_PER_ADDRESS_PER_HOUR = 30
    # A duplicate registration re-sends the private link at most this often.
    LINK_RESEND_INTERVAL_SECONDS = 600

    # Staff sign-in: a session ends this many hours after sign-in, however active.
    STAFF_SESSION_MAX_HOURS = 12
    # Finance and organiser accounts must use two-step sign-in (an authenticator app).
    REQUIRE_2FA = False
    # Staff sign-in: minutes without a request before the session expires.
    STAFF_IDLE_MINUTES = 120
    # How staff passwords are hashed (werkzeug's generate_password_hash method). Keep
    # werkzeug's default, scrypt, wherever real passwords are stored.
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hash method, not a password
    # Time zone of times shown on staff pages (audit log, sign-ins).
    STAFF_TIMEZONE = "Europe/Belgrade"
    # Reverse proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto are
    # trusted (1 behind nginx; 0: none). A forwarded host never is.
    TRUSTED_PROXIES = 0

    # `regsvc serve` (gunicorn): the address it listens on, host:port or unix:/path.
    SERVE_BIND = "127.0.0.1:8000"
    # `regsvc serve`: web worker processes; 0: two per CPU, plus one.
    SERVE_WORKERS = 0
    # `regsvc serve`: seconds a request may take before its worker is replaced, and that a
    # stopping server waits for the requests in hand. The longest are PDFs with many receipts.
    SERVE_TIMEOUT = 120
    # `regsvc serve`: addresses of the proxies whose X-Forwarded-Proto gunicorn believes,
    # comma-separated ("*": any).
    SERVE_FORWARDED_ALLOW_IPS = "127.0.0.1,::1"

    # Languages offered, comma-separated: English, Serbian in Latin and in Cyrillic script,
    # Macedonian, Albanian. Pages follow the switcher, then the browser's Accept-Language; staff
    # pages the account's choice; e-mails and documents the registration's language. Each needs
    # its catalogue in regsvc/translations (see CONTRIBUTING.md).
    LANGUAGES = ["en", "sr_Latn", "sr_Cyrl", "mk", "sq"]
    # The language of pages when the browser asks for none of LANGUAGES, and of what is
    # written outside a request for no participant (staff e-mails, commands).
    BABEL_DEFAULT_LOCALE = "en"
    # Flask-Babel's time zone for times formatted without one of their own.
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # The session cookie is out of reach of the page's scripts.
    SESSION_COOKIE_HTTPONLY = True
    # The session cookie is not sent with requests that other sites start (Lax).
    SESSION_COOKIE_SAMESITE = "Lax"
    # The session cookie is sent over HTTPS only.
    SESSION_COOKIE_SECURE = False
    # Seconds a form's CSRF token stays valid; null: as long as the session, so that a form
    # left open on a phone for hours still submits.
    WTF_CSRF_TIME_LIMIT = None
    # The largest request body in bytes (16 MiB): uploads beyond it get a 413. A proxy in
    # front must accept as much (nginx: client_max_body_size 16m).
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # Flask's testing mode, for the test suite only: errors reach the test instead of the
    # error pages.
    TESTING = False


class DevelopmentConfig(Config):
    pass


class ProductionConfig(Config):
    ENV_NAME = "production"
    PUBLIC_URL = ""  # must be set: REGSVC_PUBLIC_URL=https://register.example.org
    SESSION_COOKIE_SECURE = True
    REQUIRE_2FA = True
    MAIL_SEND_AFTER_REQUEST = False
    MAIL_LOG_BODY = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    MAIL_SEND_AFTER_REQUEST = False
    # One PBKDF2 round: hashing a test password costs microseconds instead of scrypt's tens
    # of milliseconds. Never for real passwords.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"  # noqa: S105 - a hash method, not a password
    # The tests' clients all come from one address; the limits have tests of their own.
    REGISTRATIONS_PER_ADDRESS_PER_HOUR = 100_000
    WRONG_LINKS_PER_ADDRESS_PER_HOUR = 100_000


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def _coerce(raw: str, default):
    """Read an environment string as the type of the setting it overrides."""
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if default is None:
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def load_settings(env_name: str | None = None, environ=os.environ) -> dict:
    """The settings of the chosen class, with REGSVC_<NAME> variables applied on top."""
    env_name = env_name or environ.get("REGSVC_ENV", "development")
    if env_name not in CONFIGS:
        raise RuntimeError(f"REGSVC_ENV must be one of {', '.join(CONFIGS)}, not {env_name!r}")
    cls = CONFIGS[env_name]
    settings = {name: getattr(cls, name) for name in dir(cls) if name.isupper()}
    for name, default in settings.items():
        raw = environ.get(f"REGSVC_{name}")
        if raw is not None:
            try:
                settings[name] = _coerce(raw, default)
            except ValueError as exc:
                raise RuntimeError(f"REGSVC_{name}={raw!r} is not valid: {exc}") from exc
    if settings["ENV_NAME"] == "production":
        _check_production(settings)
    if settings["STORAGE_URL"]:
        _check_bucket(settings)
    _place_data(settings)
    return settings


def _check_bucket(settings: dict) -> None:
    """Refuse a STORAGE_URL or credentials that cannot be used, before anything is served."""
    # Imported only now: regsvc.layout loads this file while the regsvc package is being imported.
    from regsvc.storage.location import BucketLocation, check_credentials

    BucketLocation.parse(settings["STORAGE_URL"])
    check_credentials(settings["STORAGE_ACCESS_KEY_ID"], settings["STORAGE_SECRET_ACCESS_KEY"])


def _place_data(settings: dict) -> None:
    """Fill in the database and the upload folder that no setting names, from DATA_DIR."""
    if settings["DATABASE_URL"] and settings["UPLOAD_FOLDER"]:
        return
    data_dir = (Path(settings["DATA_DIR"]) if settings["DATA_DIR"] else CHECKOUT or Path.cwd()).resolve()
    settings["DATA_DIR"] = str(data_dir)
    database = data_dir / "instance" / "regsvc.sqlite3"
    settings["DATABASE_URL"] = settings["DATABASE_URL"] or f"sqlite:///{database}"
    settings["UPLOAD_FOLDER"] = settings["UPLOAD_FOLDER"] or str(data_dir / "uploads")


MIN_SECRET_KEY_BYTES = 32


def _check_production(settings: dict) -> None:
    """Refuse to run in production with settings that would make the site unsafe."""
    key = settings["SECRET_KEY"]
    if key == DEFAULT_SECRET_KEY or len(key.encode()) < MIN_SECRET_KEY_BYTES:
        raise RuntimeError(
            f"Set REGSVC_SECRET_KEY to a random value of at least {MIN_SECRET_KEY_BYTES} bytes before "
            "running in production, e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    url = urlsplit(settings["PUBLIC_URL"])
    if url.scheme not in ("https", "http") or not url.hostname:
        raise RuntimeError(
            "Set REGSVC_PUBLIC_URL to the site's address, e.g. https://register.example.org: every link in "
            "e-mails and PDFs is built from it."
        )
    if CHECKOUT is None and not settings["DATA_DIR"]:
        # A bucket (STORAGE_URL) holds the uploads in place of UPLOAD_FOLDER.
        places = ("DATABASE_URL",) if settings["STORAGE_URL"] else ("DATABASE_URL", "UPLOAD_FOLDER")
        missing = " and ".join(f"REGSVC_{name}" for name in places if not settings[name])
        if missing:
            raise RuntimeError(
                "Set REGSVC_DATA_DIR to the directory for the database and the uploads, e.g. /var/lib/regsvc "
                f"(or set {missing}): an installed regsvc keeps no data beside its code."
            )
