"""The one way to connect to a datasource, and the engine-level read-only runner.

`connect()` re-checks the registration rules, then opens a fresh SQLAlchemy
connection (NullPool: nothing a query changed survives it) whose DBAPI
connection is configured read-only:

- SQLite: a quoted `file:...?mode=ro` URI, `query_only`, no attached databases,
  an authorizer allowing only reads (and recursive CTEs), and a progress-handler
  deadline;
- PostgreSQL: psycopg2 with `connect_timeout`, `default_transaction_read_only`,
  `statement_timeout`, no password file, and read-only transactions;
- MySQL: PyMySQL without multi-statements or `LOCAL INFILE`, with
  `max_execution_time` and read-only transactions.

`run_query()` is the engine layer on its own (no SQL guard); only
`executor.execute()` and introspection call it.
"""

import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import quote

import psycopg2
import psycopg2.errors
import pymysql
import pymysql.cursors
from cryptography.fernet import InvalidToken
from django.conf import settings
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from datasources import crypto
from datasources.errors import DatasourceUnavailable, GuardRejected, QueryFailed, QueryTimeout
from datasources.registration import check_datasource

logger = logging.getLogger(__name__)

SQLITE_DENIED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer"}
# Read-only pragmas SQLAlchemy's inspector needs; allowed only on introspection connections.
SQLITE_INTROSPECTION_PRAGMAS = {
    "table_info",
    "table_xinfo",
    "foreign_key_list",
    "index_list",
    "index_info",
    "index_xinfo",
    "database_list",
    "table_list",
}
SQLITE_MAX_VALUE_BYTES = 50 * 1024 * 1024
SQLITE_READABLE_PRAGMAS = {"read_uncommitted"}
_READ_ONLY_REFUSAL = "The database refused to change anything: only reading is allowed."


def _timeout_ms(timeout: float) -> int:
    return max(1, int(timeout * 1000))


def _password(datasource) -> str:
    try:
        return crypto.decrypt(datasource.password_encrypted)
    except InvalidToken:
        # The key changed since the password was stored; say only that the database is unreachable.
        logger.warning("Stored password of datasource %s cannot be decrypted with the current key.", datasource.pk)
        raise DatasourceUnavailable()


# --- SQLite ----------------------------------------------------------------------------------------


def sqlite_uri(path) -> str:
    """A read-only `file:` URI for `path`, percent-quoted so no character can add URI parameters."""
    return f"file:{quote(str(path), safe='/')}?mode=ro"


def _sqlite_authorizer(allow_pragmas: bool):
    def authorize(action, arg1, arg2, dbname, source):
        if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
            return sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_FUNCTION:
            return sqlite3.SQLITE_DENY if str(arg2).lower() in SQLITE_DENIED_FUNCTIONS else sqlite3.SQLITE_OK
        if action == sqlite3.SQLITE_PRAGMA:
            name = str(arg1).lower()
            if allow_pragmas and name in SQLITE_INTROSPECTION_PRAGMAS:
                return sqlite3.SQLITE_OK
            # SQLAlchemy reads (never sets) the isolation level when it connects.
            if name in SQLITE_READABLE_PRAGMAS and arg2 is None:
                return sqlite3.SQLITE_OK
        return sqlite3.SQLITE_DENY

    return authorize


def open_sqlite(path, *, timeout: float, allow_pragmas: bool = False) -> sqlite3.Connection:
    """Open `path` read-only with the authorizer and a deadline `timeout` seconds from now."""
    try:
        conn = sqlite3.connect(sqlite_uri(path), uri=True, timeout=2, check_same_thread=False)
    except sqlite3.Error:
        raise DatasourceUnavailable()
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    # No single value (randomblob, printf padding, group_concat) may grow past this.
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES)
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(_sqlite_authorizer(allow_pragmas))
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
    return conn


# --- PostgreSQL ------------------------------------------------------------------------------------


def postgres_connect_kwargs(datasource, *, timeout: float) -> dict:
    """psycopg2 keyword arguments: short connect timeout, read-only default, statement timeout, no passfile."""
    ms = _timeout_ms(timeout)
    options = (
        f"-c default_transaction_read_only=on -c statement_timeout={ms} "
        f"-c idle_in_transaction_session_timeout={ms + 5000}"
    )
    if getattr(datasource, "schema", ""):
        options += f" -c search_path={datasource.schema}"
    return {
        "host": datasource.host,
        "port": datasource.port or 5432,
        "dbname": datasource.database,
        "user": datasource.username or "",
        "password": _password(datasource),
        "connect_timeout": max(1, int(settings.DATASOURCE_CONNECT_TIMEOUT)),
        "application_name": "chatAPI",
        # Never fall back to the server's own ~/.pgpass for a password the user did not give.
        "passfile": os.devnull,
        "options": options,
    }


def open_postgres(datasource, *, timeout: float):
    """Open a psycopg2 connection whose transactions begin READ ONLY."""
    try:
        conn = psycopg2.connect(**postgres_connect_kwargs(datasource, timeout=timeout))
    except psycopg2.Error:
        raise DatasourceUnavailable()
    conn.set_session(readonly=True, autocommit=False)
    return conn


# --- MySQL -----------------------------------------------------------------------------------------


def mysql_connect_kwargs(datasource, *, timeout: float) -> dict:
    """PyMySQL keyword arguments: one statement per call, no LOCAL INFILE, bounded waits."""
    return {
        "host": datasource.host,
        "port": datasource.port or 3306,
        "user": datasource.username or "",
        "password": _password(datasource),
        "database": datasource.database,
        "connect_timeout": max(1, int(settings.DATASOURCE_CONNECT_TIMEOUT)),
        "read_timeout": int(timeout) + 5,
        "write_timeout": int(timeout) + 5,
        "charset": "utf8mb4",
        "local_infile": False,
        # Without CLIENT.MULTI_STATEMENTS the server refuses `;`-separated statements.
        "client_flag": 0,
        "autocommit": False,
    }


def mysql_session_statements(timeout: float) -> list[tuple[str, ...]]:
    """Session settings run after connecting; each is a list of alternatives (MySQL first, then MariaDB)."""
    ms = _timeout_ms(timeout)
    return [
        (f"SET SESSION max_execution_time = {ms}", f"SET SESSION max_statement_time = {ms / 1000:.3f}"),
        ("SET SESSION transaction_read_only = 1", "SET SESSION tx_read_only = 1"),
    ]


def open_mysql(datasource, *, timeout: float):
    """Open a PyMySQL connection whose session is read-only with a statement time limit (or fail closed)."""
    try:
        conn = pymysql.connect(**mysql_connect_kwargs(datasource, timeout=timeout))
    except pymysql.Error:
        raise DatasourceUnavailable()
    for alternatives in mysql_session_statements(timeout):
        for statement in alternatives:
            try:
                with conn.cursor() as cursor:
                    cursor.execute(statement)
                break
            except pymysql.Error:
                continue
        else:
            conn.close()
            raise DatasourceUnavailable("The database does not support read-only sessions with a time limit.")
    return conn


# --- The one connect function -----------------------------------------------------------------------

_SA_DRIVERS = {"sqlite": "sqlite+pysqlite://", "postgresql": "postgresql+psycopg2://", "mysql": "mysql+pymysql://"}


def open_dbapi(datasource, *, timeout: float, introspection: bool = False):
    """Check the registration rules, then open a read-only DBAPI connection to `datasource`."""
    sqlite_path = check_datasource(datasource)
    if datasource.engine == "sqlite":
        return open_sqlite(sqlite_path, timeout=timeout, allow_pragmas=introspection)
    if datasource.engine == "postgresql":
        return open_postgres(datasource, timeout=timeout)
    return open_mysql(datasource, timeout=timeout)


@contextmanager
def connect(datasource, *, timeout: float | None = None, introspection: bool = False) -> Iterator[Connection]:
    """Yield a fresh, read-only SQLAlchemy connection to `datasource`; closed (never pooled) afterwards.

    Raises `RegistrationRefused` when the settings break a rule and a generic
    `DatasourceUnavailable` when the database cannot be reached or refuses the login.
    """
    timeout = float(timeout or settings.SQL_TIMEOUT_SECONDS)
    raw = open_dbapi(datasource, timeout=timeout, introspection=introspection)
    engine = create_engine(_SA_DRIVERS[datasource.engine], creator=lambda: raw, poolclass=NullPool)
    try:
        try:
            conn = engine.connect()
        except sa_exc.DBAPIError:
            raise DatasourceUnavailable()
        try:
            yield conn
        finally:
            try:
                conn.rollback()
                conn.close()
            except sa_exc.DBAPIError:
                pass
    finally:
        # Closing a broken connection must not hide the error that broke it.
        with suppress(sqlite3.Error, psycopg2.Error, pymysql.Error):
            raw.close()
        engine.dispose()


# --- The engine-level runner ----------------------------------------------------------------------


def _first_line(text) -> str:
    line = str(text or "").strip().splitlines()[0] if str(text or "").strip() else ""
    return line[:500]


def _run_sqlite(raw, sql: str, fetch_limit: int):
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        rows = cursor.fetchmany(fetch_limit) if cursor.description else []
        cursor.close()
        return columns, rows
    except sqlite3.Error as exc:
        message = str(exc)
        if "interrupted" in message:
            raise QueryTimeout()
        if "too big" in message:
            raise QueryFailed("A value in the result is too large to return.")
        if "not authorized" in message or "readonly" in message or "read-only" in message:
            raise GuardRejected(_READ_ONLY_REFUSAL)
        if isinstance(exc, sqlite3.ProgrammingError) and "one statement" in message:
            raise GuardRejected("Only one statement can run at a time.")
        raise QueryFailed(_first_line(message) or QueryFailed.default_message)


def _run_postgres(raw, sql: str, fetch_limit: int, timeout: float):
    try:
        with raw.cursor() as setup:
            # The transaction already began READ ONLY (set_session); say it again and bound it in time.
            setup.execute("SET TRANSACTION READ ONLY")
            setup.execute(f"SET LOCAL statement_timeout = {_timeout_ms(timeout)}")
            setup.execute("SET LOCAL lock_timeout = 2000")
        # A named (server-side) cursor fetches only what we ask for, so memory stays bounded.
        cursor = raw.cursor(name=f"chatapi_{uuid.uuid4().hex}")
        cursor.itersize = min(max(fetch_limit, 1), 2000)
        cursor.execute(sql)
        rows = cursor.fetchmany(fetch_limit)
        columns = [d.name for d in cursor.description or ()]
        cursor.close()
        raw.rollback()
        return columns, rows
    except psycopg2.errors.QueryCanceled:
        raw.rollback()
        raise QueryTimeout()
    except psycopg2.errors.ReadOnlySqlTransaction:
        raw.rollback()
        raise GuardRejected(_READ_ONLY_REFUSAL)
    except psycopg2.OperationalError as exc:
        if raw.closed:
            raise DatasourceUnavailable()
        raw.rollback()
        raise QueryFailed(_first_line(exc.diag.message_primary) or QueryFailed.default_message)
    except psycopg2.Error as exc:
        if not raw.closed:
            raw.rollback()
        raise QueryFailed(_first_line(exc.diag.message_primary) or QueryFailed.default_message)


_MYSQL_TIMEOUT_CODES = {3024, 1969, 1317}
_MYSQL_READ_ONLY_CODES = {1792, 1290, 1142}
_MYSQL_GONE_CODES = {2003, 2006, 2013, 2055}


def _run_mysql(raw, sql: str, fetch_limit: int):
    try:
        with raw.cursor() as setup:
            setup.execute("START TRANSACTION READ ONLY")
        cursor = raw.cursor(pymysql.cursors.SSCursor)
        cursor.execute(sql)
        columns = [d[0] for d in cursor.description or ()]
        rows = cursor.fetchmany(fetch_limit) if cursor.description else []
        cursor.close()
        raw.rollback()
        return columns, rows
    except pymysql.Error as exc:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        if code in _MYSQL_GONE_CODES:
            raise DatasourceUnavailable()
        if code in _MYSQL_TIMEOUT_CODES:
            raise QueryTimeout()
        if code in _MYSQL_READ_ONLY_CODES:
            raise GuardRejected(_READ_ONLY_REFUSAL)
        message = exc.args[1] if len(exc.args) > 1 else ""
        raise QueryFailed(_first_line(message) or QueryFailed.default_message)


def run_query(datasource, sql: str, *, fetch_limit: int, timeout: float | None = None) -> tuple[list[str], list]:
    """Run one statement read-only and return (column names, at most `fetch_limit` raw rows).

    This is the engine layer alone: it does NOT run the SQL guard. Everything else
    calls `executor.execute()`, which guards first and then calls this.
    """
    timeout = float(timeout or settings.SQL_TIMEOUT_SECONDS)
    with connect(datasource, timeout=timeout) as conn:
        raw = conn.connection.driver_connection
        if datasource.engine == "sqlite":
            return _run_sqlite(raw, sql, fetch_limit)
        if datasource.engine == "postgresql":
            return _run_postgres(raw, sql, fetch_limit, timeout)
        return _run_mysql(raw, sql, fetch_limit)
