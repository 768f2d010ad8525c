from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from regsvc.claims.models import ExpenseKind, PayoutMethod, TravelMode
from regsvc.forms import Form
from regsvc.registration.forms import ChoiceField


class ClaimDetailsForm(Form):
    travel_mode = ChoiceField(
        _l("How did you travel?"),
        choices=[
            SelectChoice(TravelMode.BUS.value, _l("By bus")),
            SelectChoice(TravelMode.CAR.value, _l("By car")),
            SelectChoice(TravelMode.OTHER.value, _l("Other")),
        ],
        message=_l("Please choose how you travelled."),
    )
    route = TextAreaField(
        _l("Route"),
        description=_l("For example: Niš – Beograd and back, 30 June."),
        validators=[DataRequired(message=_l("Please describe your route.")), Length(max=1000)],
    )
    payout_method = ChoiceField(
        _l("How should we pay you?"),
        choices=[
            SelectChoice(PayoutMethod.BANK.value, _l("To my bank account")),
            SelectChoice(PayoutMethod.CASH.value, _l("In cash at the venue")),
        ],
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
        choices=[
            SelectChoice(ExpenseKind.BUS_TICKET.value, _l("Bus ticket")),
            SelectChoice(ExpenseKind.FUEL.value, _l("Fuel bill")),
            SelectChoice(ExpenseKind.TOLL.value, _l("Toll bill")),
            SelectChoice(ExpenseKind.OTHER.value, _l("Other")),
        ],
    )
    issued_on = DateField(
        _l("Date on the receipt"),
        validators=[DataRequired(message=_l("Please enter the date on the receipt."))],
    )
    amount = StringField(
        _l("Amount paid"), validators=[DataRequired(message=_l("Please enter the amount on the receipt."))]
    )
