"""The JSON of conversations, turns and the stream, described for the OpenAPI schema.

`chat.serializers.conversation_data`/`message_data` build these dicts by hand (lists stay fast);
these serializers only describe them, and a test checks real answers against the schema.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chat.models import Message
from chatAPI.openapi import ErrorSerializer, LinkSerializer, links_field
from examples.openapi import TurnFeedbackSchema

ANY_VALUE: dict = {}  # a JSON value of any type (a result cell: text, number, boolean or null)


@extend_schema_serializer(component_name="DatasourceRef")
class DatasourceRefSerializer(serializers.Serializer):
    """The datasource a conversation asks."""

    id = serializers.IntegerField()
    name = serializers.CharField()


@extend_schema_serializer(component_name="Conversation")
class ConversationSchema(serializers.Serializer):
    """A conversation with its message count and last question."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    datasource = DatasourceRefSerializer()
    message_count = serializers.IntegerField(min_value=0)
    last_question = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    _links = links_field()


@extend_schema_field({"type": "array", "items": {"type": "array", "items": ANY_VALUE}})
class RowsField(serializers.ListField):
    """Rows of a result: lists of JSON values, one per column."""


@extend_schema_serializer(component_name="StreamResultEvent")
class StreamResultEventSchema(serializers.Serializer):
    """`event: result`: the rows the SQL returned (capped; `truncated` says when the row or byte cap bit)."""

    columns = serializers.ListField(child=serializers.CharField())
    rows = RowsField()
    row_count = serializers.IntegerField(min_value=0)
    truncated = serializers.BooleanField()
    stored_truncated = serializers.BooleanField(
        help_text="Rows were left out to keep the stored result within RESULT_STORE_MAX_BYTES (or the storage quota)"
    )


@extend_schema_serializer(component_name="Result")
class ResultSchema(StreamResultEventSchema):
    """A turn's stored result: on a list page only a preview's leading rows, `row_count` is the whole count."""


@extend_schema_serializer(component_name="TurnError")
class TurnErrorSchema(serializers.Serializer):
    """Why a turn failed (`code` is a TurnErrorCode)."""

    code = serializers.CharField()
    message = serializers.CharField()


@extend_schema_serializer(component_name="Timings")
class TimingsSchema(serializers.Serializer):
    """Milliseconds spent in the model, in the database and in all."""

    llm_ms = serializers.IntegerField(min_value=0)
    db_ms = serializers.IntegerField(min_value=0)
    total_ms = serializers.IntegerField(min_value=0)


@extend_schema_serializer(component_name="Turn")
class TurnSchema(serializers.Serializer):
    """One turn: question, SQL, outcome, result and summary."""

    id = serializers.IntegerField()
    conversation = serializers.IntegerField()
    question = serializers.CharField()
    sql = serializers.CharField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    error = TurnErrorSchema(allow_null=True)
    result = ResultSchema()
    summary = serializers.CharField()
    model = serializers.CharField()
    attempts = serializers.IntegerField(min_value=0)
    timings = TimingsSchema()
    created_at = serializers.DateTimeField()
    preview = serializers.BooleanField(
        help_text="On list pages: true when this item leaves something out (rows, long text); `self` has it whole"
    )
    feedback = TurnFeedbackSchema(allow_null=True, help_text="Your rating, or null")
    examples_used = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of your verified examples this turn used"
    )
    _links = links_field()


@extend_schema_serializer(component_name="TurnFailure")
class TurnFailureSchema(ErrorSerializer):
    """An ask that failed: the error and the stored turn."""

    turn = TurnSchema()


@extend_schema_serializer(component_name="DeletedCount")
class DeletedCountSchema(serializers.Serializer):
    """How many conversations were deleted."""

    deleted = serializers.IntegerField(min_value=0)


# --- the stream (text/event-stream) ------------------------------------------------------------
@extend_schema_serializer(component_name="StreamStageEvent")
class StreamStageEventSchema(serializers.Serializer):
    """`event: stage`: a stage started."""

    stage = serializers.ChoiceField(choices=["sql", "execute", "summary"])


@extend_schema_serializer(component_name="StreamSqlEvent")
class StreamSqlEventSchema(serializers.Serializer):
    """`event: sql`: the SQL the model wrote."""

    sql = serializers.CharField()


@extend_schema_serializer(component_name="StreamSummaryEvent")
class StreamSummaryEventSchema(serializers.Serializer):
    """`event: summary`: the next piece of the summary text."""

    delta = serializers.CharField()


@extend_schema_serializer(component_name="StreamErrorEvent")
class StreamErrorEventSchema(serializers.Serializer):
    """`event: error`: the turn failed (`turn` is the stored turn; absent when it was deleted meanwhile)."""

    code = serializers.CharField()
    message = serializers.CharField()
    turn = TurnSchema(required=False)


STREAM_EVENTS = {
    "stage": StreamStageEventSchema,
    "sql": StreamSqlEventSchema,
    "result": StreamResultEventSchema,
    "summary": StreamSummaryEventSchema,
    "done": TurnSchema,
    "error": StreamErrorEventSchema,
}

STREAM_RESPONSE = OpenApiResponse(
    {
        "type": "string",
        "description": "Server-sent events, each `event: <name>` with `data: <JSON>`: "
        "`stage` (StreamStageEvent), `sql` (StreamSqlEvent), `result` (StreamResultEvent), `summary` "
        "(StreamSummaryEvent, "
        "many), then `done` (Turn) or `error` (StreamErrorEvent). Lines starting with `:` keep the "
        "connection open.",
    },
    description="With `Accept: text/event-stream`: the turn as it is answered",
)


__all__ = [
    "ConversationSchema",
    "DeletedCountSchema",
    "LinkSerializer",
    "ResultSchema",
    "STREAM_EVENTS",
    "STREAM_RESPONSE",
    "TurnFailureSchema",
    "TurnSchema",
]
