"""Error pages in the site's style; nothing reaches the user as a bare traceback."""

import errno
import logging

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError, ServiceUnavailable

from regsvc.db import note_database_failed
from regsvc.storage import StorageUnavailable

log = logging.getLogger(__name__)

# Seconds a browser or script is asked to wait before trying a 503 page again.
RETRY_AFTER = "30"
# A write refused because the disk (or quota) is full, or the file system read-only.
STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS})


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html"), 400

    def try_again(error: ServiceUnavailable):
        note_database_failed()  # the page must not ask the database who is signed in
        return render_template("errors/http.html", error=error), 503, [("Retry-After", RETRY_AFTER)]

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        # OperationalError: the server cannot be reached, is starting or stopping, or gave
        # up on this transaction (deadlock, SQLite busy) — all cured by trying again. The
        # pool has dropped the connection that failed.
        if not (error.connection_invalidated or isinstance(error, OperationalError)):
            return unexpected_error(error)
        log.warning("database unavailable: %s", error.orig)
        return try_again(ServiceUnavailable())

    @app.errorhandler(PoolTimeout)
    def no_free_connection(error: PoolTimeout):
        log.warning("no database connection free: %s", error)
        return try_again(ServiceUnavailable())

    @app.errorhandler(StorageUnavailable)
    def storage_unavailable(error: StorageUnavailable):
        # The bucket cannot be reached or refused: an upload was rolled back with its files,
        # or a file cannot be read just now. Trying again later helps.
        log.error("upload storage unavailable: %s", error)
        return try_again(ServiceUnavailable(description="storage-unavailable"))

    @app.errorhandler(OSError)
    def storage_error(error: OSError):
        if error.errno not in STORAGE_FULL:
            return unexpected_error(error)
        # Whatever was being saved was written to a temporary file, which is removed, in a
        # transaction that is rolled back: nothing half-written stays behind.
        log.error("storage full or read-only: %s", error)
        return try_again(ServiceUnavailable(description="storage-full"))

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
