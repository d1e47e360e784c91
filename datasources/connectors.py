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
  `max_execution_time` (MariaDB: `max_statement_time`) and read-only
  transactions; TIME comes back as the server's text and BIT as a number.

`stream_query()` (and `run_query()` on top of it) is the engine layer on its
own (no SQL guard); only `executor.execute()` calls it.
"""

import itertools
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
import pymysql.converters
import pymysql.cursors
from cryptography.fernet import InvalidToken
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from pymysql.constants import FIELD_TYPE
from sqlalchemy import create_engine
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from datasources import crypto
from datasources.errors import DatasourceError, DatasourceUnavailable, GuardRejected, QueryFailed, QueryTimeout
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
# No single SQLite value (zeroblob, randomblob, printf padding, group_concat, a stored blob) may grow past this:
# the query fails at once with "too large" instead of allocating it.
SQLITE_MAX_VALUE_BYTES = 8 * 1024 * 1024
SQLITE_READABLE_PRAGMAS = {"read_uncommitted"}
_READ_ONLY_REFUSAL = _("The database refused to change anything: only reading is allowed.")


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
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQLITE_MAX_VALUE_BYTES)
    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(_sqlite_authorizer(allow_pragmas))
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
    return conn


# --- PostgreSQL ------------------------------------------------------------------------------------

# A path under /dev/null can never exist: libpq looks for it, finds nothing and says nothing.
NO_PASSFILE = os.path.join(os.devnull, "no-pgpass")


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
        # Never fall back to the server's own ~/.pgpass for a password the user did not give
        # (`/dev/null` itself would draw a libpq warning on every connect).
        "passfile": NO_PASSFILE,
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


def _mysql_bit(data: bytes) -> int:
    """A BIT(n) value (big-endian bytes) as the number it holds."""
    return int.from_bytes(data, "big")


# PyMySQL's own conversions, except TIME (kept as the server writes it, e.g. "-25:00:01" or "838:59:59",
# where a timedelta would print as "-2 days, 22:59:59") and BIT (bytes, shown as "<N bytes>" otherwise).
MYSQL_CONVERSIONS = {**pymysql.converters.conversions, FIELD_TYPE.TIME: str, FIELD_TYPE.BIT: _mysql_bit}


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
        "conv": MYSQL_CONVERSIONS,
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
            raise DatasourceUnavailable(_("The database does not support read-only sessions with a time limit."))
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

# A PostgreSQL server-side cursor is read in chunks (one round trip each): the first chunk is one row,
# later ones hold about this many bytes of the widest row seen so far, up to PG_FETCH_MAX_ROWS rows.
PG_FETCH_TARGET_BYTES = 1024 * 1024
PG_FETCH_MAX_ROWS = 500


def _first_line(text) -> str:
    line = str(text or "").strip().splitlines()[0] if str(text or "").strip() else ""
    return line[:500]


def _sqlite_error(exc: sqlite3.Error) -> DatasourceError:
    message = str(exc)
    if "interrupted" in message:
        return QueryTimeout()
    if "too big" in message:
        return QueryFailed(_("A value in the result is too large to return."))
    if "not authorized" in message or "readonly" in message or "read-only" in message:
        return GuardRejected(_READ_ONLY_REFUSAL)
    if isinstance(exc, sqlite3.ProgrammingError) and "one statement" in message:
        return GuardRejected(_("Only one statement can run at a time."))
    return QueryFailed(_first_line(message) or QueryFailed.default_message)


def _postgres_error(raw, exc: psycopg2.Error) -> DatasourceError:
    if raw.closed:
        return DatasourceUnavailable()
    with suppress(psycopg2.Error):
        raw.rollback()
    if isinstance(exc, psycopg2.errors.QueryCanceled):
        return QueryTimeout()
    if isinstance(exc, psycopg2.errors.ReadOnlySqlTransaction):
        return GuardRejected(_READ_ONLY_REFUSAL)
    return QueryFailed(_first_line(exc.diag.message_primary) or QueryFailed.default_message)


_MYSQL_TIMEOUT_CODES = {3024, 1969, 1317}
_MYSQL_READ_ONLY_CODES = {1792, 1290, 1142}
_MYSQL_GONE_CODES = {2003, 2006, 2013, 2055}
# LOAD DATA LOCAL without the client's consent: MySQL 5.x, MariaDB, MySQL 8.
_MYSQL_LOCAL_INFILE_CODES = {1148, 4166, 3948}


def _mysql_error(exc: pymysql.Error) -> DatasourceError:
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
    if code in _MYSQL_GONE_CODES:
        return DatasourceUnavailable()
    if code in _MYSQL_TIMEOUT_CODES:
        return QueryTimeout()
    if code in _MYSQL_READ_ONLY_CODES:
        return GuardRejected(_READ_ONLY_REFUSAL)
    if code in _MYSQL_LOCAL_INFILE_CODES:
        return GuardRejected(_("Loading files from the client is not allowed."))
    message = exc.args[1] if len(exc.args) > 1 else ""
    return QueryFailed(_first_line(message) or QueryFailed.default_message)


@contextmanager
def _database_errors(raw):
    """Turn a driver error raised while running or fetching into one of our `DatasourceError`s."""
    try:
        yield
    except sqlite3.Error as exc:
        raise _sqlite_error(exc)
    except psycopg2.Error as exc:
        raise _postgres_error(raw, exc)
    except pymysql.Error as exc:
        raise _mysql_error(exc)


# A PostgreSQL value may be up to 1 GB, and libpq receives each one whole before anything can cut it:
# the server cuts long text (one character past what the executor keeps, so it marks the cut) and
# leaves out any other value over the byte limit (SQLite's limit) before sending it.
PG_TEXT_MAX_CHARS = 64 * 1024 + 1
PG_VALUE_MAX_BYTES = SQLITE_MAX_VALUE_BYTES
# text, varchar and name (type OIDs); not char(n), whose padding a cast to text would strip.
_PG_TEXT_TYPES = {25, 1043, 19}


def _postgres_capped(raw, sql: str) -> str:
    """`sql` wrapped so that the server caps every value it returns; `sql` as it is when it cannot be wrapped."""
    with raw.cursor() as probe:
        probe.execute("SAVEPOINT chatapi_probe")
        try:
            # Only the result's shape: LIMIT 0 reads no rows.
            probe.execute(f"SELECT * FROM ({sql}) AS chatapi_probe LIMIT 0")  # noqa: S608 - guarded SQL
        except psycopg2.errors.QueryCanceled:
            raise
        except psycopg2.Error:
            # Not a plain query (nothing the guard lets through): it runs as it is, under the engine's layers.
            probe.execute("ROLLBACK TO SAVEPOINT chatapi_probe")
            return sql
        columns = probe.description or ()
        probe.execute("RELEASE SAVEPOINT chatapi_probe")
        if not columns:
            return sql
        ident = psycopg2.extensions.quote_ident
        aliases = [f"c{index}" for index in range(len(columns))]
        values = []
        for alias, column in zip(aliases, columns, strict=True):
            ref = f"chatapi_capped.{alias}"
            if column.type_code in _PG_TEXT_TYPES:
                value = f"left({ref}::text, {PG_TEXT_MAX_CHARS})"
            else:
                value = f"CASE WHEN pg_column_size({ref}) > {PG_VALUE_MAX_BYTES} THEN NULL ELSE {ref} END"
            values.append(f"{value} AS {ident(column.name, probe)}")
    return f"SELECT {', '.join(values)} FROM ({sql}) AS chatapi_capped({', '.join(aliases)})"  # noqa: S608


def _open_cursor(engine: str, raw, sql: str, timeout: float):
    if engine == "sqlite":
        cursor = raw.cursor()
    elif engine == "postgresql":
        with raw.cursor() as setup:
            # The transaction already began READ ONLY (set_session); say it again and bound it in time.
            setup.execute("SET TRANSACTION READ ONLY")
            setup.execute(f"SET LOCAL statement_timeout = {_timeout_ms(timeout)}")
            setup.execute("SET LOCAL lock_timeout = 2000")
        sql = _postgres_capped(raw, sql)
        # A named (server-side) cursor fetches only what we ask for, so memory stays bounded.
        cursor = raw.cursor(name=f"chatapi_{uuid.uuid4().hex}")
    else:
        with raw.cursor() as setup:
            setup.execute("START TRANSACTION READ ONLY")
        # Unbuffered: rows are read off the socket as they are fetched.
        cursor = raw.cursor(pymysql.cursors.SSCursor)
    cursor.execute(sql)
    return cursor


def _abandon_mysql_result(raw, cursor) -> bool:
    """Drop the connection under an unbuffered MySQL result that was not read to the end.

    MySQL has no way to stop a result it is sending: closing the cursor would read (and
    throw away) every remaining row, for as long as the statement time limit allows. Closing
    the socket instead ends it at once; the server aborts the statement when it next writes.
    """
    result = getattr(cursor, "_result", None)
    if result is None or not getattr(result, "unbuffered_active", False):
        return False
    result.unbuffered_active = False
    raw._force_close()
    return True


def _raw_size(row) -> int:
    """Rough size of a fetched row in bytes: text by length, arrays and JSON by item count.

    Bytes count by what they cost in memory too, though a result shows them as "<N bytes>".
    """
    total = 16
    for value in row:
        if isinstance(value, str | bytes | bytearray | memoryview):
            total += len(value)
        elif isinstance(value, list | tuple | dict):
            total += 16 * len(value)
        else:
            total += 16
    return total


def _postgres_time_left(raw, deadline: float) -> None:
    """Give the next FETCH only the time the query has left.

    `statement_timeout` bounds each statement, and every FETCH from a server-side cursor is one:
    without this, a result read in many chunks could run for chunks x SQL_TIMEOUT_SECONDS.
    """
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryTimeout()
    with raw.cursor() as setup:
        setup.execute(f"SET LOCAL statement_timeout = {_timeout_ms(left)}")


def _fetch_rows(engine: str, raw, cursor, deadline: float) -> Iterator[tuple]:
    """Yield the cursor's rows, never holding more than one chunk of them, until `deadline`."""
    # SQLite and MySQL (unbuffered) rows cost no round trip: one at a time keeps only one in memory.
    # Their deadlines hold across fetches already: SQLite's progress handler, MySQL's statement time.
    size = 1
    while True:
        with _database_errors(raw):
            if engine == "postgresql":
                _postgres_time_left(raw, deadline)
            chunk = cursor.fetchmany(size)
        if not chunk:
            return
        yield from chunk
        if engine == "postgresql":
            widest = max(_raw_size(row) for row in chunk)
            size = max(1, min(PG_FETCH_MAX_ROWS, PG_FETCH_TARGET_BYTES // widest))


@contextmanager
def stream_query(datasource, sql: str, *, timeout: float | None = None) -> Iterator[tuple[list[str], Iterator[tuple]]]:
    """Run one statement read-only; yield (column names, an iterator that fetches the rows as they are read).

    This is the engine layer alone: it does NOT run the SQL guard. Everything else
    calls `executor.execute()`, which guards first and then calls this. Leaving the
    `with` early fetches no more rows (under a MySQL unbuffered result left unread
    the connection is closed rather than drained).
    """
    timeout = float(timeout or settings.SQL_TIMEOUT_SECONDS)
    with connect(datasource, timeout=timeout) as conn:
        deadline = time.monotonic() + timeout
        raw = conn.connection.driver_connection
        with _database_errors(raw):
            cursor = _open_cursor(datasource.engine, raw, sql, timeout)
        rows = _fetch_rows(datasource.engine, raw, cursor, deadline)
        try:
            # A PostgreSQL server-side cursor describes its columns only after the first fetch.
            first = next(rows, None)
            columns = [d[0] for d in cursor.description or ()]
            yield columns, itertools.chain(() if first is None else (first,), rows)
        finally:
            rows.close()
            if datasource.engine == "mysql" and _abandon_mysql_result(raw, cursor):
                # Nothing to roll back on a closed socket: SQLAlchemy must not try when the connection closes.
                conn.invalidate()
            with suppress(sqlite3.Error, psycopg2.Error, pymysql.Error):
                cursor.close()


def run_query(datasource, sql: str, *, fetch_limit: int, timeout: float | None = None) -> tuple[list[str], list]:
    """Run one statement read-only and return (column names, at most `fetch_limit` raw rows); no SQL guard."""
    with stream_query(datasource, sql, timeout=timeout) as (columns, rows):
        return columns, list(itertools.islice(rows, fetch_limit))
