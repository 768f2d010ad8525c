"""Settings. Every setting can be overridden by an environment variable REGSVC_<NAME>.

REGSVC_ENV picks the class: "development" (default), "production" or "testing".
"""

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production


class Config:
    ENV_NAME = "development"
    SECRET_KEY = DEFAULT_SECRET_KEY
    # SQLite file by default; a postgresql+psycopg:// URL selects PostgreSQL.
    DATABASE_URL = f"sqlite:///{BASE_DIR / 'instance' / 'regsvc.sqlite3'}"
    # Seconds a SQLite writer waits for the write lock before giving up.
    SQLITE_BUSY_TIMEOUT = 30
    # Base of every absolute link (e-mails, PDFs, QR codes), e.g. https://register.example.org.
    # Never taken from a request. Production refuses to start without it, and answers only
    # requests for its host (and ALLOWED_HOSTS).
    PUBLIC_URL = "http://127.0.0.1:5000"
    # Other host names the site answers to in production, besides PUBLIC_URL's.
    ALLOWED_HOSTS: list[str] = []
    UPLOAD_FOLDER = str(BASE_DIR / "uploads")

    # Outgoing mail. With no MAIL_SERVER, messages are written to the log.
    MAIL_SERVER = ""
    MAIL_PORT = 25
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""
    MAIL_USE_STARTTLS = False
    MAIL_USE_SSL = False
    MAIL_TIMEOUT = 10
    MAIL_FROM = "regsvc <no-reply@localhost>"
    # Send a message right after the request that wrote it. In production a separate
    # `regsvc send-mail --watch` process sends instead, so no web worker waits on SMTP.
    MAIL_SEND_AFTER_REQUEST = True
    # With no MAIL_SERVER, write whole messages (private links included) to the log.
    MAIL_LOG_BODY = True
    MAIL_MAX_ATTEMPTS = 8
    # Claims approved above these amounts need a second finance officer's approval, one
    # amount per currency: "RSD 20000, MKD 10000, EUR 200". Empty: one approval is enough.
    SECOND_APPROVAL_ABOVE: list[str] = []
    # Finance sees a flag on receipts dated more than this many days before or after the event.
    RECEIPT_DATE_WINDOW_DAYS = 7
    # Personal data (DESIGN §2). Registrations without a travel claim are anonymised this many
    # days after their event ends, by the daily `regsvc retention` command.
    RETENTION_DAYS_AFTER_EVENT = 180
    # Travel claims finance has seen are kept this many years after their event for the donor's
    # audit (with receipts, the participant's name, town and bank account), then anonymised and
    # their receipt files deleted. A participant's erasure keeps such a claim until then.
    AUDIT_RETENTION_YEARS = 10
    # A new on-site seat is held this long for an address nobody has confirmed (by opening
    # the private link); then it goes to the waiting list. A reminder goes at half time.
    SEAT_HOLD_HOURS = 48
    # Limits per client address, shared by all workers through the database (429 beyond them).
    RATE_LIMITS_ENABLED = True
    REGISTRATIONS_PER_ADDRESS_PER_HOUR = 30  # a venue or office network shares one address
    WRONG_LINKS_PER_ADDRESS_PER_HOUR = 30  # private links that do not exist
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
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: none).
    TRUSTED_PROXIES = 0

    # Processes rendering a long sign-in sheet in parallel; 0: one per CPU.
    PDF_WORKERS = 0

    LANGUAGES = ["en"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # a form left open on a phone for hours still submits
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
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
    return settings


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
