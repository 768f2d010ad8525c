"""Writing many e-mails at once, each carrying a fresh private link of its recipient.

An organiser's message may go to thousands of participants in one transaction: the links
and the messages are each written by one multi-row INSERT, never by a unit-of-work flush or
a round trip per recipient (as registration/writing.py does for a single registration).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from regsvc.mail.services import OUTBOX, Mail, queued
from regsvc.registration.models import RegistrationLink
from regsvc.security import hash_token, new_token
from regsvc.urls import external_url

LINKS = cast(Table, RegistrationLink.__table__)
_INSERT_LINKS = insert(LINKS)
# The ids only for queued(): in any order, so SQLite too writes many rows a statement.
_INSERT_MESSAGES = insert(OUTBOX).returning(OUTBOX.c.id)


class NewLinks:
    """Fresh private links for many registrations, written together by `write_mails`."""

    def __init__(self, now: datetime):
        self.now = now
        self.rows: list[dict] = []

    def url_for(self, registration_id: int) -> str:
        """The private link to mail to the registration's participant (only its hash is kept)."""
        token = new_token()
        self.rows.append(
            {"registration_id": registration_id, "token_hash": hash_token(token), "created_at": self.now}
        )
        return external_url("registration.manage", token=token)


def write_mails(session: Session, links: NewLinks, mails: Sequence[Mail]) -> None:
    """Store the links and add the messages to the outbox, in the caller's transaction."""
    connection = session.connection()
    if links.rows:
        connection.execute(_INSERT_LINKS, links.rows)
    if mails:
        rows = [mail.outbox_row(links.now) for mail in mails]
        for message_id in connection.execute(_INSERT_MESSAGES, rows).scalars():
            queued(session, message_id)
