from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from regsvc.registration.models import Attendance, WhenFull


def _required(what):
    return DataRequired(message=_l("Please enter %(what)s.", what=what))


class RegistrationForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[_required(_l("your full name")), Length(max=200)])
    email = EmailField(
        _l("E-mail"),
        validators=[
            _required(_l("your e-mail address")),
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
        _l("Organisation"), validators=[_required(_l("your organisation")), Length(max=200)]
    )
    position = StringField(_l("Position"), validators=[_required(_l("your position")), Length(max=200)])
    departure_town = StringField(
        _l("Town of departure"),
        validators=[_required(_l("the town you travel from")), Length(max=100)],
        description=_l("Where you travel from to attend on-site."),
    )
    attendance = RadioField(
        _l("How will you attend?"),
        choices=[
            (Attendance.ONSITE.value, _l("On-site, in the hall")),
            (Attendance.ONLINE.value, _l("Online")),
        ],
        validators=[InputRequired(message=_l("Please choose on-site or online."))],
    )
    when_full = RadioField(
        _l("If no on-site seat is left when you submit"),
        choices=[
            (WhenFull.WAITLIST.value, _l("Put me on the waiting list and let me follow online meanwhile")),
            (WhenFull.ONLINE.value, _l("Register me online")),
        ],
        default=WhenFull.WAITLIST.value,
        validators=[InputRequired(message=_l("Please choose what we should do if on-site is full."))],
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


class AttendanceChangeForm(FlaskForm):
    """A single button on the private page; the wanted state is in the button's value."""

    wanted = RadioField(
        choices=[(a.value, a.value) for a in Attendance],
        validators=[InputRequired()],
    )
    when_full = RadioField(
        choices=[(w.value, w.value) for w in WhenFull],
        default=WhenFull.WAITLIST.value,
        validators=[Optional()],
    )
