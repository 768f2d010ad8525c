"""The switcher's links: each keeps the reader's choice in a cookie (and on a signed-in
staff member's account), then goes back to the page it was clicked on.

A link works without JavaScript. Only a click on this site changes anything: a link
followed from another site (or a page that loads it) is sent back to the page named, and
nothing is kept. A browser says where a request comes from in Sec-Fetch-Site; an older one
in its Referer, which the site's Referrer-Policy (same-origin) keeps for its own pages.
"""

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, request, url_for

from regsvc.auth.access import signed_in_staff
from regsvc.auth.services import set_locale
from regsvc.db import get_session
from regsvc.translation import remember_choice

bp = Blueprint("languages", __name__)


def page_to_return_to(target: str | None) -> str:
    """A page of this site, as a path; the list of events for anything else."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not (parts.scheme or parts.netloc or "\\" in target or any(ord(ch) < 32 for ch in target)):
            return target
    return url_for("events.index")


def from_this_site() -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")  # "none": typed, or a bookmark
    referrer = urlsplit(request.referrer or "")
    return (referrer.scheme, referrer.netloc) == (request.scheme, request.host)


@bp.get("/language/<code>")
def choose(code: str):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    response = redirect(page_to_return_to(request.args.get("next")), 303)
    if not from_this_site():
        return response
    staff = signed_in_staff()
    if staff is not None:
        set_locale(get_session(), staff.id, code)
    return remember_choice(response, code)
