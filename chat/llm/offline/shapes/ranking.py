"""Rows ranked by a number or a date: "top 3 vessels by tonnage", "the 5 most recent orders"."""

from __future__ import annotations

from chat.llm.offline.question import Question
from chat.llm.offline.refusal import unsupported
from chat.llm.offline.schema import SchemaIndex
from chat.llm.offline.shapes.plan import Plan
from chat.llm.offline.sql import is_temporal
from chat.llm.offline.vocabulary import ASCENDING_WORDS, RECENCY_WORDS
from chat.schema_context import ColumnInfo, TableInfo


def order_column(
    schema: SchemaIndex, question: Question, table: TableInfo, values: list[ColumnInfo]
) -> ColumnInfo | None:
    """The number a ranking is by, as named ("highest tonnage", "longest" → pages), or a date for "most recent"."""
    # "the most recent orders": "Order total" describes a column but does not name what to rank by.
    terms = schema.table_terms[id(table)]
    named = schema.best_column(question, values, ignore=frozenset(terms.full | terms.parts))
    if named is not None or not RECENCY_WORDS.search(question.lowered):
        return named
    dates = [c for c in table.columns if is_temporal(c)]
    return schema.best_column(question, dates) or (dates[0] if len(dates) == 1 else None)


def sql(schema: SchemaIndex, plan: Plan) -> str:
    order_by = plan.order_hint or order_column(schema, plan.question, plan.table, plan.values)
    if order_by is None:
        raise unsupported("Offline mode could not tell which number to rank by.")
    source = plan.source
    direction = "ASC" if ASCENDING_WORDS.search(plan.question.lowered) else "DESC"
    return (
        f"SELECT {source.star} FROM {source.sql()}{plan.where} ORDER BY {source.col(order_by)} {direction} "
        f"LIMIT {1 if plan.limit is None else plan.limit}"
    )
