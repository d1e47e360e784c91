"""Writes: examples (checked on their datasource before they are saved), feedback on turns, and use counts."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.models import Message
from datasources import executor
from datasources.errors import GuardRejected, QueryFailed, QueryTimeout
from datasources.models import DataSource
from examples import embeddings
from examples.errors import ExampleSQLRefused, FeedbackNotAllowed, ImportInvalid
from examples.models import Example, TurnExamples, TurnFeedback
from examples.similarity import normalize

COMMENT_MAX_CHARS = 1000
IMPORT_MAX_LINES = 500


def question_max_chars() -> int:
    return settings.QUESTION_MAX_CHARS


def sql_max_chars() -> int:
    return settings.QUESTION_MAX_CHARS * 5


def example_check_sql(*, datasource: DataSource, sql: str, timeout: float | None = None) -> None:
    """Run `sql` through the guard and on the datasource (one row at most); refuse it with the database's reason.

    `DatasourceUnavailable` passes through: an unreachable database says nothing about the SQL.
    """
    try:
        executor.execute(datasource, sql, max_rows=1, timeout=timeout or settings.SQL_TIMEOUT_SECONDS)
    except (GuardRejected, QueryFailed, QueryTimeout) as exc:
        raise ExampleSQLRefused(exc.message, code=exc.code) from exc


def _embedding_fields(questions: list[str]) -> list[dict]:
    """`embedding`/`embedding_model` for each question, computed now when embeddings are on (empty otherwise)."""
    if not embeddings.enabled() or not questions:
        return [{} for _ in questions]
    try:
        vectors = embeddings.embed(questions)
    except embeddings.EmbeddingUnavailable:
        # Left empty; retrieval computes (and stores) it the first time it is needed.
        return [{"embedding": None, "embedding_model": ""} for _ in questions]
    return [{"embedding": vector, "embedding_model": embeddings.model_name()} for vector in vectors]


def _clean(text: str) -> str:
    return (text or "").replace("\x00", "").strip()


def example_create(
    *,
    owner,
    datasource: DataSource,
    question: str,
    sql: str,
    source: str = Example.Source.MANUAL,
    source_turn: Message | None = None,
) -> Example:
    """Save a verified example after its SQL passed the guard and ran on `datasource`."""
    question, sql = _clean(question), _clean(sql)
    example_check_sql(datasource=datasource, sql=sql)
    (fields,) = _embedding_fields([question])
    return Example.objects.create(
        owner=owner, datasource=datasource, question=question, sql=sql, source=source, source_turn=source_turn, **fields
    )


def example_update(*, example: Example, question: str | None = None, sql: str | None = None) -> Example:
    """Change an example's question and/or SQL; new SQL is checked on the datasource first."""
    changed = []
    if sql is not None and _clean(sql) != example.sql:
        example_check_sql(datasource=example.datasource, sql=_clean(sql))
        example.sql = _clean(sql)
        changed.append("sql")
    if question is not None and _clean(question) != example.question:
        example.question = _clean(question)
        (fields,) = _embedding_fields([example.question])
        for name, value in fields.items():
            setattr(example, name, value)
        changed += ["question", *fields]
    if changed:
        example.save(update_fields=[*changed, "updated_at"])
    return example


def example_delete(*, example: Example) -> None:
    """Delete an example (turns that used it keep its id in their record)."""
    example.delete()


# -- import / export -------------------------------------------------------------------------
@dataclass
class ImportLine:
    """One parsed line of an import: its number in the file and the pair it holds."""

    number: int
    question: str
    sql: str


def example_export_line(example: Example) -> dict:
    """One example as a JSON Lines record (what `examples_import` reads back)."""
    return {"question": example.question, "sql": example.sql, "source": example.source}


@dataclass
class ImportOutcome:
    """What an import saved, and how many lines it left out as already kept."""

    created: list[Example]
    skipped: int


def examples_import(*, owner, datasource: DataSource, lines: list[ImportLine]) -> ImportOutcome:
    """Save every pair of an import, each checked on the datasource; one bad line and nothing is saved.

    A pair the owner already keeps on the datasource (same question and SQL), or that
    appears twice in the file, is left out, so importing a file again adds nothing.
    """
    errors: dict[int, list[str]] = {}
    if len(lines) > IMPORT_MAX_LINES:
        raise ImportInvalid({0: [_("An import holds at most %(n)d lines.") % {"n": IMPORT_MAX_LINES}]})
    # One import gets the time of one statement in all, so a file of slow lines cannot hold a worker
    # for lines x SQL_TIMEOUT_SECONDS; lines left unchecked when it runs out are errors (nothing is saved).
    deadline = time.monotonic() + settings.SQL_TIMEOUT_SECONDS
    for line in lines:
        left = deadline - time.monotonic()
        if left <= 0:
            errors.setdefault(line.number, []).append(
                _("sql: not checked, the import ran out of time (%(seconds)g s for all lines).")
                % {"seconds": settings.SQL_TIMEOUT_SECONDS}
            )
            continue
        try:
            example_check_sql(datasource=datasource, sql=line.sql, timeout=left)
        except ExampleSQLRefused as exc:
            errors.setdefault(line.number, []).append(f"sql: {exc.message}")
    if errors:
        raise ImportInvalid(errors)
    kept = set(Example.objects.filter(owner=owner, datasource=datasource).values_list("question", "sql"))
    fresh: list[ImportLine] = []
    for line in lines:
        if (line.question, line.sql) not in kept:
            kept.add((line.question, line.sql))
            fresh.append(line)
    fields = _embedding_fields([line.question for line in fresh])
    with transaction.atomic():
        created = [
            Example.objects.create(
                owner=owner,
                datasource=datasource,
                question=line.question,
                sql=line.sql,
                source=Example.Source.IMPORT,
                **extra,
            )
            for line, extra in zip(fresh, fields, strict=True)
        ]
    return ImportOutcome(created=created, skipped=len(lines) - len(fresh))


# -- feedback ----------------------------------------------------------------------------------
def _example_from_turn(*, message: Message, owner) -> Example:
    """Create, or refresh, the example a thumbs-up on `message` stands for."""
    datasource = message.conversation.datasource
    question, sql = _clean(message.question), _clean(message.sql)
    example_check_sql(datasource=datasource, sql=sql)
    mine = Example.objects.filter(owner=owner, datasource=datasource)
    existing = mine.filter(source_turn=message).defer("embedding").first()
    if existing is None:
        # The same question asked again (any case or punctuation): refresh its example rather than add a twin.
        key = normalize(question)
        twin = next((pk for pk, text in mine.values_list("id", "question") if normalize(text) == key), None)
        existing = mine.defer("embedding").get(pk=twin) if twin else None
    if existing is None:
        (fields,) = _embedding_fields([question])
        return Example.objects.create(
            owner=owner,
            datasource=datasource,
            question=question,
            sql=sql,
            source=Example.Source.FEEDBACK,
            source_turn=message,
            **fields,
        )
    changes = {"sql": sql}
    if existing.source == Example.Source.FEEDBACK:
        # A feedback example belongs to the latest rating of its question.
        changes["source_turn"] = message
    for name, value in changes.items():
        setattr(existing, name, value)
    existing.save(update_fields=[*changes, "updated_at"])
    return existing


def _remove_created_example(message: Message) -> None:
    Example.objects.filter(source_turn=message, source=Example.Source.FEEDBACK).delete()


def feedback_set(*, message: Message, owner, rating: str, comment: str = "") -> TurnFeedback:
    """Rate one of `owner`'s turns; up saves (or refreshes) an example, down removes the one it saved."""
    comment = _clean(comment)[:COMMENT_MAX_CHARS]
    example = None
    if rating == TurnFeedback.Rating.UP:
        if message.status != Message.Status.OK or not message.sql.strip() or not message.question.strip():
            raise FeedbackNotAllowed()
        example = _example_from_turn(message=message, owner=owner)
    with transaction.atomic():
        if rating != TurnFeedback.Rating.UP:
            _remove_created_example(message)
        feedback, _created = TurnFeedback.objects.update_or_create(
            message=message, defaults={"rating": rating, "comment": comment, "example": example}
        )
    message.feedback = feedback
    return feedback


def feedback_withdraw(*, message: Message) -> None:
    """Withdraw the rating of a turn (if any) and the example it saved."""
    with transaction.atomic():
        _remove_created_example(message)
        TurnFeedback.objects.filter(message=message).delete()


# -- use ----------------------------------------------------------------------------------------
def turn_examples_record(*, message: Message, example_ids: list[int]) -> TurnExamples | None:
    """Store which examples a turn used and count the use on each of them."""
    if not example_ids:
        return None
    with transaction.atomic():
        record = TurnExamples.objects.create(message=message, example_ids=list(example_ids))
        Example.objects.filter(pk__in=example_ids).update(times_used=F("times_used") + 1, last_used_at=timezone.now())
    return record


def example_store_embeddings(*, vectors: dict[int, list[float]], model: str) -> None:
    """Keep embeddings computed at retrieval time, so each is computed once."""
    for pk, vector in vectors.items():
        Example.objects.filter(pk=pk).update(embedding=vector, embedding_model=model)
