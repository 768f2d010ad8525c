"""The `regsvc` command (and `python -m regsvc`): the commands of `flask --app wsgi regsvc …`,
with the application made from the settings in the environment when a command runs."""

import click
from flask.cli import ScriptInfo

from regsvc import create_app
from regsvc.cli import group


def _create_app():
    try:
        return create_app()
    except RuntimeError as error:  # settings refused: say which, without a traceback
        raise click.ClickException(str(error)) from None


def main() -> None:
    group.main(prog_name="regsvc", obj=ScriptInfo(create_app=_create_app))


if __name__ == "__main__":
    main()
