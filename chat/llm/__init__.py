"""Language models behind one small interface (`chat.llm.base`): an OpenAI-compatible client or offline mode.

`get_client()` picks the implementation from `settings.LLM_PROVIDER` at call time:
`OpenAIClient` (the official SDK against `OPENAI_BASE_URL`) or `OfflineClient`
(a deterministic translator that reads only the schema).
"""

from django.conf import settings

from chat.llm.base import Completion, DeltaCallback, LLMClient, LLMRequest, SQLRequest, SummaryRequest, TablesRequest
from chat.llm.offline import OfflineClient
from chat.llm.openai_client import OpenAIClient

__all__ = [
    "Completion",
    "DeltaCallback",
    "LLMClient",
    "LLMRequest",
    "OfflineClient",
    "OpenAIClient",
    "SQLRequest",
    "SummaryRequest",
    "TablesRequest",
    "get_client",
]


def get_client() -> LLMClient:
    """The client for the configured provider (read at call time; tests change settings)."""
    if settings.LLM_PROVIDER == "openai":
        return OpenAIClient()
    return OfflineClient()
