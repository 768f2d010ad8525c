"""The base of the application's forms, and the fields and small forms every package uses."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField
from wtforms.validators import ValidationError


class Form(FlaskForm):
    """A form of this application.

    Its token is not checked by the form: CSRFProtect (regsvc.extensions.csrf) checks every
    POST, PUT, PATCH and DELETE before any view runs, and no view is exempt. Nor does
    reading a submitted form sign a new token nobody uses: pages render `csrf_token()` in
    each form, only when they show one.
    """

    class Meta:
        csrf = False


class ChoiceField(RadioField):
    """Radio buttons whose error, for a missing or unknown value, says what to choose."""

    def __init__(self, label=None, validators=None, *, message, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(self.message)


class ButtonForm(Form):
    """A POST that is only a button (check in, undo, dissolve, …): nothing to read but the
    CSRF token, which CSRFProtect checks. Going through a form all the same keeps every
    POST on one path: validate, one service call, flash, redirect."""


class WholeNumberField(IntegerField):
    """A whole number whose error, for text that is not one, says what to type."""

    def __init__(self, label=None, validators=None, *, message, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.message) from error
