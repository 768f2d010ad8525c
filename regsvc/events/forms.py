from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from regsvc.events.editing import EVENT_FIELDS
from regsvc.events.models import CURRENCIES, REMINDER_HOURS_MAX, TIMEZONES, Event
from regsvc.forms import Form, WholeNumberField

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
_WHEN = _l("Please enter a date and time.")
DATETIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _when(label):
    return DateTimeLocalField(label, format=LOCAL_FORMAT, validators=[DataRequired(message=_WHEN)])


class EventForm(Form):
    """Every field of an event. Dates are typed in the event's own time zone."""

    title = StringField(
        _l("Title"), validators=[DataRequired(message=_l("Please enter a title.")), Length(max=200)]
    )
    slug = StringField(
        _l("Address of the event page"),
        description=_l(
            "Lower-case letters, digits and dashes, as in /e/conference-belgrade/. "
            "Links in e-mails already sent use it: change it only before registration opens."
        ),
        validators=[
            DataRequired(message=_l("Please enter an address.")),
            Regexp(
                r"^[a-z0-9]+(-[a-z0-9]+)*$",
                message=_l("Use lower-case letters, digits and single dashes, e.g. conference-belgrade."),
            ),
            Length(min=3, max=80, message=_l("Use 3 to 80 characters.")),
        ],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)])
    timezone = SelectField(
        _l("Time zone"), choices=[SelectChoice(zone) for zone in TIMEZONES], default="Europe/Belgrade"
    )
    starts_at = _when(_l("Starts"))
    ends_at = _when(_l("Ends"))
    venue_name = StringField(
        _l("Venue"), validators=[DataRequired(message=_l("Please enter the venue.")), Length(max=200)]
    )
    venue_address = StringField(_l("Venue address"), validators=[Optional(), Length(max=300)])
    host_town = StringField(
        _l("Host town"),
        description=_l("Participants from this town get no travel refund."),
        validators=[DataRequired(message=_l("Please enter the host town.")), Length(max=100)],
    )
    onsite_capacity = IntegerField(
        _l("On-site seats"),
        validators=[
            InputRequired(message=_l("Please enter the number of on-site seats (0 for online only).")),
            NumberRange(min=0, max=100000, message=_l("Enter a number from 0 to 100000.")),
        ],
    )
    registration_opens_at = _when(_l("Registration opens"))
    registration_closes_at = _when(_l("Registration closes"))
    currency = SelectField(_l("Currency"), choices=[SelectChoice(code) for code in CURRENCIES])
    travel_reimbursed = BooleanField(_l("Travel is reimbursed (up to a return bus ticket)"))
    stream_details = TextAreaField(
        _l("Online stream details"),
        description=_l("Shown only to registered participants, on their private page."),
        validators=[Optional(), Length(max=5000)],
    )
    contact_email = EmailField(
        _l("Contact e-mail"),
        validators=[
            Optional(),
            Email(message=_l("This does not look like an e-mail address."), check_deliverability=False),
        ],
    )
    organiser_name = StringField(
        _l("Organiser"),
        description=_l("Printed on the certificates of attendance, e.g. the project or consortium."),
        validators=[Optional(), Length(max=200)],
    )
    reminder_hours_before = WholeNumberField(
        _l("Reminder e-mail, hours before the start"),
        description=_l(
            "Each participant gets one reminder: the address and their QR code if on site, the stream "
            "details if online. 0 sends none."
        ),
        default=24,
        message=_l("Enter a number of hours from 0 to %(max)d.", max=REMINDER_HOURS_MAX),
        validators=[
            NumberRange(
                min=0,
                max=REMINDER_HOURS_MAX,
                message=_l("Enter a number of hours from 0 to %(max)d.", max=REMINDER_HOURS_MAX),
            )
        ],
    )
    online_certificates = BooleanField(
        _l("Online participants get a certificate of attendance too (the checked-in always do)")
    )
    is_published = BooleanField(_l("Published (listed on the home page)"), default=True)

    def __init__(self, *args, event: Event | None = None, **kwargs):
        if event is not None and "obj" not in kwargs:
            kwargs["data"] = self.data_of(event)
        super().__init__(*args, **kwargs)

    @staticmethod
    def data_of(event: Event) -> dict:
        data = {name: getattr(event, name) for name in EVENT_FIELDS}
        for name in DATETIME_FIELDS:
            data[name] = getattr(event, name).astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)
        return data

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        valid = True
        if self.ends_at.data <= self.starts_at.data:
            self.ends_at.errors.append(_l("The event must end after it starts."))
            valid = False
        if self.registration_closes_at.data <= self.registration_opens_at.data:
            self.registration_closes_at.errors.append(_l("Registration must close after it opens."))
            valid = False
        return valid

    def fields_dict(self) -> dict:
        """The form's values as the event's fields, dates made aware in the event's time zone."""
        zone = ZoneInfo(self.timezone.data)
        values = {name: getattr(self, name).data for name in EVENT_FIELDS}
        for name in DATETIME_FIELDS:
            values[name] = values[name].replace(tzinfo=zone)
        for name in ("description", "venue_address", "stream_details", "contact_email", "organiser_name"):
            values[name] = (values[name] or "").strip()
        return values


class EventEditForm(EventForm):
    """An event as edited: the on-site capacity is changed on the event's overview, where
    the seats already taken are shown (it goes through the seat allocation)."""

    onsite_capacity = None


class RegistrationOpenForm(Form):
    """The button that opens or closes registration now."""

    open = HiddenField(validators=[AnyOf(["0", "1"])])


class FareTableForm(Form):
    lines = TextAreaField(
        _l("Fare table"),
        description=_l(
            "One town a line: the town, a comma, the return bus fare to the host town, like “Niš, 3600”. "
            "A fare of 0 means no refund from that town (other names of the host town, suburbs)."
        ),
        validators=[Optional(), Length(max=100000)],
    )
    csv_file = FileField(
        _l("…or import a CSV file"),
        description=_l("Two columns, town and return fare; UTF-8. It replaces the whole table."),
    )
