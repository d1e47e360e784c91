"""Conversation and turn endpoints (DESIGN.md §3.5, §3.6): parse input, call a service or selector, shape output."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors, services, storage
from chat.errors import TurnFailed, http_status_for
from chat.models import Conversation
from chat.openapi import STREAM_RESPONSE, ConversationSchema, DeletedCountSchema, TurnFailureSchema, TurnSchema
from chat.serializers import (
    AskSerializer,
    ConversationCreateSerializer,
    ConversationUpdateSerializer,
    OneShotSerializer,
    conversation_data,
    message_data,
    message_list_item,
)
from chat.streaming import stream_turn, wants_stream
from chatAPI.links import link
from chatAPI.openapi import TURN_FAILURE_DESCRIPTIONS, error_response, errors
from chatAPI.pagination import LinkedPageNumberPagination
from chatAPI.throttles import AskThrottle
from datasources.selectors import datasource_get

CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# What an ask answers besides 201 with the turn (DESIGN.md §3.5, §3.6).
ASK_RESPONSES = {
    201: OpenApiResponse(TurnSchema, description="The stored turn (answered, or refused/failed SQL)"),
    (200, "text/event-stream"): STREAM_RESPONSE,
    **{
        status: OpenApiResponse(TurnFailureSchema, description=description)
        for status, description in TURN_FAILURE_DESCRIPTIONS.items()
    },
    409: error_response(409, "Your stored history is full (`storage_quota_exceeded`); nothing was stored"),
}
SEARCH = OpenApiParameter("search", str, description="Only conversations whose title or questions contain this")
DELETE_ALL = OpenApiParameter(
    "all", str, enum=["true"], required=True, description="Must be `true`: confirms deleting every conversation"
)


def _datasource_for(user, pk: int):
    """A datasource the user may ask, or a 400 naming the field (an unknown id is bad input here)."""
    try:
        return datasource_get(user=user, pk=pk)
    except (Http404, NotFound):
        raise ValidationError({"datasource": [_("No such datasource.")]}, code="unknown_datasource")


def _ask(request, conversation: Conversation, data: dict):
    """Run one ask and answer with the turn: 201, the 5xx/422 error shape plus `turn`, or a stream."""
    question, sql, summarize = data["question"], data["sql"], data["summarize"]
    if wants_stream(request):
        message = services.message_start(conversation=conversation, question=question, sql=sql)
        return stream_turn(request, message, question=question, sql=sql, summarize=summarize)
    message = services.message_ask(conversation=conversation, question=question, sql=sql, summarize=summarize)
    turn = message_data(request, message)
    http_status = http_status_for(message.error_code)
    if http_status >= 400:
        raise TurnFailed(status_code=http_status, code=message.error_code, message=message.error_message, turn=turn)
    return Response(turn, status=status.HTTP_201_CREATED)


class AnyAcceptMixin:
    """Never 406: `Accept: text/event-stream` (asks) or `text/csv` (CSV) pass DRF's negotiation; errors answer JSON."""

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class ConversationListView(APIView):
    """The user's conversations: list (with `?search=`), create, delete all (`?all=true`)."""

    pagination_class = LinkedPageNumberPagination

    @extend_schema(
        operation_id="listConversations",
        summary="List your conversations, newest activity first",
        parameters=[SEARCH],
        responses={200: ConversationSchema(many=True)},
    )
    def get(self, request):
        conversations = selectors.conversation_list(user=request.user, search=request.query_params.get("search", ""))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(conversations, request, view=self)
        extra = [
            link(request, "create", "Start a conversation", "conversation-list", method="POST"),
            link(
                request,
                "delete_all",
                "Delete all your conversations",
                "conversation-list",
                method="DELETE",
                query="all=true",
            ),
        ]
        return paginator.get_paginated_response([conversation_data(request, c) for c in page], extra_links=extra)

    @extend_schema(
        operation_id="createConversation",
        summary="Start a conversation with a datasource",
        request=ConversationCreateSerializer,
        responses={201: ConversationSchema},
    )
    def post(self, request):
        serializer = ConversationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        datasource = _datasource_for(request.user, serializer.validated_data["datasource"])
        conversation = services.conversation_create(
            owner=request.user, datasource=datasource, title=serializer.validated_data["title"]
        )
        conversation = selectors.conversation_get(user=request.user, pk=conversation.pk)
        return Response(conversation_data(request, conversation), status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="deleteAllConversations",
        summary="Delete every conversation of yours (needs ?all=true)",
        parameters=[DELETE_ALL],
        responses={200: DeletedCountSchema, **errors(400)},
    )
    def delete(self, request):
        if request.query_params.get("all", "").lower() != "true":
            raise ValidationError(
                {"all": [_("Add ?all=true to delete every conversation; delete one at its own URL.")]},
                code="confirm_all",
            )
        return Response({"deleted": services.conversation_delete_all(owner=request.user)})


class ConversationDetailView(APIView):
    """One conversation: read, rename, delete."""

    @extend_schema(operation_id="getConversation", summary="Read one conversation", responses={200: ConversationSchema})
    def get(self, request, pk):
        return Response(conversation_data(request, selectors.conversation_get(user=request.user, pk=pk)))

    @extend_schema(
        operation_id="renameConversation",
        summary="Rename a conversation",
        request=ConversationUpdateSerializer,
        responses={200: ConversationSchema},
    )
    def patch(self, request, pk):
        conversation = selectors.conversation_for_update(user=request.user, pk=pk)
        serializer = ConversationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.conversation_update(conversation=conversation, title=serializer.validated_data["title"])
        return Response(conversation_data(request, selectors.conversation_get(user=request.user, pk=pk)))

    @extend_schema(
        operation_id="deleteConversation", summary="Delete a conversation and its turns", responses={204: None}
    )
    def delete(self, request, pk):
        services.conversation_delete(conversation=selectors.conversation_for_update(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ConversationMessagesView(AnyAcceptMixin, APIView):
    """A conversation's turns (oldest first), and asking a new question in it."""

    pagination_class = LinkedPageNumberPagination
    throttle_classes = [AskThrottle]

    @extend_schema(
        operation_id="listMessages",
        summary="List a conversation's turns, oldest first",
        responses={200: TurnSchema(many=True)},
    )
    def get(self, request, pk):
        conversation = selectors.conversation_for_update(user=request.user, pk=pk)
        paginator = self.pagination_class()
        turns = selectors.message_list_previews(conversation=conversation)
        page = paginator.paginate_queryset(turns, request, view=self)
        services.turns_settle_abandoned(page)
        kwargs = {"pk": conversation.pk}
        extra = [
            link(request, "conversation", "The conversation", "conversation-detail", kwargs=kwargs),
            link(request, "ask", "Ask a question here", "conversation-messages", kwargs=kwargs, method="POST"),
        ]
        return paginator.get_paginated_response([message_list_item(request, m) for m in page], extra_links=extra)

    @extend_schema(
        operation_id="askInConversation",
        summary="Ask a question (or run SQL) in a conversation",
        request=AskSerializer,
        responses=ASK_RESPONSES,
    )
    def post(self, request, pk):
        conversation = selectors.conversation_for_update(user=request.user, pk=pk)
        serializer = AskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return _ask(request, conversation, serializer.validated_data)


class MessageDetailView(APIView):
    """One turn: read or delete."""

    @extend_schema(operation_id="getMessage", summary="Read one turn", responses={200: TurnSchema})
    def get(self, request, pk):
        message = selectors.message_get(user=request.user, pk=pk)
        services.turns_settle_abandoned([message])
        return Response(message_data(request, message))

    @extend_schema(operation_id="deleteMessage", summary="Delete one turn", responses={204: None})
    def delete(self, request, pk):
        services.message_delete(message=selectors.message_get(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _csv_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    # Spreadsheet apps run cells that start like a formula; a leading quote keeps them text.
    if isinstance(value, str) and text.startswith(CSV_FORMULA_START):
        return "'" + text
    return text


class MessageCsvView(AnyAcceptMixin, APIView):
    """A turn's stored result as CSV, UTF-8 with a BOM so spreadsheet apps read Korean."""

    @extend_schema(
        operation_id="downloadMessageCsv",
        summary="Download a turn's result as CSV",
        responses={
            (200, "text/csv"): OpenApiResponse(
                {"type": "string"}, description="The result as CSV, UTF-8 with a byte-order mark"
            )
        },
    )
    def get(self, request, pk):
        message = selectors.message_get(user=request.user, pk=pk)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        if message.columns:
            writer.writerow([_csv_cell(c) for c in message.columns])
        for row in message.rows:
            writer.writerow([_csv_cell(v) for v in row])
        response = HttpResponse(("\ufeff" + buffer.getvalue()).encode(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="chatapi-message-{message.pk}.csv"'
        return response


class OneShotView(AnyAcceptMixin, APIView):
    """`POST /api/chat/`: ask in one call; starts a conversation unless one is given."""

    throttle_classes = [AskThrottle]

    @extend_schema(
        operation_id="askOneShot",
        summary="Ask in one call, starting a conversation unless one is given",
        request=OneShotSerializer,
        responses=ASK_RESPONSES,
    )
    def post(self, request):
        serializer = OneShotSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("conversation"):
            try:
                conversation = selectors.conversation_for_update(user=request.user, pk=data["conversation"])
            except Http404:
                raise ValidationError({"conversation": [_("No such conversation.")]}, code="unknown_conversation")
            if data.get("datasource") and data["datasource"] != conversation.datasource_id:
                raise ValidationError(
                    {"datasource": [_("This conversation asks another datasource.")]}, code="datasource_mismatch"
                )
        else:
            datasource = _datasource_for(request.user, data["datasource"])
            # A full history is refused before a conversation is started for the question.
            storage.ensure_room(owner_id=request.user.pk)
            conversation = services.conversation_create(owner=request.user, datasource=datasource)
        return _ask(request, conversation, data)
