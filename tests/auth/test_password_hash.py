"""Passwords are hashed by the configured PASSWORD_HASH_METHOD: scrypt for real passwords,
one cheap PBKDF2 round in the tests."""

import inspect

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

import config
from regsvc.auth import services
from regsvc.auth.services import LoginRefused, authenticate, change_password, create_user
from regsvc.roles import Role

PASSWORD = "correct horse battery"


def test_production_and_development_keep_werkzeugs_scrypt():
    werkzeug_default = inspect.signature(generate_password_hash).parameters["method"].default
    assert werkzeug_default == "scrypt"
    production = config.load_settings(
        "production", {"REGSVC_SECRET_KEY": "x" * 48, "REGSVC_PUBLIC_URL": "https://register.example.org"}
    )
    assert production["PASSWORD_HASH_METHOD"] == "scrypt"
    assert config.load_settings("development", {})["PASSWORD_HASH_METHOD"] == "scrypt"
    assert config.load_settings("testing", {})["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256:1"
    overridden = config.load_settings("development", {"REGSVC_PASSWORD_HASH_METHOD": "pbkdf2:sha256"})
    assert overridden["PASSWORD_HASH_METHOD"] == "pbkdf2:sha256"


def test_the_tests_hash_cheaply(app):
    assert app.config["PASSWORD_HASH_METHOD"] == config.TestingConfig.PASSWORD_HASH_METHOD


def test_new_and_changed_passwords_use_the_configured_method(app, session):
    user = create_user(session, "hash@example.org", [Role.DESK], password=PASSWORD).user
    assert user.password_hash.startswith("pbkdf2:sha256:1$")
    assert check_password_hash(user.password_hash, PASSWORD)
    change_password(session, user.id, "another long password", current=PASSWORD, address="10.0.0.1")
    assert user.password_hash.startswith("pbkdf2:sha256:1$")
    assert authenticate(session, "hash@example.org", "another long password", "10.0.0.1").id == user.id


@pytest.mark.parametrize(
    ("method", "prefix"), [("pbkdf2:sha256:1", "pbkdf2:sha256:1$"), ("scrypt", "scrypt:")]
)
def test_an_unknown_address_is_checked_against_a_dummy_hash_of_the_same_method(
    app, session, monkeypatch, method, prefix
):
    app.config["PASSWORD_HASH_METHOD"] = method
    checked = []

    def check(stored, password):
        checked.append(stored)
        return check_password_hash(stored, password)

    monkeypatch.setattr(services, "check_password_hash", check)
    with pytest.raises(LoginRefused):
        authenticate(session, "nobody@example.org", PASSWORD, "10.0.0.2")
    assert len(checked) == 1 and checked[0].startswith(prefix)


def test_an_app_configured_for_scrypt_stores_scrypt_hashes(app, session):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"
    user = create_user(session, "scrypt@example.org", [Role.ORGANISER], password=PASSWORD).user
    assert user.password_hash.startswith("scrypt:")
    assert authenticate(session, "scrypt@example.org", PASSWORD, "10.0.0.3").id == user.id
