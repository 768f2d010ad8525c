"""Words for the kinds of recorded change (see regsvc.labels)."""

from flask_babel import lazy_gettext as _l

from regsvc.audit.sentences import Kind
from regsvc.labels import Labels

KINDS = Labels(
    Kind,
    {
        Kind.REGISTRATIONS: _l("Registrations and seats"),
        Kind.EVENTS: _l("Events"),
        Kind.MESSAGES: _l("Messages to participants"),
        Kind.CLAIMS: _l("Travel claims and payments"),
        Kind.STAFF: _l("Staff accounts"),
        Kind.PRIVACY: _l("Personal data"),
    },
)
