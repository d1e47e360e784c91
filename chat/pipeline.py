"""The answer pipeline: build_context → generate_sql → execute (guarded) → repair → summarize.

`run_turn` takes a stored `pending` turn and fills it in; every outcome, good or
bad, ends saved on the turn with a status and an error code. `answer_turn` does
the same work without saving, for an unsaved turn too (nothing is written). `emit`, when given,
receives the streaming events (`stage`, `sql`, `result`, `summary`) as they happen.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils.translation import gettext_lazy as _

from chat import prompts, storage
from chat.errors import LLMError, TurnDiscarded
from chat.language import is_korean
from chat.llm import Completion, LLMClient, LLMRequest, SQLRequest, SummaryRequest, TablesRequest, get_client
from chat.models import Message
from chat.replies import ThinkingFilter, parse_sql, parse_tables, strip_thinking
from chat.schema_context import TableInfo, dialect_name, load_schema, render_schema, table_summary, with_referenced
from datasources import executor
from datasources.errors import DatasourceError, GuardRejected, QueryFailed
from examples import retrieval, turns

logger = logging.getLogger(__name__)

Emit = Callable[[str, dict], None]
SERVER_ERROR_MESSAGE = _("Something went wrong on our side. Please try again.")


def _no_emit(event: str, data: dict) -> None:
    """Default `emit`: nobody is listening."""


@dataclass
class Tally:
    """What one turn cost: LLM and database time, tokens and SQL attempts."""

    llm_ms: int = 0
    db_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0

    def add(self, completion: Completion) -> Completion:
        self.llm_ms += completion.elapsed_ms
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        return completion


@dataclass
class Context:
    """Everything the SQL stage needs: the (selected) schema and the conversation so far."""

    engine: str
    tables: list[TableInfo]
    schema: str
    history: str = ""
    examples: str = ""
    every_table: list[TableInfo] = field(default_factory=list)


def _ask(client: LLMClient, request: LLMRequest, tally: Tally, on_delta=None) -> Completion:
    """One LLM call, timed and counted even when it fails."""
    started = time.monotonic()
    try:
        return tally.add(client.complete(request, on_delta=on_delta))
    except LLMError:
        tally.llm_ms += int((time.monotonic() - started) * 1000)
        raise


# -- steps ----------------------------------------------------------------------------------
def select_tables(client: LLMClient, question: str, tables: list[TableInfo], tally: Tally) -> list[TableInfo]:
    """Ask the model which tables matter when the schema is too large to send whole."""
    limit = settings.LLM_SCHEMA_MAX_TABLES
    listing = "\n".join(prompts.TABLE_LINE.format(name=t.name, detail=table_summary(t)) for t in tables)
    messages = [
        {"role": "system", "content": prompts.TABLES_SYSTEM.format(max_tables=limit)},
        {
            "role": "user",
            "content": prompts.TABLES_USER.format(
                tables=listing, question_heading=prompts.QUESTION_HEADING, question=question
            ),
        },
    ]
    request = TablesRequest(stage=prompts.STAGE_TABLES, messages=messages, question=question, tables=tables)
    names = set(parse_tables(_ask(client, request, tally).text, [t.name for t in tables]))
    picked = [t for t in tables if t.name in names][:limit]
    if not picked:
        return tables[:limit]
    return with_referenced(picked, tables, limit)


def history_lines(message: Message) -> str:
    """The last `LLM_HISTORY_TURNS` turns (question + SQL) before `message`, oldest first."""
    turns = settings.LLM_HISTORY_TURNS
    if turns <= 0 or message.pk is None or message.conversation.message_count <= 1:
        return ""  # nothing before this turn: its conversation counts only this one (chat.services.message_start)
    earlier = (
        Message.objects.filter(conversation_id=message.conversation_id, id__lt=message.id)
        .exclude(sql="")
        .order_by("-id")
        .values_list("question", "sql")[:turns]
    )
    lines = [
        prompts.HISTORY_TURN.format(
            question=" ".join((question or prompts.HISTORY_DIRECT_SQL).split()), sql=" ".join(sql.split())
        )
        for question, sql in reversed(list(earlier))
    ]
    return prompts.HISTORY_HEADING + "\n" + "".join(lines) + "\n" if lines else ""


def build_context(client: LLMClient, message: Message, question: str, tally: Tally) -> Context:
    """The schema (narrowed by table selection when large) and the recent turns."""
    datasource = message.conversation.datasource
    every = load_schema(datasource)
    tables = every
    if client.mode != "offline" and len(every) > settings.LLM_SCHEMA_MAX_TABLES:
        tables = select_tables(client, question, every, tally)
    return Context(
        engine=datasource.engine,
        tables=tables,
        schema=render_schema(tables, datasource.engine),
        history=history_lines(message),
        every_table=every,
    )


def sql_messages(context: Context, question: str) -> list[dict]:
    """The SQL stage's chat messages."""
    return [
        {"role": "system", "content": prompts.SQL_SYSTEM.format(dialect=dialect_name(context.engine))},
        {
            "role": "user",
            "content": prompts.SQL_USER.format(
                schema_heading=prompts.SCHEMA_HEADING,
                schema=context.schema,
                history=context.history,
                examples=context.examples,
                question_heading=prompts.QUESTION_HEADING,
                question=question,
            ),
        },
    ]


def generate_sql(client: LLMClient, context: Context, question: str, tally: Tally) -> str:
    """Ask for one query and parse it out of the reply."""
    request = SQLRequest(
        stage=prompts.STAGE_SQL,
        messages=sql_messages(context, question),
        question=question,
        engine=context.engine,
        tables=context.tables,
    )
    return parse_sql(_ask(client, request, tally).text)


def repair_sql(client: LLMClient, context: Context, question: str, failed_sql: str, error: str, tally: Tally) -> str:
    """Send the database's complaint back with the failed query and ask for a fix."""
    first = sql_messages(context, question)
    messages = [
        {"role": "system", "content": prompts.REPAIR_SYSTEM.format(dialect=dialect_name(context.engine))},
        first[1],
        {"role": "assistant", "content": f"```sql\n{failed_sql}\n```"},
        {
            "role": "user",
            "content": prompts.REPAIR_USER.format(
                error=error, question_heading=prompts.QUESTION_HEADING, question=question
            ),
        },
    ]
    request = SQLRequest(
        stage=prompts.STAGE_REPAIR, messages=messages, question=question, engine=context.engine, tables=context.tables
    )
    return parse_sql(_ask(client, request, tally).text)


def execute(message: Message, sql: str, tally: Tally) -> executor.QueryResult:
    """Run `sql` through the datasource executor (guard, read-only, row cap, timeout)."""
    started = time.monotonic()
    try:
        return executor.execute(
            message.conversation.datasource,
            sql,
            max_rows=settings.RESULT_MAX_ROWS,
            timeout=settings.SQL_TIMEOUT_SECONDS,
        )
    finally:
        tally.db_ms += int((time.monotonic() - started) * 1000)


def execute_with_repair(
    client: LLMClient, message: Message, context: Context, question: str, sql: str, tally: Tally, emit: Emit
) -> executor.QueryResult:
    """Execute, and on a database error ask the model for a fix, up to `LLM_MAX_ATTEMPTS` in all."""
    while True:
        try:
            return execute(message, sql, tally)
        except QueryFailed as exc:
            if not client.can_repair or tally.attempts >= settings.LLM_MAX_ATTEMPTS:
                raise
            tally.attempts += 1
            emit("stage", {"stage": "sql"})
            sql = repair_sql(client, context, question, sql, exc.message, tally)
            message.sql = sql
            emit("sql", {"sql": sql})
            emit("stage", {"stage": "execute"})


SUMMARY_CELL_MAX_CHARS = 200


def _compact(row: list) -> list:
    """A row for the summary prompt, long text cut short so a few wide rows cannot crowd out the question."""
    limit = SUMMARY_CELL_MAX_CHARS
    return [value[:limit] + "…" if isinstance(value, str) and len(value) > limit else value for value in row]


def summary_messages(question: str, result: executor.QueryResult) -> list[dict]:
    """The summary stage's messages: columns, counts and at most `LLM_SUMMARY_MAX_ROWS` rows."""
    shown = result.rows[: max(settings.LLM_SUMMARY_MAX_ROWS, 0)]
    if shown:
        rows = prompts.SUMMARY_ROWS_SHOWN.format(
            shown=len(shown),
            row_count=result.row_count,
            rows="\n".join(json.dumps(_compact(row), ensure_ascii=False, default=str) for row in shown),
        )
    else:
        rows = prompts.SUMMARY_NO_ROWS
    language = prompts.LANGUAGE_KOREAN if is_korean(question) else prompts.LANGUAGE_SAME
    return [
        {"role": "system", "content": prompts.SUMMARY_SYSTEM.format(language=language)},
        {
            "role": "user",
            "content": prompts.SUMMARY_USER.format(
                result_heading=prompts.RESULT_HEADING,
                columns=", ".join(result.columns),
                row_count_label=prompts.ROW_COUNT_LABEL,
                row_count=result.row_count,
                truncated=prompts.SUMMARY_TRUNCATED if result.truncated else "",
                rows=rows,
                question_heading=prompts.QUESTION_HEADING,
                question=question,
            ),
        },
    ]


def summarize(
    client: LLMClient, question: str, result: executor.QueryResult, tally: Tally, emit: Emit, streaming: bool
) -> str:
    """Explain the result in the question's language, streaming deltas when someone listens."""
    request = SummaryRequest(
        stage=prompts.STAGE_SUMMARY, messages=summary_messages(question, result), question=question, result=result
    )
    if not streaming:
        return strip_thinking(_ask(client, request, tally).text)
    thinking = ThinkingFilter()

    def send(text: str) -> None:
        if text:
            emit("summary", {"delta": text})

    reply = _ask(client, request, tally, on_delta=lambda delta: send(thinking.feed(delta)))
    send(thinking.flush())
    return strip_thinking(reply.text)


# -- the whole turn --------------------------------------------------------------------------
def _store_result(message: Message, result: executor.QueryResult) -> executor.QueryResult:
    """Keep what the turn may store of `result`; the user, the summary and the history all see just that."""
    kept = storage.fit_result(
        list(result.columns), [list(row) for row in result.rows], owner_id=message.conversation.owner_id
    )
    message.columns = kept.columns
    message.rows = kept.rows
    message.row_count = len(message.rows)
    message.truncated = bool(result.truncated) or kept.cut
    message.stored_truncated = kept.cut
    if not kept.cut:
        return result
    return dataclasses.replace(
        result, columns=message.columns, rows=message.rows, row_count=message.row_count, truncated=True
    )


def _fail(message: Message, status: str, code: str, text: str) -> None:
    message.status = status
    message.error_code = code
    message.error_message = text


def run_turn(
    message: Message, *, question: str, sql: str = "", summarize_result: bool = True, emit: Emit | None = None
) -> Message:
    """Answer `question` (or run `sql` as typed) for a stored pending turn, and save the outcome on it."""
    try:
        answer_turn(message, question=question, sql=sql, summarize_result=summarize_result, emit=emit)
    except Exception:
        _finish(message)
        raise
    _finish(message)
    return message


def answer_turn(
    message: Message, *, question: str, sql: str = "", summarize_result: bool = True, emit: Emit | None = None
) -> Message:
    """Fill `message` in with the answer to `question` (or `sql`) without saving anything.

    `message` may be unsaved, with an unsaved conversation that only names the datasource:
    then no history is read and nothing is written (the evaluate command asks this way).
    """
    started = time.monotonic()
    streaming = emit is not None
    emit = emit or _no_emit
    tally = Tally()
    client = get_client()
    learned = None
    try:
        if sql:
            tally.attempts = 1
            message.sql = sql
            emit("stage", {"stage": "execute"})
            result = execute(message, sql, tally)
        else:
            message.model = client.model_for(prompts.STAGE_SQL)
            emit("stage", {"stage": "sql"})
            context = build_context(client, message, question, tally)
            learned = retrieval.for_question(
                owner_id=message.conversation.owner_id,
                datasource_id=message.conversation.datasource_id,
                question=question,
                offline=client.mode == "offline",
            )
            context.examples = retrieval.prompt_block(learned.examples)
            tally.attempts = 1
            if learned.reused is not None:
                # Offline: a question the user taught is answered with the SQL they verified.
                message.model = retrieval.REUSE_MODEL
                message.sql = learned.reused.sql
            else:
                message.sql = generate_sql(client, context, question, tally)
            emit("sql", {"sql": message.sql})
            emit("stage", {"stage": "execute"})
            result = execute_with_repair(client, message, context, question, message.sql, tally, emit)
        result = _store_result(message, result)
        emit(
            "result",
            {
                "columns": message.columns,
                "rows": message.rows,
                "row_count": message.row_count,
                "truncated": message.truncated,
                "stored_truncated": message.stored_truncated,
            },
        )
        if summarize_result:
            emit("stage", {"stage": "summary"})
            summary_question = question or prompts.DIRECT_SQL_QUESTION.format(sql=sql)
            message.summary = summarize(client, summary_question, result, tally, emit, streaming)
        message.status = Message.Status.OK
    except GuardRejected as exc:
        _fail(message, Message.Status.REJECTED, exc.code, exc.message)
    except (DatasourceError, LLMError) as exc:
        _fail(message, Message.Status.ERROR, exc.code, exc.message)
    except Exception:
        # Not a known failure: mark the turn failed so it is not left pending, then let it surface.
        logger.exception("Turn %s failed unexpectedly", message.pk)
        _fail(message, Message.Status.ERROR, "server_error", SERVER_ERROR_MESSAGE)
        _record(message, tally, started)
        raise
    _record(message, tally, started)
    # Not a column: `_finish` stores it with the turn (examples.models.TurnExamples).
    message.examples_used_ids = learned.ids if learned is not None else []
    return message


def _record(message: Message, tally: Tally, started: float) -> None:
    """What the turn cost, onto the turn."""
    message.attempts = tally.attempts
    message.prompt_tokens = tally.prompt_tokens
    message.completion_tokens = tally.completion_tokens
    message.llm_ms = tally.llm_ms
    message.db_ms = tally.db_ms
    message.total_ms = int((time.monotonic() - started) * 1000)


# Text a model or a database produced, cut to its column and cleaned of NUL (PostgreSQL refuses it).
_TEXT_FIELDS = {
    "sql": None,
    "summary": None,
    "error_message": None,
    "model": Message._meta.get_field("model").max_length,
}


def _storable(text: str, max_length: int | None) -> str:
    text = (text or "").replace("\x00", "\ufffd")
    return text[:max_length] if max_length else text


def _finish(message: Message) -> None:
    """Save the outcome (and the examples it used) onto the stored turn; never insert it again if it was deleted."""
    for name, max_length in _TEXT_FIELDS.items():
        setattr(message, name, _storable(getattr(message, name), max_length))
    storage.record_turn(message)
    try:
        with transaction.atomic():
            message.save(force_update=True)
            storage.count_turn(message)
            turns.remember_examples_used(message, list(getattr(message, "examples_used_ids", ())))
    except DatabaseError as exc:
        if not Message.objects.filter(pk=message.pk).exists():
            raise TurnDiscarded() from exc
        # The outcome itself could not be stored: keep the turn, as failed, rather than pending,
        # and answer with exactly what is stored (no result).
        logger.exception("Turn %s: could not store its outcome", message.pk)
        _fail(message, Message.Status.ERROR, "server_error", SERVER_ERROR_MESSAGE)
        message.columns, message.rows, message.row_count, message.truncated = [], [], 0, False
        Message.objects.filter(pk=message.pk).update(
            status=message.status, error_code=message.error_code, error_message=message.error_message
        )
