from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from regsvc.events.texts import language_name
from regsvc.forms import ChoiceField, Form
from regsvc.messages.labels import SEGMENT
from regsvc.messages.models import Segment
from regsvc.messages.services import Draft, Text

SUBJECT_MAX = 200
BODY_MAX = 20000


class MessageForm(Form):
    """An organiser's message: to whom, a subject and a text; in other languages too when
    the site has several (see message_form)."""

    segment = ChoiceField(_l("To"), message=_l("Please choose who the message goes to."))
    subject = StringField(
        _l("Subject"),
        validators=[DataRequired(message=_l("Please enter a subject.")), Length(max=SUBJECT_MAX)],
    )
    body = TextAreaField(
        _l("Message"),
        description=_l(
            "Plain text. Each e-mail begins with “Dear” and the participant's name, and ends with "
            "their private link and the event's date and place."
        ),
        validators=[DataRequired(message=_l("Please write the message.")), Length(max=BODY_MAX)],
    )
    # A new key for each message written: the same form sent twice is sent once.
    form_key = HiddenField(validators=[Regexp(r"^[A-Za-z0-9_-]{16,64}$")])
    # The fingerprint of what the organiser last previewed (Draft.fingerprint).
    previewed = HiddenField()
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))

    languages: Sequence[str] = ()

    def set_segments(self, sizes: Mapping[Segment, int]) -> None:
        """Offer each segment with the number of participants it reaches."""
        self.segment.choices = [
            SelectChoice(choice.value, f"{choice.label} ({sizes[Segment(choice.value)]})")
            for choice in SEGMENT.choices()
        ]

    def translation_fields(self) -> list[tuple[StringField, TextAreaField]]:
        """The subject and text fields of each language of the site."""
        return [(self[f"subject_{locale}"], self[f"body_{locale}"]) for locale in self.languages]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for locale, (subject, body) in zip(self.languages, self.translation_fields(), strict=True):
            if bool((subject.data or "").strip()) != bool((body.data or "").strip()):
                missing = body if (subject.data or "").strip() else subject
                missing.errors = [
                    *missing.errors,
                    _(
                        "Give both the subject and the text in %(language)s, or neither.",
                        language=language_name(locale),
                    ),
                ]
                valid = False
        return valid

    def draft(self) -> Draft:
        translations = {
            locale: Text.typed(self[f"subject_{locale}"].data, self[f"body_{locale}"].data)
            for locale in self.languages
            if (self[f"body_{locale}"].data or "").strip()
        }
        return Draft(Segment(self.segment.data), Text.typed(self.subject.data, self.body.data), translations)


def message_form(languages: Sequence[str], **kwargs) -> MessageForm:
    """The message form, with an optional subject and text for each of `languages` (the
    site's) when there are several: each participant gets the text in their language, or
    the main text."""
    if len(languages) < 2:
        return MessageForm(**kwargs)
    fields: dict[str, object] = {"languages": tuple(languages)}
    for locale in languages:
        fields[f"subject_{locale}"] = StringField(validators=[Optional(), Length(max=SUBJECT_MAX)])
        fields[f"body_{locale}"] = TextAreaField(validators=[Optional(), Length(max=BODY_MAX)])
    form = type("TranslatedMessageForm", (MessageForm,), fields)(**kwargs)
    for locale, (subject, body) in zip(languages, form.translation_fields(), strict=True):
        subject.label.text = _("Subject in %(language)s", language=language_name(locale))
        body.label.text = _("Message in %(language)s", language=language_name(locale))
    return form
