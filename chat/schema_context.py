"""The schema a question is asked against: loaded from stored metadata and rendered for prompts."""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from datasources import engines
from datasources.models import DataSource
from datasources.selectors import datasource_column_rows, datasource_table_rows

SIMPLE_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NUMERIC_TYPES = ("int", "real", "num", "dec", "float", "double", "money", "serial")


@dataclass
class ColumnInfo:
    """One column as the pipeline sees it."""

    name: str
    type: str = ""
    nullable: bool = True
    primary_key: bool = False
    references: str = ""
    description: str = ""
    samples: list = field(default_factory=list)

    @property
    def is_numeric(self) -> bool:
        lowered = self.type.lower()
        return any(marker in lowered for marker in NUMERIC_TYPES)

    @property
    def is_key(self) -> bool:
        return self.primary_key or bool(self.references)


@dataclass
class TableInfo:
    """One table with its columns, description and size."""

    name: str
    schema: str = ""
    description: str = ""
    row_estimate: int | None = None
    columns: list[ColumnInfo] = field(default_factory=list)


def dialect_name(engine: str) -> str:
    """The human name of an engine's SQL dialect, for prompts."""
    known = engines.ENGINES.get(engine)
    return known.label if known else (engine or "SQL")


def quote(name: str, engine: str, *, always: bool = False) -> str:
    """An identifier quoted for `engine` when it needs quoting (or `always`, where keywords may clash)."""
    if not always and SIMPLE_IDENTIFIER.match(name):
        return name
    known = engines.ENGINES.get(engine)
    return known.quote(name) if known else '"' + name.replace('"', '""') + '"'


def qualified(table: TableInfo, engine: str, *, always: bool = False) -> str:
    """The table's name, schema-qualified outside the engine's default schema."""
    name = quote(table.name, engine, always=always)
    known = engines.ENGINES.get(engine)
    if table.schema and known is not None and known.network and table.schema not in known.default_schemas:
        return f"{quote(table.schema, engine, always=always)}.{name}"
    return name


# Per process: datasource id -> (its `updated_at`, when read, its tables). Introspection and description
# edits move `updated_at`, and the datasource row is read with every ask, so an ask never sees a schema
# older than its datasource row, on any node. Writes that go around the services (the admin site) are
# seen within `SCHEMA_CACHE_SECONDS`. The tables are shared between threads and never changed.
SCHEMA_CACHE_SIZE = 32
SCHEMA_CACHE_SECONDS = 60.0
_schemas: OrderedDict[int, tuple[object, float, list[TableInfo]]] = OrderedDict()
_schemas_lock = threading.Lock()


def load_schema(datasource: DataSource) -> list[TableInfo]:
    """Every introspected table of `datasource` with its columns (two queries, or none when cached)."""
    if datasource.pk is None:
        return _read_schema(datasource)
    now = time.monotonic()
    with _schemas_lock:
        cached = _schemas.get(datasource.pk)
        if cached and cached[0] == datasource.updated_at and now - cached[1] < SCHEMA_CACHE_SECONDS:
            _schemas.move_to_end(datasource.pk)
            return list(cached[2])
    tables = _read_schema(datasource)
    with _schemas_lock:
        _schemas[datasource.pk] = (datasource.updated_at, now, tables)
        _schemas.move_to_end(datasource.pk)
        while len(_schemas) > SCHEMA_CACHE_SIZE:
            _schemas.popitem(last=False)
    return list(tables)


def _read_schema(datasource: DataSource) -> list[TableInfo]:
    """The stored tables and columns, read as plain values rather than model instances.

    Building (and prefetching) hundreds of Column objects only to copy five fields out of each
    was most of the cost of reading a schema.
    """
    tables: dict[int, TableInfo] = {}
    for pk, name, schema, description, row_estimate in datasource_table_rows(datasource=datasource):
        tables[pk] = TableInfo(name=name, schema=schema, description=description, row_estimate=row_estimate)
    for table_id, name, type_, nullable, primary_key, references, description, samples in datasource_column_rows(
        datasource=datasource
    ):
        tables[table_id].columns.append(
            ColumnInfo(
                name=name,
                type=type_,
                nullable=nullable,
                primary_key=primary_key,
                references=references,
                description=description,
                samples=list(samples or []),
            )
        )
    return list(tables.values())


def _one_line(text: str, limit: int = 200) -> str:
    """Descriptions and samples are user data: keep each on one short line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_table(table: TableInfo, engine: str, *, sample_limit: int = 5) -> str:
    """A compact `CREATE TABLE`-like block with keys, descriptions and sample values as comments."""
    header = f"CREATE TABLE {qualified(table, engine)} ("
    notes = []
    if table.row_estimate is not None:
        notes.append(f"~{table.row_estimate} rows")
    if table.description:
        notes.append(_one_line(table.description))
    if notes:
        header += " -- " + "; ".join(notes)
    lines = [header]
    for index, column in enumerate(table.columns):
        line = f"  {quote(column.name, engine)} {column.type or 'TEXT'}"
        if column.primary_key:
            line += " PRIMARY KEY"
        elif not column.nullable:
            line += " NOT NULL"
        if column.references and "." in column.references:
            ref_table, ref_column = column.references.rsplit(".", 1)
            line += f" REFERENCES {quote(ref_table, engine)}({quote(ref_column, engine)})"
        comment = []
        if column.description:
            comment.append(_one_line(column.description))
        if column.samples:
            shown = ", ".join(repr(_one_line(value, 40)) for value in column.samples[:sample_limit])
            comment.append(f"e.g. {shown}")
        if index < len(table.columns) - 1:
            line += ","
        lines.append(line + (" -- " + "; ".join(comment) if comment else ""))
    lines.append(");")
    return "\n".join(lines)


def render_schema(tables: list[TableInfo], engine: str) -> str:
    """The whole schema context for a prompt."""
    if not tables:
        return "(no tables were found; the datasource may need to be introspected)"
    return "\n\n".join(render_table(table, engine) for table in tables)


def table_summary(table: TableInfo) -> str:
    """One line per table for the table-selection step."""
    columns = ", ".join(column.name for column in table.columns[:40])
    description = f"{_one_line(table.description, 120)} " if table.description else ""
    return f"{description}(columns: {columns})"


def with_referenced(selected: list[TableInfo], every: list[TableInfo], limit: int) -> list[TableInfo]:
    """`selected` plus the tables their foreign keys point to, up to `limit` tables, in schema order."""
    names = {table.name for table in selected}
    for table in list(selected):
        for column in table.columns:
            if column.references and "." in column.references and len(names) < limit:
                names.add(column.references.rsplit(".", 1)[0])
    return [table for table in every if table.name in names][:limit]
