"""The JSON of examples, feedback, imports and suggestions, described for the OpenAPI schema.

`examples.serializers.example_data` and `examples.turns.turn_learning_data` build these dicts
by hand; the serializers here only describe them (a test checks real answers against the schema).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers

from chatAPI.openapi import links_field
from examples.models import Example, TurnFeedback


@extend_schema_serializer(component_name="Example")
class ExampleSchema(serializers.Serializer):
    """A verified question and the SQL that answers it on one datasource (yours only)."""

    id = serializers.IntegerField()
    datasource = serializers.IntegerField()
    question = serializers.CharField()
    sql = serializers.CharField()
    source = serializers.ChoiceField(choices=Example.Source.choices)
    source_turn = serializers.IntegerField(allow_null=True, help_text="The turn a thumbs-up saved it from")
    times_used = serializers.IntegerField(min_value=0)
    last_used_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    _links = links_field()


@extend_schema_serializer(component_name="TurnFeedback")
class TurnFeedbackSchema(serializers.Serializer):
    """Your rating of a turn."""

    rating = serializers.ChoiceField(choices=TurnFeedback.Rating.choices)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()
    example = serializers.IntegerField(allow_null=True, help_text="The example a thumbs-up saved")


@extend_schema_serializer(component_name="ExampleImport")
class ExampleImportSchema(serializers.Serializer):
    """What an import saved."""

    imported = serializers.IntegerField(min_value=0)
    skipped = serializers.IntegerField(min_value=0, help_text="Lines already kept (same question and SQL)")
    _links = links_field()


@extend_schema_serializer(component_name="Suggestion")
class SuggestionSchema(serializers.Serializer):
    """A starter question: one of your examples, or one built from the schema that offline mode answers."""

    question = serializers.CharField()
    source = serializers.ChoiceField(choices=["example", "schema"])
    example = serializers.IntegerField(allow_null=True)


@extend_schema_serializer(component_name="Suggestions")
class SuggestionsSchema(serializers.Serializer):
    """Starter questions for a datasource in one language."""

    lang = serializers.ChoiceField(choices=["en", "ko"])
    results = SuggestionSchema(many=True)
    _links = links_field()


EXPORT_RESPONSE = OpenApiResponse(
    {"type": "string", "description": 'JSON Lines: one {"question", "sql", "source"} object per line'},
    description="Your examples on this datasource, as a file",
)
