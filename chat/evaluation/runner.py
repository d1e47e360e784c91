"""Ask evaluation questions through the answer pipeline, run their gold SQL, and class each answer.

A question is asked exactly as an ask would be (`chat.pipeline.answer_turn`),
on an unsaved turn of an unsaved conversation: no history is read and nothing
is written. The gold SQL runs through the same guarded executor with the same
row cap, then the two results are compared (`chat.evaluation.compare`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass

from django.conf import settings

from chat.evaluation.compare import orders_and_limits, same_result
from chat.evaluation.questions import EvalQuestion
from chat.models import Conversation, Message
from chat.pipeline import answer_turn
from datasources import executor
from datasources.errors import DatasourceError
from datasources.models import DataSource
from examples import retrieval

logger = logging.getLogger(__name__)

CORRECT, WRONG, REFUSED, ERROR = "correct", "wrong", "refused", "error"
CLASSES = (CORRECT, WRONG, REFUSED, ERROR)
# A refusal says "I cannot answer that": offline mode's, or the guard's refusal of the SQL written.
REFUSAL_CODES = {"offline_unsupported", "sql_rejected"}


@dataclass
class Outcome:
    """How one question went: its class, what was predicted and what it cost."""

    question: str
    lang: str
    supported: bool | None
    gold_sql: str
    outcome: str = ERROR
    predicted_sql: str = ""
    code: str = ""
    message: str = ""
    model: str = ""
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    gold_row_count: int | None = None
    predicted_row_count: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _classify(turn: Message, gold: executor.QueryResult, gold_sql: str, engine: str) -> tuple[str, str, str]:
    """(class, code, message) of an answered turn against the gold result."""
    if turn.status == Message.Status.OK:
        if turn.truncated or gold.truncated:
            return ERROR, "result_truncated", "A result reached the row cap, so the two cannot be compared whole."
        ordered = orders_and_limits(gold_sql, engine)
        if same_result(gold.rows, turn.rows, ordered=ordered):
            return CORRECT, "", ""
        return WRONG, "different_result", f"{turn.row_count} row(s) where the gold SQL gives {gold.row_count}."
    if turn.status == Message.Status.REJECTED or turn.error_code in REFUSAL_CODES:
        return REFUSED, turn.error_code, turn.error_message
    return ERROR, turn.error_code, turn.error_message


def evaluate_question(datasource: DataSource, item: EvalQuestion, *, summarize: bool = True) -> Outcome:
    """Ask `item` of `datasource` and class the answer against its gold SQL."""
    outcome = Outcome(question=item.question, lang=item.lang, supported=item.supported, gold_sql=item.sql)
    try:
        gold = executor.execute(
            datasource, item.sql, max_rows=settings.RESULT_MAX_ROWS, timeout=settings.SQL_TIMEOUT_SECONDS
        )
    except DatasourceError as exc:
        outcome.code, outcome.message = "gold_failed", f"The gold SQL failed: {exc.message}"
        return outcome
    outcome.gold_row_count = gold.row_count
    turn = Message(conversation=Conversation(datasource=datasource, owner_id=item.owner_id), question=item.question)
    try:
        with retrieval.leaving_out(item.example_id):
            answer_turn(turn, question=item.question, summarize_result=summarize)
    except Exception:  # noqa: BLE001 - one failing question must not end the run; the turn says server_error
        logger.info("Evaluation question failed unexpectedly: %s", item.question)
    outcome.predicted_sql = turn.sql
    outcome.model = turn.model
    outcome.latency_ms = turn.total_ms
    outcome.prompt_tokens, outcome.completion_tokens = turn.prompt_tokens, turn.completion_tokens
    if turn.status == Message.Status.OK:
        outcome.predicted_row_count = turn.row_count
    outcome.outcome, outcome.code, outcome.message = _classify(turn, gold, item.sql, datasource.engine)
    return outcome


def evaluate(
    datasource: DataSource,
    questions: Iterable[EvalQuestion],
    *,
    summarize: bool = True,
    on_progress: Callable[[int, Outcome], None] | None = None,
) -> list[Outcome]:
    """Every question's outcome, in order; `on_progress(done, outcome)` after each."""
    outcomes = []
    for item in questions:
        outcomes.append(evaluate_question(datasource, item, summarize=summarize))
        if on_progress:
            on_progress(len(outcomes), outcomes[-1])
    return outcomes
