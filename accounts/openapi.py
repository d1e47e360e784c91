"""Answers of the account endpoints that have no serializer of their own, described for the OpenAPI schema."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema_serializer
from rest_framework import serializers


@extend_schema_serializer(component_name="RefreshedTokens")
class RefreshedTokensSchema(serializers.Serializer):
    """A new token pair; the refresh token sent is now spent."""

    access = serializers.CharField()
    refresh = serializers.CharField()


@extend_schema_serializer(component_name="DetailMessage")
class DetailMessageSchema(serializers.Serializer):
    """A sentence saying what happened."""

    detail = serializers.CharField()


# An empty object: the token would be accepted.
TOKEN_ACCEPTED = OpenApiResponse(
    {"type": "object", "properties": {}, "additionalProperties": False}, description="The token would be accepted"
)
