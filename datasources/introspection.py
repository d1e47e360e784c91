"""Reads a datasource's schema through SQLAlchemy's inspector into plain data.

The catalog is read through `engines.connect()` (read-only, rules re-checked); row
counts and sample values are our own queries run through the engine layer
(`engines.stream_query`: deadline, SQLite worker, value caps), with sample values
cut in SQL before they are fetched. The whole read has a deadline
(`DATASOURCE_INTROSPECTION_SECONDS`). The result is a list of `TableInfo`;
`services.datasource_introspect` stores it.
"""

import itertools
import logging
import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from django.conf import settings
from django.utils.translation import gettext
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from datasources import engines
from datasources.engines.base import Budget
from datasources.errors import DatasourceError, DatasourceUnavailable, QueryTimeout
from datasources.executor import safe_text

logger = logging.getLogger(__name__)

SAMPLE_DISTINCT_LIMIT = 20  # a text column with more distinct values than this gets no samples
SAMPLES_KEPT = SAMPLE_DISTINCT_LIMIT  # every value of a low-cardinality column: offline mode filters on them
SAMPLE_SCAN_ROWS = 50_000
SAMPLE_MAX_CHARS = 80
SAMPLE_COLUMNS_PER_QUERY = 40  # parts of one UNION ALL (SQLite allows 100 compound parts)
SAMPLE_BUDGET_BYTES = 256 * 1024
MAX_TABLES = 500
# The API's and the models' limits: a longer comment is cut, a longer name is left out.
DESCRIPTION_MAX_CHARS = 2000
NAME_MAX_CHARS = 255
REFERENCE_MAX_CHARS = 511


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


def _table_ref(engine, schema: str, name: str) -> str:
    return f"{engine.quote(schema)}.{engine.quote(name)}" if schema else engine.quote(name)


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


class _Clock:
    """The introspection's overall deadline; data queries (counts, samples) stop at half of it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.data_deadline = time.monotonic() + seconds / 2

    def data_time(self) -> float:
        """Seconds one data query may take now (0: no time left for data)."""
        return max(0.0, min(float(settings.SQL_TIMEOUT_SECONDS), self.data_deadline - time.monotonic()))

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise QueryTimeout(
                gettext("Reading the schema took longer than %(seconds)d seconds and was stopped.")
                % {"seconds": self.seconds}
            )


def _data_query(datasource, sql: str, clock: _Clock, *, max_rows: int) -> list[tuple] | None:
    """Run our own query through the engine layer (deadline, worker, caps); None when it failed or had no time."""
    seconds = clock.data_time()
    if seconds < 0.05:
        return None
    budget = Budget(max_bytes=SAMPLE_BUDGET_BYTES, max_columns=2, value_max_chars=SAMPLE_MAX_CHARS + 1)
    try:
        with engines.stream_query(datasource, sql, timeout=seconds, budget=budget) as (_, rows):
            return list(itertools.islice(rows, max_rows))
    except DatasourceError as exc:
        logger.info("Introspection query skipped (%s).", exc.code)
        return None


def _row_estimate(datasource, conn: Connection, schema: str, name: str, clock: _Clock) -> int | None:
    engine = engines.get(datasource.engine)
    estimate_sql = engine.row_estimate_sql()
    if estimate_sql:
        params = {"name": name, "schema": schema or (engine.default_schemas or ("",))[0]}
        estimate = _scalar(conn, estimate_sql, params)
        if estimate is not None and estimate >= 0:
            return int(estimate)
    ref = _table_ref(engine, schema, name)
    rows = _data_query(datasource, f"SELECT COUNT(*) FROM {ref}", clock, max_rows=1)  # noqa: S608 - quoted names
    return int(rows[0][0]) if rows and isinstance(rows[0][0], int) else None


def _samples(datasource, schema: str, table: str, columns: list[str], clock: _Clock) -> dict[str, list]:
    """A few distinct values of each text column, cut in SQL to SAMPLE_MAX_CHARS before they are fetched.

    One query per table (in groups of columns): each part reads a bounded prefix of the table,
    so huge tables cost no more than small ones, and a column with more distinct values than
    SAMPLE_DISTINCT_LIMIT gets none.
    """
    engine = engines.get(datasource.engine)
    ref = _table_ref(engine, schema, table)
    found: dict[str, list] = {}
    for start in range(0, len(columns), SAMPLE_COLUMNS_PER_QUERY):
        group = columns[start : start + SAMPLE_COLUMNS_PER_QUERY]
        parts = []
        for index, column in enumerate(group):
            col = engine.quote(column)
            cut = engine.sample_expression(col, SAMPLE_MAX_CHARS + 1)
            parts.append(
                f"SELECT {index} AS k, v FROM (SELECT DISTINCT {cut} AS v FROM "  # noqa: S608 - quoted names
                f"(SELECT {col} FROM {ref} WHERE {col} IS NOT NULL LIMIT {SAMPLE_SCAN_ROWS}) AS scanned "
                f"LIMIT {SAMPLE_DISTINCT_LIMIT + 1}) AS d{index}"
            )
        rows = _data_query(
            datasource, " UNION ALL ".join(parts), clock, max_rows=len(group) * (SAMPLE_DISTINCT_LIMIT + 1)
        )
        for index, column in enumerate(group):
            values = [row[1] for row in rows or () if row[0] == index]
            if not values or len(values) > SAMPLE_DISTINCT_LIMIT:
                continue
            texts = sorted({safe_text(str(v)[:SAMPLE_MAX_CHARS]) for v in values if str(v).strip()})
            found[column] = texts[:SAMPLES_KEPT]
    return found


def read_schema(datasource) -> list[TableInfo]:
    """Return the tables and views of `datasource` with columns, keys, estimates and samples.

    The whole read takes at most `DATASOURCE_INTROSPECTION_SECONDS` (`QueryTimeout` past it);
    counts and samples run only in its first half, each through the engine layer.
    Raises `DatasourceUnavailable` (generic) when the database fails while its schema is read.
    """
    try:
        return _read_schema(datasource)
    except sa_exc.DBAPIError:
        logger.info("Reading the schema of datasource %s failed.", datasource.pk)
        raise DatasourceUnavailable("The schema could not be read from the database. Try again later.")


def _read_schema(datasource) -> list[TableInfo]:
    schema = getattr(datasource, "schema", "") or None
    clock = _Clock(float(settings.DATASOURCE_INTROSPECTION_SECONDS))
    with engines.connect(datasource, timeout=clock.seconds, introspection=True) as conn:
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
            clock.check()
            if name.startswith("sqlite_") or len(name) > NAME_MAX_CHARS:
                continue
            tables.append(_read_table(datasource, conn, inspector, schema or "", name, clock))
        clock.check()
        return tables


def _read_table(datasource, conn: Connection, inspector, schema: str, name: str, clock: _Clock) -> TableInfo:
    schema_arg = schema or None
    columns = [c for c in inspector.get_columns(name, schema=schema_arg) if len(c["name"]) <= NAME_MAX_CHARS]
    pk = set((inspector.get_pk_constraint(name, schema=schema_arg) or {}).get("constrained_columns") or [])
    references = {}
    for fk in inspector.get_foreign_keys(name, schema=schema_arg):
        for local, remote in zip(fk.get("constrained_columns") or [], fk.get("referred_columns") or [], strict=False):
            references[local] = f"{fk['referred_table']}.{remote}"[:REFERENCE_MAX_CHARS]
    try:
        comment = (inspector.get_table_comment(name, schema=schema_arg) or {}).get("text") or ""
    except NotImplementedError:
        comment = ""
    estimate = _row_estimate(datasource, conn, schema, name, clock)
    info = TableInfo(name=name, schema=schema, comment=_description(comment), row_estimate=estimate)
    text_columns = [c["name"] for c in columns if _is_text(c["type"]) and c["name"] not in pk]
    samples = _samples(datasource, schema, name, text_columns, clock) if text_columns else {}
    for column in columns:
        col_name = column["name"]
        info.columns.append(
            ColumnInfo(
                name=col_name,
                type=_type_name(column["type"]),
                nullable=bool(column.get("nullable", True)) and col_name not in pk,
                primary_key=col_name in pk,
                references=references.get(col_name, ""),
                comment=_description(column.get("comment") or ""),
                samples=samples.get(col_name, []),
            )
        )
    return info


def _description(text: str) -> str:
    """A database comment as a description: cut to the API's length limit, NUL replaced."""
    return safe_text(str(text)[:DESCRIPTION_MAX_CHARS], DESCRIPTION_MAX_CHARS)
