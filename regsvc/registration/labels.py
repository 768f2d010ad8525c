"""Words for a registration's codes (see regsvc.labels)."""

from flask_babel import lazy_gettext as _l

from regsvc.labels import Labels
from regsvc.registration.models import Attendance

ATTENDANCE = Labels(
    Attendance,
    {
        Attendance.ONSITE: _l("On-site seat"),
        Attendance.ONLINE: _l("Online"),
        Attendance.WAITLISTED: _l("Waiting list"),
        Attendance.CANCELLED: _l("Cancelled"),
    },
)
