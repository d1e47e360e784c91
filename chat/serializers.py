"""Input validation and output shapes for conversations and turns (DESIGN.md §3.5)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils.translation import gettext
from rest_framework import serializers

from chat.models import Conversation, Message
from chat.selectors import LIST_TEXT_CHARS
from chatAPI.links import link
from examples.turns import turn_learning_data, turn_learning_links


class ConversationCreateSerializer(serializers.Serializer):
    """`{datasource, title?}`."""

    datasource = serializers.IntegerField(min_value=1)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class ConversationUpdateSerializer(serializers.Serializer):
    """`{title}`."""

    title = serializers.CharField(allow_blank=False, max_length=200, trim_whitespace=True)


class AskSerializer(serializers.Serializer):
    """`{"question": ...}` or `{"sql": ...}`, optional `summarize`."""

    question = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True, default="")
    sql = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True, default="")
    summarize = serializers.BooleanField(required=False, default=True)

    def validate_question(self, value: str) -> str:
        limit = settings.QUESTION_MAX_CHARS
        if len(value) > limit:
            raise serializers.ValidationError(
                gettext("A question can be at most %(limit)d characters long.") % {"limit": limit}, code="too_long"
            )
        return value

    def validate_sql(self, value: str) -> str:
        limit = settings.QUESTION_MAX_CHARS * 5
        if len(value) > limit:
            raise serializers.ValidationError(
                gettext("SQL can be at most %(limit)d characters long.") % {"limit": limit}, code="too_long"
            )
        return value

    def validate(self, attrs):
        if not attrs.get("question") and not attrs.get("sql"):
            raise serializers.ValidationError(
                {"question": ["Ask a question (or send SQL to run directly)."]}, code="required"
            )
        return attrs


class OneShotSerializer(AskSerializer):
    """`{question, datasource, conversation?}` for `POST /api/chat/`."""

    datasource = serializers.IntegerField(min_value=1, required=False)
    conversation = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if not attrs.get("datasource") and not attrs.get("conversation"):
            raise serializers.ValidationError(
                {"datasource": ["Choose a datasource (or continue a conversation)."]}, code="required"
            )
        return attrs


def _timestamp(value: datetime.datetime | None) -> str | None:
    """An aware timestamp as DRF writes it under `TIME_ZONE = "UTC"` (`...Z`), minus DRF's per-call lookups."""
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def conversation_links(request, conversation: Conversation) -> list:
    kwargs = {"pk": conversation.pk}
    return [
        link(request, "self", "This conversation", "conversation-detail", kwargs=kwargs),
        link(request, "update", "Rename it (title)", "conversation-detail", kwargs=kwargs, method="PATCH"),
        link(request, "delete", "Delete it and its messages", "conversation-detail", kwargs=kwargs, method="DELETE"),
        link(request, "messages", "Its messages, oldest first", "conversation-messages", kwargs=kwargs),
        link(request, "ask", "Ask a question here", "conversation-messages", kwargs=kwargs, method="POST"),
        link(
            request,
            "datasource",
            "The database it asks",
            "datasource-detail",
            kwargs={"pk": conversation.datasource_id},
        ),
    ]


def conversation_data(request, conversation: Conversation) -> dict:
    """A conversation as the API shows it (needs `selectors.conversation_list`'s annotations)."""
    return {
        "id": conversation.pk,
        "title": conversation.title,
        "datasource": {"id": conversation.datasource_id, "name": conversation.datasource_name},
        "message_count": getattr(conversation, "message_count", 0),
        "last_question": getattr(conversation, "last_question", None) or "",
        "created_at": _timestamp(conversation.created_at),
        "updated_at": _timestamp(conversation.updated_at),
        "_links": conversation_links(request, conversation),
    }


def message_links(request, message: Message) -> list:
    kwargs = {"pk": message.pk}
    return [
        link(request, "self", "This turn", "message-detail", kwargs=kwargs),
        link(
            request, "conversation", "Its conversation", "conversation-detail", kwargs={"pk": message.conversation_id}
        ),
        link(request, "csv", "The result as CSV", "message-csv", kwargs=kwargs),
        link(request, "delete", "Delete this turn", "message-detail", kwargs=kwargs, method="DELETE"),
        *turn_learning_links(request, message),
    ]


def message_data(request, message: Message) -> dict:
    """One turn as the API shows it."""
    error = None
    if message.error_code:
        error = {"code": message.error_code, "message": message.error_message}
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "question": message.question,
        "sql": message.sql,
        "status": message.status,
        "error": error,
        "result": {
            "columns": message.columns,
            "rows": message.rows,
            "row_count": message.row_count,
            "truncated": message.truncated,
            "stored_truncated": message.stored_truncated,
        },
        "summary": message.summary,
        "model": message.model,
        "attempts": message.attempts,
        "timings": {"llm_ms": message.llm_ms, "db_ms": message.db_ms, "total_ms": message.total_ms},
        "created_at": _timestamp(message.created_at),
        "preview": False,
        **turn_learning_data(message),
        "_links": message_links(request, message),
    }


def _list_text(message: Message, name: str) -> tuple[str, bool]:
    """A text as list pages show it, and whether it was cut.

    It comes from the selector's `<name>_head` unless the whole text is on hand (set since it was read).
    """
    loaded = name not in message.get_deferred_fields()
    head = (getattr(message, name) if loaded else getattr(message, f"{name}_head", "")) or ""
    if len(head) > LIST_TEXT_CHARS:
        return head[:LIST_TEXT_CHARS] + "…", True
    return head, False


def message_list_item(request, message: Message) -> dict:
    """One turn on a list page (needs `selectors.message_list_previews`): the turn's shape, kept small.

    `result.rows` holds the stored preview's leading rows (long values cut) while `row_count` is the
    stored turn's; long question, SQL, summary and error text is cut. `preview` is true when anything
    was left out: the `self` link then gives the whole turn.
    """
    question, question_cut = _list_text(message, "question")
    sql, sql_cut = _list_text(message, "sql")
    summary, summary_cut = _list_text(message, "summary")
    error_message, error_cut = _list_text(message, "error_message")
    shown = message.result_preview or {}
    # A turn without a preview has stored nothing yet (pending, or cut off before it finished), or
    # was stored before previews existed: only those are shown as previews.
    nothing_stored = message.status == Message.Status.PENDING or message.error_code == "interrupted"
    error = {"code": message.error_code, "message": error_message} if message.error_code else None
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "question": question,
        "sql": sql,
        "status": message.status,
        "error": error,
        "result": {
            "columns": shown.get("columns", []),
            "rows": shown.get("rows", []),
            "row_count": message.row_count,
            "truncated": message.truncated,
            "stored_truncated": message.stored_truncated,
        },
        "summary": summary,
        "model": message.model,
        "attempts": message.attempts,
        "timings": {"llm_ms": message.llm_ms, "db_ms": message.db_ms, "total_ms": message.total_ms},
        "created_at": _timestamp(message.created_at),
        "preview": question_cut or sql_cut or summary_cut or error_cut or not shown.get("complete", nothing_stored),
        **turn_learning_data(message),
        "_links": message_links(request, message),
    }
