"""Errors raised on the way to a datasource; each maps onto the API's error shape."""

from django.utils.translation import gettext_lazy as _

from chatAPI.exceptions import DomainError


class DatasourceError(DomainError):
    """Base for everything that can go wrong between a question's SQL and its rows."""

    status_code = 400
    code = "datasource_error"


class GuardRejected(DatasourceError):
    """The SQL guard refused the statement; nothing ran."""

    code = "sql_rejected"
    default_message = _("Only a single read-only query can run.")


class QueryFailed(DatasourceError):
    """The database refused the (guarded) query, e.g. an unknown column.

    `message` is the database's own one-line complaint about the SQL, cleaned of
    connection details; the pipeline feeds it back to the model for a repair.
    """

    code = "sql_error"
    default_message = _("The query failed on the database.")


class QueryTimeout(DatasourceError):
    """The query ran past `SQL_TIMEOUT_SECONDS` and was cancelled."""

    code = "sql_timeout"
    default_message = _("The query took too long and was stopped.")


class DatasourceUnavailable(DatasourceError):
    """The datasource could not be reached or refused the login (message is generic on purpose)."""

    status_code = 502
    code = "datasource_unavailable"
    default_message = _("The database could not be reached. Check its connection settings and try again.")


class RegistrationRefused(DatasourceError):
    """A connection setting breaks the registration rules (host, path, the app's own database)."""

    code = "datasource_refused"
    default_message = _("These connection settings are not allowed.")

    def __init__(self, message: str | None = None, *, field: str | None = None, code: str | None = None):
        super().__init__(message, code=code)
        self.field = field
        # The API's error shape names the offending field so forms can show the message next to it.
        self.extra = {"errors": {field: [self.message]}} if field else None


class ConnectionFailed(DatasourceError):
    """The connection test could not reach or log in to the database (message generic on purpose)."""

    status_code = 400
    code = "connection_failed"
    default_message = _("Could not connect to the database. Check the host, port, database name and credentials.")
