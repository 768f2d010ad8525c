"""Documents written to a temporary file are sent from it, and the file is always closed."""

import gc

import pytest

from regsvc.documents.responses import CHUNK, download_written


def respond(app) -> tuple:
    """A response of 2.5 chunks of bytes, and the temporary file they were written to."""
    files = []

    def write(out):
        files.append(out)
        out.write(b"%PDF" + b"x" * (CHUNK * 5 // 2))

    with app.test_request_context():
        response = download_written(write, "application/pdf", "event-badges.pdf", inline=True)
    return response, files[0]


def test_the_written_bytes_are_sent_with_their_length_and_no_caching(app):
    response, file = respond(app)
    body = b"".join(response.response)
    assert body.startswith(b"%PDF") and len(body) == 4 + CHUNK * 5 // 2 == response.content_length
    assert response.headers["Content-Disposition"] == 'inline; filename="event-badges.pdf"'
    assert response.headers["Cache-Control"] == "private, no-store"
    assert file.closed  # once all is read


def test_the_file_is_closed_when_the_server_closes_the_response(app):
    response, file = respond(app)
    next(iter(response.response))
    response.close()
    assert file.closed


def test_the_file_is_closed_when_the_response_is_dropped_unread(app):
    response, file = respond(app)
    del response
    gc.collect()
    assert file.closed


def test_a_failed_write_leaves_no_file_open(app):
    files = []

    def write(out):
        files.append(out)
        raise RuntimeError("the document could not be drawn")

    with app.test_request_context(), pytest.raises(RuntimeError):
        download_written(write, "application/pdf", "x.pdf")
    assert files[0].closed
