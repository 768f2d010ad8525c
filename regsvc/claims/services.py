"""Who may claim travel costs, and up to how much (DESIGN §2, reimbursement eligibility)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from regsvc.events.fares import fare_for, is_host_town
from regsvc.registration.models import Attendance, Registration


class Eligibility(StrEnum):
    ELIGIBLE = "eligible"  # the cap comes from the fare table
    ELIGIBLE_CAP_BY_FINANCE = "eligible_cap_by_finance"  # town not in the fare table
    NOT_REIMBURSED = "not_reimbursed"  # the event refunds no travel
    NOT_ONSITE = "not_onsite"  # online, waiting or cancelled
    HOST_TOWN = "host_town"  # travels from the host town (or a town whose fare is 0)


@dataclass(frozen=True)
class TravelRefund:
    eligibility: Eligibility
    cap: int | None  # minor units of the event's currency; None: finance sets it

    @property
    def eligible(self) -> bool:
        return self.eligibility in (Eligibility.ELIGIBLE, Eligibility.ELIGIBLE_CAP_BY_FINANCE)


def travel_refund(session: Session, registration: Registration) -> TravelRefund:
    """Whether this participant may claim travel costs, and the cap: the return bus fare
    from their town of departure, as the fare table says now (a claim freezes it)."""
    event = registration.event
    if not event.travel_reimbursed:
        return TravelRefund(Eligibility.NOT_REIMBURSED, None)
    if registration.attendance != Attendance.ONSITE:
        return TravelRefund(Eligibility.NOT_ONSITE, None)
    if is_host_town(event, registration.departure_town):
        return TravelRefund(Eligibility.HOST_TOWN, None)
    fare = fare_for(session, event.id, registration.departure_town)
    if fare is None:
        return TravelRefund(Eligibility.ELIGIBLE_CAP_BY_FINANCE, None)
    if fare.return_fare == 0:
        # How organisers name the host town's other spellings and suburbs: "Beograd, 0".
        return TravelRefund(Eligibility.HOST_TOWN, None)
    return TravelRefund(Eligibility.ELIGIBLE, fare.return_fare)
