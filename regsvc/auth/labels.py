"""Words for staff roles (see regsvc.labels)."""

from flask_babel import lazy_gettext as _l

from regsvc.labels import Labels
from regsvc.roles import Role

ROLES = Labels(
    Role,
    {
        Role.ORGANISER: _l("Organiser"),
        Role.DESK: _l("Desk"),
        Role.FINANCE: _l("Finance"),
    },
)
