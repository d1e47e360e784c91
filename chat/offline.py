"""Offline mode: a deterministic, schema-driven question-to-SQL translator and template summaries.

It reads only the introspected schema of the datasource being asked (table and
column names, descriptions, sample values) and understands a few question
shapes in English and Korean: counts, listings, top-N by a column,
sum/avg/min/max, per-group aggregates and equality filters on known sample
values; the vocabulary lives in `chat.offline_vocabulary`. Anything else is
`OfflineUnsupported`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chat import prompts
from chat.errors import OfflineUnsupported
from chat.llm import Completion, DeltaCallback, LLMRequest
from chat.offline_vocabulary import (
    ASCENDING_WORDS,
    AVG_WORDS,
    COMPARISON_WORDS,
    COUNT_WORDS,
    GLOSSARY,
    GROUP_EN,
    GROUP_KO,
    GROUP_LIMIT,
    HANGUL,
    KO_PARTICLES,
    LIST_WORDS,
    LISTING_LIMIT,
    MAX_WORDS,
    MIN_WORDS,
    NAME_TOKEN,
    NUMBER,
    NUMBER_WORDS,
    STOP_WORDS,
    SUM_WORDS,
    TOP_WORDS,
    WORD,
)
from chat.schema_context import ColumnInfo, TableInfo, qualified
from chat.schema_context import quote as quote_name


def is_korean(text: str) -> bool:
    """Whether `text` is (at least partly) Korean."""
    return bool(HANGUL.search(text or ""))


def _singular(word: str) -> str:
    if HANGUL.search(word) or len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _korean_stem(word: str) -> str:
    for particle in KO_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            return word[: -len(particle)]
    return word


def _forms(word: str) -> set[str]:
    """The comparable forms of one word: itself, singular, and Korean stem."""
    word = word.lower()
    return {word, _singular(word), _korean_stem(word)}


def _words(text: str) -> list[str]:
    """Words of a name or description: split on case changes, underscores and punctuation."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text or ""))
    return WORD.findall(spaced.lower().replace("_", " "))


def _expand(terms: set[str]) -> set[str]:
    expanded = set(terms)
    for group in GLOSSARY:
        if expanded & group:
            expanded |= group
    return expanded


@dataclass
class Terms:
    """The words that refer to one schema object, split by how strongly they do."""

    full: set[str] = field(default_factory=set)  # the whole name and its glossary group
    parts: set[str] = field(default_factory=set)  # parts of a compound name (order_items → order, item)
    weak: set[str] = field(default_factory=set)  # words of the description


def _name_terms(name: str, description: str) -> Terms:
    full = _expand(_forms(name) - STOP_WORDS)
    parts = _expand({form for word in _words(name) for form in _forms(word)} - STOP_WORDS) - full
    weak = {form for word in _words(description) for form in _forms(word) if word not in STOP_WORDS}
    weak = {w for w in weak if len(w) > 1 or HANGUL.search(w)} - full - parts
    return Terms(full=full, parts=parts, weak=weak)


class Question:
    """A question split into comparable words, keeping the raw lowered text for phrase checks."""

    def __init__(self, text: str):
        self.text = text
        self.lowered = " ".join(text.lower().split())
        self.words = _words(self.lowered)
        # Compound names count as one word whether typed "order_items" or "order items".
        tokens = NAME_TOKEN.findall(self.lowered) + [
            f"{a}_{b}" for a, b in zip(self.words, self.words[1:], strict=False)
        ]
        self.forms = {form for word in self.words + tokens for form in _forms(word)}

    def mentions(self, terms: set[str]) -> int:
        """How many of `terms` the question uses (Korean terms also as a word's prefix, for particles)."""
        hits = 0
        for term in terms:
            if term in self.forms:
                hits += 1
            elif HANGUL.search(term) and len(term) >= 2 and any(w.startswith(term) for w in self.words):
                hits += 1
        return hits

    def number(self) -> int | None:
        match = NUMBER.search(self.lowered)
        if match:
            return int(match.group(1) or match.group(2))
        for word, value in NUMBER_WORDS.items():
            if re.search(rf"(?<![\w\uac00-\ud7a3]){word}(?:\s|$|개|명|건|가지)", self.lowered):
                return value
        return None


def _has_aggregate(lowered: str) -> bool:
    return any(p.search(lowered) for p in (COUNT_WORDS, AVG_WORDS, SUM_WORDS, MIN_WORDS, MAX_WORDS))


def _literal(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def quote(name: str, engine: str) -> str:
    """Offline SQL quotes every identifier: a column may be called `order` or `count`."""
    return quote_name(name, engine, always=True)


class Translator:
    """Turns one question into SQL over `tables`, or raises `OfflineUnsupported`."""

    def __init__(self, tables: list[TableInfo], engine: str):
        self.tables = tables
        self.engine = engine
        self.by_name = {t.name: t for t in tables}
        self.table_terms = {id(t): _name_terms(t.name, t.description) for t in tables}
        self.column_terms = {id(c): _name_terms(c.name, c.description) for t in tables for c in t.columns}

    # -- matching -------------------------------------------------------------------
    def _column_score(self, question: Question, column: ColumnInfo) -> int:
        terms = self.column_terms[id(column)]
        return 3 * question.mentions(terms.full | terms.parts) + question.mentions(terms.weak)

    def _table_score(self, question: Question, table: TableInfo) -> int:
        terms = self.table_terms[id(table)]
        score = 4 * question.mentions(terms.full) + 2 * question.mentions(terms.parts) + question.mentions(terms.weak)
        return score + sum(1 for c in table.columns if not c.is_key and self._column_score(question, c))

    def candidates(self, question: Question) -> list[TableInfo]:
        """The tables the question is most likely about, best first."""
        scored = [(self._table_score(question, t), -i, t) for i, t in enumerate(self.tables)]
        return [t for score, _, t in sorted(scored, key=lambda item: item[:2], reverse=True) if score > 0][:3]

    def _best_column(self, question: Question, columns: list[ColumnInfo]) -> ColumnInfo | None:
        best, best_score = None, 0
        for column in columns:
            score = self._column_score(question, column)
            if score > best_score:
                best, best_score = column, score
        return best

    def _group_column(self, phrase: str, table: TableInfo) -> ColumnInfo:
        group_question = Question(phrase)
        column = self._best_column(group_question, table.columns)
        if column:
            return column
        # "orders per customer": group by the foreign key that points at the named table.
        for other in self.tables:
            terms = self.table_terms[id(other)]
            if other is not table and group_question.mentions(terms.full | terms.weak):
                for candidate in table.columns:
                    if candidate.references.split(".")[0] == other.name:
                        return candidate
        raise OfflineUnsupported()

    def _label_of(self, column: ColumnInfo) -> tuple[TableInfo, ColumnInfo, ColumnInfo] | None:
        """For a foreign key, the referenced table, its key and a readable column (name/title) to show instead."""
        if not column.references or "." not in column.references:
            return None
        table_name, key_name = column.references.rsplit(".", 1)
        target = self.by_name.get(table_name)
        if target is None:
            return None
        key = next((c for c in target.columns if c.name == key_name), None)
        texts = [c for c in target.columns if not c.is_key and not c.is_numeric]
        named = [c for c in texts if any(word in c.name.lower() for word in ("name", "title", "label"))]
        label = (named or texts or [None])[0]
        return (target, key, label) if key and label else None

    def _filters(
        self, question: Question, table: TableInfo, skip: ColumnInfo | None
    ) -> list[tuple[ColumnInfo, object]]:
        found_filters = []
        for column in table.columns:
            if column is skip:
                continue
            for value in column.samples:
                text = str(value).strip().lower()
                if len(text) < 2:
                    continue
                if HANGUL.search(text):
                    found = text in question.lowered
                else:
                    # Latin word edges only: a Korean particle may follow directly ("Busan인").
                    pattern = rf"(?<![a-z0-9_]){re.escape(text)}(?![a-z0-9_])"
                    found = re.search(pattern, question.lowered) is not None
                if found:
                    found_filters.append((column, value))
                    break
        return found_filters

    # -- shapes ---------------------------------------------------------------------
    def translate(self, text: str) -> str:
        question = Question(text)
        if COMPARISON_WORDS.search(question.lowered):
            raise OfflineUnsupported()
        phrase = GROUP_EN.search(question.lowered) or GROUP_KO.search(question.lowered)
        # The thing counted is named outside "by X" / "X별": rank tables on the rest first.
        subject = Question(question.lowered.replace(phrase.group(0), " ")) if phrase else question
        tried = []
        for table in self.candidates(subject) + self.candidates(question):
            if table in tried:
                continue
            tried.append(table)
            try:
                return self._translate_for(question, table, phrase.group(1) if phrase else None)
            except OfflineUnsupported:
                continue
        raise OfflineUnsupported()

    def _translate_for(self, question: Question, table: TableInfo, phrase: str | None) -> str:
        lowered = question.lowered
        group = self._group_column(phrase, table) if phrase else None
        limit = question.number()
        order_hint = None
        if group is not None and group.is_numeric and TOP_WORDS.search(lowered) and not _has_aggregate(lowered):
            # "top 3 vessels by tonnage" ranks by a number; it does not group by it.
            order_hint, group = group, None
        label = self._label_of(group) if group is not None else None
        prefix = "t." if label else ""

        def col(column: ColumnInfo) -> str:
            return prefix + quote(column.name, self.engine)

        source = qualified(table, self.engine, always=True) + (" AS t" if label else "")
        conditions = [f"{col(c)} = {_literal(v)}" for c, v in self._filters(question, table, group)]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        values = [c for c in table.columns if c.is_numeric and not c.is_key and c is not group]
        # "top 5 … highest price" is a ranking, not MAX(); without a number, min/max words mean the aggregate.
        ranking = bool(TOP_WORDS.search(lowered) or MIN_WORDS.search(lowered) or MAX_WORDS.search(lowered))
        ranked_with_number = ranking and limit is not None and group is None

        aggregate = None
        if ranked_with_number and not COUNT_WORDS.search(lowered):
            aggregate = None
        elif COUNT_WORDS.search(lowered) or any(w in ("수", "숫자") for w in map(_korean_stem, question.words)):
            aggregate = "COUNT"
        elif AVG_WORDS.search(lowered):
            aggregate = "AVG"
        elif MIN_WORDS.search(lowered):
            aggregate = "MIN"
        elif MAX_WORDS.search(lowered):
            aggregate = "MAX"
        elif SUM_WORDS.search(lowered):
            aggregate = "SUM"

        target = None
        if aggregate and aggregate != "COUNT":
            target = self._best_column(question, values)
            if target is None:
                if aggregate == "SUM" and not group:
                    aggregate = "COUNT"
                else:
                    raise OfflineUnsupported()
        if group is not None:
            if aggregate in (None, "COUNT"):
                alias, measure = "count", "COUNT(*)"
            else:
                alias, measure = f"{aggregate.lower()}_{target.name}", f"{aggregate}({col(target)})"
            measure_alias = quote(alias, self.engine)
            if label:
                target_table, key, label_column = label
                shown = re.sub(r"_id$", "", group.name) or label_column.name
                source += (
                    f" JOIN {qualified(target_table, self.engine, always=True)} AS r"
                    f" ON {col(group)} = r.{quote(key.name, self.engine)}"
                )
                select = f"r.{quote(label_column.name, self.engine)} AS {quote(shown, self.engine)}"
                keys = f"r.{quote(key.name, self.engine)}, r.{quote(label_column.name, self.engine)}"
            else:
                select = keys = col(group)
            return (
                f"SELECT {select}, {measure} AS {measure_alias} FROM {source}{where} "
                f"GROUP BY {keys} ORDER BY {measure_alias} DESC LIMIT {GROUP_LIMIT}"
            )
        if aggregate == "COUNT":
            return f"SELECT COUNT(*) AS {quote('count', self.engine)} FROM {source}{where}"
        if aggregate:
            alias = f"{aggregate.lower()}_{target.name}"
            return f"SELECT {aggregate}({col(target)}) AS {quote(alias, self.engine)} FROM {source}{where}"

        if ranking:
            order = (
                order_hint
                or self._best_column(question, values)
                or self._best_column(question, [c for c in table.columns if not c.is_key])
                or (values[0] if len(values) == 1 else None)
            )
            if order is not None:
                direction = "ASC" if ASCENDING_WORDS.search(lowered) else "DESC"
                return (
                    f"SELECT * FROM {source}{where} ORDER BY {col(order)} {direction} "
                    f"LIMIT {1 if limit is None else limit}"
                )
        if conditions or LIST_WORDS.search(lowered) or limit:
            return f"SELECT * FROM {source}{where} LIMIT {min(limit or LISTING_LIMIT, LISTING_LIMIT)}"
        raise OfflineUnsupported()


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "NULL" if value is None else str(value)


def summarize(question: str, result) -> str:
    """A template summary of `result` in the question's language."""
    korean = is_korean(question)
    columns, rows = list(result.columns), list(result.rows)
    count = result.row_count
    if count == 0:
        return "조건에 맞는 결과가 없습니다." if korean else "No rows matched the question."
    if count == 1 and len(columns) == 1:
        value = _format(rows[0][0])
        return f"결과는 {value}입니다 ({columns[0]})." if korean else f"The answer is {value} ({columns[0]})."
    first = ", ".join(f"{column} {_format(value)}" for column, value in list(zip(columns, rows[0], strict=False))[:4])
    more = result.truncated
    if korean:
        cut = " (표시 한도까지만 가져왔습니다)" if more else ""
        return f"{count:,}개의 행을 찾았습니다{cut}. 첫 번째 행: {first}."
    cut = " (the result was cut at the row limit)" if more else ""
    return f"Found {count:,} row{'s' if count != 1 else ''}{cut}. The first is: {first}."


class OfflineClient:
    """The offline `LLMClient`: deterministic SQL from the schema and template summaries."""

    mode = "offline"
    can_repair = False

    def model_for(self, stage: str) -> str:
        return "offline"

    def complete(self, request: LLMRequest, *, on_delta: DeltaCallback | None = None) -> Completion:
        if request.stage == prompts.STAGE_SQL:
            sql = Translator(request.tables, request.engine).translate(request.question)
            return Completion(text=f"```sql\n{sql}\n```", model="offline")
        if request.stage == prompts.STAGE_SUMMARY:
            text = summarize(request.question, request.result)
            if on_delta:
                for piece in re.findall(r"\S+\s*", text):
                    on_delta(piece)
            return Completion(text=text, model="offline")
        if request.stage == prompts.STAGE_TABLES:
            return Completion(text=", ".join(t.name for t in request.tables), model="offline")
        raise OfflineUnsupported()
