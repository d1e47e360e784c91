"""Every content word of a question must have a place in the SQL written for it, or the question is refused.

A word is placed when it names the table asked about, a column or table the
query uses (by name, a part of a compound name, a glossary synonym or a word of
its description), a value it filters on, a number it uses, or a shape word of
the shape it has (COUNT for "how many", GROUP BY for "per", ...). Words with
no content of their own ("the", "show", "보여줘") need no place. The first word
left over is named in the refusal: a question half understood is not answered.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_noop

from chat.llm.offline.question import Question, korean_stem, word_forms
from chat.llm.offline.refusal import unsupported
from chat.llm.offline.schema import SchemaIndex
from chat.llm.offline.shapes.plan import Plan
from chat.llm.offline.vocabulary import (
    AVG_TERMS,
    COUNT_TERMS,
    COUNTERS,
    FILLER_WORDS,
    GROUP_TERMS,
    HANGUL,
    KO_ENDINGS,
    MAX_TERMS,
    MIN_TERMS,
    RANK_TERMS,
    SUM_TERMS,
    SUPERLATIVES,
    VALUE_ALIASES,
)
from chat.schema_context import ColumnInfo, TableInfo

SHAPE_TERMS = {"COUNT": COUNT_TERMS, "AVG": AVG_TERMS, "SUM": SUM_TERMS, "MIN": MIN_TERMS, "MAX": MAX_TERMS}
SHAPE_WORDS = set().union(*SHAPE_TERMS.values(), RANK_TERMS, GROUP_TERMS, COUNTERS)
# The noun a question is about, where English puts it: "how many X", "top 5 X", "list all X", "number of X".
SUBJECT = re.compile(
    r"\b(?:how many|number of|count of|top \d+|list(?: all)?(?: the)?|show(?: me)?(?: all)?(?: the)?"
    r"|which|what are the(?: \d+)?)\s+([a-z][a-z0-9_]*)"
)
# ... and where Korean puts it: "제품은 몇 개", "제품 수", "제품 목록".
SUBJECT_KO = re.compile(
    r"([\uac00-\ud7a3a-z0-9_]+?)(?:은|는|이|가|을|를|의)?\s*(?:몇|수(?![\uac00-\ud7a3])|수는|개수|목록)"
)


def subject_words(question: Question) -> set[str]:
    """Forms of the words in the place a question names what it is about."""
    found = [m.group(1) for m in SUBJECT.finditer(question.lowered)]
    found += [m.group(1) for m in SUBJECT_KO.finditer(question.lowered)]
    return {form for word in found for form in word_forms(word)}


def korean_core(word: str) -> str:
    """A Korean word without its particle and sentence ending: "개인가요" → "개", "수는" → "수"."""
    for _ in range(2):
        for ending in KO_ENDINGS:
            if word.endswith(ending) and len(word) > len(ending):
                word = word[: -len(ending)]
                break
        word = korean_stem(word)
    return word


class Placed:
    """The words a plan gives a place to: by name (`words`) or only through a description (`described`)."""

    def __init__(self, schema: SchemaIndex):
        self.schema = schema
        self.words: set[str] = set()
        self.described: set[str] = set()
        self.tables: list[TableInfo] = []

    def table(self, table: TableInfo | None, *, described: bool = True) -> None:
        """The table's names, and the words of its description for the table asked about (`described`)."""
        if table is not None:
            terms = self.schema.table_terms[id(table)]
            self.words |= terms.full | terms.parts
            self.described |= terms.weak if described else set()
            self.tables.append(table)

    def column(self, column: ColumnInfo | None) -> None:
        if column is not None:
            terms = self.schema.column_terms[id(column)]
            self.words |= terms.full | terms.parts
            self.described |= terms.weak

    def text(self, text: str) -> None:
        self.words |= {form for word in Question(text).words for form in word_forms(word)}

    def _names_another_table(self, forms: set[str]) -> bool:
        """Whether the word is the name of a table the query does not use ("ads" asked of impressions)."""
        return any(
            forms & self.schema.table_terms[id(t)].full
            for t in self.schema.tables
            if all(t is not u for u in self.tables)
        )

    def covers(self, word: str) -> bool:
        forms = word_forms(word)
        if HANGUL.search(word):
            forms |= {korean_core(word)}
        if forms & (self.words | FILLER_WORDS):
            return True
        # A description is a synonym, but not for another table's own name.
        if forms & self.described and not self._names_another_table(forms):
            return True
        if HANGUL.search(word):
            # "입사한" is placed by 입사, "직원수" by 직원: a Korean word may go on after the term.
            terms = self.words | {t for t in self.described if not self._names_another_table({t})}
            return any(len(term) >= 2 and HANGUL.search(term) and word.startswith(term) for term in terms)
        return False


def placed_words(schema: SchemaIndex, plan: Plan) -> Placed:
    """What the plan's SQL accounts for."""
    placed = Placed(schema)
    placed.table(plan.table)
    for condition in plan.filters:
        placed.column(condition.column)
        placed.text(condition.text)
        if condition.text in VALUE_ALIASES:
            placed.words |= VALUE_ALIASES[condition.text][0]
        if condition.via is not None:
            placed.column(condition.via)
            placed.table(schema.referenced(condition.via)[0], described=False)
    if plan.year_column is not None:
        placed.column(plan.year_column)
    if plan.per_row:
        placed.words |= GROUP_TERMS
    if plan.group is not None:
        placed.column(plan.group)
        placed.words |= GROUP_TERMS
        if plan.label:
            placed.table(plan.label[0], described=False)
            placed.column(plan.label[2])
    placed.column(plan.target)
    if plan.aggregate:
        placed.words |= SHAPE_TERMS[plan.aggregate]
        # "total number of", "총 주문 수", "the average number of pages"
        placed.words |= {"total", "총"} if plan.aggregate == "COUNT" else {"number", "count"}
    if plan.order_by is not None or plan.most is not None:
        placed.column(plan.order_by)
        placed.words |= RANK_TERMS | MIN_TERMS | MAX_TERMS | GROUP_TERMS
        if plan.superlative_word:
            placed.words.add(plan.superlative_word)
        if plan.most is not None:
            placed.words |= COUNT_TERMS | {"with"}
    placed.words |= {str(number) for number in (plan.limit, plan.year) if number is not None}
    placed.words |= COUNTERS
    return placed


def require_placed(schema: SchemaIndex, plan: Plan) -> None:
    """Refuse, naming the word, when a content word of the question has no place in the plan."""
    placed = placed_words(schema, plan)
    question = plan.question
    subjects = subject_words(question)
    for word in question.words:
        if word.isdigit() or placed.covers(word):
            continue
        if HANGUL.search(word):
            word = korean_core(word)  # named without its particle: '제품', not '제품은'
        if word in SUPERLATIVES or word_forms(word) & subjects and not any_table_named(schema, word):
            if word in SUPERLATIVES:
                raise unsupported(
                    gettext_noop("Offline mode could not tell which column '%(word)s' is measured by."), word=word
                )
            raise unsupported(gettext_noop("This datasource has no table for '%(word)s'."), word=word)
        raise unsupported(gettext_noop("Offline mode could not place the word '%(word)s' in the query."), word=word)


def any_table_named(schema: SchemaIndex, word: str) -> bool:
    """Whether some table of the schema is called `word` (or a glossary synonym of it)."""
    forms = word_forms(word)
    return any(forms & (schema.table_terms[id(t)].full | schema.table_terms[id(t)].parts) for t in schema.tables)
