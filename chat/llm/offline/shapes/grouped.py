"""Per-group counts and aggregates ("average price by category"), and "which X has the most Y"."""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from chat.llm.offline.question import Question, korean_stem
from chat.llm.offline.refusal import unsupported
from chat.llm.offline.schema import SchemaIndex
from chat.llm.offline.shapes.plan import MostGroup, Plan
from chat.llm.offline.sql import quote
from chat.llm.offline.vocabulary import FEWEST, MOST_GROUP
from chat.schema_context import ColumnInfo, TableInfo


def most_group(lowered: str) -> MostGroup | None:
    """The "which X has the most Y" reading of a question, if it has one."""
    for pattern in MOST_GROUP:
        match = pattern.search(lowered)
        if match:
            group = match.group("group")
            return MostGroup([group, korean_stem(group)], match.group("counted"), match.group("rank") not in FEWEST)
    return None


MEASURE_TYPES = ("real", "float", "double", "dec", "num", "money")


def groupable(schema: SchemaIndex, column: ColumnInfo, table: TableInfo) -> bool:
    """A category, not a measure: "cost per impression" is a ratio, not a group per impressions count."""
    if column.is_key:
        return True
    if schema.column_terms[id(column)].full & schema.table_terms[id(table)].full:
        return False  # the column named like its table holds a measure of each row
    return not (column.is_numeric and any(marker in column.type.lower() for marker in MEASURE_TYPES))


def group_column(schema: SchemaIndex, phrases: list[str], table: TableInfo) -> ColumnInfo:
    """The column of `table` a grouping phrase names, or its foreign key to the table named."""
    for phrase in phrases:
        group_question = Question(phrase)
        column = schema.best_column(group_question, table.columns)
        if column:
            return column
        # "orders per customer": group by the foreign key that points at the named table. A table named
        # only in its description counts when its rows have names to show (vessels "선박 목록", not an
        # enrollment described as "a student taking a course").
        for other in schema.tables:
            terms = schema.table_terms[id(other)]
            if other is table or not group_question.mentions(terms.full | terms.parts | terms.weak):
                continue
            for candidate in table.columns:
                if candidate.references.split(".")[0] != other.name:
                    continue
                if group_question.mentions(terms.full | terms.parts) or schema.label_of(candidate):
                    return candidate
    raise unsupported(gettext_noop("Offline mode could not find the column to group by '%(group)s'."), group=phrases[0])


def sql(plan: Plan) -> str:
    """Per-group COUNT or aggregate; a foreign key is shown through the referenced table's readable column."""
    most, label, aggregate = plan.most, plan.label, plan.aggregate
    if most is not None:
        if aggregate not in (None, "COUNT") or (label and not most.descending):
            # The fewest could be zero, and an inner join never shows a group with none.
            raise unsupported(gettext_noop("Offline mode could not rank the groups as asked."))
        order, limit = ("DESC" if most.descending else "ASC"), f" LIMIT {1 if plan.limit is None else plan.limit}"
    else:
        if plan.limit is not None or (plan.superlative and aggregate not in ("MIN", "MAX")):
            raise unsupported(gettext_noop("Offline mode could not rank the groups as asked."))
        # "per"/"by"/"each" asks for every group: no LIMIT (the executor's row cap says when it cuts).
        order, limit = "DESC", ""
    source, group, engine = plan.source, plan.group, plan.engine
    if aggregate in (None, "COUNT"):
        alias, measure = "count", "COUNT(*)"
    else:
        alias, measure = f"{aggregate.lower()}_{plan.target.name}", f"{aggregate}({source.col(plan.target)})"
    measure_alias = quote(alias, engine)
    if label:
        _, key, label_column = label
        shown = re.sub(r"(?:_id|_ID|Id|ID)$", "", group.name) or label_column.name
        select = f"{source.col(label_column, plan.label_alias)} AS {quote(shown, engine)}"
        keys = f"{source.col(key, plan.label_alias)}, {source.col(label_column, plan.label_alias)}"
    else:
        select = keys = source.col(group)
    return (
        f"SELECT {select}, {measure} AS {measure_alias} FROM {source.sql()}{plan.where} "
        f"GROUP BY {keys} ORDER BY {measure_alias} {order}{limit}"
    )
