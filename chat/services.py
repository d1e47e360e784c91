"""Writes: conversations, turns, and asking a question."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from chat import storage
from chat.models import Conversation, Message
from chat.pipeline import Emit, run_turn
from datasources.models import DataSource

TITLE_MAX_CHARS = 100


def default_title(text: str) -> str:
    """A conversation title from its first question: one line, trimmed."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= TITLE_MAX_CHARS else flat[: TITLE_MAX_CHARS - 1].rstrip() + "…"


def _clean_title(title: str) -> str:
    return " ".join((title or "").split())[: Conversation._meta.get_field("title").max_length]


def conversation_create(*, owner, datasource: DataSource, title: str = "") -> Conversation:
    """Start a conversation about `datasource` (the caller has checked the user may use it)."""
    return Conversation.objects.create(owner=owner, datasource=datasource, title=_clean_title(title))


def conversation_update(*, conversation: Conversation, title: str) -> Conversation:
    """Rename a conversation."""
    conversation.title = _clean_title(title)
    conversation.save(update_fields=["title"])
    return conversation


def conversation_delete(*, conversation: Conversation) -> None:
    """Delete a conversation and its turns."""
    conversation.delete()


def conversation_delete_all(*, owner) -> int:
    """Delete every conversation of `owner`; returns how many there were."""
    _, per_model = Conversation.objects.filter(owner=owner).delete()
    return per_model.get(Conversation._meta.label, 0)


def message_start(*, conversation: Conversation, question: str = "", sql: str = "") -> Message:
    """Store a new `pending` turn, move the conversation's activity time, and title it if untitled.

    Refused with `StorageQuotaExceeded` (nothing stored) when the owner's history is full.
    """
    storage.ensure_room(owner_id=conversation.owner_id)
    now = timezone.now()
    with transaction.atomic():
        message = Message.objects.create(conversation=conversation, question=question, sql=sql)
        changes = {"updated_at": now}
        if question:
            changes["last_question"] = question
        if not conversation.title:
            changes["title"] = default_title(question or sql)
        Conversation.objects.filter(pk=conversation.pk).update(message_count=F("message_count") + 1, **changes)
    for name, value in changes.items():
        setattr(conversation, name, value)
    conversation.message_count += 1
    message.conversation = conversation
    return message


INTERRUPTED_MESSAGE = "This answer was cut off before it finished (the server restarted). Please ask again."


def turns_settle_abandoned(messages) -> None:
    """Mark the `pending` turns among `messages` that started over `TURN_ABANDONED_AFTER` ago as failed.

    A turn is saved `pending` before it runs; if the process running it dies (a restart, harakiri)
    nothing else would ever finish it. Costs no query unless such a turn is on hand.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.TURN_ABANDONED_AFTER)
    stale = [m for m in messages if m.status == Message.Status.PENDING and m.created_at < cutoff]
    if not stale:
        return
    fields = {"status": Message.Status.ERROR, "error_code": "interrupted", "error_message": INTERRUPTED_MESSAGE}
    Message.objects.filter(pk__in=[m.pk for m in stale], status=Message.Status.PENDING).update(**fields)
    for message in stale:
        for name, value in fields.items():
            setattr(message, name, value)


def message_ask(
    *, conversation: Conversation, question: str = "", sql: str = "", summarize: bool = True, emit: Emit | None = None
) -> Message:
    """Ask a question (or run SQL as typed) in a conversation; the turn is stored whatever happens."""
    message = message_start(conversation=conversation, question=question, sql=sql)
    return run_turn(message, question=question, sql=sql, summarize_result=summarize, emit=emit)


def message_delete(*, message: Message) -> None:
    """Delete one turn."""
    messages_delete(Message.objects.filter(pk=message.pk))


def messages_delete(messages) -> int:
    """Delete the turns in the queryset `messages` and recount their conversations; returns how many went."""
    with transaction.atomic():
        conversation_ids = set(messages.values_list("conversation_id", flat=True))
        deleted, _ = messages.delete()
        conversation_recount(Conversation.objects.filter(pk__in=conversation_ids))
    return deleted


def conversation_recount(conversations) -> None:
    """Set `message_count`, `last_question` and `stored_bytes` of the queryset `conversations` from their turns."""
    turns = Message.objects.filter(conversation=OuterRef("pk")).order_by()
    count = turns.values("conversation").annotate(n=Count("pk")).values("n")
    last = turns.exclude(question="").order_by("-id").values("question")[:1]
    stored = turns.values("conversation").annotate(n=Sum("stored_bytes")).values("n")
    conversations.update(
        message_count=Coalesce(Subquery(count), 0),
        last_question=Coalesce(Subquery(last), Value("")),
        stored_bytes=Coalesce(Subquery(stored), 0),
    )
