"""Reads of conversations and turns, always scoped to the requesting user."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404

from chat.models import Conversation, Message
from examples.turns import TURN_RELATED


def conversation_list(*, user, search: str = "") -> QuerySet[Conversation]:
    """The user's conversations, newest activity first (each carries its message count and last question)."""
    queryset = Conversation.objects.filter(owner=user)
    search = (search or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a pattern
    if search:
        matching = Message.objects.filter(question__icontains=search).values("conversation_id")
        queryset = queryset.filter(Q(title__icontains=search) | Q(pk__in=matching))
    # The datasource's name only (serializers.conversation_data), not a DataSource built per row.
    return queryset.annotate(datasource_name=F("datasource__name")).order_by("-updated_at", "-id")


def conversation_get(*, user, pk) -> Conversation:
    """One of the user's conversations, or 404."""
    return get_object_or_404(conversation_list(user=user), pk=pk)


def conversation_for_update(*, user, pk) -> Conversation:
    """One of the user's conversations with its datasource, or 404."""
    return get_object_or_404(Conversation.objects.select_related("datasource").filter(owner=user), pk=pk)


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    """The turns of a conversation the caller already owns, oldest first.

    Read through the conversation, so each turn holds the conversation as loaded (not joined again).
    """
    return conversation.messages.select_related(*TURN_RELATED).order_by("created_at", "id")


# Text a list item shows of a turn's question, SQL, summary and error; the turn itself has it whole.
LIST_TEXT_CHARS = 500


def message_list_previews(*, conversation: Conversation) -> QuerySet[Message]:
    """The turns of a conversation for a list page: stored result and long texts left in the database.

    Each turn carries its `result_preview` and the first `LIST_TEXT_CHARS` + 1 characters of its SQL,
    summary and error (`sql_head`, `summary_head`, `error_message_head`), so a page costs the same
    whatever the turns hold.
    """
    head = LIST_TEXT_CHARS + 1
    return (
        message_list(conversation=conversation)
        .defer("columns", "rows", "sql", "summary", "error_message")
        .annotate(
            sql_head=Substr("sql", 1, head),
            summary_head=Substr("summary", 1, head),
            error_message_head=Substr("error_message", 1, head),
        )
    )


def message_get(*, user, pk) -> Message:
    """One of the user's turns, or 404."""
    return get_object_or_404(
        Message.objects.select_related("conversation", *TURN_RELATED).filter(conversation__owner=user), pk=pk
    )
