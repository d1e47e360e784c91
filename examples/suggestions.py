"""Starter questions for a datasource: the user's most used examples, then questions built from its schema.

A schema question is offered only if offline mode translates it into SQL the guard
accepts (it is actually translated here), so a suggestion never leads to a refusal.
Korean questions use the table and column names as they are, the way people type
them in Korean ("customers 수는?").
"""

from __future__ import annotations

from chat import prompts
from chat.errors import LLMError
from chat.language import is_korean
from chat.llm import OfflineClient, SQLRequest
from chat.replies import parse_sql
from chat.schema_context import ColumnInfo, TableInfo, load_schema
from datasources import sql_guard
from datasources.errors import DatasourceError
from datasources.models import DataSource
from examples import selectors

SUGGESTIONS_MAX = 6
SCHEMA_TABLES_MAX = 4


def _words(name: str) -> str:
    return name.replace("_", " ").strip()


def _numeric(table: TableInfo) -> list[ColumnInfo]:
    return [
        c
        for c in table.columns
        if c.is_numeric and not c.is_key and not c.name.lower().endswith("id") and c.name != table.name
    ]


# Columns that name or describe one row are poor groups, however few values a small table has.
_NOT_GROUPS = ("name", "title", "email", "description", "comment", "note", "phone", "address")


def _grouping(table: TableInfo) -> list[ColumnInfo]:
    return [
        c
        for c in table.columns
        if c.samples and not c.is_key and not c.is_numeric and not any(word in c.name.lower() for word in _NOT_GROUPS)
    ]


def _schema_questions(table: TableInfo, lang: str) -> list[str]:
    """Question shapes offline mode understands, about one table."""
    name = _words(table.name)
    numbers, groups = _numeric(table), _grouping(table)
    if lang == "ko":
        questions = [f"{name} 수는?"]
        if numbers:
            questions.append(f"{_words(numbers[0].name)}가 가장 큰 {name} 5개")
        if groups:
            questions.append(f"{_words(groups[0].name)}별 {name} 수")
        if numbers and groups:
            questions.append(f"{_words(groups[0].name)}별 평균 {_words(numbers[0].name)}")
        return questions
    questions = [f"How many {name} are there?"]
    if numbers:
        questions.append(f"Top 5 {name} by {_words(numbers[0].name)}")
    if groups:
        questions.append(f"Number of {name} per {_words(groups[0].name)}")
    if numbers and groups:
        questions.append(f"Average {_words(numbers[0].name)} by {_words(groups[0].name)}")
    return questions


def _answerable(question: str, tables: list[TableInfo], engine: str) -> bool:
    """Whether offline mode turns `question` into SQL the guard accepts."""
    request = SQLRequest(stage=prompts.STAGE_SQL, messages=[], question=question, engine=engine, tables=tables)
    try:
        sql = parse_sql(OfflineClient().complete(request).text)
        sql_guard.check(sql, engine)
    except (LLMError, DatasourceError):
        return False
    return True


def _varied(tables: list[TableInfo], lang: str) -> list[str]:
    """Each question shape once first (on the first table that has it), then the rest table by table."""
    per_table = [_schema_questions(t, lang) for t in tables[:SCHEMA_TABLES_MAX]]
    first: list[str] = []
    for depth in range(max((len(q) for q in per_table), default=0)):
        first.extend(questions[depth] for questions in per_table[:1] if depth < len(questions))
        if len(first) <= depth:
            first.extend(next(([q[depth]] for q in per_table if depth < len(q)), []))
    rest = [question for questions in per_table for question in questions if question not in first]
    return first + rest


def suggestions_for(*, user, datasource: DataSource, lang: str, limit: int = SUGGESTIONS_MAX) -> list[dict]:
    """Up to `limit` `{question, source, example}` items: the user's examples first, then schema questions."""
    korean = lang == "ko"
    found: list[dict] = []
    seen: set[str] = set()
    for example in selectors.examples_most_used(user=user, datasource=datasource, limit=limit * 4):
        key = example.question.strip().lower()
        if is_korean(example.question) != korean or key in seen:
            continue
        seen.add(key)
        found.append({"question": example.question, "source": "example", "example": example.pk})
        if len(found) >= limit:
            return found
    tables = load_schema(datasource)
    # Big tables first: they are what a database is usually asked about.
    ranked = sorted(tables, key=lambda t: -(t.row_estimate or 0))
    for question in _varied(ranked, lang):
        if question.lower() in seen or not _answerable(question, tables, datasource.engine):
            continue
        seen.add(question.lower())
        found.append({"question": question, "source": "schema", "example": None})
        if len(found) >= limit:
            break
    return found
