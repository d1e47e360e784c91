"""Errors of the examples app; each maps onto the API's error shape."""

from django.utils.translation import gettext_lazy as _
from rest_framework import status

from chatAPI.exceptions import DomainError


class ExampleSQLRefused(DomainError):
    """An example's SQL was refused by the guard or failed on the datasource; nothing was saved."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "sql_error"
    default_message = _("This SQL does not run on the datasource.")

    def __init__(self, message: str | None = None, *, code: str | None = None):
        super().__init__(message, code=code)
        self.extra = {"errors": {"sql": [str(self.message)]}}


class FeedbackNotAllowed(DomainError):
    """A thumbs-up on a turn with no verified question and SQL to learn from."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "feedback_not_allowed"
    default_message = _("Only an answered question (status ok, with SQL) can be rated up.")

    def __init__(self, message: str | None = None):
        super().__init__(message)
        self.extra = {"errors": {"rating": [str(self.message)]}}


class ImportInvalid(DomainError):
    """An import had lines that cannot be saved; nothing of it was."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "import_invalid"
    default_message = _("Some lines cannot be imported; nothing was imported.")

    def __init__(self, line_errors: dict[int, list[str]]):
        super().__init__()
        self.line_errors = line_errors
        self.extra = {"errors": {f"line {number}": messages for number, messages in sorted(line_errors.items())}}
