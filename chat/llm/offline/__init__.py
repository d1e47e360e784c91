"""Offline mode: a deterministic, schema-driven question-to-SQL translator and template summaries.

`question` reads a question's words, `vocabulary` holds the words and phrase
patterns it knows, `schema` and `filters` relate them to tables, columns and
values, `translator` picks a shape and `shapes` writes one module per question
shape, `accounting` refuses a question with a content word the SQL does not
place, `refusal` and `summary` speak the question's language (gettext), and
`client` puts it all behind the `LLMClient` interface.
"""

from chat.llm.offline.client import OfflineClient

__all__ = ["OfflineClient"]
