from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from regsvc.claims.labels import EXPENSE_KIND, PAYOUT_METHOD, TRAVEL_MODE
from regsvc.forms import ChoiceField, Form


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


class ReceiptForm(Form):
    file = FileField(
        _l("Photo or PDF of the receipt"),
        description=_l("JPEG, PNG, WebP, HEIC or PDF, at most 10 MB. On a phone you can take the photo now."),
    )
    kind = SelectField(
        _l("Kind"),
        choices=EXPENSE_KIND.choices(),
    )
    issued_on = DateField(
        _l("Date on the receipt"),
        validators=[DataRequired(message=_l("Please enter the date on the receipt."))],
    )
    amount = StringField(
        _l("Amount paid"), validators=[DataRequired(message=_l("Please enter the amount on the receipt."))]
    )
