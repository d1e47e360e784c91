"""Conditions a question names: sample values (on the table or one foreign key away), aliases and years."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_noop

from chat.llm.offline.question import Question
from chat.llm.offline.refusal import unsupported
from chat.llm.offline.schema import SchemaIndex
from chat.llm.offline.sql import is_number_text, is_temporal
from chat.llm.offline.vocabulary import HANGUL, MIN_WORDS, VALUE_ALIASES
from chat.schema_context import ColumnInfo, TableInfo


@dataclass
class Filter:
    """An equality condition on a sample value, on the table asked about or on one it references (`via`)."""

    column: ColumnInfo
    value: object
    text: str  # what the question said for it
    via: ColumnInfo | None = None  # the foreign key to join through


def values_in(schema: SchemaIndex, question: Question, table: TableInfo, *, first_only: bool = True) -> list[Filter]:
    """Sample values of `table` the question contains (the first per column unless `first_only` is off)."""
    # In "top 10 students" the 10 is a row count, not a value of some column that happens to hold 10.
    numbers_are_values = not schema.superlatives(question) and not MIN_WORDS.search(question.lowered)
    found = []
    for column in table.columns:
        for value in column.samples:
            text = str(value).strip().lower()
            if len(text) < 2 or (is_number_text(text) and not numbers_are_values):
                continue
            if HANGUL.search(text):
                matched = text in question.lowered
            else:
                # Latin word edges only: a Korean particle may follow directly ("Busan인"); "purchases" names
                # the value 'purchase'.
                plural = "(?:s|es)?" if text[-1].isalpha() else ""
                pattern = rf"(?<![a-z0-9_]){re.escape(text)}{plural}(?![a-z0-9_])"
                matched = re.search(pattern, question.lowered) is not None
            if matched:
                found.append(Filter(column, value, text))
                if first_only:
                    break
    return found


def alias_filters(question: Question, table: TableInfo, taken: set[str]) -> list[Filter]:
    """'female'/'여성' for a column whose samples are 'F'/'M' (too short to search for)."""
    found = []
    for meaning, (words, values) in VALUE_ALIASES.items():
        if not question.mentions(words):
            continue
        for column in table.columns:
            value = next((v for v in column.samples if str(v).strip().lower() in values), None)
            if value is not None and column.name not in taken:
                found.append(Filter(column, value, meaning))
                break
    return found


def _own_column(schema: SchemaIndex, table: TableInfo, via: ColumnInfo, joined: ColumnInfo) -> ColumnInfo | None:
    """The column of `table` itself named like `joined` (a customer's Country next to their rep's Country).

    Only a column whose values are not known (too many to sample) can hold a value found elsewhere, and a
    referenced table's own name or title ("Sales" of departments.name) is never another table's.
    """
    label = schema.label_of(via)
    if label is not None and label[2] is joined:
        return None
    terms = schema.column_terms[id(joined)].full
    return next(
        (c for c in table.columns if not c.is_key and not c.samples and schema.column_terms[id(c)].full & terms),
        None,
    )


def filters_for(schema: SchemaIndex, question: Question, table: TableInfo, skip: ColumnInfo | None) -> list[Filter]:
    """Equality filters on values of `table` or, through one foreign key, of a table it references.

    The table asked about comes first: a value found on a joined table's column filters the named
    table's own column of the same name when it has one ("customers in Canada" is the customer's
    country, not their support rep's), and a joined table only otherwise.
    """
    found = [f for f in values_in(schema, question, table) if f.column is not skip]
    found += alias_filters(question, table, {f.column.name for f in found} | {skip.name if skip else ""})
    for via in table.columns:
        referenced = schema.referenced(via)
        if referenced is None or referenced[0] is table:
            continue
        texts = {f.text for f in found}
        for joined in values_in(schema, question, referenced[0]):
            if joined.text in texts:
                continue
            own = _own_column(schema, table, via, joined.column)
            if own is not None and own is not skip:
                found.append(Filter(own, joined.value, joined.text))
            else:
                found.append(Filter(joined.column, joined.value, joined.text, via=via))
            texts.add(joined.text)
    return found


def require_values_used(schema: SchemaIndex, question: Question, filters: list[Filter]) -> None:
    """A value the question names that the query does not filter on would be silently ignored: refuse."""
    used = {f.text for f in filters}
    named = {f.text for table in schema.tables for f in values_in(schema, question, table, first_only=False)}
    named |= {meaning for meaning, (words, _) in VALUE_ALIASES.items() if question.mentions(words)}
    unused = sorted(named - used)
    if unused:
        raise unsupported(
            gettext_noop("Offline mode could not relate '%(value)s' to the table it answers from."), value=unused[0]
        )


def year_filter(schema: SchemaIndex, question: Question, table: TableInfo) -> tuple[ColumnInfo, int] | None:
    """ "hired in 2021", "2021년에 입사한": the year of the date column named (or the table's only one)."""
    years = question.years()
    if not years:
        return None
    dates = [c for c in table.columns if is_temporal(c)]
    column = schema.best_column(question, dates) or (dates[0] if len(dates) == 1 else None)
    if len(years) > 1 or column is None:
        raise unsupported(gettext_noop("Offline mode could not tell which date %(year)s is about."), year=min(years))
    return column, years.pop()
