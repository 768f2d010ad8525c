"""Error pages in the site's style; nothing reaches the user as a bare traceback."""

import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

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
        return render_template("errors/http.html", error=error), error.code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if app.testing:
            raise error  # tests see the traceback, not a polite page
        log.exception("unhandled error")
        return render_template("errors/http.html", error=InternalServerError()), 500
