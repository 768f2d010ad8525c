"""Error pages in the site's style; nothing reaches the user as a bare traceback."""

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError, ServiceUnavailable

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html"), 400

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        if not error.connection_invalidated:
            return unexpected_error(error)
        # The database dropped a pooled connection (a restart): the pool has been renewed,
        # and the same request will work when repeated.
        log.warning("database connection lost: %s", error.orig)
        return render_template("errors/http.html", error=ServiceUnavailable()), 503

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if isinstance(error, SecurityError):
            # A request for a host this site is not (TRUSTED_HOSTS): no links can be built
            # for it, so no page of ours either.
            return "This site is not served at this address.", 400, {"Content-Type": "text/plain"}
        # Retry-After (429, 503) tells browsers and scripts when to come back.
        headers = [(name, value) for name, value in error.get_headers() if name == "Retry-After"]
        return render_template("errors/http.html", error=error), error.code, headers

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if app.testing:
            raise error  # tests see the traceback, not a polite page
        log.exception("unhandled error")
        return render_template("errors/http.html", error=InternalServerError()), 500
