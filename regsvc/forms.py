"""The base of the application's forms."""

from flask_wtf import FlaskForm


class Form(FlaskForm):
    """A form of this application.

    Its token is not checked by the form: CSRFProtect (regsvc.extensions.csrf) checks every
    POST, PUT, PATCH and DELETE before any view runs, and no view is exempt. Nor does
    reading a submitted form sign a new token nobody uses (about 5% of the work of a
    registration): pages render `csrf_token()` in each form, only when they show one.
    """

    class Meta:
        csrf = False
