"""Certificates of attendance: for the participant from their private page once the event
has ended, and all of an event's at once for the organiser."""
