"""SQLite: a read-only `file:` URI, an authorizer that allows only reads, limits, and a worker process per query.

Queries run in `sqlite_worker` (a process started per query and killed at the deadline);
the in-process connection (`open`) serves only the inspector and the connection test,
which run SQLite's own catalog reads, never a user's statement.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

from datasources.engines.base import READ_ONLY_REFUSAL, Budget, Engine, RowStream, first_line
from datasources.engines.sqlite_process import KILL_GRACE_SECONDS, Worker
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
# Shapes of a statement the worker refuses before running it: a long SQL text, deep expressions,
# long LIKE/GLOB patterns, many compound parts or function arguments (each costs parse time or memory).
SQLITE_MAX_SQL_LENGTH = 1_000_000
SQLITE_MAX_EXPR_DEPTH = 200
SQLITE_MAX_LIKE_PATTERN = 1000
SQLITE_MAX_COMPOUND_SELECT = 100
SQLITE_MAX_FUNCTION_ARG = 100
# What SQLite itself may allocate for one statement (sorts and temporary b-trees spill to disk past it).
SQLITE_MIN_HEAP_BYTES = 64 * 1024 * 1024
# The worker's address space on top of that: the interpreter, its libraries and one fetched row.
SQLITE_WORKER_BASE_BYTES = 192 * 1024 * 1024


def worker_limits(budget: Budget) -> dict[str, int]:
    """`Connection.setlimit` values for a worker running under `budget`."""
    return {
        "SQLITE_LIMIT_ATTACHED": 0,
        "SQLITE_LIMIT_LENGTH": SQLITE_MAX_VALUE_BYTES,
        "SQLITE_LIMIT_SQL_LENGTH": SQLITE_MAX_SQL_LENGTH,
        "SQLITE_LIMIT_EXPR_DEPTH": SQLITE_MAX_EXPR_DEPTH,
        "SQLITE_LIMIT_LIKE_PATTERN_LENGTH": SQLITE_MAX_LIKE_PATTERN,
        "SQLITE_LIMIT_COMPOUND_SELECT": SQLITE_MAX_COMPOUND_SELECT,
        "SQLITE_LIMIT_FUNCTION_ARG": SQLITE_MAX_FUNCTION_ARG,
        "SQLITE_LIMIT_VARIABLE_NUMBER": 0,
    }


def heap_limit(budget: Budget) -> int:
    """SQLite's hard heap limit in a worker: room for values up to the byte budget, twice over."""
    return max(SQLITE_MIN_HEAP_BYTES, 4 * budget.max_bytes)


def worker_memory(budget: Budget) -> int:
    """The worker's address-space limit (RLIMIT_AS)."""
    return SQLITE_WORKER_BASE_BYTES + heap_limit(budget) + 2 * SQLITE_MAX_VALUE_BYTES * 4


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
    if "too big" in message or "out of memory" in message:
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
    def stream(
        self, datasource, sql: str, *, timeout: float, budget: Budget, checked=None
    ) -> Iterator[tuple[list[str], RowStream]]:
        """Run `sql` in a worker process of its own, killed when `timeout` (plus a short grace) has passed."""
        request = {
            "uri": sqlite_uri(checked),
            "sql": sql,
            "timeout": float(timeout),
            "limits": worker_limits(budget),
            "heap_limit": heap_limit(budget),
            "max_memory": worker_memory(budget),
            "max_bytes": budget.max_bytes,
            "max_columns": budget.max_columns,
            "value_max_chars": budget.value_max_chars + 1,  # one past the cut, so the executor marks it
            "denied_functions": sorted(SQLITE_DENIED_FUNCTIONS),
        }
        with Worker.start(request, deadline=time.monotonic() + timeout + KILL_GRACE_SECONDS) as worker:
            columns = worker.columns()
            yield columns, worker.rows()

    def translate_error(self, raw, exc: BaseException) -> DatasourceError:
        return translate(exc)

    def server_version(self, raw) -> str:
        return f"SQLite {sqlite3.sqlite_version}"

    def sample_expression(self, column: str, chars: int) -> str:
        # SQLite's substr() stops at a NUL; the worker cuts text to `chars` before it crosses instead.
        return column

    def check_connection(self, raw) -> None:
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()


ENGINE = SQLiteEngine()
