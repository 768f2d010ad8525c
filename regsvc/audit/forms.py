"""The audit log's filters, read from the page's address (a GET form)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from regsvc.audit.labels import KINDS
from regsvc.audit.sentences import Kind, actions_of
from regsvc.audit.services import PARTICIPANT, SYSTEM, LogFilter
from regsvc.forms import Form


class LogFilterForm(Form):
    """Event, who, what and a range of days. A value that is not understood (an event that
    does not exist, a date that is not one) is left out, and the field says so."""

    event = SelectField(_l("Event"), default="")
    actor = SelectField(_l("Who"), default="")
    kind = SelectField(_l("What"), default="")
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    LEFT_OUT = {
        "event": _l("There is no such event: entries of every event are shown."),
        "actor": _l("There is no such person here: entries by anyone are shown."),
        "kind": _l("There is no such kind of change: every kind is shown."),
        "since": _l("That is not a date, such as 2026-06-30: no first day is used."),
        "until": _l("That is not a date, such as 2026-06-30: no last day is used."),
    }

    def __init__(self, formdata, *, events: list[tuple[int, str]], accounts: list[tuple[int, str]]):
        super().__init__(formdata=formdata)
        self.event.choices = [("", _("Every event")), *((str(id_), title) for id_, title in events)]
        self.actor.choices = [
            ("", _("Anyone")),
            *((str(id_), label) for id_, label in accounts),
            (PARTICIPANT, _("Participants")),
            (SYSTEM, _("The system")),
        ]
        self.kind.choices = [("", _("Every kind")), *KINDS.choices()]

    def log_filter(self) -> LogFilter:
        """The filter of the understood values."""
        if not self.validate():
            for name in self.errors:
                field = self[name]
                field.errors = [str(self.LEFT_OUT[name])]
                field.data, field.raw_data = None, []
        since, until = self.since.data, self.until.data
        if since and until and since > until:
            self.since.data, self.until.data = since, until = until, since
            self.until.errors = [_("The last day was before the first: the two are swapped.")]
        actor = self.actor.data or None
        return LogFilter(
            event_id=int(self.event.data) if self.event.data else None,
            actor=int(actor) if actor and actor.isdigit() else actor,
            actions=actions_of(Kind(self.kind.data)) if self.kind.data else None,
            since=since,
            until=until,
        )

    def kept(self) -> dict[str, str]:
        """The understood values, for the links to other pages of the log."""
        values = {
            "event": self.event.data,
            "actor": self.actor.data,
            "kind": self.kind.data,
            "since": self.since.data.isoformat() if self.since.data else None,
            "until": self.until.data.isoformat() if self.until.data else None,
        }
        return {name: value for name, value in values.items() if value}
