"""The one small interface the pipeline uses to ask a language model, and the requests it sends.

A request is the stage and the chat messages a model reads; nothing else. Each
stage's request type adds the structured inputs those messages were rendered
from (the question, the schema, the result), so a client that does not read
prose, the offline translator, works from the same facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from chat.schema_context import TableInfo
from datasources.executor import QueryResult

DeltaCallback = Callable[[str], None]


@dataclass
class LLMRequest:
    """One stage's request: the stage name and the chat messages."""

    stage: str
    messages: list[dict]


@dataclass
class SQLRequest(LLMRequest):
    """Write (or repair) one query: the messages plus the schema they describe."""

    question: str = ""
    engine: str = "sqlite"
    tables: list[TableInfo] = field(default_factory=list)


@dataclass
class TablesRequest(LLMRequest):
    """Pick the tables that matter from a schema too large to send whole."""

    question: str = ""
    tables: list[TableInfo] = field(default_factory=list)


@dataclass
class SummaryRequest(LLMRequest):
    """Explain a result in the question's language."""

    question: str = ""
    result: QueryResult | None = None


@dataclass
class Completion:
    """The model's reply to one request, with what it cost."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed_ms: int = 0


class LLMClient(Protocol):
    """What the pipeline needs from a language model."""

    mode: str
    can_repair: bool

    def model_for(self, stage: str) -> str:
        """The model name used for `stage`."""

    def complete(self, request: LLMRequest, *, on_delta: DeltaCallback | None = None) -> Completion:
        """Answer one request; with `on_delta`, pass text pieces on as they arrive."""
