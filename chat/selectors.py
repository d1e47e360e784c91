"""Reads of conversations and turns, always scoped to the requesting user."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from chat.models import Conversation, Message


def conversation_list(*, user, search: str = "") -> QuerySet[Conversation]:
    """The user's conversations, newest activity first, with message count and last question annotated.

    Both annotations are correlated subqueries rather than a JOIN with GROUP BY: the page query then
    walks the (owner, -updated_at, -id) index and stops at the page's LIMIT, and the paginator's
    COUNT drops them altogether, so a long history costs no more per page than a short one.
    """
    turns = Message.objects.filter(conversation=OuterRef("pk")).order_by().values("conversation")
    message_count = turns.annotate(n=Count("pk")).values("n")
    last_question = (
        Message.objects.filter(conversation=OuterRef("pk")).exclude(question="").order_by("-id").values("question")[:1]
    )
    queryset = Conversation.objects.filter(owner=user)
    search = (search or "").strip()
    if search:
        matching = Message.objects.filter(question__icontains=search).values("conversation_id")
        queryset = queryset.filter(Q(title__icontains=search) | Q(pk__in=matching))
    return (
        queryset.select_related("datasource")
        .annotate(
            message_count=Coalesce(Subquery(message_count, output_field=IntegerField()), 0),
            last_question=Subquery(last_question),
        )
        .order_by("-updated_at", "-id")
    )


def conversation_get(*, user, pk) -> Conversation:
    """One of the user's conversations (annotated like the list), or 404."""
    return get_object_or_404(conversation_list(user=user), pk=pk)


def conversation_for_update(*, user, pk) -> Conversation:
    """One of the user's conversations, plain, or 404."""
    return get_object_or_404(Conversation.objects.select_related("datasource").filter(owner=user), pk=pk)


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    """The turns of a conversation the caller already owns, oldest first."""
    return Message.objects.filter(conversation=conversation).order_by("created_at", "id")


def message_get(*, user, pk) -> Message:
    """One of the user's turns, or 404."""
    return get_object_or_404(Message.objects.select_related("conversation").filter(conversation__owner=user), pk=pk)
