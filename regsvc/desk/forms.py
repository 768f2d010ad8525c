from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SearchField, StringField
from wtforms.validators import AnyOf, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from regsvc.forms import Form

EXPECTED = "expected"  # the list of people expected and not yet here
REASON_LENGTH = 300


class DeskSearchForm(Form):
    """The desk's one field: a name to search, or a scanned or typed check-in code. Also
    sent with the buttons of a result, so the desk comes back to the list it was on."""

    q = SearchField(
        _l("Name, organisation, e-mail or check-in code"), validators=[Optional(), Length(max=200)]
    )
    back = HiddenField(validators=[Optional(), AnyOf([EXPECTED])])
    page = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(min=1)])


class SeatForm(Form):
    """Give an on-site seat to someone registered online, waiting or cancelled, and check
    them in. When on-site is full, only with a reason to seat them over the cap."""

    override_reason = StringField(
        _l("Reason to seat over the cap"),
        validators=[
            Optional(),
            Length(max=REASON_LENGTH, message=_l("The reason can have at most %(max)d characters.")),
        ],
    )
