"""MySQL and MariaDB: PyMySQL without multi-statements or LOCAL INFILE, read-only sessions with a time limit."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import pymysql
import pymysql.converters
import pymysql.cursors
from django.conf import settings
from pymysql.constants import FIELD_TYPE
from sqlglot import exp
from sqlglot.dialects.mysql import MySQL

from datasources.engines.base import (
    READ_ONLY_REFUSAL,
    Blob,
    Budget,
    Engine,
    RowStream,
    first_line,
    password,
    timeout_ms,
    too_many_columns,
)
from datasources.errors import DatasourceError, DatasourceUnavailable, GuardRejected, QueryFailed, QueryTimeout


def _mysql_bit(data: bytes) -> int:
    """A BIT(n) value (big-endian bytes) as the number it holds."""
    return int.from_bytes(data, "big")


# PyMySQL's own conversions, except TIME (kept as the server writes it, e.g. "-25:00:01" or "838:59:59",
# where a timedelta would print as "-2 days, 22:59:59") and BIT (bytes, shown as "<N bytes>" otherwise).
MYSQL_CONVERSIONS = {**pymysql.converters.conversions, FIELD_TYPE.TIME: str, FIELD_TYPE.BIT: _mysql_bit}

_TIMEOUT_CODES = {3024, 1969, 1317}
_BINARY_CHARSET = 63
# Strings and blobs (text or binary by their character set).
_STRING_TYPES = {
    FIELD_TYPE.VARCHAR,
    FIELD_TYPE.VAR_STRING,
    FIELD_TYPE.STRING,
    FIELD_TYPE.TINY_BLOB,
    FIELD_TYPE.MEDIUM_BLOB,
    FIELD_TYPE.LONG_BLOB,
    FIELD_TYPE.BLOB,
}
# How long past the deadline the statement is killed from another connection.
KILL_GRACE_SECONDS = 0.5
_READ_ONLY_CODES = {1792, 1290, 1142}
_GONE_CODES = {2003, 2006, 2013, 2055}
# LOAD DATA LOCAL without the client's consent: MySQL 5.x, MariaDB, MySQL 8.
_LOCAL_INFILE_CODES = {1148, 4166, 3948}

# Privileges that let an account change data or objects (SELECT, SHOW VIEW, USAGE and the like do not).
MYSQL_WRITE_PRIVILEGES = {
    "ALL PRIVILEGES",
    "INSERT",
    "UPDATE",
    "DELETE",
    "DROP",
    "CREATE",
    "ALTER",
    "INDEX",
    "CREATE VIEW",
    "CREATE ROUTINE",
    "ALTER ROUTINE",
    "CREATE TEMPORARY TABLES",
    "TRIGGER",
    "EVENT",
    "DELETE HISTORY",
    "SUPER",
}
_GRANT = re.compile(r"^GRANT\s+(?P<privileges>.+?)\s+ON\s+(?P<target>\S+)", re.IGNORECASE | re.DOTALL)


def mysql_privileges(grants) -> set[str]:
    """The privilege names in `SHOW GRANTS` lines ("GRANT SELECT, UPDATE (note) ON `db`.* TO ..."); role grants
    and database or table names play no part."""
    found = set()
    for line in grants:
        match = _GRANT.match(line.strip())
        if match:
            listed = re.sub(r"\([^)]*\)", "", match.group("privileges"))  # column lists: "UPDATE (note)"
            names = {" ".join(privilege.split()).upper() for privilege in listed.split(",")}
            if "ALL PRIVILEGES" in names and match.group("target") == "*.*":
                names.add("FILE")  # global ALL includes the server-wide privileges
            found |= names
    return found


def mysql_connect_kwargs(datasource, *, timeout: float, target=None) -> dict:
    """PyMySQL keyword arguments: one statement per call, no LOCAL INFILE, bounded waits.

    With a `target` (`registration.NetworkTarget`), PyMySQL connects to its checked address.
    """
    return {
        "host": target.address if target is not None else datasource.host,
        "port": datasource.port or 3306,
        "user": datasource.username or "",
        "password": password(datasource),
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
    ms = timeout_ms(timeout)
    return [
        (f"SET SESSION max_execution_time = {ms}", f"SET SESSION max_statement_time = {ms / 1000:.3f}"),
        ("SET SESSION transaction_read_only = 1", "SET SESSION tx_read_only = 1"),
    ]


def _row_size(row) -> int:
    """What a fetched row costs in bytes, roughly: strings by length, anything else 16."""
    return 16 + sum(len(v) if isinstance(v, str | bytes) else 16 for v in row)


def _time_left(raw, deadline: float) -> None:
    """Give the next statement only the time the query has left (the probe used some)."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise QueryTimeout()
    for statement in mysql_session_statements(left)[0]:
        try:
            with raw.cursor() as setup:
                setup.execute(statement)
            return
        except pymysql.Error:
            continue


# SQL modes under which the server reads a statement differently from the guard's parser (sqlglot's
# MySQL dialect): "..." as an identifier, a backslash as an ordinary character, || as concatenation.
PARSE_CHANGING_MODES = {"ANSI", "ANSI_QUOTES", "NO_BACKSLASH_ESCAPES", "PIPES_AS_CONCAT"}


def _force_parse_modes(conn) -> None:
    """Take the parse-changing modes out of the session's sql_mode (a server or account may set them), and check."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT @@SESSION.sql_mode")
        modes = [m for m in str(cursor.fetchone()[0] or "").split(",") if m]
        kept = [m for m in modes if m.upper() not in PARSE_CHANGING_MODES]
        if kept != modes:
            cursor.execute("SET SESSION sql_mode = %s", [",".join(kept)])
            cursor.execute("SELECT @@SESSION.sql_mode")
            now = {m.upper() for m in str(cursor.fetchone()[0] or "").split(",") if m}
            if now & PARSE_CHANGING_MODES:
                raise DatasourceUnavailable()


def _abandon_result(raw, cursor) -> bool:
    """Drop the connection under an unbuffered result that was not read to the end.

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


def _regexp_sql(self, expression: exp.RegexpLike) -> str:
    if expression.args.get("flag") or expression.args.get("full_match"):
        return self.function_fallback_sql(expression)
    # Parenthesised: + and * bind tighter than REGEXP, so `REGEXP_LIKE(a, b) + 1` must keep its meaning.
    return f"({self.binary(expression, 'REGEXP')})"


def _json_extract_scalar_sql(self, expression: exp.JSONExtractScalar) -> str:
    path = self.sql(expression, "expression")
    return f"JSON_UNQUOTE(JSON_EXTRACT({self.sql(expression, 'this')}, {path}))"


class _PortableMySQLGenerator(MySQL.Generator):
    """MySQL output that MariaDB runs too: `a REGEXP b` (MariaDB has no REGEXP_LIKE), `JSON_UNQUOTE(JSON_EXTRACT())`
    for `->>` (MariaDB has no arrow operators), and MEDIAN() as written (MariaDB's window function) rather
    than `PERCENTILE_CONT(x, 0.5)`, which neither server accepts."""

    SUPPORTS_MEDIAN = True
    TRANSFORMS = {
        **MySQL.Generator.TRANSFORMS,
        exp.RegexpLike: _regexp_sql,
        exp.JSONExtractScalar: _json_extract_scalar_sql,
    }


class ChatapiMySQL(MySQL):
    """sqlglot's MySQL dialect, generating SQL that both MySQL and MariaDB accept."""

    Generator = _PortableMySQLGenerator


class MySQLEngine(Engine):
    """MySQL and MariaDB servers reached over the network with a login the owner registered."""

    name = "mysql"
    label = "MySQL"
    sqlglot_dialect = "mysql"
    sa_driver = "mysql+pymysql://"
    django_backend = "mysql"
    default_port = 3306
    sqlglot_writer = ChatapiMySQL
    identifier_quote = "`"
    text_type = "CHAR"
    driver_errors = (pymysql.Error,)
    denied_functions = frozenset(
        {
            "sleep",
            "benchmark",
            "load_file",
            "get_lock",
            "release_lock",
            "release_all_locks",
            "is_free_lock",
            "is_used_lock",
            "master_pos_wait",
            "source_pos_wait",
            "wait_for_executed_gtid_set",
            "wait_until_sql_thread_after_gtids",
            "sys_exec",
            "sys_eval",
        }
    )
    # Schema-qualified: a user table may well be called `user`. The process list shows other sessions' SQL.
    denied_tables = frozenset(
        {
            "mysql.user",
            "mysql.global_grants",
            "mysql.db",
            "mysql.tables_priv",
            "information_schema.processlist",
            "information_schema.innodb_trx",
            "information_schema.innodb_locks",
            "information_schema.innodb_lock_waits",
            "information_schema.user_statistics",
            "information_schema.client_statistics",
            "information_schema.global_variables",
            "information_schema.session_variables",
        }
    )
    # The server's own bookkeeping: statements of other sessions, settings, accounts.
    denied_schemas = frozenset({"performance_schema", "sys", "mysql"})

    def open(self, datasource, *, timeout: float, introspection: bool = False, checked=None):
        """Open a PyMySQL connection whose session is read-only with a statement time limit (or fail closed)."""
        try:
            conn = pymysql.connect(**mysql_connect_kwargs(datasource, timeout=timeout, target=checked))
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
        try:
            _force_parse_modes(conn)
        except (pymysql.Error, DatasourceUnavailable):
            conn.close()
            raise DatasourceUnavailable()
        return conn

    def translate_error(self, raw, exc: BaseException) -> DatasourceError:
        code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        if code in _GONE_CODES:
            return DatasourceUnavailable()
        if code in _TIMEOUT_CODES:
            return QueryTimeout()
        if code in _READ_ONLY_CODES:
            return GuardRejected(READ_ONLY_REFUSAL)
        if code in _LOCAL_INFILE_CODES:
            return GuardRejected("Loading files from the client is not allowed.")
        message = exc.args[1] if len(exc.args) > 1 else ""
        return QueryFailed(first_line(message) or QueryFailed.default_message)

    @contextmanager
    def _errors(self, raw):
        try:
            yield
        except pymysql.Error as exc:
            raise self.translate_error(raw, exc)

    def _capped(self, raw, sql: str, budget: Budget) -> tuple[str, list[bool]]:
        """`sql` wrapped so that the server caps every long value to its column's share of `budget`.

        The probe reads only the result's shape (LIMIT 0). Returns the wrapped SQL and, per
        column, whether it comes back as a size only (binary strings). A result whose columns
        cannot be wrapped (two columns of one name) runs as it is: each row is then bounded
        by the server's `max_allowed_packet` and the whole result by the budget, counted here.
        """
        with raw.cursor() as probe:
            try:
                probe.execute(f"SELECT * FROM ({sql}) AS chatapi_probe LIMIT 0")  # noqa: S608 - guarded SQL
            except pymysql.Error as exc:
                if exc.args and exc.args[0] in _TIMEOUT_CODES | _GONE_CODES:
                    raise
                # Two columns of one name, or not a plain query (nothing the guard lets through): it runs
                # as it is, without multi-statements, in the read-only session, with the budget counted here.
                return sql, []
            fields = list(probe._result.fields if probe._result else ())
        if len(fields) > budget.max_columns:
            raise too_many_columns(len(fields), budget.max_columns)
        share = budget.column_share(len(fields))
        chars = budget.value_chars(len(fields)) + 1  # one past the cut, so the executor marks it
        values, blobs = [], []
        for field in fields:
            ref = f"chatapi_capped.{self.quote(field.name)}"
            binary = field.charsetnr == _BINARY_CHARSET
            if field.type_code in _STRING_TYPES and not binary:
                value = f"LEFT({ref}, {chars})"
            elif field.type_code in _STRING_TYPES or field.type_code == FIELD_TYPE.GEOMETRY:
                value = f"LENGTH({ref})"  # shown as "<N bytes>": the bytes need not cross
            elif field.type_code == FIELD_TYPE.JSON:
                value = f"CASE WHEN LENGTH({ref}) > {share} THEN NULL ELSE {ref} END"
            else:
                value = ref  # numbers, dates, times, bits: a few bytes each
            blobs.append(value.startswith("LENGTH("))
            values.append(f"{value} AS {self.quote(field.name)}")
        return f"SELECT {', '.join(values)} FROM ({sql}) AS chatapi_capped", blobs  # noqa: S608

    def _rows(self, raw, cursor, budget: Budget, blobs: list[bool], stream: RowStream) -> Iterator[tuple]:
        # Unbuffered rows cost no round trip: one at a time keeps only one in memory.
        left = budget.max_bytes
        while True:
            with self._errors(raw):
                row = cursor.fetchone()
            if row is None:
                return
            if blobs:
                row = tuple(Blob(v) if blob and v is not None else v for v, blob in zip(row, blobs, strict=True))
            left -= _row_size(row)
            if left < 0:
                stream.cut = True  # the rest is left unread; the connection is closed under it
                return
            yield row

    @contextmanager
    def stream(
        self, datasource, sql: str, *, timeout: float, budget: Budget, checked=None
    ) -> Iterator[tuple[list[str], RowStream]]:
        raw = self.open(datasource, timeout=timeout, checked=checked)
        deadline = time.monotonic() + timeout
        # Kills the statement from another connection at the deadline, should max_statement_time not fire.
        watchdog = threading.Timer(timeout + KILL_GRACE_SECONDS, self._kill, args=(datasource, checked, raw))
        watchdog.daemon = True
        watchdog.start()
        closed = False
        try:
            with self._errors(raw):
                with raw.cursor() as setup:
                    setup.execute("START TRANSACTION READ ONLY")
                capped, blobs = self._capped(raw, sql, budget)
                _time_left(raw, deadline)
                # Unbuffered: rows are read off the socket as they are fetched.
                cursor = raw.cursor(pymysql.cursors.SSCursor)
                cursor.execute(capped)
            names = [d[0] for d in cursor.description or ()]
            if len(names) > budget.max_columns:
                raise too_many_columns(len(names), budget.max_columns)
            stream = RowStream(())
            rows = self._rows(raw, cursor, budget, blobs, stream)
            stream._rows = rows
            try:
                yield names, stream
            finally:
                rows.close()
                closed = _abandon_result(raw, cursor)
                with suppress(pymysql.Error):
                    cursor.close()
        finally:
            watchdog.cancel()
            if not closed:
                with suppress(pymysql.Error):
                    raw.rollback()
            with suppress(pymysql.Error):
                raw.close()

    def _kill(self, datasource, checked, raw) -> None:
        """Stop what `raw` runs, from a connection of its own (an account may always kill its own queries)."""
        try:
            thread_id = raw.thread_id()
            killer = self.open(datasource, timeout=5, checked=checked)
        except (DatasourceError, pymysql.Error, AttributeError):
            return
        try:
            with killer.cursor() as cursor:
                cursor.execute(f"KILL QUERY {int(thread_id)}")
        except pymysql.Error:
            pass
        finally:
            with suppress(pymysql.Error):
                killer.close()

    def server_version(self, raw) -> str:
        with raw.cursor() as cursor:
            cursor.execute("SELECT VERSION()")
            version = str(cursor.fetchone()[0])  # MariaDB: "10.11.19-MariaDB-0+deb12u1"
        if "mariadb" in version.lower():
            return f"MariaDB {version.split('-')[0]}"
        return f"MySQL {version}"

    def write_warnings(self, raw) -> list[str]:
        with raw.cursor() as cursor:
            cursor.execute("SHOW GRANTS")
            privileges = mysql_privileges(str(row[0]) for row in cursor.fetchall())
        warnings = []
        if privileges & MYSQL_WRITE_PRIVILEGES:
            warnings.append("This account can change data. Register an account that can only SELECT.")
        if "FILE" in privileges:
            warnings.append("This account can read and write files on the database server (FILE). Revoke it.")
        return warnings

    def row_estimate_sql(self) -> str | None:
        return "SELECT table_rows FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = :name"


ENGINE = MySQLEngine()
