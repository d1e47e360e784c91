"""Building blocks of the SQL offline mode writes: literals, quoted names and the FROM clause with its joins."""

from __future__ import annotations

import re

from chat.llm.offline.vocabulary import TEMPORAL_TYPES
from chat.schema_context import ColumnInfo, TableInfo, qualified
from chat.schema_context import quote as quote_name


def literal(value) -> str:
    """A SQL literal for a sample value."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def is_temporal(column: ColumnInfo) -> bool:
    return any(marker in column.type.lower() for marker in TEMPORAL_TYPES)


def is_number_text(text: str) -> bool:
    return re.fullmatch(r"-?\d+(?:\.\d+)?", text) is not None


def quote(name: str, engine: str) -> str:
    """Offline SQL quotes every identifier: a column may be called `order` or `count`."""
    return quote_name(name, engine, always=True)


class Source:
    """The FROM clause of one query: a table, aliased `t` once referenced tables are joined to it."""

    def __init__(self, table: TableInfo, engine: str):
        self.table = table
        self.engine = engine
        self.joins: dict[str, tuple[str, TableInfo, ColumnInfo, ColumnInfo]] = {}

    def join(self, via: ColumnInfo, target: TableInfo, key: ColumnInfo) -> str:
        """The alias of `target` joined on `via` = `key`; one join per foreign key."""
        if via.name not in self.joins:
            alias = "r" if not self.joins else f"r{len(self.joins) + 1}"
            self.joins[via.name] = (alias, target, via, key)
        return self.joins[via.name][0]

    def col(self, column: ColumnInfo, alias: str | None = None) -> str:
        name = quote(column.name, self.engine)
        if alias:
            return f"{alias}.{name}"
        return f"t.{name}" if self.joins else name

    @property
    def star(self) -> str:
        return "t.*" if self.joins else "*"

    def sql(self) -> str:
        text = qualified(self.table, self.engine, always=True)
        if not self.joins:
            return text
        text += " AS t"
        for alias, target, via, key in self.joins.values():
            text += (
                f" JOIN {qualified(target, self.engine, always=True)} AS {alias}"
                f" ON t.{quote(via.name, self.engine)} = {alias}.{quote(key.name, self.engine)}"
            )
        return text
