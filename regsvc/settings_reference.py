"""docs/configuration.md, written from config.py: every setting, its default (and its value
where production or the tests differ), and the comment right above it in config.py.

    python -m regsvc.settings_reference docs/configuration.md     # `make docs`
    python -m regsvc.settings_reference                           # print it instead

A setting without a comment of its own is refused, so that none goes undocumented;
tests/test_configuration_reference.py fails when the file is not what this writes.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from regsvc import layout

INTRODUCTION = """\
# Configuration reference

<!-- Written by `make docs` (python -m regsvc.settings_reference) from config.py: edit the
comments there, not this file. -->

regsvc reads its settings from environment variables: each setting `NAME` of `config.py` is
set by `REGSVC_NAME`. `REGSVC_ENV` chooses the defaults: `development` (when unset),
`production` or `testing` (the test suite's). Where production or testing differ from the
development default, the table says so.

Values are read as the default's type: whole numbers; `true`, `1`, `yes` or `on` for yes
(anything else is no); lists as comma-separated words (`en,sr`); JSON where the default is
`null`; text as it is. A value that is not a whole number where one is wanted stops regsvc at
start, naming the variable.

Production (`REGSVC_ENV=production`) refuses to start without its own `REGSVC_SECRET_KEY` (at
least 32 bytes) and `REGSVC_PUBLIC_URL`, and, when regsvc is installed from a package rather
than run from a checkout, without `REGSVC_DATA_DIR` (or `REGSVC_DATABASE_URL` and either
`REGSVC_UPLOAD_FOLDER` or `REGSVC_STORAGE_URL`). `docs/deploy.md` has a complete environment file.

| variable | default | meaning |
|---|---|---|
"""


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    differences: dict[str, object]  # the value of each settings class whose value differs
    description: str


def _assignments(source: str) -> dict[str, dict[str, int]]:
    """Each class of config.py → the line numbers of the settings it assigns, in order."""
    classes: dict[str, dict[str, int]] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            found = classes.setdefault(node.name, {})
            for statement in node.body:
                targets = (
                    statement.targets
                    if isinstance(statement, ast.Assign)
                    else [statement.target]
                    if isinstance(statement, ast.AnnAssign)
                    else []
                )
                for target in targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        found[target.id] = statement.lineno
    return classes


def _comment_above(lines: list[str], lineno: int) -> str:
    """The comment lines right above line `lineno` (1-based), as one paragraph."""
    comment: list[str] = []
    index = lineno - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        comment.insert(0, lines[index].strip().removeprefix("#").strip())
        index -= 1
    return " ".join(comment)


def descriptions(source: str) -> dict[str, str]:
    """Each setting that config.py's source assigns → the comment right above the place it is
    first assigned: in Config, or in the subclass that alone defines it. Config's order first.

    Raises ValueError for a setting without such a comment.
    """
    lines = source.splitlines()
    assigned = _assignments(source)
    first_line: dict[str, int] = {}
    for class_name in ("Config", *assigned):
        for name, lineno in assigned.get(class_name, {}).items():
            first_line.setdefault(name, lineno)
    found = {}
    for name, lineno in first_line.items():
        found[name] = _comment_above(lines, lineno)
        if not found[name]:
            raise ValueError(f"config.py: {name} has no comment right above it to say what it does")
    return found


def settings() -> list[Setting]:
    """Every setting of config.py, in its order, with its values and its comment."""
    config = layout.config
    development = config.CONFIGS["development"]
    found = []
    source = (layout.ROOT / "config.py").read_text(encoding="utf-8")
    for name, description in descriptions(source).items():
        default = getattr(development, name, None)
        differences = {
            env_name: getattr(cls, name, None)
            for env_name, cls in config.CONFIGS.items()
            if getattr(cls, name, None) != default
        }
        found.append(Setting(name, default, differences, description))
    return found


def _value(value: object) -> str:
    """A value as its environment variable would spell it."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list):
        text = ",".join(str(item) for item in value)
    elif value is None:
        text = "null"
    else:
        text = str(value)
    return f"`{text}`" if text else "empty"


def _cell(text: str, names: list[str]) -> str:
    """Table cell text: setting names as code, and no `|` to end the cell early."""
    text = re.sub(rf"(?<![`\w])({'|'.join(names)})(?![`\w])", r"`\1`", text)
    return text.replace("|", "\\|")


def render() -> str:
    found = settings()
    names = sorted((setting.name for setting in found), key=len, reverse=True)
    rows = []
    for setting in found:
        default = _value(setting.default)
        if setting.differences:
            default += " (" + ", ".join(f"{env}: {_value(v)}" for env, v in setting.differences.items()) + ")"
        rows.append(f"| `REGSVC_{setting.name}` | {default} | {_cell(setting.description, names)} |")
    return INTRODUCTION + "\n".join(rows) + "\n"


def main(arguments: list[str]) -> None:
    text = render()
    if arguments:
        Path(arguments[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
