from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from regsvc.auth.labels import ROLES
from regsvc.auth.services import MIN_PASSWORD_LENGTH
from regsvc.forms import Form


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(message=_l("Please enter your e-mail address."))]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Please enter your password."))]
    )


class UserForm(Form):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(message=_l("Please enter an e-mail address.")),
            Email(message=_l("This does not look like an e-mail address."), check_deliverability=False),
            Length(max=254),
        ],
    )
    full_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    roles = SelectMultipleField(
        _l("Roles"),
        choices=ROLES.choices(),
        option_widget=widgets.CheckboxInput(),
        widget=widgets.ListWidget(prefix_label=False),
        validators=[DataRequired(message=_l("Choose at least one role."))],
    )
    password = PasswordField(
        _l("Password (leave empty to generate one)"),
        validators=[
            Optional(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l("A password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
    )


class AccountActiveForm(Form):
    """The button that lets an account sign in again (1) or no longer (0)."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])
