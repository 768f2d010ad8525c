"""Staff roles, and who may open which staff page: every /staff/ view is wrapped in
staff_required. Every package may use this module; it imports none of them."""

from __future__ import annotations

from enum import StrEnum
from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user


class Role(StrEnum):
    ORGANISER = "organiser"
    DESK = "desk"
    FINANCE = "finance"


def staff_required(*roles: str):
    """Allow signed-in staff holding any of `roles`; others get the login page or a 403."""
    if not roles:
        raise ValueError("name the roles that may open this page")

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        guarded.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return guarded

    return decorate
