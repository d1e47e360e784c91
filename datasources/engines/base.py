"""The interface every database engine implements, and the helpers they share.

An engine is one module in this package holding one `Engine` subclass; the
registry (`datasources.engines`) is the only list of engines in the code. An
engine knows how to open a read-only DBAPI connection with its session settings,
how to run one statement and stream its rows within a deadline, how to turn a
driver error into one of our `DatasourceError`s, how to report its version and
whether the login can write, and its SQL dialect (sqlglot name, identifier
quoting, denied functions and tables).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils.translation import gettext

from datasources import crypto
from datasources.errors import DatasourceError, DatasourceUnavailable

logger = logging.getLogger(__name__)

READ_ONLY_REFUSAL = "The database refused to change anything: only reading is allowed."


def timeout_ms(timeout: float) -> int:
    """`timeout` seconds as whole milliseconds, at least 1."""
    return max(1, int(timeout * 1000))


def first_line(text) -> str:
    """The first line of a driver message, at most 500 characters."""
    line = str(text or "").strip().splitlines()[0] if str(text or "").strip() else ""
    return line[:500]


def password(datasource) -> str:
    """The datasource's stored password, decrypted; `DatasourceUnavailable` when the key changed."""
    try:
        return crypto.decrypt(datasource.password_encrypted)
    except InvalidToken:
        # The key changed since the password was stored; say only that the database is unreachable.
        logger.warning("Stored password of datasource %s cannot be decrypted with the current key.", datasource.pk)
        raise DatasourceUnavailable()


# A text value longer than this is cut (and ends in "…"): one cell must not fill the whole byte budget.
VALUE_MAX_CHARS = 64 * 1024


@dataclass(frozen=True)
class Budget:
    """What one result may hold: bytes of values, columns, and characters per text value.

    Engines apply it before a row is built in the app's process: columns are counted
    before the first fetch, each value is capped to its column's share of the bytes,
    and no more than `max_bytes` of values are fetched in all.
    """

    max_bytes: int
    max_columns: int
    value_max_chars: int = VALUE_MAX_CHARS

    @classmethod
    def from_settings(cls, max_bytes: int | None = None) -> Budget:
        """The budget `RESULT_MAX_BYTES` and `RESULT_MAX_COLUMNS` set (or `max_bytes`)."""
        return cls(
            max_bytes=int(max_bytes or settings.RESULT_MAX_BYTES),
            max_columns=int(settings.RESULT_MAX_COLUMNS),
        )

    def column_share(self, columns: int) -> int:
        """Bytes one value of a result with `columns` columns may take."""
        return max(1024, self.max_bytes // max(1, columns))

    def value_chars(self, columns: int) -> int:
        """Characters of text one value may keep (UTF-8 takes up to 4 bytes per character)."""
        return max(256, min(self.value_max_chars, self.column_share(columns) // 4))


class Blob:
    """A binary value known by its size only: results show "<N bytes>", so its bytes need not be fetched."""

    __slots__ = ("size",)

    def __init__(self, size: int):
        self.size = size

    def __len__(self) -> int:
        return self.size

    def __eq__(self, other) -> bool:
        return isinstance(other, Blob) and other.size == self.size

    def __repr__(self) -> str:
        return f"Blob({self.size})"


class RowStream:
    """An iterator of raw rows that knows whether the engine stopped early to keep the byte budget (`cut`)."""

    def __init__(self, rows: Iterator[tuple]):
        self._rows = iter(rows)
        self.cut = False

    def __iter__(self):
        return self

    def __next__(self) -> tuple:
        return next(self._rows)

    def close(self) -> None:
        close = getattr(self._rows, "close", None)
        if close:
            close()


def too_many_columns(count: int, max_columns: int) -> DatasourceError:
    """The error for a result wider than the budget allows."""
    from datasources.errors import QueryFailed

    return QueryFailed(
        gettext("The result has %(count)d columns; at most %(max)d can be returned. Select fewer columns.")
        % {"count": count, "max": max_columns}
    )


class Engine:
    """One database engine: connection, streaming, errors, version, privileges and dialect."""

    #: our engine name, stored in `DataSource.engine`
    name: str = ""
    #: the human name, for choices and prompts
    label: str = ""
    #: sqlglot's dialect name
    sqlglot_dialect: str = ""
    #: a sqlglot dialect class to write SQL with, when sqlglot's own needs adjusting
    sqlglot_writer = None
    #: the Django database backend module name, to recognise the app's own database
    django_backend: str = ""
    #: SQLAlchemy URL prefix for a `creator=` engine
    sa_driver: str = ""
    #: True for engines reached over the network (host, port, database, login)
    network: bool = True
    default_port: int | None = None
    #: schemas a table name needs no qualifier in
    default_schemas: tuple[str, ...] = ()
    identifier_quote: str = '"'
    #: the type to CAST a value to for text (introspection's sample values)
    text_type: str = "TEXT"
    #: exceptions the DBAPI driver raises
    driver_errors: tuple[type[BaseException], ...] = ()
    #: functions, function-name prefixes and tables the SQL guard refuses on this engine
    denied_functions: frozenset[str] = frozenset()
    denied_prefixes: tuple[str, ...] = ()
    denied_tables: frozenset[str] = frozenset()
    denied_table_prefixes: tuple[str, ...] = ()
    #: schemas none of whose tables may be read (the server's own bookkeeping)
    denied_schemas: frozenset[str] = frozenset()

    def quote(self, identifier: str) -> str:
        """`identifier` quoted in this engine's SQL."""
        q = self.identifier_quote
        return q + identifier.replace(q, q + q) + q

    def open(self, datasource, *, timeout: float, introspection: bool = False, checked=None):
        """Open a read-only DBAPI connection (the registration rules were checked; `checked` is what they gave)."""
        raise NotImplementedError

    def stream(
        self, datasource, sql: str, *, timeout: float, budget: Budget, checked=None
    ) -> AbstractContextManager[tuple[list[str], RowStream]]:
        """Run one statement read-only; a context yielding (column names, a `RowStream` of raw rows).

        The statement's work ends within `timeout` seconds (plus a short grace to stop it),
        and no more than `budget` reaches the app's process.
        """
        raise NotImplementedError

    def translate_error(self, raw, exc: BaseException) -> DatasourceError:
        """One of our errors for a driver error raised while running or fetching on `raw`."""
        raise NotImplementedError

    def server_version(self, raw) -> str:
        """The server's name and version, e.g. "PostgreSQL 15.4"."""
        raise NotImplementedError

    def write_warnings(self, raw) -> list[str]:
        """Warnings when the login can change data; least privilege is the operator's last layer."""
        return []

    def row_estimate_sql(self) -> str | None:
        """A query (with :name and :schema) that estimates a table's rows from the catalog, or None."""
        return None

    def sample_expression(self, column: str, chars: int) -> str:
        """SQL for the first `chars` characters of the (quoted) `column` as text, cut before it is fetched."""
        return f"SUBSTR(CAST({column} AS {self.text_type}), 1, {chars})"

    def check_connection(self, raw) -> None:
        """Run the cheapest statement that proves the connection reads (for the connection test)."""
