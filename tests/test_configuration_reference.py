"""docs/configuration.md documents every setting of config.py, as config.py has it now."""

from pathlib import Path

import pytest

import config
from regsvc import settings_reference

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_every_setting_is_in_the_reference():
    documented = REFERENCE.read_text(encoding="utf-8")
    # What load_settings() reads, in every settings class.
    names = {name for cls in config.CONFIGS.values() for name in dir(cls) if name.isupper()}
    missing = sorted(name for name in names if f"| `REGSVC_{name}` |" not in documented)
    assert not missing, f"not in docs/configuration.md (run `make docs`): {missing}"


def test_the_reference_is_what_config_py_says_now():
    assert REFERENCE.read_text(encoding="utf-8") == settings_reference.render(), (
        "docs/configuration.md is out of date: run `make docs`"
    )


def test_a_setting_without_a_comment_of_its_own_is_refused():
    source = (
        "class Config:\n"
        "    # The SMTP server.\n"
        "    MAIL_SERVER = ''\n"
        "    MAIL_PORT = 25\n"
        "\n"
        "class ProductionConfig(Config):\n"
        "    # Production's own.\n"
        "    ONLY_IN_PRODUCTION = 1\n"
    )
    with pytest.raises(ValueError, match="MAIL_PORT has no comment"):
        settings_reference.descriptions(source)
    described = settings_reference.descriptions(
        source.replace("    MAIL_PORT", "    # Its port.\n    MAIL_PORT")
    )
    assert described == {
        "MAIL_SERVER": "The SMTP server.",
        "MAIL_PORT": "Its port.",
        "ONLY_IN_PRODUCTION": "Production's own.",
    }
