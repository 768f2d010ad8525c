"""A registration keeps the language it was made in: its confirmation, and every e-mail after
it, are in that language, whatever language the site is read in later."""

import pytest
from sqlalchemy import select

from regsvc.mail.models import OutboxMessage
from regsvc.registration.models import Registration
from tests.conftest import form_data, fresh
from tests.i18n.catalogue import TRANSLATED_LOCALES, translation

PRIVATE_LINK = (
    "Your private link, to see the online stream details, switch between on-site and online, or cancel:"
)
KEEP_IT = "Keep this link to yourself: anyone who has it can change your registration."


def mails_to(session, address: str) -> list[OutboxMessage]:
    fresh(session)
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == address).order_by(OutboxMessage.id)
        )
    )


@pytest.mark.parametrize("locale", TRANSLATED_LOCALES)
def test_the_confirmation_and_later_mail_are_in_the_registrations_language(
    client, session, make_event, locale
):
    event = make_event(title="Nacionalna konferencija")
    client.set_cookie("language", locale)
    client.post(f"/e/{event.slug}/register", data=form_data(1, email="ana@example.org"))
    registration = session.scalars(select(Registration).where(Registration.email == "ana@example.org")).one()
    assert registration.locale == locale

    [confirmation] = mails_to(session, "ana@example.org")
    assert confirmation.subject == translation(locale, "Your registration: %(event)s") % {
        "event": "Nacionalna konferencija"
    }
    for message in (PRIVATE_LINK, KEEP_IT, "When", "Where"):
        assert translation(locale, message) in confirmation.body
    assert KEEP_IT not in confirmation.body

    # Registering again from an English browser sends the link again, in the registration's language.
    client.application.config["LINK_RESEND_INTERVAL_SECONDS"] = 0
    english = client.application.test_client()
    english.post(
        f"/e/{event.slug}/register",
        data=form_data(1, email="ana@example.org"),
        headers={"Accept-Language": "en"},
    )
    resent = mails_to(session, "ana@example.org")[-1]
    assert resent.kind == "link_resent"
    assert resent.subject == translation(locale, "Your registration link: %(event)s") % {
        "event": "Nacionalna konferencija"
    }
