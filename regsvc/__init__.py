"""regsvc: registration and travel reimbursement for hybrid conferences."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from werkzeug.middleware.proxy_fix import ProxyFix

from regsvc import cli, db, errors, formatting, layout, translation
from regsvc.audit.views import bp as audit_bp
from regsvc.auth import access
from regsvc.auth.access import signed_in_staff
from regsvc.auth.views import bp as auth_bp
from regsvc.certificates.views import bp as certificates_bp
from regsvc.claims import eligibility  # noqa: F401  (listens to attendance changes)
from regsvc.claims.finance_views import bp as finance_bp
from regsvc.claims.review import second_approval_thresholds
from regsvc.claims.views import bp as claims_bp
from regsvc.desk.views import bp as desk_bp
from regsvc.events.console import bp as console_bp
from regsvc.events.views import bp as events_bp
from regsvc.extensions import babel, csrf
from regsvc.health import bp as health_bp
from regsvc.languages.views import bp as languages_bp
from regsvc.mail.delivery import init_app as init_mail_delivery
from regsvc.mail.services import CALENDAR_SOURCE
from regsvc.messages.ics import calendar_for
from regsvc.messages.views import bp as messages_bp
from regsvc.privacy.views import bp as privacy_bp
from regsvc.registration.console import bp as registrations_bp
from regsvc.registration.views import bp as registration_bp
from regsvc.translation import browser_locale, chosen_locale
from regsvc.web import IdConverter

# Sent with every response that does not set its own.
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
)


def select_locale() -> str:
    """A signed-in staff member's language, else the one the reader chose with the switcher,
    else the browser's, else the default (see regsvc.translation)."""
    config = current_app.config
    default = config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # CLI commands, e-mails sent by the outbox sender
        return default
    offered = config["LANGUAGES"]
    staff = signed_in_staff()
    if staff is not None and staff.locale is not None and staff.locale in offered:
        return staff.locale
    return chosen_locale(request, offered) or browser_locale(request, offered) or default


class Regsvc(Flask):
    def log_exception(self, exc_info) -> None:
        # Flask's own message names the request's path, and a private page's path is its
        # private link: the view's name says as much about where it failed.
        self.logger.error("Exception in %s [%s]", request.endpoint, request.method, exc_info=exc_info)


def create_app(overrides: dict | None = None) -> Flask:
    app = Regsvc(__name__, template_folder=str(layout.TEMPLATES))
    app.config.from_mapping(layout.load_settings())
    if overrides:
        app.config.from_mapping(overrides)
    try:
        second_approval_thresholds(app.config["SECOND_APPROVAL_ABOVE"])
    except ValueError as error:
        raise RuntimeError(f"REGSVC_SECOND_APPROVAL_ABOVE: {error}") from None
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        Path(app.config["DATABASE_URL"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)

    if app.config["TRUSTED_PROXIES"]:
        # The client's address and scheme from the configured proxies; never the host:
        # links are built from PUBLIC_URL alone.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    if app.config["ENV_NAME"] == "production":
        # Requests naming any other host are refused (400).
        app.config["TRUSTED_HOSTS"] = [
            urlsplit(app.config["PUBLIC_URL"]).hostname,
            *app.config["ALLOWED_HOSTS"],
        ]
    app.url_map.converters["int"] = IdConverter
    app.permanent_session_lifetime = timedelta(minutes=app.config["STAFF_IDLE_MINUTES"])

    db.init_app(app)
    # Before CSRF: a form sent after the staff session ended (its CSRF token gone with it)
    # gets the sign-in page, which offers it again, rather than a CSRF error.
    access.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    translation.init_app(app)
    formatting.init_app(app)
    errors.init_app(app)
    init_mail_delivery(app)
    app.extensions[CALENDAR_SOURCE] = calendar_for
    cli.init_app(app)

    app.register_blueprint(events_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(claims_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(console_bp)
    app.register_blueprint(registrations_bp)
    app.register_blueprint(desk_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(finance_bp)
    app.register_blueprint(privacy_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(certificates_bp)
    app.register_blueprint(languages_bp)

    @app.context_processor
    def template_helpers():
        return {"current_locale": lambda: str(get_locale())}

    headers: tuple[tuple[str, str], ...] = SECURITY_HEADERS
    if app.config["ENV_NAME"] == "production":
        headers = (*SECURITY_HEADERS, ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def security_headers(response):
        # Those a view set itself stay. One pass over the response's headers: werkzeug
        # answers `in` and setdefault for a missing header by raising and catching.
        present = {name.lower() for name, _value in response.headers}
        for name, value in headers:
            if name.lower() not in present:
                response.headers.add(name, value)
        return response

    return app
