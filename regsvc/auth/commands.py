"""Staff accounts from the command line: create-user, list-users, disable-user."""

import click

from regsvc.auth.services import AccountError, create_user, find_user, list_users, set_active
from regsvc.db import get_session
from regsvc.roles import Role


def register(group: click.Group) -> None:
    """Add the account commands to the `regsvc` command group."""

    @group.command("create-user")
    @click.argument("email")
    @click.option(
        "--role",
        "roles",
        multiple=True,
        required=True,
        type=click.Choice([role.value for role in Role]),
        help="organiser, desk or finance; repeat for several.",
    )
    @click.option("--name", default="", help="The person's name, shown in the audit log.")
    @click.option("--generate-password", is_flag=True, help="Print a generated password instead of asking.")
    def create_user_command(email, roles, name, generate_password):
        """Create a staff account."""
        password = None
        if not generate_password:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            account = create_user(get_session(), email, list(roles), password=password, full_name=name)
        except AccountError as refused:
            raise click.ClickException(str(refused)) from None
        click.echo(f"Created {account.user.email} ({', '.join(sorted(account.user.roles))}).")
        if account.generated_password:
            click.echo(f"Password (shown only now): {account.generated_password}")

    @group.command("list-users")
    def list_users_command():
        """List staff accounts."""
        for user in list_users(get_session()):
            state = "active" if user.active else "disabled"
            click.echo(f"{user.email:40} {','.join(sorted(user.roles)):28} {state}")

    @group.command("disable-user")
    @click.argument("email")
    def disable_user_command(email):
        """Stop a staff account from signing in (it is signed out at once)."""
        user = find_user(get_session(), email)
        if user is None:
            raise click.ClickException(f"There is no account for {email}.")
        set_active(get_session(), user.id, False)
        click.echo(f"{user.email} can no longer sign in.")
