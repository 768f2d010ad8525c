# WTForms' Email validator imports email_validator on first use: that would be the first
# registration each web worker serves, in the middle of a burst. Load it with the app.
import email_validator  # noqa: F401
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, Regexp

from regsvc.forms import ChoiceField, Form, WholeNumberField
from regsvc.registration.labels import ATTENDANCE
from regsvc.registration.models import Attendance, WhenFull
from regsvc.registration.services import EDITABLE_FIELDS
from regsvc.translation import LANGUAGE_NAMES


class RegistrationForm(Form):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(message=_l("Please enter your full name.")), Length(max=200)],
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(message=_l("Please enter your e-mail address.")),
            Length(max=254),
            Email(
                message=_l("This does not look like an e-mail address, e.g. ana@example.org."),
                check_deliverability=False,
            ),
        ],
        description=_l("We send the link to your registration here."),
    )
    phone = TelField(
        _l("Phone (optional)"),
        validators=[
            Optional(),
            Regexp(
                r"^\+?[0-9 ()/.-]{6,30}$",
                message=_l("Use digits, spaces and an optional leading +, e.g. +381 64 123 4567."),
            ),
        ],
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[DataRequired(message=_l("Please enter your organisation.")), Length(max=200)],
    )
    position = StringField(
        _l("Position"), validators=[DataRequired(message=_l("Please enter your position.")), Length(max=200)]
    )
    departure_town = StringField(
        _l("Town of departure"),
        validators=[DataRequired(message=_l("Please enter the town you travel from.")), Length(max=100)],
        description=_l("Where you travel from to attend on-site."),
    )
    attendance = ChoiceField(
        _l("How will you attend?"),
        choices=ATTENDANCE.choices([Attendance.ONSITE, Attendance.ONLINE]),
        message=_l("Please choose on-site or online."),
    )
    when_full = ChoiceField(
        _l("If no on-site seat is left when you submit"),
        choices=[
            SelectChoice(
                WhenFull.WAITLIST.value, _l("Put me on the waiting list and let me follow online meanwhile")
            ),
            SelectChoice(WhenFull.ONLINE.value, _l("Register me online")),
        ],
        default=WhenFull.WAITLIST.value,
        validators=[Optional()],
        message=_l("Please choose what we should do if on-site is full."),
    )
    needs = TextAreaField(
        _l("Accessibility or dietary needs (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
    consent_data = BooleanField(
        _l("I agree that my personal data is processed to organise this event."),
        validators=[DataRequired(message=_l("We can only register you with your consent to this."))],
    )
    consent_publication = BooleanField(
        _l("I agree to appear in published participant lists and event photos (optional).")
    )
    # Left empty by people; filled in by form-filling robots (hidden on the page).
    website = StringField(validators=[Optional(), Length(max=200)])


class AttendanceChangeForm(Form):
    """One button on the private page; the attendance it asks for is a hidden field."""

    wanted = ChoiceField(choices=[SelectChoice(a.value) for a in Attendance], message=_l("Choose a change."))
    when_full = ChoiceField(
        choices=[SelectChoice(w.value) for w in WhenFull],
        default=WhenFull.WAITLIST.value,
        validators=[Optional()],
        message=_l("Choose what should happen if on-site is full."),
    )


class DetailsForm(Form):
    """A participant's details as staff edit them (e-mail optional: walk-ins may have none)."""

    full_name = StringField(
        _l("Full name"), validators=[DataRequired(message=_l("Please enter the full name.")), Length(max=200)]
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            Optional(),
            Length(max=254),
            Email(message=_l("This does not look like an e-mail address."), check_deliverability=False),
        ],
    )
    phone = TelField(_l("Phone"), validators=[Optional(), Length(max=40)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    departure_town = StringField(_l("Town of departure"), validators=[Optional(), Length(max=100)])
    needs = TextAreaField(_l("Accessibility or dietary needs"), validators=[Optional(), Length(max=1000)])
    consents_to_publication = BooleanField(_l("Agrees to appear in published lists and photos"))

    def changes(self) -> dict:
        return {
            name: (field.data or "") if name != "consents_to_publication" else bool(field.data)
            for name, field in self._fields.items()
            if name in EDITABLE_FIELDS
        }


class StaffAttendanceForm(Form):
    wanted = SelectField(
        _l("Attendance"),
        choices=ATTENDANCE.choices(),
    )
    override_reason = StringField(
        _l("Reason to seat over the cap (only if on-site is full)"),
        validators=[Optional(), Length(max=300)],
    )


class WalkInForm(Form):
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(message=_l("Please enter the full name.")), Length(max=200)]
    )
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    departure_town = StringField(_l("Town of departure"), validators=[Optional(), Length(max=100)])
    email = EmailField(
        _l("E-mail (optional, for the confirmation and travel claims)"),
        validators=[
            Optional(),
            Length(max=254),
            Email(message=_l("This does not look like an e-mail address."), check_deliverability=False),
        ],
    )
    consent_data = BooleanField(
        _l("The participant agrees that their data is processed to organise this event."),
        validators=[DataRequired(message=_l("Registration needs the participant's consent."))],
    )
    consent_publication = BooleanField(_l("Agrees to appear in published lists and photos"))
    # Their e-mails, certificate and claim are in it; the desk's own language to begin with.
    locale = SelectField(_l("Language of their e-mails and documents"), validate_choice=False)
    override_reason = StringField(
        _l("On-site is full: reason to seat over the cap"),
        validators=[Optional(), Length(max=300)],
    )

    def offer_languages(self, offered: list[str], current: str) -> None:
        self.locale.choices = [(code, LANGUAGE_NAMES.get(code, code)) for code in offered]
        if self.locale.data not in offered:
            self.locale.data = current if current in offered else offered[0]


class CapacityForm(Form):
    capacity = WholeNumberField(
        _l("On-site seats"),
        message=_l("Enter the number of on-site seats as a whole number, e.g. 80."),
        validators=[
            InputRequired(message=_l("Enter the number of on-site seats as a whole number, e.g. 80.")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
        ],
    )
