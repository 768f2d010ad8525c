"""Finance staff's review of travel claims and their payment in batches (/staff/finance/…)."""

import math

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

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
from regsvc.claims.models import Claim, ClaimStatus, Receipt
from regsvc.claims.review import (
    QUEUE_PAGE,
    ReviewError,
    advisory_flags,
    approve,
    ask_for_information,
    finance_queue,
    mark_paid,
    reject,
)
from regsvc.claims.serving import receipt_response
from regsvc.db import get_session
from regsvc.documents.responses import download
from regsvc.events.editing import all_events
from regsvc.money import AmountError, to_minor_units
from regsvc.roles import Role, staff_required
from regsvc.storage import current_storage
from regsvc.web import get_or_404

bp = Blueprint("finance", __name__, url_prefix="/staff/finance")
finance = staff_required(Role.FINANCE)


@bp.get("/")
@finance
def queue():
    session = get_session()
    event_id = request.args.get("event", type=int)
    status = request.args.get("status", "submitted")
    page = request.args.get("page", 1, type=int)
    rows, total = finance_queue(session, event_id=event_id, status=status, page=page)
    return render_template(
        "finance/queue.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(math.ceil(total / QUEUE_PAGE), 1),
        events=all_events(session),
        event_id=event_id,
        status=status,
        statuses=list(ClaimStatus)[1:],
    )


@bp.get("/claims/<int:claim_id>")
@finance
def claim(claim_id: int):
    claim = get_or_404(Claim, claim_id)
    return render_template(
        "finance/claim.html",
        claim=claim,
        registration=claim.registration,
        event=claim.registration.event,
        flags=advisory_flags(get_session(), claim),
        trail=claim_trail(get_session(), [claim])[claim.id],
    )


def _amount(field: str, currency: str) -> int | None:
    raw = request.form.get(field, "").strip()
    return to_minor_units(raw, currency) if raw else None


@bp.post("/claims/<int:claim_id>/decide")
@finance
def decide(claim_id: int):
    claim = get_or_404(Claim, claim_id)
    action = request.form.get("action")
    reason = request.form.get("reason", "")
    session = get_session()
    try:
        if action == "approve":
            approve(
                session,
                claim.id,
                current_user,
                amount=_amount("amount", claim.currency),
                cap=_amount("cap", claim.currency),
                reason=reason,
                override_reason=request.form.get("override_reason", ""),
            )
            flash(_("Claim approved."), "success")
        elif action == "reject":
            reject(session, claim.id, current_user, reason)
            flash(_("Claim rejected."), "info")
        elif action == "needs_info":
            ask_for_information(session, claim.id, current_user, reason)
            flash(_("Sent back to the participant for more information."), "info")
        elif action == "paid":
            mark_paid(session, claim.id, current_user)
            flash(_("Marked as paid."), "success")
        else:
            flash(_("Choose an action."), "error")
    except (ReviewError, AmountError) as refused:
        flash(str(refused), "error")
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
    event_id = request.args.get("event", type=int)
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
    claim_ids = request.form.getlist("claim", type=int)
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
    if request.form.get("confirm") != "y":
        flash(_("Tick the box to confirm that the bank has made the transfers."), "error")
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
    try:
        dissolve_batch(get_session(), batch_id, current_user)
    except BatchError as refused:
        flash(str(refused), "error")
        return redirect(url_for("finance.batch", batch_id=batch_id))
    flash(_("Batch dissolved: its claims wait for a new batch."), "info")
    return redirect(url_for("finance.batches"))
