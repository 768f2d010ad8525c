"""Small helpers for the views of every package: a record named in the URL, a form page."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort, render_template, request
from flask_wtf import FlaskForm
from werkzeug.routing import IntegerConverter

from regsvc.db import get_session

T = TypeVar("T")

# Ids in URLs are database integers: a larger one names nothing (and would overflow).
MAX_ID = 2**31 - 1


def get_or_404(model: type[T], record_id: int) -> T:
    """The record with this id, or the 404 page."""
    record = get_session().get(model, record_id) if 0 < record_id <= MAX_ID else None
    if record is None:
        abort(404)
    return record


class IdConverter(IntegerConverter):
    """<int:…> in a URL: an id or a number the database can hold; a larger one is no match
    (404), never an overflow in a query."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def query_id(name: str) -> int | None:
    """An id given in the query string (?event=3): None when absent, the 404 page when it
    is not an id the database could hold."""
    raw = request.args.get(name, "")
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


def form_page(template: str, form: FlaskForm, status: int | None = None, **context: Any) -> tuple[str, int]:
    """A page with a form: 200 when first shown, 422 when shown again with its errors
    (or the `status` the caller gives, e.g. 409 for a conflict)."""
    if status is None:
        status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status
