"""Examples, feedback and suggestion endpoints: parse input, call a service or selector, shape output."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from chat import selectors as chat_selectors
from chat.openapi import TurnSchema
from chat.serializers import message_data
from chatAPI.links import link
from chatAPI.openapi import errors
from chatAPI.pagination import LinkedPageNumberPagination
from chatAPI.throttles import ExampleWriteThrottle
from datasources.selectors import datasource_get
from examples import selectors, services, turns
from examples.jsonl import export_text, parse_jsonl
from examples.openapi import EXPORT_RESPONSE, ExampleImportSchema, ExampleSchema, SuggestionsSchema
from examples.serializers import (
    ExampleWriteSerializer,
    FeedbackSerializer,
    SuggestionQuerySerializer,
    example_data,
    examples_collection_links,
)
from examples.suggestions import suggestions_for

JSONL_TYPE = "application/x-ndjson"


class JSONLinesParser(BaseParser):
    """The request body as text, for JSON Lines imports (`application/x-ndjson`, `application/jsonl`, text)."""

    media_type = "application/x-ndjson"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError({"file": [_("The file is not UTF-8 text.")]}, code="invalid_encoding")


class JSONLParser(JSONLinesParser):
    media_type = "application/jsonl"


class TextParser(JSONLinesParser):
    media_type = "text/plain"


class ExampleListView(APIView):
    """A datasource's examples (yours only): list with `?search=`, add one."""

    throttle_classes = [ExampleWriteThrottle]

    pagination_class = LinkedPageNumberPagination

    @extend_schema(
        operation_id="listExamples",
        summary="List your verified examples on a datasource",
        parameters=[OpenApiParameter("search", str, description="Matches the question or the SQL")],
        responses={200: ExampleSchema(many=True)},
    )
    def get(self, request, pk):
        datasource = datasource_get(user=request.user, pk=pk)
        examples = selectors.example_list(
            user=request.user, datasource=datasource, search=request.query_params.get("search", "")
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(examples, request, view=self)
        return paginator.get_paginated_response(
            [example_data(request, e) for e in page], extra_links=examples_collection_links(request, datasource.pk)
        )

    @extend_schema(
        operation_id="createExample",
        summary="Add a verified example (its SQL is checked on the datasource first)",
        request=ExampleWriteSerializer,
        responses={201: ExampleSchema, **errors(502)},
    )
    def post(self, request, pk):
        datasource = datasource_get(user=request.user, pk=pk)
        serializer = ExampleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        example = services.example_create(owner=request.user, datasource=datasource, **serializer.validated_data)
        return Response(example_data(request, example), status=status.HTTP_201_CREATED)


class ExampleDetailView(APIView):
    """One of your examples: read, change (question and/or SQL, checked again), delete."""

    throttle_classes = [ExampleWriteThrottle]

    @extend_schema(operation_id="getExample", summary="Read one of your examples", responses={200: ExampleSchema})
    def get(self, request, pk):
        return Response(example_data(request, selectors.example_get(user=request.user, pk=pk)))

    @extend_schema(
        operation_id="updateExample",
        summary="Change an example's question or SQL (new SQL is checked first)",
        request=ExampleWriteSerializer,
        responses={200: ExampleSchema, **errors(502)},
    )
    def patch(self, request, pk):
        example = selectors.example_get(user=request.user, pk=pk)
        serializer = ExampleWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        example = services.example_update(example=example, **serializer.validated_data)
        return Response(example_data(request, example))

    @extend_schema(operation_id="deleteExample", summary="Delete one of your examples", responses={204: None})
    def delete(self, request, pk):
        services.example_delete(example=selectors.example_get(user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ExampleExportView(APIView):
    """Your examples on a datasource as JSON Lines (one `{question, sql, source}` per line)."""

    @extend_schema(
        operation_id="downloadExamples",
        summary="Download your examples on a datasource as JSON Lines",
        responses={(200, JSONL_TYPE): EXPORT_RESPONSE},
    )
    def get(self, request, pk):
        datasource = datasource_get(user=request.user, pk=pk)
        examples = selectors.example_list(user=request.user, datasource=datasource).order_by("created_at", "id")
        response = HttpResponse(export_text(examples).encode(), content_type=f"{JSONL_TYPE}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="chatapi-examples-{datasource.pk}.jsonl"'
        return response


class ExampleImportView(APIView):
    """Add examples from JSON Lines; each line is checked on the datasource, and one bad line saves nothing."""

    throttle_classes = [ExampleWriteThrottle]

    parser_classes = [JSONLinesParser, JSONLParser, TextParser, JSONParser]

    @extend_schema(
        operation_id="createExamplesFromJsonLines",
        summary="Import examples from JSON Lines (all lines or none)",
        request={JSONL_TYPE: OpenApiTypes.STR, "application/json": OpenApiTypes.OBJECT},
        responses={201: ExampleImportSchema, **errors(502)},
    )
    def post(self, request, pk):
        datasource = datasource_get(user=request.user, pk=pk)
        data = request.data
        # JSON Lines as the body; a JSON client may send `{"jsonl": "..."}`; an empty body holds no examples.
        text = data if isinstance(data, str) else data.get("jsonl") if isinstance(data, dict) and data else None
        if not data:
            text = ""
        if not isinstance(text, str):
            raise ValidationError(
                {"file": [_("Send JSON Lines as the body (Content-Type: application/x-ndjson).")]}, code="required"
            )
        outcome = services.examples_import(owner=request.user, datasource=datasource, lines=parse_jsonl(text))
        return Response(
            {
                "imported": len(outcome.created),
                "skipped": outcome.skipped,
                "_links": [
                    link(
                        request,
                        "examples",
                        "Your examples on this database",
                        "example-list",
                        kwargs={"pk": datasource.pk},
                    )
                ],
            },
            status=status.HTTP_201_CREATED,
        )


class MessageFeedbackView(APIView):
    """Rate one of your turns (POST, idempotent, changeable) or withdraw the rating (DELETE); returns the turn."""

    throttle_classes = [ExampleWriteThrottle]

    @extend_schema(
        operation_id="updateMessageFeedback",
        summary="Rate one of your turns up or down (up saves it as an example)",
        request=FeedbackSerializer,
        responses={200: TurnSchema, **errors(502)},
    )
    def post(self, request, pk):
        message = chat_selectors.message_get(user=request.user, pk=pk)
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.feedback_set(message=message, owner=request.user, **serializer.validated_data)
        return Response(message_data(request, message))

    @extend_schema(
        operation_id="deleteMessageFeedback",
        summary="Withdraw your rating of a turn (and the example it saved)",
        responses={200: TurnSchema},
    )
    def delete(self, request, pk):
        message = chat_selectors.message_get(user=request.user, pk=pk)
        services.feedback_withdraw(message=message)
        turns.forget_feedback(message)
        return Response(message_data(request, message))


class SuggestionsView(APIView):
    """Starter questions for a datasource in your language (`?lang=ko|en`)."""

    @extend_schema(
        operation_id="listSuggestions",
        summary="Starter questions for a datasource in your language",
        parameters=[OpenApiParameter("lang", str, enum=["en", "ko"], description="Default en")],
        responses={200: SuggestionsSchema, **errors(400)},
    )
    def get(self, request, pk):
        datasource = datasource_get(user=request.user, pk=pk)
        query = SuggestionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        lang = query.validated_data["lang"]
        items = suggestions_for(user=request.user, datasource=datasource, lang=lang)
        kwargs = {"pk": datasource.pk}
        return Response(
            {
                "lang": lang,
                "results": items,
                "_links": [
                    link(request, "self", "These suggestions", href=request.build_absolute_uri()),
                    link(request, "datasource", "The database", "datasource-detail", kwargs=kwargs),
                    link(request, "examples", "Your examples on this database", "example-list", kwargs=kwargs),
                ],
            }
        )
