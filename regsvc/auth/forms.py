from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import AnyOf, DataRequired, Email, EqualTo, Length, Optional, Regexp, ValidationError

from regsvc.auth.labels import ROLES
from regsvc.auth.services import MIN_PASSWORD_LENGTH
from regsvc.forms import Form
from regsvc.translation import LANGUAGE_NAMES


def _digits_only(value: str | None) -> str | None:
    # Apps show the code as "123 456"; people type it that way too.
    return value.replace(" ", "").strip() if value else value


def _code_field(label, *validators) -> StringField:
    return StringField(
        label,
        filters=[_digits_only],
        validators=[*validators, Regexp(r"^[0-9]{6}$", message=_l("The code has 6 digits."))],
    )


def _new_password_field(label, presence) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            presence,
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l("A password needs at least %(num)d characters.", num=MIN_PASSWORD_LENGTH),
            ),
        ],
    )


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(message=_l("Please enter your e-mail address."))]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Please enter your password."))]
    )
    # Offered only while sign-ins must wait: a right password with a right code need not.
    code = _code_field(_l("Code from your authenticator app"), Optional())


class CodeForm(Form):
    code = _code_field(
        _l("6-digit code"), DataRequired(message=_l("Please enter the 6-digit code your app shows."))
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
    password = _new_password_field(_l("Password (leave empty to generate one)"), Optional())


class PasswordForm(Form):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(message=_l("Please enter your current password."))]
    )
    password = _new_password_field(
        _l("New password"), DataRequired(message=_l("Please enter a new password."))
    )
    repeat = PasswordField(
        _l("New password again"),
        validators=[EqualTo("password", message=_l("The two new passwords differ."))],
    )


class AccountActiveForm(Form):
    """The button that lets an account sign in again (1) or no longer (0)."""

    active = HiddenField(validators=[AnyOf(["0", "1"])])


class LanguageForm(Form):
    """The language of the staff member's pages, among the languages the site offers."""

    locale = SelectField(_l("Language of your pages and e-mails"), validate_choice=False)

    def __init__(self, offered: list[str], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locale.choices = [("", _l("The language my browser asks for"))] + [
            (code, LANGUAGE_NAMES.get(code, code)) for code in offered
        ]

    def validate_locale(self, field) -> None:
        if field.data not in {code for code, _name in field.choices}:
            raise ValidationError(_l("Choose one of the languages in the list."))
