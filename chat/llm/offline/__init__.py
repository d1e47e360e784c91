"""Offline mode: a deterministic, schema-driven question-to-SQL translator and template summaries.

`question` reads a question's words, `vocabulary` holds the words and phrase
patterns it knows, `schema` and `filters` relate them to tables, columns and
values, `shapes` writes one module per question shape, `summary` explains a
result, and `client` puts it behind the `LLMClient` interface.
"""

from chat.llm.offline.client import OfflineClient

__all__ = ["OfflineClient"]
