"""Finance staff's review of travel claims and their payment in batches (/staff/finance/…)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from regsvc.claims import review
from regsvc.claims.batches import (
    BatchError,
    all_batches,
    bank_csv,
    batch_with_claims,
    claims_awaiting_batch,
    create_batch,
    dissolve_batch,
    mark_batch_paid,
)
from regsvc.claims.documents import claim_pdf, claim_trail, claims_pdf
from regsvc.claims.forms import BatchPaidForm, DecisionForm, NewBatchForm
from regsvc.claims.models import Claim, ClaimStatus, Receipt
from regsvc.claims.receipts import receipts_without_file
from regsvc.claims.review import Decision, ReviewError, advisory_flags, finance_queue
from regsvc.claims.serving import receipt_response
from regsvc.db import get_session
from regsvc.documents.responses import download
from regsvc.events.editing import all_events
from regsvc.forms import ButtonForm
from regsvc.roles import Role, staff_required
from regsvc.storage import current_storage
from regsvc.web import form_page, get_or_404, query_id

bp = Blueprint("finance", __name__, url_prefix="/staff/finance")
finance = staff_required(Role.FINANCE)


@bp.get("/")
@finance
def queue():
    session = get_session()
    event_id = query_id("event")
    status = request.args.get("status", "submitted")
    page = finance_queue(
        session, event_id=event_id, status=status, page=request.args.get("page", 1, type=int)
    )
    return render_template(
        "finance/queue.html",
        page=page,
        events=all_events(session),
        event_id=event_id,
        status=status,
        statuses=list(ClaimStatus)[1:],
    )


def _claim_page(claim: Claim, form: DecisionForm, status: int = 200):
    session = get_session()
    return form_page(
        "finance/claim.html",
        form,
        status,
        claim=claim,
        registration=claim.registration,
        event=claim.registration.event,
        flags=advisory_flags(session, claim, current_storage()),
        missing=receipts_without_file(claim.receipts, current_storage()),
        trail=claim_trail(session, [claim])[claim.id],
    )


@bp.get("/claims/<int:claim_id>")
@finance
def claim(claim_id: int):
    return _claim_page(get_or_404(Claim, claim_id), DecisionForm(formdata=None))


_DECIDED = {
    Decision.APPROVE: (_l("Claim approved."), "success"),
    Decision.REJECT: (_l("Claim rejected."), "info"),
    Decision.NEEDS_INFO: (_l("Sent back to the participant for more information."), "info"),
    Decision.PAID: (_l("Marked as paid."), "success"),
}


@bp.post("/claims/<int:claim_id>/decide")
@finance
def decide(claim_id: int):
    """One form, one service call. A refused decision shows the page again with what was
    typed and the reason next to the form."""
    claim = get_or_404(Claim, claim_id)
    form = DecisionForm()
    asked = form.decision(claim.currency) if form.validate_on_submit() else None
    if asked is None:
        return _claim_page(claim, form, 422)
    try:
        decided = review.decide(get_session(), claim.id, current_user, asked)
    except ReviewError as refused:
        form.form_errors.append(str(refused))
        get_session().refresh(claim)
        return _claim_page(claim, form, 409)
    if decided.first_approved_by_id is not None:
        flash(_("First approval recorded: another finance officer must give the second."), "info")
    else:
        message, category = _DECIDED[asked.decision]
        flash(str(message), category)
    return redirect(url_for("finance.claim", claim_id=claim.id))


@bp.get("/claims/<int:claim_id>/claim.pdf")
@finance
def claim_document(claim_id: int):
    """The claim as PDF; `?archival=1`: the PDF/A-3 copy with the receipt files attached."""
    claim = get_or_404(Claim, claim_id)
    archival = request.args.get("archival") == "1"
    data = claim_pdf(get_session(), claim, current_storage(), archival=archival)
    name = f"travel-claim-{claim.id}{'-archival' if archival else ''}.pdf"
    return download(data, "application/pdf", name, inline=not archival)


@bp.get("/claims/<int:claim_id>/receipts/<int:receipt_id>/<which>")
@finance
def receipt_file(claim_id: int, receipt_id: int, which: str):
    receipt = get_session().get(Receipt, receipt_id)
    if receipt is None or receipt.claim_id != claim_id:
        abort(404)
    return receipt_response(receipt, which)


# -- payment batches --------------------------------------------------------------------------


@bp.get("/batches/")
@finance
def batches():
    session = get_session()
    event_id = query_id("event")
    return render_template(
        "finance/batches.html",
        batches=all_batches(session),
        waiting=claims_awaiting_batch(session, event_id),
        events=all_events(session),
        event_id=event_id,
    )


@bp.post("/batches/")
@finance
def new_batch():
    form = NewBatchForm()
    claim_ids = (form.claim.data or []) if form.validate_on_submit() else []
    try:
        batch = create_batch(get_session(), claim_ids, current_user)
    except BatchError as refused:
        flash(str(refused), "error")
        return redirect(url_for("finance.batches"))
    flash(_("Payment batch %(number)d created.", number=batch.id), "success")
    return redirect(url_for("finance.batch", batch_id=batch.id))


def _batch_or_404(batch_id: int):
    batch = batch_with_claims(get_session(), batch_id)
    if batch is None:
        abort(404)
    return batch


@bp.get("/batches/<int:batch_id>")
@finance
def batch(batch_id: int):
    return render_template("finance/batch.html", batch=_batch_or_404(batch_id))


@bp.get("/batches/<int:batch_id>/bank.csv")
@finance
def batch_csv(batch_id: int):
    return download(bank_csv(_batch_or_404(batch_id)), "text/csv", f"payment-batch-{batch_id}.csv")


@bp.get("/batches/<int:batch_id>/dossier.pdf")
@finance
def batch_dossier(batch_id: int):
    """Every claim of the batch with its receipts, after a cover page listing the transfers;
    `?archival=1`: PDF/A-3 with the receipt files attached."""
    batch = _batch_or_404(batch_id)
    archival = request.args.get("archival") == "1"
    data = claims_pdf(get_session(), batch.claims, current_storage(), archival=archival, batch=batch)
    name = f"payment-batch-{batch.id}{'-archival' if archival else ''}.pdf"
    return download(data, "application/pdf", name, inline=not archival)


@bp.post("/batches/<int:batch_id>/paid")
@finance
def batch_paid(batch_id: int):
    form = BatchPaidForm()
    if not form.validate_on_submit():
        flash(form.confirm.errors[0] if form.confirm.errors else _("Please send the form again."), "error")
        return redirect(url_for("finance.batch", batch_id=batch_id))
    try:
        mark_batch_paid(get_session(), batch_id, current_user)
    except BatchError as refused:
        flash(str(refused), "error")
    else:
        flash(_("The batch and each of its claims are marked paid; the participants are told."), "success")
    return redirect(url_for("finance.batch", batch_id=batch_id))


@bp.post("/batches/<int:batch_id>/dissolve")
@finance
def batch_dissolve(batch_id: int):
    if not ButtonForm().validate_on_submit():
        return redirect(url_for("finance.batch", batch_id=batch_id))
    try:
        dissolve_batch(get_session(), batch_id, current_user)
    except BatchError as refused:
        flash(str(refused), "error")
        return redirect(url_for("finance.batch", batch_id=batch_id))
    flash(_("Batch dissolved: its claims wait for a new batch."), "info")
    return redirect(url_for("finance.batches"))
