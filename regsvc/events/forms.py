from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
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
from wtforms.fields import Field
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

from regsvc.events.editing import EVENT_FIELDS, Translations
from regsvc.events.models import CURRENCIES, REMINDER_HOURS_MAX, TIMEZONES, Event
from regsvc.events.texts import DEFAULT_LOCALE, LOCALES, TRANSLATABLE, language_name
from regsvc.forms import Form, WholeNumberField

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
_WHEN = _l("Please enter a date and time.")
DATETIME_FIELDS = ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at")


def _when(label):
    return DateTimeLocalField(label, format=LOCAL_FORMAT, validators=[DataRequired(message=_WHEN)])


@dataclass(frozen=True)
class LanguageSection:
    """The fields of one language's texts on the event form."""

    locale: str
    name: str
    fields: list[Field]
    shown: bool


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
    main_language = SelectField(
        _l("Main language"),
        description=_l(
            "The language of the texts above. Readers of another language see them too, unless you "
            "give the texts in their language below."
        ),
        default=DEFAULT_LOCALE,
    )

    # The languages with a section of texts of their own (see event_form).
    languages: Sequence[str] = ()

    def __init__(self, *args, event: Event | None = None, **kwargs):
        if event is not None and "obj" not in kwargs:
            kwargs["data"] = self.data_of(event)
        super().__init__(*args, **kwargs)
        self.main_language.choices = [SelectChoice(locale, language_name(locale)) for locale in LOCALES]

    @staticmethod
    def data_of(event: Event) -> dict:
        data = {name: getattr(event, name) for name in EVENT_FIELDS}
        for name in DATETIME_FIELDS:
            data[name] = getattr(event, name).astimezone(ZoneInfo(event.timezone)).replace(tzinfo=None)
        for locale, texts in (event.translations or {}).items():
            data.update({f"{field}_{locale}": text for field, text in texts.items()})
        return data

    def language_sections(self) -> list[LanguageSection]:
        """A section for each language but the main one (and the main one's too while it
        holds text the organiser typed there, so that it is not lost)."""
        sections = []
        for locale in self.languages:
            fields = [self[f"{field}_{locale}"] for field in TRANSLATABLE]
            sections.append(
                LanguageSection(
                    locale,
                    language_name(locale),
                    fields,
                    shown=locale != self.main_language.data or any(f.data or f.errors for f in fields),
                )
            )
        return sections

    def translations(self) -> Translations:
        """The texts typed in each language's section ({} for a section left empty)."""
        return {
            section.locale: {
                field: text
                for field, f in zip(TRANSLATABLE, section.fields, strict=True)
                if (text := (f.data or "").strip())
            }
            for section in self.language_sections()
            if section.locale != self.main_language.data
        }

    def validate(self, extra_validators=None) -> bool:
        fields_valid = super().validate(extra_validators)
        languages_valid = self._main_language_section_is_empty()
        if not fields_valid:
            return False
        valid = languages_valid
        if self.ends_at.data <= self.starts_at.data:
            self.ends_at.errors.append(_l("The event must end after it starts."))
            valid = False
        if self.registration_closes_at.data <= self.registration_opens_at.data:
            self.registration_closes_at.errors.append(_l("Registration must close after it opens."))
            valid = False
        return valid

    def _main_language_section_is_empty(self) -> bool:
        """The main language's texts are the event's own fields; texts typed in its section
        (before the main language was changed) are shown back, with what to do."""
        for section in self.language_sections():
            typed = [f for f in section.fields if (f.data or "").strip()]
            if section.locale == self.main_language.data and typed:
                typed[0].errors = [
                    *typed[0].errors,
                    _(
                        "%(language)s is the main language: its texts are the ones at the top of "
                        "the form. Move them there, or choose another main language.",
                        language=section.name,
                    ),
                ]
                return False
        return True

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


_TRANSLATED_LABELS = {
    "title": _l("Title in %(language)s"),
    "description": _l("Description in %(language)s"),
    "venue_name": _l("Venue in %(language)s"),
    "venue_address": _l("Venue address in %(language)s"),
    "host_town": _l("Host town in %(language)s"),
    "stream_details": _l("Online stream details in %(language)s"),
}


def event_form(form_class: type[EventForm], languages: Sequence[str], **kwargs) -> EventForm:
    """The event form (`EventForm` or `EventEditForm`) with a section of optional texts for
    each of `languages` (the site's): each reader gets the texts of their language, or the
    main language's."""
    fields: dict[str, object] = {"languages": tuple(languages)}
    for locale in languages:
        for field, longest in TRANSLATABLE.items():
            kind = TextAreaField if field in ("description", "stream_details") else StringField
            fields[f"{field}_{locale}"] = kind(validators=[Optional(), Length(max=longest)])
    form = type(form_class.__name__, (form_class,), fields)(**kwargs)
    for locale in languages:
        name = language_name(locale)
        for field, label in _TRANSLATED_LABELS.items():
            form[f"{field}_{locale}"].label.text = label % {"language": name}
    return form


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

    languages: Sequence[str] = ()

    def name_fields(self) -> list[tuple[str, TextAreaField]]:
        """Each language's field of town names."""
        return [(locale, self[f"names_{locale}"]) for locale in self.languages]

    def gives_names(self) -> bool:
        """Whether any town is named in another language (a line with something after "=")."""
        return any(
            line.partition("=")[2].strip()
            for _locale, names in self.name_fields()
            for line in (names.data or "").splitlines()
        )

    def names(self) -> dict[str, str]:
        """The town names typed for each language: {locale: "town = name" lines}."""
        return {locale: names.data or "" for locale, names in self.name_fields()}


def fare_table_form(languages: Sequence[str], **kwargs) -> FareTableForm:
    """The fare table form, with a field of the towns' names in each of `languages` (the
    site's but the event's main language)."""
    fields = {"languages": tuple(languages)}
    for locale in languages:
        fields[f"names_{locale}"] = TextAreaField(validators=[Optional(), Length(max=100000)])
    form = type("TranslatedFareTableForm", (FareTableForm,), fields)(**kwargs)
    for locale, names in form.name_fields():
        names.label.text = _("Town names in %(language)s", language=language_name(locale))
    return form
