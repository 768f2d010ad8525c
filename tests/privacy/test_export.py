"""What a participant takes away from their private page: everything stored about them, as
data.json and their receipt files, never the machinery's own values."""

import json
import zipfile

from regsvc.claims.review import reject
from regsvc.privacy.export import personal_data, personal_data_zip
from regsvc.registration.models import Attendance
from regsvc.registration.services import change_attendance
from regsvc.security import hash_token


def test_data_holds_the_registration_its_history_mail_and_link_dates(
    session, storage, make_event, make_registration
):
    outcome = make_registration(make_event(), phone="+381 64 123 4567", needs="Vegetarian")
    registration = outcome.registration
    change_attendance(session, registration.id, Attendance.ONLINE)

    data = personal_data(session, registration, storage).data

    fields = data["registration"]
    assert (fields["full_name"], fields["email"], fields["phone"]) == (
        "Participant 1",
        "participant1@example.org",
        "+381 64 123 4567",
    )
    assert (fields["needs"], fields["departure_town"], fields["attendance"]) == (
        "Vegetarian",
        "Niš",
        "online",
    )
    assert fields["consented_at"].endswith("+00:00")
    assert not {"id", "event_id", "search_text", "email_normalised"} & fields.keys()
    assert [(entry["action"], entry["by"], entry["details"]) for entry in data["history"]] == [
        ("attendance.changed", "participant", {"before": "onsite", "after": "online"})
    ]
    title = registration.event.title
    assert [message["subject"] for message in data["emails"]] == [
        f"Your registration: {title}",
        f"Your registration was changed: {title}",
    ]
    assert {message["recipient"] for message in data["emails"]} == {"participant1@example.org"}
    assert len(data["private_links"]) == 1 and data["private_links"][0].keys() == {"created_at"}
    assert data["travel_claim"] is None
    written = json.dumps(data)
    assert hash_token(outcome.token) not in written and outcome.token not in written
    assert "token_hash" not in written


def test_data_holds_the_claim_its_receipts_and_finance_decisions(session, storage, submitted, finance_user):
    claim = submitted(full_name="Ana Ilić")
    reject(session, claim.id, finance_user, "The ticket is from another trip.")

    travel = personal_data(session, claim.registration, storage).data["travel_claim"]

    assert (travel["status"], travel["route"], travel["cap"], travel["currency"]) == (
        "rejected",
        "Niš – Beograd",
        360000,
        "RSD",
    )
    assert [receipt["amount"] for receipt in travel["receipts"]] == [190000, 190000]
    assert [receipt["file"] for receipt in travel["receipts"]] == [
        "receipts/receipt-1.jpg",
        "receipts/receipt-2.jpg",
    ]
    assert not {"stored_name", "thumbnail_name", "preview_name"} & travel["receipts"][0].keys()
    assert [(entry["action"], entry["by"]) for entry in travel["decisions"]] == [
        ("claim.submitted", "participant"),
        ("claim.rejected", "staff"),
    ]
    assert travel["decisions"][1]["details"]["reason"] == "The ticket is from another trip."


def test_the_zip_holds_data_json_and_the_receipt_files(session, storage, submitted):
    claim = submitted()

    with (
        personal_data_zip(session, claim.registration, storage) as archive,
        zipfile.ZipFile(archive) as bundle,
    ):
        assert bundle.namelist() == ["data.json", "receipts/receipt-1.jpg", "receipts/receipt-2.jpg"]
        data = json.loads(bundle.read("data.json"))
        assert data["registration"]["full_name"] == claim.registration.full_name
        assert bundle.read("receipts/receipt-2.jpg") == storage.read(claim.receipts[1].stored_name)


def test_a_receipt_file_missing_from_storage_is_said_so(session, storage, submitted):
    claim = submitted()
    storage.delete(claim.receipts[0].stored_name)

    with (
        personal_data_zip(session, claim.registration, storage) as archive,
        zipfile.ZipFile(archive) as bundle,
    ):
        assert bundle.namelist() == ["data.json", "receipts/receipt-2.jpg"]
        assert json.loads(bundle.read("data.json"))["travel_claim"]["receipts"][0]["file"] is None
