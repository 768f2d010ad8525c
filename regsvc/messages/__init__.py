"""Organisers talk to participants: messages to a segment of an event's participants, the
reminder before the event, and the calendar entry (.ics) of a registration."""
