"""Every model, imported once so that Base.metadata knows the whole schema."""

from regsvc.db import Base
from regsvc.events.models import Event
from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Registration, RegistrationLink

__all__ = ["Base", "Event", "OutboxMessage", "Registration", "RegistrationLink"]
