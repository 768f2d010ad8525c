"""The audit log in plain words: each entry told as a sentence a person reads, e.g. "Ana Jović
(ana@example.org) approved claim 12 of Marija Petrović: 3,600 RSD."

SENTENCES maps every recorded action to its sentence, grouped by kind (the log's filter). A
sentence names what it says as %(name)s: `actor`, `person`, `event`, `claim`, `batch`,
`registration`, or any of the entry's details, put in words by `_Words`. Details a
sentence leaves out but a reader needs (a reason, an override) follow it as notes. An action
without a sentence, or an entry without what its sentence names, is still told, plainly.

The audit package is imported by every package that records, so it imports none of them:
the names it shows are read from their tables, and the few codes it puts in words (an
attendance, a claim's state, a role) have words of their own here, as they read in a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import select
from sqlalchemy.orm import Session

from regsvc.audit.models import AuditEntry
from regsvc.audit.services import PARTICIPANT, SYSTEM
from regsvc.db import Base
from regsvc.formatting import staff_datetime
from regsvc.money import format_money


class Kind(StrEnum):
    """What an action is about: the groups of the log's "What" filter."""

    REGISTRATIONS = "registrations"
    EVENTS = "events"
    MESSAGES = "messages"
    CLAIMS = "claims"
    STAFF = "staff"
    PRIVACY = "privacy"


_BY_KIND: dict[Kind, dict[str, LazyString]] = {
    Kind.REGISTRATIONS: {
        "registration.walk_in": _l("%(actor)s registered %(person)s at the desk, as a walk-in."),
        "registration.edited": _l("%(actor)s changed the details of %(person)s: %(changes)s."),
        "attendance.changed": _l(
            "%(actor)s changed the attendance of %(person)s: was %(before)s, now %(after)s."
        ),
        "seat.override": _l("%(actor)s seated %(person)s over the cap of %(capacity)s: “%(reason)s”"),
        "seat.released": _l(
            "The seat held for %(person)s was released: nobody opened the link in the e-mail in time."
        ),
        "waitlist.promoted": _l("%(person)s moved up from the waiting list to an on-site seat."),
        "checkin": _l("%(actor)s checked in %(person)s."),
        "checkin.undone": _l("%(actor)s undid the check-in of %(person)s."),
    },
    Kind.EVENTS: {
        "event.created": _l("%(actor)s created the event “%(title)s”, with %(capacity)s."),
        "event.edited": _l("%(actor)s edited the event %(event)s: %(changes)s."),
        "capacity.changed": _l(
            "%(actor)s changed the on-site capacity of %(event)s from %(before)s to %(after)s."
        ),
        "fares.replaced": _l("%(actor)s replaced the fare table of %(event)s: %(towns)s."),
        "registration.opened": _l("%(actor)s opened registration for %(event)s."),
        "registration.closed": _l("%(actor)s closed registration for %(event)s."),
    },
    Kind.MESSAGES: {
        "message.sent": _l("%(actor)s sent the message “%(title)s” to %(recipients)s: %(segment)s."),
        "reminders.sent": _l("The reminder before %(event)s went to %(recipients)s."),
    },
    Kind.CLAIMS: {
        "claim.opened": _l("%(person)s started travel claim %(claim)s."),
        "claim.submitted": _l(
            "%(person)s submitted travel claim %(claim)s: %(claimed)s claimed, cap %(cap)s."
        ),
        "claim.cap_set": _l("%(actor)s set the cap of claim %(claim)s of %(person)s to %(cap)s."),
        "claim.first_approval": _l(
            "%(actor)s gave the first of two approvals to claim %(claim)s of %(person)s: %(amount)s."
        ),
        "claim.approved": _l("%(actor)s approved claim %(claim)s of %(person)s: %(amount)s."),
        "claim.rejected": _l("%(actor)s rejected claim %(claim)s of %(person)s: “%(reason)s”"),
        "claim.needs_info": _l(
            "%(actor)s asked %(person)s for more information on claim %(claim)s: “%(reason)s”"
        ),
        "claim.paid": _l("%(actor)s marked claim %(claim)s of %(person)s paid: %(amount)s."),
        "claim.eligibility_changed": _l(
            "%(actor)s changed the attendance of %(person)s from %(attendance_before)s to "
            "%(attendance)s, so finance looks at claim %(claim)s again (now %(status)s)."
        ),
        "batch.created": _l("%(actor)s made payment batch %(batch)s: %(claims)s, %(total)s."),
        "batch.paid": _l("%(actor)s marked payment batch %(batch)s paid: %(claims)s."),
        "batch.dissolved": _l(
            "%(actor)s dissolved payment batch %(batch)s and put its %(claims)s back in the queue."
        ),
    },
    Kind.STAFF: {
        "user.created": _l("%(actor)s created the staff account %(email)s, as %(roles)s."),
        "user.enabled": _l("%(actor)s let %(email)s sign in again."),
        "user.disabled": _l("%(actor)s disabled the account %(email)s: it can no longer sign in."),
        "user.password_changed": _l("%(actor)s changed their password."),
        "user.two_step_on": _l("%(actor)s turned on two-step sign-in."),
        "user.two_step_off": _l("%(actor)s turned off two-step sign-in."),
        "user.two_step_reset": _l(
            "%(actor)s turned off two-step sign-in for %(email)s, who was signed out everywhere."
        ),
    },
    Kind.PRIVACY: {
        "registration.erased": _l(
            "%(actor)s had their personal data erased (registration %(registration)s)."
        ),
        "registration.anonymised": _l(
            "Registration %(registration)s was anonymised: its retention period was over."
        ),
        "claim.anonymised": _l(
            "Claim %(claim)s was anonymised at the end of its audit period; %(receipts_deleted)s deleted."
        ),
        "privacy.retention": _l(
            "The retention run anonymised %(registrations)s and %(claims)s, "
            "and deleted %(draft_claims)s and %(files)s."
        ),
    },
}
# Every recorded action and its sentence.
SENTENCES: dict[str, LazyString] = {
    action: text for texts in _BY_KIND.values() for action, text in texts.items()
}

# Details a sentence may leave out, said after it when the entry has them.
NOTES = {
    "reason": _l("Reason: “%(reason)s”"),
    "override": _l("Above the cap because: “%(override)s”"),
    "first_approval": _l("First approval by %(first_approval)s."),
    "batch": _l("Paid with payment batch %(batch)s."),
    "left_batch": _l("It left payment batch %(left_batch)s, not paid yet."),
    "cancelled": _l("The registration was cancelled."),
    "draft_claim_deleted": _l("The draft travel claim was deleted."),
    "claim_kept_until": _l("The travel claim is kept for the audit until %(claim_kept_until)s."),
}

# Codes stored in the details, as a sentence says them.
_ATTENDANCE = {
    "onsite": _l("on-site"),
    "online": _l("online"),
    "waitlisted": _l("on the waiting list"),
    "cancelled": _l("cancelled"),
}
_CLAIM_STATUS = {
    "draft": _l("a draft"),
    "submitted": _l("waiting for finance"),
    "needs_info": _l("waiting for the participant's information"),
    "approved": _l("approved"),
    "rejected": _l("rejected"),
    "paid": _l("paid"),
}
_ROLE = {"organiser": _l("organiser"), "desk": _l("desk"), "finance": _l("finance")}
_SEGMENT = {
    "everyone": _l("everyone registered"),
    "onsite": _l("on-site participants"),
    "online": _l("online participants"),
    "waitlisted": _l("the waiting list"),
    "checked_in": _l("those checked in"),
    "not_checked_in": _l("on-site participants not checked in"),
}
CODES: dict[str, Mapping[str, Any]] = {
    # capacity.changed has numbers here, attendance.changed an attendance
    "before": _ATTENDANCE,
    "after": _ATTENDANCE,
    "attendance_before": _ATTENDANCE,
    "attendance": _ATTENDANCE,
    "status_before": _CLAIM_STATUS,
    "status": _CLAIM_STATUS,
    "segment": _SEGMENT,
    "roles": _ROLE,
}

# Numbers of things; a list counts its items.
COUNTS: dict[str, Callable[[int], str]] = {
    "capacity": lambda n: ngettext("%(num)d on-site seat", "%(num)d on-site seats", n),
    "towns": lambda n: ngettext("%(num)d town", "%(num)d towns", n),
    "recipients": lambda n: ngettext("%(num)d participant", "%(num)d participants", n),
    "claims": lambda n: ngettext("%(num)d claim", "%(num)d claims", n),
    "registrations": lambda n: ngettext("%(num)d registration", "%(num)d registrations", n),
    "draft_claims": lambda n: ngettext("%(num)d draft claim", "%(num)d draft claims", n),
    "files": lambda n: ngettext("%(num)d file", "%(num)d files", n),
    "receipts_deleted": lambda n: ngettext("%(num)d receipt file", "%(num)d receipt files", n),
}

# Amounts in minor units of the claim's, the batch's or the entry's currency.
MONEY = frozenset({"amount", "payable", "cap", "claimed", "total"})

# The fields of an edited event or registration.
FIELDS = {
    "main_language": _l("main language"),
    "title": _l("title"),
    "slug": _l("web address"),
    "description": _l("description"),
    "timezone": _l("time zone"),
    "starts_at": _l("start"),
    "ends_at": _l("end"),
    "venue_name": _l("venue"),
    "venue_address": _l("venue address"),
    "host_town": _l("host town"),
    "registration_opens_at": _l("registration opens"),
    "registration_closes_at": _l("registration closes"),
    "currency": _l("currency"),
    "travel_reimbursed": _l("travel refunded"),
    "stream_details": _l("stream details"),
    "contact_email": _l("contact e-mail"),
    "is_published": _l("published"),
    "organiser_name": _l("organiser's name"),
    "reminder_hours_before": _l("reminder, hours before"),
    "online_certificates": _l("certificates for online participants"),
    "full_name": _l("name"),
    "email": _l("e-mail"),
    "phone": _l("phone"),
    "organisation": _l("organisation"),
    "position": _l("position"),
    "departure_town": _l("town of departure"),
    "needs": _l("needs"),
    "consents_to_publication": _l("agrees to be published"),
}
# A changed value longer than this is shortened (the full text is in the recorded data).
LONGEST_VALUE = 60
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@dataclass(frozen=True)
class LogLine:
    """One entry as the log page shows it."""

    entry: AuditEntry
    sentence: str
    notes: list[str] = field(default_factory=list)


def actions_of(kind: Kind) -> list[str]:
    return sorted(_BY_KIND[kind])


def log_lines(session: Session, entries: Iterable[AuditEntry]) -> list[LogLine]:
    """The entries in words, with what they refer to read in one query per kind of record."""
    entries = list(entries)
    known = _Known.read(session, entries)
    return [tell(entry, known) for entry in entries]


def tell(entry: AuditEntry, known: _Known) -> LogLine:
    words = _Words(entry, known)
    text = SENTENCES.get(entry.action)
    if text is not None:
        template = str(text)
        try:
            sentence = template % words
        except (KeyError, TypeError, ValueError):
            pass  # the entry lacks something its sentence names: told plainly below
        else:
            said = set(_PLACEHOLDER.findall(template))
            notes = [
                str(note) % words for key, note in NOTES.items() if key in entry.details and key not in said
            ]
            return LogLine(entry, sentence, notes)
    return LogLine(entry, _plainly(entry, words))


def _plainly(entry: AuditEntry, words: _Words) -> str:
    """An action without a sentence: who, what (its code in words), and about what."""
    what = entry.action.replace(".", " ").replace("_", " ")
    about = words.get("person") or words.get("event")
    if about:
        return _("%(actor)s: %(action)s (%(about)s).", actor=words["actor"], action=what, about=about)
    return _("%(actor)s: %(action)s.", actor=words["actor"], action=what)


@dataclass
class _Known:
    """What the entries of one page refer to, by id: names, titles and currencies."""

    people: dict[int, str] = field(default_factory=dict)  # registration id → name
    claims: dict[int, tuple[str, str]] = field(default_factory=dict)  # claim id → (name, currency)
    batches: dict[int, str] = field(default_factory=dict)  # payment batch id → currency
    events: dict[int, str] = field(default_factory=dict)  # event id → title

    @classmethod
    def read(cls, session: Session, entries: list[AuditEntry]) -> _Known:
        ids: dict[str, set[int]] = {}
        for entry in entries:
            if entry.subject_id is not None:
                ids.setdefault(entry.subject_type, set()).add(entry.subject_id)
        known = cls()
        tables = Base.metadata.tables  # by name: the log imports no other package
        registrations, claims = tables["registrations"], tables["claims"]
        if ids.get("registrations"):
            rows = session.execute(
                select(registrations.c.id, registrations.c.full_name).where(
                    registrations.c.id.in_(ids["registrations"])
                )
            )
            known.people = {row.id: row.full_name for row in rows}
        if ids.get("claims"):
            rows = session.execute(
                select(claims.c.id, registrations.c.full_name, claims.c.currency)
                .join(registrations, registrations.c.id == claims.c.registration_id)
                .where(claims.c.id.in_(ids["claims"]))
            )
            known.claims = {row.id: (row.full_name, row.currency) for row in rows}
        if ids.get("payment_batches"):
            batches = tables["payment_batches"]
            rows = session.execute(
                select(batches.c.id, batches.c.currency).where(batches.c.id.in_(ids["payment_batches"]))
            )
            known.batches = {row.id: row.currency for row in rows}
        event_ids = {entry.event_id for entry in entries if entry.event_id is not None}
        if event_ids:
            events = tables["events"]
            rows = session.execute(select(events.c.id, events.c.title).where(events.c.id.in_(event_ids)))
            known.events = {row.id: row.title for row in rows}
        return known


class _Words(Mapping[str, str]):
    """What a sentence may name, in words, for one entry. A name the entry has nothing for
    is missing (KeyError), so the sentence gives way to the plain telling."""

    def __init__(self, entry: AuditEntry, known: _Known):
        self.entry, self.known = entry, known

    def __getitem__(self, key: str) -> str:
        entry = self.entry
        if key == "actor":
            return self._actor()
        if key == "person":
            return self._person()
        if key == "event" and entry.event_id is not None:
            return self.known.events.get(entry.event_id) or _("event %(id)d", id=entry.event_id)
        if key in ("claim", "batch", "registration"):
            return self._subject(key)
        if key == "cap" and "cap" not in entry.details and entry.subject_type == "claims":
            return _("not set yet")
        if key not in entry.details:
            raise KeyError(key)
        return self._detail(key, entry.details[key])

    def __iter__(self):
        return iter(self.entry.details)

    def __len__(self) -> int:
        return len(self.entry.details)

    def _actor(self) -> str:
        entry = self.entry
        if entry.actor is not None:
            account = entry.actor
            return f"{account.full_name} ({account.email})" if account.full_name else account.email
        if entry.actor_label == PARTICIPANT:
            return _("The participant")
        if entry.actor_label == SYSTEM:
            return _("The system")
        return entry.actor_label

    def _person(self) -> str:
        entry = self.entry
        if entry.subject_type == "registrations" and entry.subject_id in self.known.people:
            return self.known.people[entry.subject_id]
        if entry.subject_type == "claims" and entry.subject_id in self.known.claims:
            return self.known.claims[entry.subject_id][0]
        if "name" in entry.details:
            return str(entry.details["name"])
        raise KeyError("person")

    def _subject(self, key: str) -> str:
        table = {"claim": "claims", "batch": "payment_batches", "registration": "registrations"}[key]
        entry = self.entry
        if entry.subject_type != table or entry.subject_id is None:
            if key in entry.details:  # claim.paid names its batch
                return str(entry.details[key])
            raise KeyError(key)
        return str(entry.subject_id)

    def _currency(self) -> str:
        entry, known = self.entry, self.known
        if "currency" in entry.details:
            return str(entry.details["currency"])
        if entry.subject_type == "claims" and entry.subject_id in known.claims:
            return known.claims[entry.subject_id][1]
        if entry.subject_type == "payment_batches" and entry.subject_id in known.batches:
            return known.batches[entry.subject_id]
        raise KeyError("currency")

    def _detail(self, key: str, value: Any) -> str:
        if key in MONEY and isinstance(value, int):
            return format_money(value, self._currency())
        if key in COUNTS:
            return COUNTS[key](len(value) if isinstance(value, list) else int(value))
        if key in CODES:
            phrases = CODES[key]
            if isinstance(value, list):
                return ", ".join(str(phrases.get(item, item)) for item in value)
            return str(phrases.get(value, value)) if isinstance(value, str) else str(value)
        if key == "changes" and isinstance(value, dict):
            return "; ".join(
                _(
                    "%(field)s: %(before)s → %(after)s",
                    field=_field(name),
                    before=_value(old),
                    after=_value(new),
                )
                for name, (old, new) in value.items()
            )
        if isinstance(value, str) and key.endswith("_until"):
            return _date(value)
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return str(value)


# A text in another language is recorded as its field and locale: "title_mk", "title_sr_Latn".
_TRANSLATED_FIELD = re.compile(r"(?P<field>\w+?)_(?P<locale>[a-z]{2,3}(?:_[A-Z][a-z]{3})?)")


def _field(name: str) -> str:
    """A changed field in words; a text in another language with that language named:
    "title_mk" → "title (Macedonian)"."""
    if name in FIELDS:
        return str(FIELDS[name])
    translated = _TRANSLATED_FIELD.fullmatch(name)
    if translated and translated["field"] in FIELDS:
        try:
            language = Locale.parse(translated["locale"]).get_display_name(get_locale())
        except (ValueError, UnknownLocaleError):
            language = None
        if language:
            return _("%(field)s (%(language)s)", field=FIELDS[translated["field"]], language=language)
    return name.replace("_", " ")


def _value(value: Any) -> str:
    """A changed field's value, short: a moment in the staff time zone, yes or no, text quoted."""
    if value is None or value == "":
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return staff_datetime(moment)
        if len(value) > LONGEST_VALUE:
            value = value[: LONGEST_VALUE - 1].rstrip() + "…"
        return f"“{value}”"
    return str(value)


def _date(value: str) -> str:
    try:
        return format_date(date.fromisoformat(value), "d MMM y", locale=get_locale())  # as staff_datetime
    except ValueError:
        return value
