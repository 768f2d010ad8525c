"""Organisers write to a segment of an event's participants: who is in it, what each of them
will read, and sending it through the outbox, once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Row, and_, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from regsvc.audit.services import record
from regsvc.auth.models import StaffUser
from regsvc.db import utcnow, write_transaction
from regsvc.events.models import Event
from regsvc.mail.services import Mail, render_mail
from regsvc.messages.models import OrganiserMessage, Segment
from regsvc.messages.writing import NewLinks, write_mails
from regsvc.registration.models import Attendance, Registration

SENT = "message.sent"


class MessageError(Exception):
    """The message cannot be sent like this; the message says why."""


class AlreadySent(Exception):
    """The form that sends this message was sent before (a double click, a reload)."""

    def __init__(self, message: OrganiserMessage):
        super().__init__(message.id)
        self.message = message


@dataclass(frozen=True)
class Text:
    subject: str
    body: str

    @classmethod
    def typed(cls, subject: str, body: str) -> Text:
        # A subject is one line: an e-mail header cannot carry a line break.
        return cls(" ".join(subject.split()), body.strip())


@dataclass(frozen=True)
class Draft:
    """A message as the organiser wrote it: a main text, and the same in other languages."""

    segment: Segment
    text: Text
    translations: Mapping[str, Text] = field(default_factory=dict)

    def text_for(self, locale: str) -> Text:
        return self.translations.get(locale, self.text)

    def fingerprint(self) -> str:
        """Changes whenever anything a recipient would read, or who gets it, changes: a
        message is sent only as it was previewed."""
        content = {
            "segment": self.segment.value,
            "text": [self.text.subject, self.text.body],
            "translations": {
                locale: [text.subject, text.body] for locale, text in sorted(self.translations.items())
            },
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _in_segment(segment: Segment) -> ColumnElement[bool]:
    checked_in = Registration.checked_in_at.is_not(None)
    conditions: dict[Segment, ColumnElement[bool]] = {
        Segment.EVERYONE: Registration.attendance != Attendance.CANCELLED,
        Segment.ONSITE: Registration.attendance == Attendance.ONSITE,
        Segment.ONLINE: Registration.attendance == Attendance.ONLINE,
        Segment.WAITLISTED: Registration.attendance == Attendance.WAITLISTED,
        Segment.CHECKED_IN: and_(Registration.attendance != Attendance.CANCELLED, checked_in),
        Segment.NOT_CHECKED_IN: and_(Registration.attendance == Attendance.ONSITE, ~checked_in),
    }
    return conditions[segment]


def _reachable(event_id: int) -> ColumnElement[bool]:
    # Walk-ins registered without an address cannot be written to.
    return and_(Registration.event_id == event_id, Registration.email != "")


def segment_sizes(session: Session, event_id: int) -> dict[Segment, int]:
    """How many participants each segment would reach, in one query."""
    row = session.execute(
        select(
            *(func.coalesce(func.sum(case((_in_segment(segment), 1), else_=0)), 0) for segment in Segment)
        ).where(_reachable(event_id))
    ).one()
    return dict(zip(Segment, row, strict=True))


RECIPIENT_COLUMNS = (
    Registration.id,
    Registration.full_name,
    Registration.email,
    Registration.locale,
    Registration.attendance,
    Registration.checkin_code,
)


def recipients(session: Session, event_id: int, segment: Segment) -> Sequence[Row]:
    """The participants a message to `segment` goes to: rows with the columns its e-mail uses."""
    return session.execute(
        select(*RECIPIENT_COLUMNS).where(_reachable(event_id), _in_segment(segment)).order_by(Registration.id)
    ).all()


def _mail(event: Event, draft: Draft, recipient: Row, link: str) -> Mail:
    text = draft.text_for(recipient.locale)
    return render_mail(
        recipient.email,
        "organiser_message",
        recipient.locale,
        registration=recipient,
        event=event,
        subject=text.subject,
        message=text.body,
        link=link,
    )


@dataclass(frozen=True)
class Preview:
    """What one real recipient of one of the texts will read."""

    locale: str  # the language of the text, "" for the main text
    recipient: Row
    mail: Mail


def previews(session: Session, event: Event, draft: Draft) -> list[Preview]:
    """The message rendered for one real recipient of each text that someone will get: the
    main text, then each translation. Their private link is shown as a placeholder."""
    placeholder = _("[the participant's own private link]")
    first_of: dict[str, Row] = {}
    for recipient in recipients(session, event.id, draft.segment):
        first_of.setdefault(recipient.locale if recipient.locale in draft.translations else "", recipient)
    order = ["", *draft.translations]
    return [
        Preview(locale, first_of[locale], _mail(event, draft, first_of[locale], placeholder))
        for locale in order
        if locale in first_of
    ]


def _sent_with(session: Session, form_key: str) -> OrganiserMessage | None:
    return session.scalar(select(OrganiserMessage).where(OrganiserMessage.form_key == form_key))


def send_message(
    session: Session,
    event_id: int,
    draft: Draft,
    actor: StaffUser,
    form_key: str,
    *,
    now: datetime | None = None,
) -> OrganiserMessage:
    """E-mail the draft to every participant of its segment, each in their language, with a
    fresh private link of their own; log it. One transaction: everyone gets it, or nobody.

    `form_key` is the sending form's one-time key: the same form sent again raises
    AlreadySent and sends nothing. MessageError when the segment reaches nobody.
    """
    now = now or utcnow()
    try:
        with write_transaction(session):
            if (earlier := _sent_with(session, form_key)) is not None:
                raise AlreadySent(earlier)
            event = session.get_one(Event, event_id)
            people = recipients(session, event_id, draft.segment)
            if not people:
                raise MessageError(_l("Nobody in this group can be written to: nothing was sent."))
            message = OrganiserMessage(
                event_id=event_id,
                author_id=actor.id,
                segment=draft.segment,
                subject=draft.text.subject,
                body=draft.text.body,
                translations={
                    locale: {"subject": text.subject, "body": text.body}
                    for locale, text in draft.translations.items()
                },
                recipient_count=len(people),
                form_key=form_key,
                sent_at=now,
            )
            session.add(message)
            # Written before the e-mails: the same form sent at the same moment by another
            # request waits here, on the unique key, and then fails with nothing sent.
            session.flush()
            links = NewLinks(now)
            write_mails(
                session, links, [_mail(event, draft, person, links.url_for(person.id)) for person in people]
            )
            record(
                session,
                actor,
                SENT,
                event_id=event_id,
                subject=message,
                segment=draft.segment.value,
                recipients=len(people),
                title=draft.text.subject,
            )
    except IntegrityError:
        earlier = _sent_with(session, form_key)
        if earlier is None:
            raise
        raise AlreadySent(earlier) from None
    return message


def sent_messages(session: Session, event_id: int) -> list[OrganiserMessage]:
    """The event's messages, newest first."""
    return list(
        session.scalars(
            select(OrganiserMessage)
            .where(OrganiserMessage.event_id == event_id)
            .order_by(OrganiserMessage.sent_at.desc(), OrganiserMessage.id.desc())
        )
    )
