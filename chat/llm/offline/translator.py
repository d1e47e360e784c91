"""Offline mode's question-to-SQL translator: reads the question against the schema and picks a shape.

It reads only the introspected schema of the datasource being asked (table and
column names, descriptions, sample values) and understands a few question
shapes in English and Korean (`chat.llm.offline.shapes`): counts and other
aggregates, listings, top-N by a column, per-group aggregates ("which X has the
most Y" included), equality filters on known sample values (also one foreign
key away) and year filters on date columns. A question with a value, number or
ranking word the SQL would not use, indeed any content word it cannot place
(`chat.llm.offline.accounting`), is `OfflineUnsupported`, never answered with
that part ignored. Refusals are written in the question's language.
"""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_noop

from chat.errors import OfflineUnsupported
from chat.language import question_language
from chat.llm.offline import filters as filtering
from chat.llm.offline.accounting import SHAPE_WORDS, Placed, korean_core, require_placed, subject_words
from chat.llm.offline.question import Question, asks_count, has_aggregate, word_forms
from chat.llm.offline.refusal import unsupported
from chat.llm.offline.schema import SchemaIndex
from chat.llm.offline.shapes import aggregate, grouped, listing, ranking
from chat.llm.offline.shapes.plan import MostGroup, Plan
from chat.llm.offline.sql import Source, is_temporal, literal
from chat.llm.offline.vocabulary import (
    ASCENDING_WORDS,
    COMPARISON_WORDS,
    DESCENDING_WORDS,
    DIGITS,
    GROUP_EN,
    GROUP_KO,
    HANGUL,
    LIST_WORDS,
    MAX_WORDS,
    MIN_WORDS,
    SORT_WORDS,
    TOP_WORDS,
    WHICH_WORDS,
)
from chat.schema_context import TableInfo


class Translator:
    """Turns one question into SQL over `tables`, or raises `OfflineUnsupported`."""

    def __init__(self, tables: list[TableInfo], engine: str):
        self.schema = SchemaIndex(tables)
        self.engine = engine

    def translate(self, text: str) -> str:
        """The SQL for `text`, or `OfflineUnsupported` saying (in the question's language) what was not understood."""
        with translation.override(question_language(text)):
            return self._translate(Question(text))

    def _translate(self, question: Question) -> str:
        if COMPARISON_WORDS.search(question.lowered):
            raise unsupported(gettext_noop("Offline mode does not answer comparisons (more than, before, 이상, …)."))
        reasons = []
        most = grouped.most_group(question.lowered)
        if most is not None:
            counted = Question(most.counted)
            for table in self.schema.candidates(counted):
                if not self.schema.names_table(counted, table):
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
        tables = self.schema.candidates(subject) + self.schema.candidates(question)
        for table in self._prefer_referencing(question, tables):
            try:
                return self._translate_for(question, table, groups)
            except OfflineUnsupported as refusal:
                reasons.append(refusal)
        specific = [r for r in reasons if getattr(r, "specific", False)]
        if specific:
            raise specific[0]
        if not tables:
            self._refuse_unknown_words(question)
        raise unsupported()

    def _sort_only(self, question: Question) -> bool:
        """Whether the only ranking words ask for an order ("가격 순으로"), not for the first rows."""
        words = self.schema.superlatives(question)
        return (
            bool(words)
            and words <= SORT_WORDS
            and not (MIN_WORDS.search(question.lowered) or MAX_WORDS.search(question.lowered))
        )

    def _refuse_unknown_words(self, question: Question) -> None:
        """No table fits: name what the question is about ("products"), else its first unknown word."""
        placed = Placed(self.schema)
        placed.words |= SHAPE_WORDS
        unknown = [w for w in question.words if not w.isdigit() and not placed.covers(w)]
        unknown = [korean_core(w) if HANGUL.search(w) else w for w in unknown]
        subjects = subject_words(question)
        subject = next((w for w in unknown if word_forms(w) & subjects), None)
        if subject:
            raise unsupported(gettext_noop("This datasource has no table for '%(word)s'."), word=subject)
        if unknown:
            raise unsupported(
                gettext_noop("Offline mode could not place the word '%(word)s' in the query."), word=unknown[0]
            )

    def _prefer_referencing(self, question: Question, tables: list[TableInfo]) -> list[TableInfo]:
        """ "Sales 부서 직원 수": a value naming a row of a table another named table references counts the latter."""
        schema = self.schema
        unique = [t for i, t in enumerate(tables) if all(t is not other for other in tables[:i])]
        named = [t for t in unique if question.mentions(schema.table_terms[id(t)].full)]
        referenced = {
            ref[0].name for t in named for c in t.columns if (ref := schema.referenced(c)) and ref[0] is not t
        }
        demoted = {t.name for t in unique if t.name in referenced and filtering.values_in(schema, question, t)}
        return [t for t in unique if t.name not in demoted] + [t for t in unique if t.name in demoted]

    def _translate_for(
        self, question: Question, table: TableInfo, groups: list[str] | None, most: MostGroup | None = None
    ) -> str:
        schema, lowered = self.schema, question.lowered
        if groups and DIGITS.search(groups[0]):
            # "albums by Artist 003": a number inside the grouping names a row; it is no row count.
            raise unsupported(gettext_noop("Offline mode could not use every number in the question."))
        group = grouped.group_column(schema, groups, table) if groups else None
        per_row = group is not None and group.primary_key
        if per_row:
            # "average distance per trip" asked of trips: per row of the table itself is over all its rows.
            group = None
        order_hint = sort_by = None
        if group is not None and most is None and not has_aggregate(lowered) and not asks_count(question):
            if group.is_numeric and not group.is_key and TOP_WORDS.search(lowered):
                # "top 3 vessels by tonnage" ranks by a number; it does not group by it.
                order_hint, group = group, None
            elif group.is_key and LIST_WORDS.search(lowered):
                # "list albums by artist": sorted by a key's number is not what that asks for.
                raise unsupported(gettext_noop("Offline mode could not rank the groups as asked."))
            elif (group.is_numeric and not group.is_key) or is_temporal(group) or LIST_WORDS.search(lowered):
                # "list products by price", "show orders by status": every row, sorted, not a count per value.
                sort_by, group = group, None
        if group is not None and not grouped.groupable(schema, group, table):
            raise unsupported(
                gettext_noop("Offline mode could not find the column to group by '%(group)s'."), group=groups[0]
            )
        filters = filtering.filters_for(schema, question, table, group or order_hint or sort_by)
        filtering.require_values_used(schema, question, filters)
        rest = question.without(f.text for f in filters)
        year = filtering.year_filter(schema, rest, table)
        limit = rest.number()
        if any(int(d) != limit and int(d) not in rest.years() for d in DIGITS.findall(rest.lowered)):
            raise unsupported(gettext_noop("Offline mode could not use every number in the question."))

        source = Source(table, self.engine)
        label = schema.label_of(group) if group is not None else None
        label_alias = source.join(group, label[0], label[1]) if label else None
        aliases = [source.join(f.via, *schema.referenced(f.via)) if f.via else None for f in filters]
        conditions = [f"{source.col(f.column, a)} = {literal(f.value)}" for f, a in zip(filters, aliases, strict=True)]
        if year:
            column, value = year
            conditions.append(f"{source.col(column)} >= '{value}-01-01' AND {source.col(column)} < '{value + 1}-01-01'")
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""

        values = [c for c in table.columns if c.is_numeric and not c.is_key and c is not group]
        superlative = bool(schema.superlatives(question))
        # "top 5 … highest price" is a ranking, not MAX(); without a number, min/max words mean the aggregate.
        ranking_asked = superlative or bool(MIN_WORDS.search(lowered) or MAX_WORDS.search(lowered))
        ranked = ranking_asked and limit is not None and group is None
        kind, target = aggregate.choose(schema, question, values, grouped=group is not None, ranked=ranked, table=table)
        if per_row and kind in (None, "COUNT"):
            raise unsupported(gettext_noop("Offline mode could not rank the groups as asked."))
        if kind in ("MIN", "MAX") and group is None and WHICH_WORDS.search(lowered):
            # "Which department has the biggest budget?" asks for the department, not the number.
            order_hint, kind = target, None
        plan = Plan(
            question=question,
            table=table,
            engine=self.engine,
            source=source,
            where=where,
            limit=limit,
            values=values,
            superlative=superlative,
            ranking=ranking_asked,
            group=group,
            label=label,
            label_alias=label_alias,
            order_hint=order_hint,
            most=most,
            aggregate=kind,
            target=target,
            filters=filters,
            year_column=year[0] if year else None,
            year=year[1] if year else None,
            per_row=per_row,
        )
        if group is not None:
            sql = grouped.sql(plan)
        elif kind is not None:
            sql = aggregate.sql(plan)
        elif ranking_asked and limit is None and self._sort_only(question):
            # "상품을 가격 순으로 보여줘": in price order, every row; not the single first one.
            plan.order_by, plan.direction, plan.superlative_word = ranking.order_column(schema, question, table, values)
            sql = listing.sql(plan)
        elif ranking_asked:
            if order_hint is not None:
                ascending = ASCENDING_WORDS.search(lowered) or (
                    MIN_WORDS.search(lowered) and not MAX_WORDS.search(lowered)
                )
                plan.order_by, plan.direction = order_hint, "ASC" if ascending else "DESC"
            else:
                plan.order_by, plan.direction, plan.superlative_word = ranking.order_column(
                    schema, question, table, values
                )
            sql = ranking.sql(plan)
        else:
            if sort_by is not None:
                plan.order_by, plan.direction = sort_by, "DESC" if DESCENDING_WORDS.search(lowered) else "ASC"
            sql = listing.sql(plan)
        require_placed(schema, plan)
        return sql
