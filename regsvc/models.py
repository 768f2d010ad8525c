"""Every model, imported once so that Base.metadata knows the whole schema."""

from regsvc.audit.models import AuditEntry
from regsvc.auth.models import LoginFailure, StaffRole, StaffUser
from regsvc.claims.models import Claim, Receipt
from regsvc.db import Base
from regsvc.events.models import Event, Fare, FareName
from regsvc.limits import RateCounter
from regsvc.mail.models import OutboxMessage
from regsvc.messages.models import OrganiserMessage
from regsvc.registration.models import Registration, RegistrationLink

__all__ = [
    "AuditEntry",
    "Base",
    "Claim",
    "Event",
    "Fare",
    "FareName",
    "LoginFailure",
    "OrganiserMessage",
    "OutboxMessage",
    "RateCounter",
    "Receipt",
    "Registration",
    "RegistrationLink",
    "StaffRole",
    "StaffUser",
]
