from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from regsvc.forms import Form


class ErasureForm(Form):
    """Erasure cannot be undone: the participant ticks that they understand, then confirms."""

    confirm = BooleanField(
        _l(
            "I understand that my data is erased for good and that the link to my registration stops working."
        ),
        validators=[DataRequired(message=_l("Tick the box to confirm that your data should be erased."))],
    )
