"""The participant's travel claim, behind their private link (/r/<token>/claim)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from regsvc.claims.accounts import BankAccountError, format_account
from regsvc.claims.documents import claim_pdf
from regsvc.claims.drafting import (
    EDITABLE,
    ClaimDetails,
    ClaimError,
    add_receipt,
    claim_of,
    open_claim,
    receipts_left,
    remove_receipt,
    save_details,
    submit_claim,
    submittable_from,
    update_receipt,
)
from regsvc.claims.forms import ClaimDetailsForm, ReceiptDetailsForm, ReceiptForm
from regsvc.claims.labels import CLAIM_STATUS, EXPENSE_KIND, PAYOUT_METHOD, TRAVEL_MODE
from regsvc.claims.models import ExpenseKind, PayoutMethod, Receipt, TravelMode
from regsvc.claims.receipts import ReceiptRejected, receipts_without_file
from regsvc.claims.review import decision_reason
from regsvc.claims.services import travel_refund
from regsvc.claims.serving import receipt_response
from regsvc.db import get_session, utcnow
from regsvc.documents.responses import download
from regsvc.forms import ButtonForm
from regsvc.registration.lookups import private_registration
from regsvc.storage import current_storage

bp = Blueprint("claims", __name__)
bp.add_app_template_filter(CLAIM_STATUS, "claim_status_label")
bp.add_app_template_filter(TRAVEL_MODE, "travel_mode_label")
bp.add_app_template_filter(PAYOUT_METHOD, "payout_method_label")
bp.add_app_template_filter(EXPENSE_KIND, "expense_kind_label")
bp.add_app_template_filter(format_account, "bank_account")


@bp.app_template_global("travel_claim")
def _travel_claim(registration):
    """For the participant's page: their claim, if any (claims/_attendance_notice.html)."""
    return claim_of(get_session(), registration)


@bp.app_template_global("travel_refund")
def _travel_refund(registration):
    """For the travel-costs section of the participant's page (claims/_travel_costs.html)."""
    return travel_refund(get_session(), registration)


def _claim(token: str) -> tuple:
    registration = private_registration(token)
    claim = claim_of(get_session(), registration)
    return registration, claim


def _page(
    token, registration, claim, *, details_form=None, receipt_form=None, receipt_forms=None, status=200
):
    """The claim page; `receipt_forms`: the forms of stored receipts shown again with their errors."""
    if details_form is None:
        details_form = (
            ClaimDetailsForm(formdata=None, obj=claim) if claim else ClaimDetailsForm(formdata=None)
        )
    receipt_forms = receipt_forms or {}
    return (
        render_template(
            "claims/claim.html",
            token=token,
            registration=registration,
            event=registration.event,
            claim=claim,
            editable=claim is None or claim.status in EDITABLE,
            # Before the event starts, the claim is prepared but not yet submitted.
            submit_from=submittable_from(registration.event)
            if utcnow() < registration.event.starts_at
            else None,
            refund=travel_refund(get_session(), registration),
            finance_reason=decision_reason(get_session(), claim) if claim else None,
            details_form=details_form,
            receipt_form=receipt_form or ReceiptForm(formdata=None),
            receipt_forms={
                receipt.id: receipt_forms.get(receipt.id) or ReceiptDetailsForm.of(receipt, claim.currency)
                for receipt in (claim.receipts if claim else [])
            },
            receipts_left=receipts_left(claim),
            missing=receipts_without_file(claim.receipts, current_storage()) if claim else set(),
        ),
        status,
    )


@bp.get("/r/<token>/claim")
def claim_page(token: str):
    registration, claim = _claim(token)
    return _page(token, registration, claim)


def _open(token: str) -> tuple:
    registration, claim = _claim(token)
    if claim is None:
        try:
            claim = open_claim(get_session(), registration)
        except ClaimError as refused:
            flash(str(refused), "error")
            abort(redirect(url_for("claims.claim_page", token=token)))
    return registration, claim


@bp.post("/r/<token>/claim/details")
def details(token: str):
    registration, claim = _open(token)
    form = ClaimDetailsForm()
    if form.validate_on_submit():
        try:
            save_details(
                get_session(),
                claim.id,
                ClaimDetails(
                    TravelMode(form.travel_mode.data),
                    form.route.data,
                    PayoutMethod(form.payout_method.data),
                    form.account_number.data or "",
                    form.account_holder.data or "",
                ),
            )
        except BankAccountError as refused:
            form.account_number.errors.append(str(refused))
        except ClaimError as refused:
            flash(str(refused), "error")
        else:
            if form.and_submit.data:
                _submit(claim)
            else:
                flash(_("Saved."), "success")
            return redirect(url_for("claims.claim_page", token=token))
    return _page(token, registration, claim, details_form=form, status=422)


def _submit(claim) -> None:
    try:
        submit_claim(get_session(), claim.id)
    except ClaimError as refused:
        flash(str(refused), "error")
    else:
        flash(_("Your claim is submitted. Finance staff will review it; we will e-mail you."), "success")


def _not_saved(token, registration, claim, **forms):
    """The page again with a form's errors, said at the top too: the receipt forms are far down
    the page, which opens at the top."""
    flash(_("Not saved yet: see the messages next to the fields below."), "error")
    return _page(token, registration, claim, status=422, **forms)


@bp.post("/r/<token>/claim/receipts")
def receipts(token: str):
    registration, claim = _open(token)
    form = ReceiptForm()
    # Every field is checked whatever the others hold, so that one answer names every
    # problem; an acceptable file is kept even when its date or amount is not (incomplete),
    # as the browser would not send it again.
    form.validate()
    amount = form.amount_in(claim.currency)
    processed = form.processed_file()
    if processed is None or form.kind.errors:
        return _not_saved(token, registration, claim, receipt_form=form)
    try:
        receipt = add_receipt(
            get_session(),
            claim.id,
            current_storage(),
            processed,
            ExpenseKind(form.kind.data),
            form.issued_on.data,
            amount,
        )
    except (ClaimError, ReceiptRejected) as refused:
        # Submitted or full meanwhile: the page then says so in place of the form.
        flash(str(refused), "error")
        return redirect(url_for("claims.claim_page", token=token))
    if receipt.complete:
        flash(_("Receipt added."), "success")
        return redirect(url_for("claims.claim_page", token=token))
    flash(_("The photo or PDF is saved. Complete its date and amount below."), "info")
    typed = ReceiptDetailsForm.of(receipt, claim.currency, typed=form)
    return _page(token, registration, claim, receipt_forms={receipt.id: typed}, status=422)


@bp.post("/r/<token>/claim/receipts/<int:receipt_id>/details")
def receipt_details(token: str, receipt_id: int):
    """Complete or correct a stored receipt's kind, date and amount."""
    registration, claim = _claim(token)
    if claim is None:
        abort(404)
    form = ReceiptDetailsForm(prefix=ReceiptDetailsForm.prefix_of(receipt_id))
    form.validate()
    amount = form.amount_in(claim.currency)
    if form.errors or amount is None:
        return _not_saved(token, registration, claim, receipt_forms={receipt_id: form})
    try:
        update_receipt(
            get_session(), claim.id, receipt_id, ExpenseKind(form.kind.data), form.issued_on.data, amount
        )
    except ClaimError as refused:
        flash(str(refused), "error")
    else:
        flash(_("Receipt saved."), "success")
    return redirect(url_for("claims.claim_page", token=token))


@bp.post("/r/<token>/claim/receipts/<int:receipt_id>/remove")
def remove(token: str, receipt_id: int):
    registration, claim = _claim(token)
    if claim is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("claims.claim_page", token=token))
    try:
        remove_receipt(get_session(), claim.id, receipt_id, current_storage())
    except ClaimError as refused:
        flash(str(refused), "error")
    else:
        flash(_("Receipt removed."), "info")
    return redirect(url_for("claims.claim_page", token=token))


@bp.get("/r/<token>/claim.pdf")
def claim_document(token: str):
    """The claim with its receipts, to keep or to print and sign."""
    registration, claim = _claim(token)
    if claim is None or not claim.receipts:
        abort(404)
    # In the participant's language, whichever the page was read in: the claim they sign.
    data = claim_pdf(get_session(), claim, current_storage(), locale=registration.locale)
    return download(data, "application/pdf", f"travel-claim-{claim.id}.pdf", inline=True)


@bp.get("/r/<token>/claim/receipts/<int:receipt_id>/<which>")
def receipt_file(token: str, receipt_id: int, which: str):
    """A receipt's file, for its own participant only."""
    registration, claim = _claim(token)
    receipt = get_session().get(Receipt, receipt_id)
    if claim is None or receipt is None or receipt.claim_id != claim.id:
        abort(404)
    return receipt_response(receipt, which)
