"""Rows ranked by a number or a date: "top 3 vessels by tonnage", "the 5 longest tracks", "the latest orders"."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from chat.llm.offline.question import Question, split_words, word_forms
from chat.llm.offline.refusal import unsupported
from chat.llm.offline.schema import SchemaIndex
from chat.llm.offline.shapes.plan import Plan
from chat.llm.offline.sql import is_temporal
from chat.llm.offline.vocabulary import ASCENDING_WORDS, HANGUL, RECENCY_WORDS, SUPERLATIVES
from chat.schema_context import ColumnInfo, TableInfo


def _said(question: Question, word: str) -> bool:
    if HANGUL.search(word):
        return any(w == word or w.startswith(word) for w in question.words)
    return word in question.forms


def _fits(column: ColumnInfo, meaning: set[str], *, by_description: bool) -> bool:
    text = column.description if by_description else column.name
    return bool({form for word in split_words(text) for form in word_forms(word)} & meaning)


def superlative_column(question: Question, values: list[ColumnInfo]) -> tuple[ColumnInfo, str, str] | None:
    """ "longest" → the one numeric column whose name (else description) says length: (column, direction, word)."""
    for word, (direction, meaning) in SUPERLATIVES.items():
        if not _said(question, word):
            continue
        for by_description in (False, True):
            fitting = [c for c in values if _fits(c, meaning, by_description=by_description)]
            if len(fitting) == 1:
                return fitting[0], direction, word
            if len(fitting) > 1:
                raise unsupported(
                    gettext_noop("Offline mode could not tell which column '%(word)s' is measured by."), word=word
                )
    return None


AGE = {"age", "나이", "연령"}
BIRTH = {"birth", "born", "dob", "birthday", "birthdate", "생년", "생년월일", "생일"}


def _by_age(question: Question, table: TableInfo) -> tuple[ColumnInfo, str, str] | None:
    """ "the oldest employee" is by age or birth date, never by when a row was added."""
    word = next((w for w in ("oldest", "youngest") if _said(question, w)), None)
    if word is None:
        return None
    oldest = word == "oldest"
    columns = [c for c in table.columns if not c.is_key]
    for meaning, when_oldest in ((AGE, "DESC"), (BIRTH, "ASC")):
        fitting = [
            c for c in columns if _fits(c, meaning, by_description=False) or _fits(c, meaning, by_description=True)
        ]
        if len(fitting) == 1:
            direction = when_oldest if oldest else ("ASC" if when_oldest == "DESC" else "DESC")
            return fitting[0], direction, word
    raise unsupported(gettext_noop("Offline mode could not tell which column '%(word)s' is measured by."), word=word)


def order_column(
    schema: SchemaIndex, question: Question, table: TableInfo, values: list[ColumnInfo]
) -> tuple[ColumnInfo, str, str]:
    """What a ranking is by, its direction and the superlative that chose it ("" when a column was named)."""
    direction = "ASC" if ASCENDING_WORDS.search(question.lowered) else "DESC"
    # "the most recent orders": "Order total" describes a column but does not name what to rank by.
    terms = schema.table_terms[id(table)]
    named = schema.best_column(question, values, ignore=frozenset(terms.full | terms.parts))
    if named is not None:
        return named, direction, ""
    implied = superlative_column(question, values) or _by_age(question, table)
    if implied is not None:
        return implied
    if RECENCY_WORDS.search(question.lowered):
        dates = [c for c in table.columns if is_temporal(c)]
        column = schema.best_column(question, dates) or (dates[0] if len(dates) == 1 else None)
        if column is not None:
            return column, direction, ""
    raise unsupported(gettext_noop("Offline mode could not tell which number to rank by."))


def sql(plan: Plan) -> str:
    source = plan.source
    return (
        f"SELECT {source.star} FROM {source.sql()}{plan.where} ORDER BY {source.col(plan.order_by)} {plan.direction} "
        f"LIMIT {1 if plan.limit is None else plan.limit}"
    )
