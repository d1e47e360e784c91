"""SQLite: a read-only `file:` URI, an authorizer that allows only reads, limits and a deadline."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import quote

from datasources.engines.base import READ_ONLY_REFUSAL, Engine, first_line
from datasources.errors import DatasourceError, DatasourceUnavailable, GuardRejected, QueryFailed, QueryTimeout

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


def sqlite_uri(path) -> str:
    """A read-only `file:` URI for `path`, percent-quoted so no character can add URI parameters."""
    return f"file:{quote(str(path), safe='/')}?mode=ro"


def _authorizer(allow_pragmas: bool):
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
    conn.set_authorizer(_authorizer(allow_pragmas))
    deadline = time.monotonic() + timeout
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 1000)
    return conn


def translate(exc: sqlite3.Error) -> DatasourceError:
    """One of our errors for a sqlite3 error."""
    message = str(exc)
    if "interrupted" in message:
        return QueryTimeout()
    if "too big" in message:
        return QueryFailed("A value in the result is too large to return.")
    if "not authorized" in message or "readonly" in message or "read-only" in message:
        return GuardRejected(READ_ONLY_REFUSAL)
    if isinstance(exc, sqlite3.ProgrammingError) and "one statement" in message:
        return GuardRejected("Only one statement can run at a time.")
    return QueryFailed(first_line(message) or QueryFailed.default_message)


class SQLiteEngine(Engine):
    """SQLite files inside `DATASOURCE_SQLITE_DIR`, opened read-only."""

    name = "sqlite"
    label = "SQLite"
    sqlglot_dialect = "sqlite"
    sa_driver = "sqlite+pysqlite://"
    django_backend = "sqlite3"
    network = False
    default_schemas = ("main",)
    driver_errors = (sqlite3.Error,)
    denied_functions = frozenset(
        {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "zipfile", "sqlar_compress"}
    )
    denied_prefixes = ("pragma_", "sqlite_dbpage", "sqlite_dbdata")
    denied_tables = frozenset({"sqlite_dbpage", "sqlite_dbdata", "sqlite_dbptr"})

    def open(self, datasource, *, timeout: float, introspection: bool = False, checked=None):
        return open_sqlite(checked, timeout=timeout, allow_pragmas=introspection)

    @contextmanager
    def stream(self, datasource, sql: str, *, timeout: float, checked=None) -> Iterator[tuple[list[str], Iterator]]:
        raw = self.open(datasource, timeout=timeout, checked=checked)
        try:
            try:
                cursor = raw.execute(sql)
            except sqlite3.Error as exc:
                raise translate(exc)
            columns = [d[0] for d in cursor.description or ()]
            yield columns, self._rows(cursor)
        finally:
            with suppress(sqlite3.Error):
                raw.close()

    @staticmethod
    def _rows(cursor) -> Iterator[tuple]:
        # One row at a time: SQLite rows cost no round trip, and only one is held in memory.
        while True:
            try:
                row = cursor.fetchone()
            except sqlite3.Error as exc:
                raise translate(exc)
            if row is None:
                return
            yield row

    def translate_error(self, raw, exc: BaseException) -> DatasourceError:
        return translate(exc)

    def server_version(self, raw) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def check_connection(self, raw) -> None:
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()


ENGINE = SQLiteEngine()
