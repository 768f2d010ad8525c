"""The participant's data behind their private link: take it away (/r/<token>/my-data.zip), or
have it erased (/r/<token>/erase)."""

from flask import Blueprint, flash, redirect, send_file, url_for
from flask_babel import gettext as _

from regsvc.db import get_session
from regsvc.formatting import event_datetime
from regsvc.money import format_money
from regsvc.privacy.export import ARCHIVE_NAME, personal_data_zip
from regsvc.privacy.forms import ErasureForm
from regsvc.privacy.services import AlreadyErased, Erasure, RetentionPeriods, erase, plan_erasure
from regsvc.registration.lookups import private_registration
from regsvc.registration.models import Registration
from regsvc.storage import current_storage
from regsvc.web import form_page

bp = Blueprint("privacy", __name__)


@bp.app_template_global("retention_periods")
def _retention_periods() -> RetentionPeriods:
    """For the privacy notice: the periods the settings give."""
    return RetentionPeriods.from_settings()


def _kept_notice(erasure: Erasure, registration: Registration) -> str | None:
    """What the participant reads when their claim is kept (on the erasure page, and once it
    is done); None when nothing is kept."""
    if erasure.claim is None or erasure.kept_until is None or erasure.kept_amount is None:
        return None
    return _(
        "Your claim of %(amount)s must be kept for the donor's audit until %(date)s; "
        "everything else is erased.",
        amount=format_money(erasure.kept_amount, erasure.claim.currency),
        date=event_datetime(erasure.kept_until, registration.event, "day"),
    )


@bp.get("/r/<token>/my-data.zip")
def download(token: str):
    # private_registration keeps the response out of caches (no-store).
    registration = private_registration(token)
    archive = personal_data_zip(get_session(), registration, current_storage())
    return send_file(archive, mimetype="application/zip", as_attachment=True, download_name=ARCHIVE_NAME)


def _erasure_page(token: str, registration: Registration, form: ErasureForm):
    erasure = plan_erasure(get_session(), registration)
    return form_page(
        "privacy/erase.html",
        form,
        token=token,
        registration=registration,
        event=registration.event,
        erasure=erasure,
        kept_notice=_kept_notice(erasure, registration),
    )


@bp.get("/r/<token>/erase")
def confirm_erasure(token: str):
    return _erasure_page(token, private_registration(token), ErasureForm(formdata=None))


@bp.post("/r/<token>/erase")
def erase_data(token: str):
    registration = private_registration(token)
    form = ErasureForm()
    if not form.validate_on_submit():
        return _erasure_page(token, registration, form)
    try:
        kept_notice = _kept_notice(erase(get_session(), registration.id, current_storage()), registration)
    except AlreadyErased:  # by a second click that came first: it is done all the same
        kept_notice = None
    flash(kept_notice or _("Your data is erased."), "success")
    flash(_("The link to your registration no longer works."), "info")
    # The private link no longer opens anything.
    return redirect(url_for("events.index"))
