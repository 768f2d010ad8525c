from __future__ import annotations

from typing import Self

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from regsvc.claims.drafting import receipt_amount
from regsvc.claims.labels import EXPENSE_KIND, PAYOUT_METHOD, TRAVEL_MODE
from regsvc.claims.models import Receipt
from regsvc.claims.receipts import ProcessedReceipt, ReceiptRejected, process_upload, read_limited
from regsvc.claims.review import Decision, DecisionRequest
from regsvc.forms import ChoiceField, Form
from regsvc.money import AmountError, plain_amount, to_minor_units


class ClaimDetailsForm(Form):
    travel_mode = ChoiceField(
        _l("How did you travel?"),
        choices=TRAVEL_MODE.choices(),
        message=_l("Please choose how you travelled."),
    )
    route = TextAreaField(
        _l("Route"),
        description=_l("For example: Niš – Beograd and back, 30 June."),
        validators=[DataRequired(message=_l("Please describe your route.")), Length(max=1000)],
    )
    payout_method = ChoiceField(
        _l("How should we pay you?"),
        choices=PAYOUT_METHOD.choices(),
        message=_l("Please choose how you want to be paid."),
    )
    account_number = StringField(
        _l("Bank account (IBAN, or Serbian or Macedonian account number)"),
        validators=[Optional(), Length(max=60)],
    )
    account_holder = StringField(_l("Account holder"), validators=[Optional(), Length(max=200)])
    # The page's "Submit my claim" button: save these details, then submit.
    and_submit = BooleanField()


class ReceiptDetailsForm(Form):
    """What a receipt says: its kind, date and amount. On the claim page each receipt has its
    own, its fields prefixed with the receipt's id so that those of several stay apart."""

    kind = SelectField(_l("Kind"), choices=EXPENSE_KIND.choices())
    issued_on = DateField(
        _l("Date on the receipt"),
        # InputRequired, not DataRequired: a date typed wrong keeps its own error, and one left
        # empty is missing (rather than "not a date").
        validators=[InputRequired(message=_l("Please enter the date on the receipt."))],
        invalid_value_message=_l("This is not a date. Choose the date on the receipt."),
    )
    amount = StringField(
        _l("Amount paid"),
        validators=[DataRequired(message=_l("Please enter the amount on the receipt.")), Length(max=30)],
    )

    @staticmethod
    def prefix_of(receipt_id: int) -> str:
        return f"receipt-{receipt_id}"

    @classmethod
    def of(cls, receipt: Receipt, currency: str, typed: ReceiptDetailsForm | None = None) -> Self:
        """The form of a stored receipt, filled with what it holds; or, with `typed`, with what
        was typed in another form for it, and that form's errors."""
        form = cls(
            formdata=None,
            prefix=cls.prefix_of(receipt.id),
            kind=receipt.kind,
            issued_on=receipt.issued_on,
            amount="" if receipt.amount is None else plain_amount(receipt.amount, currency),
        )
        if typed is not None:
            for name in ("kind", "issued_on", "amount"):
                field, source = form[name], typed[name]
                field.data, field.raw_data, field.errors = source.data, source.raw_data, source.errors
        return form

    def amount_in(self, currency: str) -> int | None:
        """After validate(): the amount in minor units; None, with the error next to the field,
        when it is missing or not an amount paid."""
        if self.amount.errors:
            return None
        try:
            return receipt_amount(self.amount.data, currency)
        except AmountError as refused:
            self.amount.errors.append(str(refused))
            return None


class ReceiptForm(ReceiptDetailsForm):
    """A new receipt: its file, and what it says."""

    file = FileField(
        _l("Photo or PDF of the receipt"),
        description=_l("JPEG, PNG, WebP, HEIC or PDF, at most 10 MB. On a phone you can take the photo now."),
    )

    def processed_file(self) -> ProcessedReceipt | None:
        """The chosen file, checked and cleaned; None, with the error next to the field, when
        none was chosen or it is refused."""
        upload = self.file.data
        if not upload or not upload.filename:
            self.file.errors.append(_l("Choose the photo or PDF of the receipt."))
            return None
        try:
            return process_upload(read_limited(upload.stream), upload.filename)
        except ReceiptRejected as refused:
            self.file.errors.append(str(refused))
            return None


class DecisionForm(Form):
    """Finance's decision on a claim: the button pressed says which."""

    action = HiddenField(validators=[AnyOf([d.value for d in Decision], message=_l("Choose an action."))])
    cap = StringField(_l("Cap (return bus fare)"), validators=[Optional(), Length(max=30)])
    amount = StringField(
        _l("Amount to approve (empty: the payable amount)"), validators=[Optional(), Length(max=30)]
    )
    reason = TextAreaField(
        _l("Reason (needed to approve less, reject or ask for more)"),
        validators=[Optional(), Length(max=2000)],
    )
    override_reason = StringField(
        _l("Override reason (only to approve above the cap)"), validators=[Optional(), Length(max=300)]
    )

    def decision(self, currency: str) -> DecisionRequest | None:
        """The decision asked for, amounts in minor units; None, with the error next to its
        field, when an amount is not one."""
        amounts = {}
        for name in ("cap", "amount"):
            raw = (getattr(self, name).data or "").strip()
            try:
                amounts[name] = to_minor_units(raw, currency) if raw else None
            except AmountError as refused:
                getattr(self, name).errors.append(str(refused))
                return None
        return DecisionRequest(
            Decision(self.action.data),
            amount=amounts["amount"],
            cap=amounts["cap"],
            reason=self.reason.data or "",
            override_reason=self.override_reason.data or "",
        )


class NewBatchForm(Form):
    """The approved bank-transfer claims ticked to be paid together."""

    claim = SelectMultipleField(coerce=int, validate_choice=False)


class BatchPaidForm(Form):
    confirm = BooleanField(
        _l("The bank has made these transfers"),
        validators=[
            DataRequired(message=_l("Tick the box to confirm that the bank has made the transfers."))
        ],
    )
