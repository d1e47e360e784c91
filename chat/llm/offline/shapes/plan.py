"""What the translator has read from a question about one table, before a shape writes the SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from chat.llm.offline.filters import Filter
from chat.llm.offline.question import Question
from chat.llm.offline.sql import Source
from chat.schema_context import ColumnInfo, TableInfo


@dataclass
class MostGroup:
    """ "Which X has the most Y": count Y per X and keep the top (or bottom) groups."""

    groups: list[str]
    counted: str
    descending: bool


@dataclass
class Plan:
    """The table, joins, conditions, grouping, aggregate and row count one question asks for."""

    question: Question
    table: TableInfo
    engine: str
    source: Source
    where: str
    limit: int | None
    values: list[ColumnInfo]  # the numeric, non-key columns of the table
    superlative: bool
    ranking: bool
    group: ColumnInfo | None = None
    label: tuple[TableInfo, ColumnInfo, ColumnInfo] | None = None
    label_alias: str | None = None
    order_hint: ColumnInfo | None = None
    most: MostGroup | None = None
    aggregate: str | None = None
    target: ColumnInfo | None = None
    filters: list[Filter] = field(default_factory=list)
    year_column: ColumnInfo | None = None
    year: int | None = None
    order_by: ColumnInfo | None = None  # what a ranking of rows is by
    direction: str = "DESC"
    superlative_word: str = ""  # "longest": the word that chose `order_by`
    per_row: bool = False  # "per trip" asked of trips: no grouping, the words are still placed
