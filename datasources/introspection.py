"""Reads a datasource's schema through SQLAlchemy's inspector into plain data.

Everything goes through `engines.connect()` (read-only, rules re-checked). The
result is a list of `TableInfo`; `services.datasource_introspect` stores it.
"""

import logging
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from datasources import engines
from datasources.errors import DatasourceUnavailable
from datasources.executor import safe_text

logger = logging.getLogger(__name__)

SAMPLE_DISTINCT_LIMIT = 20  # a text column with more distinct values than this gets no samples
SAMPLES_KEPT = SAMPLE_DISTINCT_LIMIT  # every value of a low-cardinality column: offline mode filters on them
SAMPLE_SCAN_ROWS = 50_000
SAMPLE_MAX_CHARS = 80
INTROSPECTION_TIMEOUT = 60.0
MAX_TABLES = 500


@dataclass
class ColumnInfo:
    """One column as the database describes it."""

    name: str
    type: str
    nullable: bool
    primary_key: bool
    references: str = ""
    comment: str = ""
    samples: list = field(default_factory=list)


@dataclass
class TableInfo:
    """One table (or view) with its columns, a row estimate and the database's comment."""

    name: str
    schema: str
    comment: str = ""
    row_estimate: int | None = None
    columns: list[ColumnInfo] = field(default_factory=list)


def _is_text(sa_type) -> bool:
    try:
        return isinstance(sa_type, sa.String) or sa_type.python_type is str
    except (NotImplementedError, AttributeError):
        return False


def _type_name(sa_type) -> str:
    try:
        return str(sa_type.compile())[:100]
    except (sa_exc.CompileError, sa_exc.UnsupportedCompilationError, TypeError):
        return type(sa_type).__name__.upper()[:100]


def _quoted(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def _table_ref(conn: Connection, schema: str, name: str) -> str:
    return f"{_quoted(conn, schema)}.{_quoted(conn, name)}" if schema else _quoted(conn, name)


def _scalar(conn: Connection, sql: str, params=None):
    """Run a metadata query; a failure or timeout gives None (introspection keeps going)."""
    try:
        with conn.begin_nested() if conn.dialect.name == "postgresql" else _null_context():
            return conn.execute(sa.text(sql), params or {}).scalar()
    except sa_exc.DBAPIError:
        logger.info("Introspection query skipped after a database error.")
        return None


class _null_context:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _row_estimate(conn: Connection, engine_name: str, schema: str, name: str) -> int | None:
    engine = engines.get(engine_name)
    estimate_sql = engine.row_estimate_sql()
    if estimate_sql:
        params = {"name": name, "schema": schema or (engine.default_schemas or ("",))[0]}
        estimate = _scalar(conn, estimate_sql, params)
        if estimate is not None and estimate >= 0:
            return int(estimate)
    count = _scalar(conn, f"SELECT COUNT(*) FROM {_table_ref(conn, schema, name)}")  # noqa: S608 - quoted names
    return int(count) if count is not None else None


def _samples(conn: Connection, schema: str, table: str, column: str) -> list:
    col = _quoted(conn, column)
    # Look at a bounded prefix of the table so huge tables cost no more than small ones.
    sql = (
        f"SELECT DISTINCT {col} FROM (SELECT {col} FROM {_table_ref(conn, schema, table)} "  # noqa: S608 - quoted
        f"WHERE {col} IS NOT NULL LIMIT {SAMPLE_SCAN_ROWS}) AS sampled LIMIT {SAMPLE_DISTINCT_LIMIT + 1}"
    )
    try:
        with conn.begin_nested() if conn.dialect.name == "postgresql" else _null_context():
            values = [row[0] for row in conn.execute(sa.text(sql))]
    except sa_exc.DBAPIError:
        return []
    if len(values) > SAMPLE_DISTINCT_LIMIT:
        return []
    texts = sorted({safe_text(str(v)[:SAMPLE_MAX_CHARS]) for v in values if str(v).strip()})
    return texts[:SAMPLES_KEPT]


def read_schema(datasource) -> list[TableInfo]:
    """Return the tables and views of `datasource` with columns, keys, estimates and samples.

    Raises `DatasourceUnavailable` (generic) when the database fails while its schema is read.
    """
    try:
        return _read_schema(datasource)
    except sa_exc.DBAPIError:
        logger.info("Reading the schema of datasource %s failed.", datasource.pk)
        raise DatasourceUnavailable("The schema could not be read from the database. Try again later.")


def _read_schema(datasource) -> list[TableInfo]:
    schema = getattr(datasource, "schema", "") or None
    with engines.connect(datasource, timeout=INTROSPECTION_TIMEOUT, introspection=True) as conn:
        inspector = sa.inspect(conn)
        if schema is None and conn.dialect.name == "postgresql":
            schema = inspector.default_schema_name
        names = list(inspector.get_table_names(schema=schema))
        try:
            names += [v for v in inspector.get_view_names(schema=schema) if v not in names]
        except (sa_exc.DBAPIError, NotImplementedError):
            pass
        tables = []
        for name in sorted(names)[:MAX_TABLES]:
            if name.startswith("sqlite_"):
                continue
            tables.append(_read_table(conn, datasource.engine, inspector, schema or "", name))
        return tables


def _read_table(conn: Connection, engine_name: str, inspector, schema: str, name: str) -> TableInfo:
    schema_arg = schema or None
    columns = inspector.get_columns(name, schema=schema_arg)
    pk = set((inspector.get_pk_constraint(name, schema=schema_arg) or {}).get("constrained_columns") or [])
    references = {}
    for fk in inspector.get_foreign_keys(name, schema=schema_arg):
        for local, remote in zip(fk.get("constrained_columns") or [], fk.get("referred_columns") or [], strict=False):
            references[local] = f"{fk['referred_table']}.{remote}"
    try:
        comment = (inspector.get_table_comment(name, schema=schema_arg) or {}).get("text") or ""
    except NotImplementedError:
        comment = ""
    estimate = _row_estimate(conn, engine_name, schema, name)
    info = TableInfo(name=name, schema=schema, comment=comment, row_estimate=estimate)
    for column in columns:
        col_name = column["name"]
        samples = []
        if _is_text(column["type"]) and col_name not in pk:
            samples = _samples(conn, schema, name, col_name)
        info.columns.append(
            ColumnInfo(
                name=col_name,
                type=_type_name(column["type"]),
                nullable=bool(column.get("nullable", True)) and col_name not in pk,
                primary_key=col_name in pk,
                references=references.get(col_name, ""),
                comment=column.get("comment") or "",
                samples=samples,
            )
        )
    return info
