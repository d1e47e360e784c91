"""PostgreSQL: psycopg2, read-only transactions, a statement timeout, a server-side cursor and capped values."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg2
import psycopg2.errors
import psycopg2.extensions
from django.conf import settings
from django.utils.translation import gettext

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

# A path under /dev/null can never exist: libpq looks for it, finds nothing and says nothing.
NO_PASSFILE = os.path.join(os.devnull, "no-pgpass")

# A server-side cursor is read in chunks (one round trip each): the first chunk is one row,
# later ones hold about this many bytes of the widest row seen so far, up to PG_FETCH_MAX_ROWS rows.
PG_FETCH_TARGET_BYTES = 1024 * 1024
PG_FETCH_MAX_ROWS = 500

# A PostgreSQL value may be up to 1 GB, and libpq receives each one whole before anything can cut it:
# the server cuts long text to the characters the executor keeps for its column (plus one, so the
# cut is marked), leaves out any other value over its column's share of the byte budget, sends
# bytea as its size, and stops sending rows one past the budget.
# text, varchar and name (type OIDs); not char(n), whose padding a cast to text would strip.
_PG_TEXT_TYPES = {25, 1043, 19}
_PG_BYTEA = 17
# What a row costs besides its values, in the running total the server keeps.
ROW_OVERHEAD_BYTES = 16
# How long past the deadline the client waits before cancelling the statement itself.
KILL_GRACE_SECONDS = 0.5
# The server reads string literals as the guard's parser (sqlglot) does: a backslash is an ordinary
# character in '...', and never quotes a quote. A role or database set otherwise is overridden.
PARSE_SETTINGS = {"standard_conforming_strings": "on", "backslash_quote": "off"}

_WRITE_CHECK = """
SELECT r.rolsuper,
       has_database_privilege(current_database(), 'CREATE'),
       EXISTS (
         SELECT 1 FROM pg_namespace n
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
           AND has_schema_privilege(n.oid, 'CREATE')
       ),
       EXISTS (
         SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'v', 'm')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema')
           AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
       )
FROM pg_roles r WHERE r.rolname = current_user
"""


def postgres_connect_kwargs(datasource, *, timeout: float, target=None) -> dict:
    """psycopg2 keyword arguments: short connect timeout, read-only default, statement timeout, no passfile.

    With a `target` (`registration.NetworkTarget`), libpq connects to its checked address
    (`hostaddr`) and uses the host name only to authenticate: it never resolves the name again.
    """
    ms = timeout_ms(timeout)
    options = (
        f"-c default_transaction_read_only=on -c statement_timeout={ms} "
        f"-c idle_in_transaction_session_timeout={ms + 5000} "
        + " ".join(f"-c {name}={value}" for name, value in PARSE_SETTINGS.items())
    )
    if getattr(datasource, "schema", ""):
        options += f" -c search_path={datasource.schema}"
    address = {"hostaddr": target.address} if target is not None else {}
    return {
        "host": datasource.host,
        **address,
        "port": datasource.port or 5432,
        "dbname": datasource.database,
        "user": datasource.username or "",
        "password": password(datasource),
        "connect_timeout": max(1, int(settings.DATASOURCE_CONNECT_TIMEOUT)),
        "application_name": "chatAPI",
        # Never fall back to the server's own ~/.pgpass for a password the user did not give
        # (`/dev/null` itself would draw a libpq warning on every connect).
        "passfile": NO_PASSFILE,
        "options": options,
    }


def _raw_size(row) -> int:
    """Rough size of a fetched row in bytes: text by length, arrays and JSON by item count."""
    total = 16
    for value in row:
        if isinstance(value, str | bytes | bytearray | memoryview):
            total += len(value)
        elif isinstance(value, list | tuple | dict):
            total += 16 * len(value)
        else:
            total += 16
    return total


class PostgreSQLEngine(Engine):
    """PostgreSQL servers reached over the network with a login the owner registered."""

    name = "postgresql"
    label = "PostgreSQL"
    sqlglot_dialect = "postgres"
    sa_driver = "postgresql+psycopg2://"
    django_backend = "postgresql"
    default_port = 5432
    default_schemas = ("public",)
    driver_errors = (psycopg2.Error,)
    denied_functions = frozenset(
        {
            "pg_sleep",
            "pg_sleep_for",
            "pg_sleep_until",
            "pg_read_file",
            "pg_read_binary_file",
            "pg_ls_dir",
            "pg_stat_file",
            "pg_file_write",
            "pg_file_read",
            "pg_file_rename",
            "pg_file_unlink",
            "pg_logdir_ls",
            "pg_terminate_backend",
            "pg_cancel_backend",
            "pg_reload_conf",
            "pg_rotate_logfile",
            "pg_promote",
            "pg_switch_wal",
            "pg_create_restore_point",
            "pg_backup_start",
            "pg_backup_stop",
            "pg_start_backup",
            "pg_stop_backup",
            "pg_notify",
            "pg_export_snapshot",
            "pg_import_system_collations",
            "pg_log_backend_memory_contexts",
            "pg_log_standby_snapshot",
            "pg_sync_replication_slots",
            "pg_hba_file_rules",
            "pg_ident_file_mappings",
            "pg_show_all_file_settings",
            "pg_stat_statements_reset",
            "pg_nextoid",
            "get_raw_page",
            "set_config",
            "current_setting",
            # Functions that run a query handed to them as text, out of the guard's sight.
            "ts_stat",
            "ts_rewrite",
            "crosstab",  # tablefunc
            "connectby",  # tablefunc: builds SQL from its text arguments
            "query_to_xml",
            "query_to_xmlschema",
            "query_to_xml_and_xmlschema",
            "cursor_to_xml",
            "cursor_to_xmlschema",
            "table_to_xml",
            "table_to_xmlschema",
            "table_to_xml_and_xmlschema",
            "schema_to_xml",
            "schema_to_xmlschema",
            "schema_to_xml_and_xmlschema",
            "database_to_xml",
            "database_to_xmlschema",
            "database_to_xml_and_xmlschema",
            "nextval",
            "setval",
            "txid_current",
            "pg_current_xact_id",
            "dblink",
            "dblink_exec",
            "dblink_connect",
            "dblink_connect_u",
            "dblink_send_query",
            "dblink_open",
            "dblink_fetch",
            "lo_import",
            "lo_export",
            "lo_open",
            "lo_get",
            "lo_put",
            "lo_from_bytea",
            "lo_create",
            "lo_creat",
            "lo_unlink",
            "lo_truncate",
            "lowrite",
            "loread",
            "http",  # pgsql-http / pg_net: requests from the database server
            # Other sessions and the server: who runs what, settings, paths, addresses.
            "pg_show_all_settings",
            "pg_settings_get_flags",
            "pg_config",
            "pg_current_logfile",
            "pg_tablespace_location",
            "pg_postmaster_start_time",
            "pg_conf_load_time",
            "pg_blocking_pids",
            "pg_safe_snapshot_blocking_pids",
            "pg_get_backend_memory_contexts",
            "pg_get_shmem_allocations",
            "pg_control_system",
            "pg_control_checkpoint",
            "pg_control_recovery",
            "pg_control_init",
            "pg_get_wal_replication_slots",
            "pg_prepared_statement",
            "pg_cursor",
            "pg_lock_status",
            "pg_prepared_xact",
            "inet_server_addr",
            "inet_server_port",
            "inet_client_addr",
            "inet_client_port",
            "pg_available_extensions",
            "pg_available_extension_versions",
        }
    )
    # Name prefixes denied as a family (advisory locks, replication slots, large objects).
    denied_prefixes = (
        "pg_advisory",
        "pg_try_advisory",
        "pg_read_",
        "pg_ls_",
        "pg_file",
        "pg_create_",
        "pg_drop_",
        "pg_replication_",
        "pg_logical_",
        "pg_wal_replay",
        "pg_xlog_replay",
        "pg_copy_",
        "pg_backup_",
        "pg_rotate_",
        "pg_restore_",
        "pg_clear_",
        "pg_set_",
        "pg_buffercache_evict",
        "binary_upgrade_",
        "crosstab",
        "dblink",
        "postgres_fdw_",
        "lo_",
        "pg_stat_reset",
        "brin_summarize",
        "brin_desummarize",
        "gin_clean_pending",
        "pg_prewarm",
        "pg_background",
        "http_",
        "pg_stat_get_",  # the functions behind pg_stat_activity and the other statistics views
        "pg_stat_statements",
        "pg_ident_",
        "pg_hba_",
    )
    # Tables that hold secrets or files, or show other sessions and the server; refused by name in every schema.
    denied_tables = frozenset(
        {
            "pg_authid",
            "pg_shadow",
            "pg_user_mapping",
            "pg_user_mappings",
            "pg_largeobject",
            "pg_hba_file_rules",
            "pg_ident_file_mappings",
            "pg_settings",
            "pg_file_settings",
            "pg_db_role_setting",
            "pg_config",
            "pg_locks",
            "pg_prepared_xacts",
            "pg_prepared_statements",
            "pg_cursors",
            "pg_backend_memory_contexts",
            "pg_shmem_allocations",
            "pg_replication_slots",
            "pg_replication_origin",
            "pg_replication_origin_status",
            "pg_subscription",
            "pg_available_extensions",
            "pg_available_extension_versions",
        }
    )
    # pg_stat_activity, pg_stat_replication, pg_stat_ssl, pg_statio_... : statistics of sessions and tables.
    denied_table_prefixes = ("pg_stat", "pg_hba_", "pg_ident_")

    def open(self, datasource, *, timeout: float, introspection: bool = False, checked=None):
        """Open a psycopg2 connection whose transactions begin READ ONLY."""
        try:
            conn = psycopg2.connect(**postgres_connect_kwargs(datasource, timeout=timeout, target=checked))
        except psycopg2.Error:
            raise DatasourceUnavailable()
        conn.set_session(readonly=True, autocommit=False)
        return conn

    def translate_error(self, raw, exc: BaseException) -> DatasourceError:
        if raw.closed:
            return DatasourceUnavailable()
        with suppress(psycopg2.Error):
            raw.rollback()
        if isinstance(exc, psycopg2.errors.QueryCanceled):
            return QueryTimeout()
        if isinstance(exc, psycopg2.errors.ReadOnlySqlTransaction):
            return GuardRejected(READ_ONLY_REFUSAL)
        return QueryFailed(first_line(exc.diag.message_primary) or QueryFailed.default_message)

    @contextmanager
    def _errors(self, raw):
        try:
            yield
        except psycopg2.Error as exc:
            raise self.translate_error(raw, exc)

    def _capped(self, raw, sql: str, budget: Budget) -> tuple[str, list[bool]]:
        """`sql` wrapped so that the server caps every value and the whole result to `budget`.

        The probe reads only the result's shape (LIMIT 0). SQL that fails it never runs
        raw: its error is the query's error. Returns the wrapped SQL and, per column,
        whether it comes back as a size only (bytea).
        """
        with raw.cursor() as probe:
            # Only the result's shape: LIMIT 0 reads no rows.
            probe.execute(f"SELECT * FROM ({sql}) AS chatapi_probe LIMIT 0")  # noqa: S608 - guarded SQL
            columns = probe.description or ()
            if len(columns) > budget.max_columns:
                raise too_many_columns(len(columns), budget.max_columns)
            ident = psycopg2.extensions.quote_ident
            aliases = [f"c{index}" for index in range(len(columns))]
            share = budget.column_share(len(columns))
            chars = budget.value_chars(len(columns)) + 1  # one past the cut, so the executor marks it
            values, sizes, blobs = [], [], []
            for alias, column in zip(aliases, columns, strict=True):
                ref = f"chatapi_capped.{alias}"
                if column.type_code in _PG_TEXT_TYPES:
                    value = f"left({ref}::text, {chars})"
                elif column.type_code == _PG_BYTEA:
                    value = f"octet_length({ref})"  # shown as "<N bytes>": the bytes need not cross
                else:
                    value = f"CASE WHEN octet_length({ref}::text) > {share} THEN NULL ELSE {ref} END"
                blobs.append(column.type_code == _PG_BYTEA)
                values.append(f"{value} AS {alias}")
                sizes.append(f"coalesce(octet_length({alias}::text), 0)")
            names = ", ".join(
                f"{alias} AS {ident(column.name, probe)}" for alias, column in zip(aliases, columns, strict=True)
            )
        size = " + ".join([str(ROW_OVERHEAD_BYTES), *sizes])
        # A running total of the bytes sent: the server stops sending one row past the budget.
        return (
            f"SELECT {names}, chatapi_used > {budget.max_bytes} AS chatapi_over FROM ("  # noqa: S608
            f"SELECT *, sum(chatapi_size) OVER (ROWS UNBOUNDED PRECEDING) AS chatapi_used FROM ("
            f"SELECT *, {size} AS chatapi_size FROM ("
            f"SELECT {', '.join(values)} FROM ({sql}) AS chatapi_capped({', '.join(aliases)})"
            f") AS chatapi_sized) AS chatapi_summed) AS chatapi_counted "
            f"WHERE chatapi_used - chatapi_size <= {budget.max_bytes}",
            blobs,
        )

    @staticmethod
    def _time_left(raw, deadline: float) -> None:
        """Give the next FETCH only the time the query has left (each FETCH is a statement of its own)."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise QueryTimeout()
        with raw.cursor() as setup:
            setup.execute(f"SET LOCAL statement_timeout = {timeout_ms(left)}")

    def _rows(self, raw, cursor, deadline: float, blobs: list[bool], stream: RowStream) -> Iterator[tuple]:
        """Yield the cursor's rows, never holding more than one chunk of them, until `deadline`."""
        size = 1
        while True:
            with self._errors(raw):
                self._time_left(raw, deadline)
                chunk = cursor.fetchmany(size)
            if not chunk:
                return
            for row in chunk:
                *values, over = row
                if over:
                    stream.cut = True
                yield tuple(Blob(v) if blob and v is not None else v for v, blob in zip(values, blobs, strict=True))
            widest = max(_raw_size(row) for row in chunk)
            size = max(1, min(PG_FETCH_MAX_ROWS, PG_FETCH_TARGET_BYTES // widest))

    @contextmanager
    def stream(
        self, datasource, sql: str, *, timeout: float, budget: Budget, checked=None
    ) -> Iterator[tuple[list[str], RowStream]]:
        raw = self.open(datasource, timeout=timeout, checked=checked)
        # Cancels the statement from outside at the deadline, should the server's own timeout not fire.
        watchdog = threading.Timer(timeout + KILL_GRACE_SECONDS, _cancel, args=(raw,))
        watchdog.daemon = True
        watchdog.start()
        try:
            deadline = time.monotonic() + timeout
            with self._errors(raw):
                with raw.cursor() as setup:
                    # The transaction already began READ ONLY (set_session); say it again and bound it in time.
                    setup.execute("SET TRANSACTION READ ONLY")
                    setup.execute(f"SET LOCAL statement_timeout = {timeout_ms(timeout)}")
                    setup.execute("SET LOCAL lock_timeout = 2000")
                    _force_parse_settings(setup)
                capped, blobs = self._capped(raw, sql, budget)
                self._time_left(raw, deadline)
                # A named (server-side) cursor fetches only what we ask for, so memory stays bounded.
                cursor = raw.cursor(name=f"chatapi_{uuid.uuid4().hex}")
                cursor.execute(capped)
            stream = RowStream(())
            rows = self._rows(raw, cursor, deadline, blobs, stream)
            try:
                # A server-side cursor describes its columns only after the first fetch.
                first = next(rows, None)
                columns = [d[0] for d in (cursor.description or ())[:-1]]
                stream._rows = _chain(first, rows)
                yield columns, stream
            finally:
                rows.close()
                with suppress(psycopg2.Error):
                    cursor.close()
        finally:
            watchdog.cancel()
            with suppress(psycopg2.Error):
                raw.rollback()
            with suppress(psycopg2.Error):
                raw.close()

    def server_version(self, raw) -> str:
        with raw.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"

    def write_warnings(self, raw) -> list[str]:
        with raw.cursor() as cursor:
            cursor.execute(_WRITE_CHECK)
            row = cursor.fetchone() or (False, False, False, False)
        superuser, create_db, create_schema, write_tables = row
        warnings = []
        if superuser:
            warnings.append("This role is a superuser. Register a role that can only SELECT.")
        if write_tables:
            warnings.append("This role can insert, update or delete rows in some tables. Use a SELECT-only role.")
        if create_db or create_schema:
            warnings.append("This role can create objects in the database. Use a SELECT-only role.")
        return warnings

    def row_estimate_sql(self) -> str | None:
        return (
            "SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relname = :name AND n.nspname = :schema"
        )


def _cancel(raw) -> None:
    """Ask the server to cancel what `raw` is running (from another thread; harmless when idle)."""
    with suppress(psycopg2.Error):
        raw.cancel()


def _force_parse_settings(cursor) -> None:
    """Pin the settings the guard's parse depends on, whatever the role or database set, and check them."""
    for name, value in PARSE_SETTINGS.items():
        cursor.execute(f"SET LOCAL {name} = {value}")
        cursor.execute(f"SHOW {name}")
        if cursor.fetchone()[0] != value:
            raise DatasourceUnavailable(gettext("The database does not accept the settings queries need."))


def _chain(first, rows: Iterator[tuple]) -> Iterator[tuple]:
    if first is not None:
        yield first
        yield from rows


ENGINE = PostgreSQLEngine()
