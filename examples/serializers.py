"""Input validation and output shapes for examples, feedback and suggestions (no business logic here)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from chatAPI.links import link
from examples.models import Example, TurnFeedback
from examples.services import COMMENT_MAX_CHARS


def _question_max() -> int:
    return settings.QUESTION_MAX_CHARS


class ExampleWriteSerializer(serializers.Serializer):
    """`{question, sql}`: a pair to save (both required on create, either one on PATCH)."""

    question = serializers.CharField(trim_whitespace=True, max_length=2000)
    sql = serializers.CharField(trim_whitespace=True, max_length=10000)

    def validate_question(self, value: str) -> str:
        if len(value) > _question_max():
            raise serializers.ValidationError(
                _("A question can be at most %(n)d characters long.") % {"n": _question_max()}, code="too_long"
            )
        return value.replace("\x00", "")

    def validate_sql(self, value: str) -> str:
        return value.replace("\x00", "")


class FeedbackSerializer(serializers.Serializer):
    """`{"rating": "up" | "down", "comment"?}`."""

    rating = serializers.ChoiceField(choices=TurnFeedback.Rating.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=COMMENT_MAX_CHARS, default="")


class SuggestionQuerySerializer(serializers.Serializer):
    """`?lang=ko|en` (default en)."""

    lang = serializers.ChoiceField(choices=[("en", "English"), ("ko", "Korean")], required=False, default="en")


def _timestamp(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    text = value.astimezone(datetime.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def example_links(request, example: Example) -> list:
    kwargs = {"pk": example.pk}
    links = [
        link(request, "self", "This example", "example-detail", kwargs=kwargs),
        link(request, "update", "Change its question or SQL", "example-detail", kwargs=kwargs, method="PATCH"),
        link(request, "delete", "Delete this example", "example-detail", kwargs=kwargs, method="DELETE"),
        link(
            request,
            "datasource",
            "The database it answers on",
            "datasource-detail",
            kwargs={"pk": example.datasource_id},
        ),
        link(
            request,
            "examples",
            "All your examples on that database",
            "example-list",
            kwargs={"pk": example.datasource_id},
        ),
    ]
    if example.source_turn_id:
        links.append(
            link(
                request, "turn", "The answer it was saved from", "message-detail", kwargs={"pk": example.source_turn_id}
            )
        )
    return links


def example_data(request, example: Example) -> dict:
    """One example as the API shows it."""
    return {
        "id": example.pk,
        "datasource": example.datasource_id,
        "question": example.question,
        "sql": example.sql,
        "source": example.source,
        "source_turn": example.source_turn_id,
        "times_used": example.times_used,
        "last_used_at": _timestamp(example.last_used_at),
        "created_at": _timestamp(example.created_at),
        "updated_at": _timestamp(example.updated_at),
        "_links": example_links(request, example),
    }


def examples_collection_links(request, datasource_id: int) -> list:
    """What a client can do with a datasource's examples: add, export, import, get suggestions."""
    kwargs = {"pk": datasource_id}
    return [
        link(
            request, "create", "Add a verified example (question + SQL)", "example-list", kwargs=kwargs, method="POST"
        ),
        link(request, "export", "Download them as JSON Lines", "example-export", kwargs=kwargs),
        link(request, "import", "Add examples from JSON Lines", "example-import", kwargs=kwargs, method="POST"),
        link(request, "suggestions", "Starter questions for this database", "datasource-suggestions", kwargs=kwargs),
        link(request, "datasource", "The database", "datasource-detail", kwargs=kwargs),
    ]
