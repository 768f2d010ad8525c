"""Words for the segments a message goes to (see regsvc.labels)."""

from flask_babel import lazy_gettext as _l

from regsvc.labels import Labels
from regsvc.messages.models import Segment

SEGMENT = Labels(
    Segment,
    {
        Segment.EVERYONE: _l("Everyone registered"),
        Segment.ONSITE: _l("On-site"),
        Segment.ONLINE: _l("Online"),
        Segment.WAITLISTED: _l("Waiting list"),
        Segment.CHECKED_IN: _l("Checked in"),
        Segment.NOT_CHECKED_IN: _l("On-site, not checked in"),
    },
)
