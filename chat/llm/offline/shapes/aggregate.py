"""One number over the whole (filtered) table: COUNT, SUM, AVG, MIN or MAX."""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from chat.llm.offline.question import Question, asks_count
from chat.llm.offline.refusal import unsupported
from chat.llm.offline.schema import SchemaIndex
from chat.llm.offline.shapes.plan import Plan
from chat.llm.offline.sql import quote
from chat.llm.offline.vocabulary import AVG_WORDS, HOW_MANY, MAX_WORDS, MIN_WORDS, SUM_WORDS
from chat.schema_context import ColumnInfo, TableInfo

# A sum asked for outright: "total" alone may also mean a count ("total number of orders").
PLAIN_SUM = re.compile(r"\bsum\b|합계|총합|합산|총액")
NO_TARGET = {
    "AVG": gettext_noop("Offline mode could not tell which column to average."),
    "MIN": gettext_noop("Offline mode could not tell which column's minimum is asked for."),
    "MAX": gettext_noop("Offline mode could not tell which column's maximum is asked for."),
    "SUM": gettext_noop("Offline mode could not tell which column to add up."),
}


def choose(
    schema: SchemaIndex,
    question: Question,
    values: list[ColumnInfo],
    *,
    grouped: bool,
    ranked: bool,
    table: TableInfo | None = None,
) -> tuple[str | None, ColumnInfo | None]:
    """The aggregate asked for and its column; "average number of pages" is AVG(pages), not COUNT(*).

    "The total of X" adds X up: it is a COUNT only with a counting word ("total number of orders").
    """
    lowered = question.lowered
    counting = asks_count(question)
    if ranked and not counting:
        return None, None
    kinds = (("AVG", AVG_WORDS), ("MIN", MIN_WORDS), ("MAX", MAX_WORDS), ("SUM", SUM_WORDS))
    kind = next((name for name, words in kinds if words.search(lowered)), None)
    if kind is None:
        return ("COUNT", None) if counting else (None, None)
    if kind == "SUM" and counting and not PLAIN_SUM.search(lowered):
        return "COUNT", None
    target = schema.best_column(question, values)
    if (
        target is not None
        and table is not None
        and schema.column_terms[id(target)].full & schema.table_terms[id(table)].full
    ):
        # "total cost of impressions": the impressions column shares the table's name; cost is what is asked.
        other = schema.best_column(question, [v for v in values if v is not target])
        target = other or target
    if target is not None and not HOW_MANY.search(lowered):
        return kind, target
    raise unsupported(NO_TARGET[kind])


def sql(plan: Plan) -> str:
    if plan.limit is not None or (plan.superlative and plan.aggregate not in ("MIN", "MAX")):
        raise unsupported(gettext_noop("Offline mode could not combine that ranking with a total."))
    source = plan.source
    if plan.aggregate == "COUNT":
        return f"SELECT COUNT(*) AS {quote('count', plan.engine)} FROM {source.sql()}{plan.where}"
    alias = quote(f"{plan.aggregate.lower()}_{plan.target.name}", plan.engine)
    return f"SELECT {plan.aggregate}({source.col(plan.target)}) AS {alias} FROM {source.sql()}{plan.where}"
