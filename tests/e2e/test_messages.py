"""The organiser writes to the online participants, and the reminder goes out from the scheduled
command: what arrives at the mail server (a real SMTP server on loopback)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from regsvc.db import utcnow
from regsvc.events.models import Event
from regsvc.mail.services import send_pending
from regsvc.messages.reminders import send_due_reminders
from regsvc.registration.models import Attendance, Registration
from regsvc.roles import Role
from tests.conftest import body_of, fresh
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.browser


def test_the_organiser_writes_to_the_online_participants_and_everyone_is_reminded(
    live_server, phone, app, session, smtp_server, make_event, make_registration, make_user
):
    event = make_event(
        title="National Conference for Serbia",
        onsite_capacity=1,
        starts_at=utcnow() + timedelta(days=3),
        ends_at=utcnow() + timedelta(days=3, hours=6),
        registration_closes_at=utcnow() + timedelta(days=2),
    )
    onsite = make_registration(event, Attendance.ONSITE, full_name="Jelena Ilić").registration
    online = make_registration(event, Attendance.ONLINE, full_name="Marko Stojanović").registration
    also_online = make_registration(event, Attendance.ONLINE, full_name="Vesna Trajkovska").registration
    make_user(Role.ORGANISER, email="organiser@example.org")
    send_pending(session)  # the confirmations, out of the way
    already = len(smtp_server.wait_for(3))
    page = phone

    page.goto(f"{live_server}/staff/events/{event.id}/messages")
    page.get_by_label("E-mail").fill("organiser@example.org")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("Online (2)").check()
    page.get_by_label("Subject", exact=True).fill("The stream link")
    page.get_by_label("Message", exact=True).fill("The stream opens at 11:15. Questions go in the chat.")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("This message goes to 2 participants")).to_be_visible()
    expect(page.get_by_text("Dear Marko Stojanović,")).to_be_visible()
    screenshot(page, "40-message-preview")
    page.get_by_role("button", name="Send to 2 participants").click()
    expect(page.get_by_text("The message is on its way to 2 participants.")).to_be_visible()
    expect(page.get_by_role("cell", name="Online")).to_be_visible()  # in the list of messages sent
    screenshot(page, "41-message-sent")

    # The sender (send-mail --watch in production) delivers it to the online participants only.
    send_pending(session)
    arrived = smtp_server.wait_for(already + 2)[already:]
    assert sorted(message["To"] for message in arrived) == sorted([online.email, also_online.email])
    assert all(message["Subject"] == "The stream link" for message in arrived)
    assert "The stream opens at 11:15." in body_of(arrived[0])

    # Less than a day before the start, the scheduled command reminds everyone, once.
    assert send_due_reminders(session) == 0
    fresh(session)
    soon = utcnow() + timedelta(hours=23)
    session.execute(
        update(Event).where(Event.id == event.id).values(starts_at=soon, ends_at=soon + timedelta(hours=6))
    )
    session.execute(update(Registration).values(created_at=utcnow() - timedelta(days=1)))
    session.commit()
    assert send_due_reminders(session) == 3
    assert send_due_reminders(session) == 0
    send_pending(session)
    reminders = {message["To"]: message for message in smtp_server.wait_for(already + 5)[already + 2 :]}
    assert set(reminders) == {onsite.email, online.email, also_online.email}
    onsite_reminder = reminders[onsite.email]
    assert "Kralja Milana 27" in body_of(onsite_reminder)
    attachments = [part.get_filename() for part in onsite_reminder.iter_attachments()]
    assert attachments == ["check-in-qr.png", "event.ics"]
    assert "https://stream.example.org/live" in body_of(reminders[online.email])
    assert [part.get_filename() for part in reminders[online.email].iter_attachments()] == ["event.ics"]
