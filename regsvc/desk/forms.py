from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SearchField, StringField
from wtforms.validators import Length, Optional

from regsvc.forms import Form


class DeskSearchForm(Form):
    """The desk's one field: a name to search, or a scanned or typed check-in code. Also
    sent with the buttons of a result, so the desk comes back to the same search."""

    q = SearchField(
        _l("Name, organisation, e-mail or check-in code"), validators=[Optional(), Length(max=200)]
    )


class SeatForm(Form):
    """Give an on-site seat to someone registered online or waiting, then check them in."""

    override_reason = StringField(
        _l("On-site is full: reason to seat over the cap"), validators=[Optional(), Length(max=300)]
    )
    q = HiddenField(validators=[Optional(), Length(max=200)])
