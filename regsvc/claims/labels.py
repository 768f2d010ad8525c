"""Words for a claim's codes (see regsvc.labels)."""

from flask_babel import lazy_gettext as _l

from regsvc.claims.models import ClaimStatus, ExpenseKind, PayoutMethod, TravelMode
from regsvc.labels import Labels

CLAIM_STATUS = Labels(
    ClaimStatus,
    {
        ClaimStatus.DRAFT: _l("Draft"),
        ClaimStatus.SUBMITTED: _l("Submitted"),
        ClaimStatus.NEEDS_INFO: _l("Needs information"),
        ClaimStatus.APPROVED: _l("Approved"),
        ClaimStatus.REJECTED: _l("Rejected"),
        ClaimStatus.PAID: _l("Paid"),
    },
)
TRAVEL_MODE = Labels(
    TravelMode,
    {TravelMode.BUS: _l("By bus"), TravelMode.CAR: _l("By car"), TravelMode.OTHER: _l("Other")},
)
PAYOUT_METHOD = Labels(
    PayoutMethod,
    {PayoutMethod.BANK: _l("Bank transfer"), PayoutMethod.CASH: _l("Cash at the venue")},
)
EXPENSE_KIND = Labels(
    ExpenseKind,
    {
        ExpenseKind.BUS_TICKET: _l("Bus ticket"),
        ExpenseKind.FUEL: _l("Fuel bill"),
        ExpenseKind.TOLL: _l("Toll bill"),
        ExpenseKind.OTHER: _l("Other"),
    },
)
