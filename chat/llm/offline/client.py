"""The offline `LLMClient`: deterministic SQL from the schema and template summaries, no model involved."""

from __future__ import annotations

import re

from chat.errors import OfflineUnsupported
from chat.llm.base import Completion, DeltaCallback, LLMRequest, SQLRequest, SummaryRequest, TablesRequest
from chat.llm.offline.summary import summarize
from chat.llm.offline.translator import Translator


class OfflineClient:
    """Answers the SQL, table-selection and summary requests from their structured inputs."""

    mode = "offline"
    can_repair = False

    def model_for(self, stage: str) -> str:
        return "offline"

    def complete(self, request: LLMRequest, *, on_delta: DeltaCallback | None = None) -> Completion:
        if isinstance(request, SQLRequest):
            sql = Translator(request.tables, request.engine).translate(request.question)
            return Completion(text=f"```sql\n{sql}\n```", model="offline")
        if isinstance(request, SummaryRequest):
            text = summarize(request.question, request.result)
            if on_delta:
                for piece in re.findall(r"\S+\s*", text):
                    on_delta(piece)
            return Completion(text=text, model="offline")
        if isinstance(request, TablesRequest):
            return Completion(text=", ".join(t.name for t in request.tables), model="offline")
        raise OfflineUnsupported()
