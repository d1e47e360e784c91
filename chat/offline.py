"""Offline mode: a deterministic, schema-driven question-to-SQL translator and template summaries.

It reads only the introspected schema of the datasource being asked (table and
column names, descriptions, sample values) and understands a few question
shapes in English and Korean: counts, listings, top-N by a column,
sum/avg/min/max, per-group aggregates ("which X has the most Y" included),
equality filters on known sample values (also one foreign key away) and year
filters on date columns; the question's words are read by
`chat.offline_question`, the vocabulary lives in `chat.offline_vocabulary`.
A question with a value, number or ranking word the SQL would not use is
`OfflineUnsupported`, never answered with that part ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from chat import prompts
from chat.errors import OfflineUnsupported
from chat.llm import Completion, DeltaCallback, LLMRequest
from chat.offline_question import Question, has_aggregate, is_korean, korean_stem, name_terms, split_words, word_forms
from chat.offline_vocabulary import (
    ASCENDING_WORDS,
    AVG_WORDS,
    COMPARISON_WORDS,
    COUNT_WORDS,
    DIGITS,
    FEWEST,
    GROUP_EN,
    GROUP_KO,
    GROUP_LIMIT,
    HANGUL,
    HOW_MANY,
    LIST_WORDS,
    LISTING_LIMIT,
    MAX_WORDS,
    MIN_WORDS,
    MOST_GROUP,
    RECENCY_WORDS,
    SUM_WORDS,
    TEMPORAL_TYPES,
    TOP_WORDS,
    VALUE_ALIASES,
)
from chat.schema_context import ColumnInfo, TableInfo, qualified
from chat.schema_context import quote as quote_name


def _literal(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _is_temporal(column: ColumnInfo) -> bool:
    return any(marker in column.type.lower() for marker in TEMPORAL_TYPES)


def _is_number_text(text: str) -> bool:
    return re.fullmatch(r"-?\d+(?:\.\d+)?", text) is not None


def quote(name: str, engine: str) -> str:
    """Offline SQL quotes every identifier: a column may be called `order` or `count`."""
    return quote_name(name, engine, always=True)


def _unsupported(reason: str = "") -> OfflineUnsupported:
    """A refusal that says what was not understood before the usual guidance."""
    return OfflineUnsupported(f"{reason} {prompts.OFFLINE_UNSUPPORTED}" if reason else None)


@dataclass
class Filter:
    """An equality condition on a sample value, on the table asked about or on one it references (`via`)."""

    column: ColumnInfo
    value: object
    text: str  # what the question said for it
    via: ColumnInfo | None = None  # the foreign key to join through


@dataclass
class MostGroup:
    """ "Which X has the most Y": count Y per X and keep the top (or bottom) groups."""

    groups: list[str]
    counted: str
    descending: bool


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


class Translator:
    """Turns one question into SQL over `tables`, or raises `OfflineUnsupported`."""

    def __init__(self, tables: list[TableInfo], engine: str):
        self.tables = tables
        self.engine = engine
        self.by_name = {t.name: t for t in tables}
        self.table_terms = {id(t): name_terms(t.name, t.description) for t in tables}
        self.column_terms = {id(c): name_terms(c.name, c.description) for t in tables for c in t.columns}
        # Words of the schema's own names: a column called "interest" is not the superlative "-est".
        names = [t.name for t in tables] + [c.name for t in tables for c in t.columns]
        self.name_words = {form for name in names for word in split_words(name) for form in word_forms(word)}

    # -- matching -------------------------------------------------------------------
    def _column_score(self, question: Question, column: ColumnInfo, ignore: frozenset[str] = frozenset()) -> int:
        terms = self.column_terms[id(column)]
        return 3 * question.mentions(terms.full | terms.parts) + question.mentions(terms.weak - ignore)

    def _table_score(self, question: Question, table: TableInfo) -> int:
        terms = self.table_terms[id(table)]
        score = 4 * question.mentions(terms.full) + 2 * question.mentions(terms.parts) + question.mentions(terms.weak)
        return score + sum(1 for c in table.columns if not c.is_key and self._column_score(question, c))

    def _names_table(self, question: Question, table: TableInfo) -> bool:
        terms = self.table_terms[id(table)]
        return bool(question.mentions(terms.full | terms.parts))

    def candidates(self, question: Question) -> list[TableInfo]:
        """The tables the question is most likely about, best first."""
        scored = [(self._table_score(question, t), -i, t) for i, t in enumerate(self.tables)]
        return [t for score, _, t in sorted(scored, key=lambda item: item[:2], reverse=True) if score > 0][:3]

    def _best_column(
        self, question: Question, columns: list[ColumnInfo], ignore: frozenset[str] = frozenset()
    ) -> ColumnInfo | None:
        best, best_score = None, 0
        for column in columns:
            score = self._column_score(question, column, ignore)
            if score > best_score:
                best, best_score = column, score
        return best

    def _superlatives(self, question: Question) -> set[str]:
        """Ranking words in the question ("top", "most", "가장", "-est"), leaving out words of the schema's names."""
        found = {match.group(0) for match in TOP_WORDS.finditer(question.lowered)}
        return {word for word in found if word not in self.name_words}

    def _group_column(self, phrases: list[str], table: TableInfo) -> ColumnInfo:
        for phrase in phrases:
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
        raise _unsupported()

    def _referenced(self, column: ColumnInfo) -> tuple[TableInfo, ColumnInfo] | None:
        """For a foreign key, the referenced table and key column."""
        if not column.references or "." not in column.references:
            return None
        table_name, key_name = column.references.rsplit(".", 1)
        target = self.by_name.get(table_name)
        key = next((c for c in target.columns if c.name == key_name), None) if target else None
        return (target, key) if key else None

    def _label_of(self, column: ColumnInfo) -> tuple[TableInfo, ColumnInfo, ColumnInfo] | None:
        """For a foreign key, the referenced table, its key and a readable column (name/title) to show instead."""
        referenced = self._referenced(column)
        if referenced is None:
            return None
        target, key = referenced
        texts = [c for c in target.columns if not c.is_key and not c.is_numeric]
        named = [c for c in texts if any(word in c.name.lower() for word in ("name", "title", "label"))]
        label = (named or texts or [None])[0]
        return (target, key, label) if label else None

    # -- values the question names ----------------------------------------------------------
    def _values_in(self, question: Question, table: TableInfo, *, first_only: bool = True) -> list[Filter]:
        """Sample values of `table` the question contains (the first per column unless `first_only` is off)."""
        # In "top 10 students" the 10 is a row count, not a value of some column that happens to hold 10.
        numbers_are_values = not self._superlatives(question) and not MIN_WORDS.search(question.lowered)
        found = []
        for column in table.columns:
            for value in column.samples:
                text = str(value).strip().lower()
                if len(text) < 2 or (_is_number_text(text) and not numbers_are_values):
                    continue
                if HANGUL.search(text):
                    matched = text in question.lowered
                else:
                    # Latin word edges only: a Korean particle may follow directly ("Busan인").
                    pattern = rf"(?<![a-z0-9_]){re.escape(text)}(?![a-z0-9_])"
                    matched = re.search(pattern, question.lowered) is not None
                if matched:
                    found.append(Filter(column, value, text))
                    if first_only:
                        break
        return found

    def _alias_filters(self, question: Question, table: TableInfo, taken: set[str]) -> list[Filter]:
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

    def _filters(self, question: Question, table: TableInfo, skip: ColumnInfo | None) -> list[Filter]:
        """Equality filters on values of `table` or, through one foreign key, of a table it references."""
        found = [f for f in self._values_in(question, table) if f.column is not skip]
        found += self._alias_filters(question, table, {f.column.name for f in found} | {skip.name if skip else ""})
        for via in table.columns:
            referenced = self._referenced(via)
            if referenced is None or referenced[0] is table:
                continue
            texts = {f.text for f in found}
            found += [
                Filter(f.column, f.value, f.text, via=via)
                for f in self._values_in(question, referenced[0])
                if f.text not in texts
            ]
        return found

    def _require_values_used(self, question: Question, filters: list[Filter]) -> None:
        """A value the question names that the query does not filter on would be silently ignored: refuse."""
        used = {f.text for f in filters}
        named = {f.text for table in self.tables for f in self._values_in(question, table, first_only=False)}
        named |= {meaning for meaning, (words, _) in VALUE_ALIASES.items() if question.mentions(words)}
        unused = sorted(named - used)
        if unused:
            raise _unsupported(f"Offline mode could not relate '{unused[0]}' to the table it answers from.")

    def _year_filter(self, question: Question, table: TableInfo) -> tuple[ColumnInfo, int] | None:
        """ "hired in 2021", "2021년에 입사한": the year of the date column named (or the table's only one)."""
        years = question.years()
        if not years:
            return None
        dates = [c for c in table.columns if _is_temporal(c)]
        column = self._best_column(question, dates) or (dates[0] if len(dates) == 1 else None)
        if len(years) > 1 or column is None:
            raise _unsupported(f"Offline mode could not tell which date {min(years)} is about.")
        return column, years.pop()

    def _order_column(self, question: Question, table: TableInfo, values: list[ColumnInfo]) -> ColumnInfo | None:
        """The number a ranking is by, as named ("highest tonnage", "longest" → pages), or a date for "most recent"."""
        # "the most recent orders": "Order total" describes a column but does not name what to rank by.
        terms = self.table_terms[id(table)]
        named = self._best_column(question, values, ignore=frozenset(terms.full | terms.parts))
        if named is not None or not RECENCY_WORDS.search(question.lowered):
            return named
        dates = [c for c in table.columns if _is_temporal(c)]
        return self._best_column(question, dates) or (dates[0] if len(dates) == 1 else None)

    def _aggregate(
        self, question: Question, values: list[ColumnInfo], *, grouped: bool, ranked: bool
    ) -> tuple[str | None, ColumnInfo | None]:
        """The aggregate asked for and its column; "average number of pages" is AVG(pages), not COUNT(*)."""
        lowered = question.lowered
        stems = {korean_stem(word) for word in question.words}
        counting = bool(COUNT_WORDS.search(lowered)) or bool(stems & {"수", "숫자"})
        if ranked and not counting:
            return None, None
        kinds = (("AVG", AVG_WORDS), ("MIN", MIN_WORDS), ("MAX", MAX_WORDS), ("SUM", SUM_WORDS))
        kind = next((name for name, words in kinds if words.search(lowered)), None)
        if kind is None:
            return ("COUNT", None) if counting else (None, None)
        target = self._best_column(question, values)
        if target is not None and not HOW_MANY.search(lowered):
            return kind, target
        if kind == "SUM" and (counting or not grouped) and target is None:
            return "COUNT", None  # "total orders", "total number of orders"
        raise _unsupported(f"Offline mode could not tell what to {kind.lower()} or count.")

    # -- shapes ---------------------------------------------------------------------
    def translate(self, text: str) -> str:
        question = Question(text)
        if COMPARISON_WORDS.search(question.lowered):
            raise _unsupported("Offline mode does not answer comparisons (more than, before, 이상, …).")
        reasons = []
        most = _most_group(question.lowered)
        if most is not None:
            counted = Question(most.counted)
            for table in self.candidates(counted):
                if not self._names_table(counted, table):
                    continue
                try:
                    return self._translate_for(question, table, most.groups, most)
                except OfflineUnsupported as refusal:
                    reasons.append(refusal)
            # "the product with the most stock" ranks rows by a column: the usual shapes below.
        phrase = GROUP_EN.search(question.lowered) or GROUP_KO.search(question.lowered)
        groups = None
        if phrase:
            # "성별" is a word of its own (gender), not 성 + the grouping suffix 별: try both.
            groups = [phrase.group(1)] + ([phrase.group(1) + "별"] if "별" in phrase.group(0) else [])
        # The thing counted is named outside "by X" / "X별": rank tables on the rest first.
        subject = Question(question.lowered.replace(phrase.group(0), " ")) if phrase else question
        for table in self._prefer_referencing(question, self.candidates(subject) + self.candidates(question)):
            try:
                return self._translate_for(question, table, groups)
            except OfflineUnsupported as refusal:
                reasons.append(refusal)
        specific = [r for r in reasons if r.message != prompts.OFFLINE_UNSUPPORTED]
        raise specific[0] if specific else _unsupported()

    def _prefer_referencing(self, question: Question, tables: list[TableInfo]) -> list[TableInfo]:
        """ "Sales 부서 직원 수": a value naming a row of a table another named table references counts the latter."""
        unique = [t for i, t in enumerate(tables) if all(t is not other for other in tables[:i])]
        named = [t for t in unique if question.mentions(self.table_terms[id(t)].full)]
        referenced = {ref[0].name for t in named for c in t.columns if (ref := self._referenced(c)) and ref[0] is not t}
        demoted = {t.name for t in unique if t.name in referenced and self._values_in(question, t)}
        return [t for t in unique if t.name not in demoted] + [t for t in unique if t.name in demoted]

    def _translate_for(
        self, question: Question, table: TableInfo, groups: list[str] | None, most: MostGroup | None = None
    ) -> str:
        lowered = question.lowered
        group = self._group_column(groups, table) if groups else None
        order_hint = None
        if group is not None and most is None and group.is_numeric and TOP_WORDS.search(lowered):
            if not has_aggregate(lowered):
                # "top 3 vessels by tonnage" ranks by a number; it does not group by it.
                order_hint, group = group, None
        filters = self._filters(question, table, group or order_hint)
        self._require_values_used(question, filters)
        rest = question.without(f.text for f in filters)
        year = self._year_filter(rest, table)
        limit = rest.number()
        if any(int(d) != limit and int(d) not in rest.years() for d in DIGITS.findall(rest.lowered)):
            raise _unsupported("Offline mode could not use every number in the question.")

        source = Source(table, self.engine)
        label = self._label_of(group) if group is not None else None
        label_alias = source.join(group, label[0], label[1]) if label else None
        aliases = [source.join(f.via, *self._referenced(f.via)) if f.via else None for f in filters]
        conditions = [f"{source.col(f.column, a)} = {_literal(f.value)}" for f, a in zip(filters, aliases, strict=True)]
        if year:
            column, value = year
            conditions.append(f"{source.col(column)} >= '{value}-01-01' AND {source.col(column)} < '{value + 1}-01-01'")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""

        values = [c for c in table.columns if c.is_numeric and not c.is_key and c is not group]
        superlative = bool(self._superlatives(question))
        # "top 5 … highest price" is a ranking, not MAX(); without a number, min/max words mean the aggregate.
        ranking = superlative or bool(MIN_WORDS.search(lowered) or MAX_WORDS.search(lowered))
        ranked = ranking and limit is not None and group is None
        aggregate, target = self._aggregate(question, values, grouped=group is not None, ranked=ranked)

        if group is not None:
            if most is not None:
                if aggregate not in (None, "COUNT") or (label and not most.descending):
                    # The fewest could be zero, and an inner join never shows a group with none.
                    raise _unsupported()
                order, row_limit = ("DESC" if most.descending else "ASC"), (1 if limit is None else limit)
            else:
                if limit is not None or (superlative and aggregate not in ("MIN", "MAX")):
                    raise _unsupported("Offline mode could not rank the groups as asked.")
                order, row_limit = "DESC", GROUP_LIMIT
            return self._grouped_sql(source, group, label, label_alias, aggregate, target, where, order, row_limit)
        if aggregate is not None:
            if limit is not None or (superlative and aggregate not in ("MIN", "MAX")):
                raise _unsupported("Offline mode could not combine that ranking with a total.")
            if aggregate == "COUNT":
                return f"SELECT COUNT(*) AS {quote('count', self.engine)} FROM {source.sql()}{where}"
            alias = quote(f"{aggregate.lower()}_{target.name}", self.engine)
            return f"SELECT {aggregate}({source.col(target)}) AS {alias} FROM {source.sql()}{where}"
        if ranking:
            order_by = order_hint or self._order_column(question, table, values)
            if order_by is None:
                raise _unsupported("Offline mode could not tell which number to rank by.")
            direction = "ASC" if ASCENDING_WORDS.search(lowered) else "DESC"
            return (
                f"SELECT {source.star} FROM {source.sql()}{where} ORDER BY {source.col(order_by)} {direction} "
                f"LIMIT {1 if limit is None else limit}"
            )
        if conditions or LIST_WORDS.search(lowered) or limit:
            return f"SELECT {source.star} FROM {source.sql()}{where} LIMIT {min(limit or LISTING_LIMIT, LISTING_LIMIT)}"
        raise _unsupported()

    def _grouped_sql(self, source, group, label, label_alias, aggregate, target, where, order, row_limit) -> str:
        """Per-group COUNT or aggregate; a foreign key is shown through the referenced table's readable column."""
        if aggregate in (None, "COUNT"):
            alias, measure = "count", "COUNT(*)"
        else:
            alias, measure = f"{aggregate.lower()}_{target.name}", f"{aggregate}({source.col(target)})"
        measure_alias = quote(alias, self.engine)
        if label:
            _, key, label_column = label
            shown = re.sub(r"_id$", "", group.name) or label_column.name
            select = f"{source.col(label_column, label_alias)} AS {quote(shown, self.engine)}"
            keys = f"{source.col(key, label_alias)}, {source.col(label_column, label_alias)}"
        else:
            select = keys = source.col(group)
        return (
            f"SELECT {select}, {measure} AS {measure_alias} FROM {source.sql()}{where} "
            f"GROUP BY {keys} ORDER BY {measure_alias} {order} LIMIT {row_limit}"
        )


def _most_group(lowered: str) -> MostGroup | None:
    for pattern in MOST_GROUP:
        match = pattern.search(lowered)
        if match:
            group = match.group("group")
            return MostGroup([group, korean_stem(group)], match.group("counted"), match.group("rank") not in FEWEST)
    return None


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
