"""Writes the demo sets to SQLite files or PostgreSQL schemas and registers them as shared demo datasources."""

import logging
import os
import sqlite3
import tempfile
from pathlib import Path

import psycopg2
import psycopg2.extras
from django.conf import settings
from django.db import transaction
from sqlalchemy.engine import make_url

from datasources import crypto, engines, registration
from datasources.demo.generate import generate
from datasources.demo.specs import DEMO_SPECS, DemoSpec
from datasources.errors import RegistrationRefused
from datasources.models import Column, DataSource, Table
from datasources.services import datasource_introspect

logger = logging.getLogger(__name__)

# Bump when the specs or generators change so existing files are rebuilt.
DEMO_VERSION = 1
DEMO_FOLDER = "demo"


def _stamp(scale: float) -> int:
    """A number identifying the generator version and scale, stored in the database itself."""
    return DEMO_VERSION * 1_000_000 + int(round(scale * 1000))


def _create_table_sql(table, *, quote=lambda name: f'"{name}"') -> str:
    columns = ", ".join(f"{quote(name)} {sql_type}" for name, sql_type, _ in table.columns)
    return f"CREATE TABLE {quote(table.name)} ({columns})"


def write_sqlite(spec: DemoSpec, path: Path, scale: float) -> None:
    """Generate `spec` at `scale` into a new SQLite file at `path` (written aside, then renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.key}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        conn = sqlite3.connect(tmp_name)
        try:
            conn.execute("PRAGMA journal_mode = OFF")
            conn.execute("PRAGMA synchronous = OFF")
            rows = generate(spec.key, scale)
            with conn:
                for table in spec.tables:
                    conn.execute(_create_table_sql(table))
                    marks = ", ".join("?" for _ in table.columns)
                    conn.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', rows[table.name])  # noqa: S608
                    for name, _, _ in table.columns:
                        if name.endswith("_id"):
                            conn.execute(f'CREATE INDEX "ix_{table.name}_{name}" ON "{table.name}" ("{name}")')
            conn.execute(f"PRAGMA user_version = {_stamp(scale)}")
        finally:
            conn.close()
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _sqlite_stamp(path: Path) -> int | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def apply_descriptions(datasource: DataSource, spec: DemoSpec) -> None:
    """Fill empty table and column descriptions from the spec (descriptions someone edited are kept)."""
    tables = {t.name: t for t in Table.objects.filter(datasource=datasource).prefetch_related("columns")}
    for table_spec in spec.tables:
        table = tables.get(table_spec.name)
        if table is None:
            continue
        if not table.description:
            table.description = table_spec.description
            table.save(update_fields=["description"])
        described = {name: text for name, _, text in table_spec.columns}
        changed = []
        for column in table.columns.all():
            if not column.description and described.get(column.name):
                column.description = described[column.name]
                changed.append(column)
        Column.objects.bulk_update(changed, ["description"])
    datasource.save(update_fields=["updated_at"])  # the schema's version (see chat.schema_context)


def _register(*, spec: DemoSpec, name: str, lookup: dict, fields: dict, rebuilt: bool) -> DataSource:
    with transaction.atomic():
        datasource = DataSource.objects.filter(owner=None, is_demo=True, **lookup).first()
        if datasource is None:
            datasource = DataSource(owner=None, is_demo=True, **lookup)
        datasource.name = name
        datasource.description = spec.description
        for key, value in fields.items():
            setattr(datasource, key, value)
        registration.check_datasource(datasource)
        datasource.save()
    if rebuilt or datasource.introspected_at is None:
        datasource_introspect(datasource=datasource)
    apply_descriptions(datasource, spec)
    return datasource


def seed_sqlite(*, scale: float = 1.0, keys=None, force: bool = False, log=logger.info) -> list[DataSource]:
    """Write (when missing or stale) and register the SQLite demo sets; returns their datasources."""
    root = Path(settings.DATASOURCE_SQLITE_DIR)
    root.mkdir(parents=True, exist_ok=True)
    result = []
    for key in keys or DEMO_SPECS:
        spec = DEMO_SPECS[key]
        relative = f"{DEMO_FOLDER}/{key}.sqlite3"
        path = root / DEMO_FOLDER / f"{key}.sqlite3"
        rebuilt = force or _sqlite_stamp(path) != _stamp(scale)
        if rebuilt:
            write_sqlite(spec, path, scale)
            log(f"wrote {relative}")
        else:
            log(f"{relative} is up to date")
        result.append(
            _register(
                spec=spec,
                name=spec.title,
                lookup={"engine": DataSource.Engine.SQLITE, "sqlite_path": relative},
                fields={},
                rebuilt=rebuilt,
            )
        )
    return result


def seed_postgres(
    url: str, *, reader_url: str = "", scale: float = 1.0, keys=None, force: bool = False, log=logger.info
) -> list[DataSource]:
    """Load the demo sets into schemas of the PostgreSQL database at `url` and register them (owner: none).

    `url`'s role writes the data; questions run as `reader_url`'s role, which is granted SELECT on the
    demo schemas. Without `reader_url` they run as the loading role, and the command says why not to.
    """
    parsed = make_url(url)
    host, port, database = parsed.host or "localhost", parsed.port or 5432, parsed.database or ""
    if registration.is_app_database("postgresql", host, port, database):
        raise RegistrationRefused("Refusing to load demo data into the application's own database.")
    reader = make_url(reader_url) if reader_url else parsed
    if (reader.host or "localhost", reader.port or 5432, reader.database or "") != (host, port, database):
        raise RegistrationRefused("The reader URL must name the same server and database as the loading URL.")
    conn = psycopg2.connect(
        host=host,
        port=port,
        dbname=database,
        user=parsed.username or "",
        password=parsed.password or "",
        connect_timeout=max(1, int(settings.DATASOURCE_CONNECT_TIMEOUT)),
    )
    result = []
    try:
        for key in keys or DEMO_SPECS:
            spec = DEMO_SPECS[key]
            stamp = f"chatAPI demo {_stamp(scale)}"
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = %s", [key]
                )
                row = cursor.fetchone()
            rebuilt = force or row is None or row[0] != stamp
            if rebuilt:
                _write_postgres_schema(conn, spec, scale, stamp)
                log(f"loaded schema {key} into {database}")
            else:
                log(f"schema {key} in {database} is up to date")
            if reader_url:
                _grant_read(conn, key, reader.username or "")
            result.append(
                _register(
                    spec=spec,
                    name=f"{spec.title} (PostgreSQL)",
                    lookup={
                        "engine": DataSource.Engine.POSTGRESQL,
                        "host": host,
                        "port": port,
                        "database": database,
                        "schema": key,
                    },
                    fields={
                        "username": reader.username or "",
                        "password_encrypted": crypto.encrypt(reader.password or ""),
                    },
                    rebuilt=rebuilt,
                )
            )
        if not reader_url:
            for warning in engines.get("postgresql").write_warnings(conn):
                log(f"warning: the demo sets are asked as {parsed.username}: {warning} (see --reader-url)")
    finally:
        conn.close()
    return result


# Catalog views and functions that show other sessions (their SQL, their addresses) and the server
# (settings, file paths). PostgreSQL grants them to PUBLIC; in the demo database nobody but the
# loading role needs them, so PUBLIC loses them there (the grants are per database).
DEMO_REVOKED_VIEWS = (
    "pg_stat_activity",
    "pg_stat_ssl",
    "pg_stat_gssapi",
    "pg_stat_replication",
    "pg_stat_wal_receiver",
    "pg_stat_subscription",
    "pg_stat_progress_vacuum",
    "pg_locks",
    "pg_settings",
    "pg_file_settings",
    "pg_prepared_xacts",
    "pg_available_extensions",
)
DEMO_REVOKED_FUNCTIONS = (
    "pg_stat_get_activity(integer)",
    "pg_show_all_settings()",
    "pg_show_all_file_settings()",
    "pg_lock_status()",
    "inet_server_addr()",
    "inet_server_port()",
    "pg_postmaster_start_time()",
    "pg_conf_load_time()",
    "pg_current_logfile()",
    "pg_tablespace_location(oid)",
)
# Built-in roles that would show other sessions' SQL or the server's settings and files.
DEMO_WITHHELD_ROLES = ("pg_monitor", "pg_read_all_settings", "pg_read_all_stats", "pg_read_server_files")


def _grant_read(conn, schema: str, role: str) -> None:
    """Let `role` read the demo schema `schema`; nothing else is granted, and the server's catalog of
    sessions and settings is withheld from it."""
    ident = psycopg2.extensions.quote_ident
    with conn, conn.cursor() as cursor:
        schema_name, role_name = ident(schema, cursor), ident(role, cursor)
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema_name} TO {role_name}")
        cursor.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema_name} TO {role_name}")
    _withhold_catalog(conn, role)


def _withhold_catalog(conn, role: str) -> None:
    """Revoke what PostgreSQL lets every role see of other sessions and the server (each step that
    the loading role may not take is logged and skipped: the SQL guard refuses them all anyway)."""
    ident = psycopg2.extensions.quote_ident
    with conn.cursor() as cursor:
        role_name = ident(role, cursor)
        statements = [f"REVOKE {granted} FROM {role_name}" for granted in DEMO_WITHHELD_ROLES]
        statements += [f"REVOKE SELECT ON pg_catalog.{view} FROM PUBLIC" for view in DEMO_REVOKED_VIEWS]
        statements += [f"REVOKE EXECUTE ON FUNCTION pg_catalog.{fn} FROM PUBLIC" for fn in DEMO_REVOKED_FUNCTIONS]
    for statement in statements:
        try:
            with conn, conn.cursor() as cursor:
                cursor.execute(statement)
        except psycopg2.Error as exc:
            logger.warning("Demo database: %s was not possible (%s).", statement, type(exc).__name__)


def _write_postgres_schema(conn, spec: DemoSpec, scale: float, stamp: str) -> None:
    rows = generate(spec.key, scale)
    ident = psycopg2.extensions.quote_ident
    with conn, conn.cursor() as cursor:
        schema = ident(spec.key, cursor)
        cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        cursor.execute(f"CREATE SCHEMA {schema}")
        cursor.execute(f"SET LOCAL search_path = {schema}")
        for table in spec.tables:
            cursor.execute(_create_table_sql(table, quote=lambda name: ident(name, cursor)))
            psycopg2.extras.execute_values(
                cursor,
                f"INSERT INTO {ident(table.name, cursor)} VALUES %s",
                rows[table.name],
                page_size=2000,  # noqa: S608
            )
            cursor.execute(f"COMMENT ON TABLE {ident(table.name, cursor)} IS %s", [table.description])
            for name, _, text in table.columns:
                cursor.execute(f"COMMENT ON COLUMN {ident(table.name, cursor)}.{ident(name, cursor)} IS %s", [text])
                if name.endswith("_id"):
                    cursor.execute(f"CREATE INDEX ON {ident(table.name, cursor)} ({ident(name, cursor)})")
            cursor.execute(f"ANALYZE {ident(table.name, cursor)}")
        cursor.execute(f"COMMENT ON SCHEMA {schema} IS %s", [stamp])
