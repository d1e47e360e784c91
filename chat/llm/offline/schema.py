"""What offline mode knows about a schema: the words that name each table and column, and its foreign keys."""

from __future__ import annotations

from chat.llm.offline.question import Question, name_terms, split_words, word_forms
from chat.llm.offline.vocabulary import TOP_WORDS
from chat.schema_context import ColumnInfo, TableInfo


class SchemaIndex:
    """The tables of one datasource with the terms that refer to them, scored against a question."""

    def __init__(self, tables: list[TableInfo]):
        self.tables = tables
        self.by_name = {t.name: t for t in tables}
        self.table_terms = {id(t): name_terms(t.name, t.description) for t in tables}
        self.column_terms = {id(c): name_terms(c.name, c.description) for t in tables for c in t.columns}
        # Words of the schema's own names: a column called "interest" is not the superlative "-est".
        names = [t.name for t in tables] + [c.name for t in tables for c in t.columns]
        self.name_words = {form for name in names for word in split_words(name) for form in word_forms(word)}

    def column_score(self, question: Question, column: ColumnInfo, ignore: frozenset[str] = frozenset()) -> int:
        terms = self.column_terms[id(column)]
        return 3 * question.mentions(terms.full | terms.parts) + question.mentions(terms.weak - ignore)

    def table_score(self, question: Question, table: TableInfo) -> int:
        terms = self.table_terms[id(table)]
        score = 4 * question.mentions(terms.full) + 2 * question.mentions(terms.parts) + question.mentions(terms.weak)
        return score + sum(1 for c in table.columns if not c.is_key and self.column_score(question, c))

    def names_table(self, question: Question, table: TableInfo) -> bool:
        terms = self.table_terms[id(table)]
        return bool(question.mentions(terms.full | terms.parts))

    def candidates(self, question: Question) -> list[TableInfo]:
        """The tables the question is most likely about, best first."""
        scored = [(self.table_score(question, t), -i, t) for i, t in enumerate(self.tables)]
        return [t for score, _, t in sorted(scored, key=lambda item: item[:2], reverse=True) if score > 0][:3]

    def best_column(
        self, question: Question, columns: list[ColumnInfo], ignore: frozenset[str] = frozenset()
    ) -> ColumnInfo | None:
        best, best_score = None, 0
        for column in columns:
            score = self.column_score(question, column, ignore)
            if score > best_score:
                best, best_score = column, score
        return best

    def superlatives(self, question: Question) -> set[str]:
        """Ranking words in the question ("top", "most", "가장", "-est"), leaving out words of the schema's names."""
        found = {match.group(0) for match in TOP_WORDS.finditer(question.lowered)}
        return {word for word in found if word not in self.name_words}

    def referenced(self, column: ColumnInfo) -> tuple[TableInfo, ColumnInfo] | None:
        """For a foreign key, the referenced table and key column."""
        if not column.references or "." not in column.references:
            return None
        table_name, key_name = column.references.rsplit(".", 1)
        target = self.by_name.get(table_name)
        key = next((c for c in target.columns if c.name == key_name), None) if target else None
        return (target, key) if key else None

    def label_of(self, column: ColumnInfo) -> tuple[TableInfo, ColumnInfo, ColumnInfo] | None:
        """For a foreign key, the referenced table, its key and a readable column (name/title) to show instead."""
        referenced = self.referenced(column)
        if referenced is None:
            return None
        target, key = referenced
        # Only a name or title says which row it is; an enrollment's semester does not.
        texts = [c for c in target.columns if not c.is_key and not c.is_numeric]
        named = [c for c in texts if any(word in c.name.lower() for word in ("name", "title", "label"))]
        return (target, key, named[0]) if named else None
