"""The JSON of a datasource's schema and connection test, described for the OpenAPI schema.

`datasources.serializers.schema_payload` builds the schema answer by hand; these serializers
only describe it (a test checks real answers against the schema).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from chatAPI.openapi import links_field


@extend_schema_serializer(component_name="SchemaColumn")
class SchemaColumnSchema(serializers.Serializer):
    """One introspected column."""

    name = serializers.CharField()
    type = serializers.CharField()
    nullable = serializers.BooleanField()
    primary_key = serializers.BooleanField()
    references = serializers.CharField(allow_null=True, help_text="`table.column` of a foreign key, else null")
    description = serializers.CharField()
    samples = serializers.ListField(child=serializers.JSONField(), help_text="Up to 5 distinct values")


@extend_schema_serializer(component_name="SchemaTable")
class SchemaTableSchema(serializers.Serializer):
    """One introspected table with its columns."""

    name = serializers.CharField()
    description = serializers.CharField()
    row_estimate = serializers.IntegerField(allow_null=True)
    columns = SchemaColumnSchema(many=True)


@extend_schema_serializer(component_name="DatasourceSchema")
class DatasourceSchemaSchema(serializers.Serializer):
    """A datasource's tables and columns as last introspected."""

    tables = SchemaTableSchema(many=True)
    _links = links_field()


@extend_schema_serializer(component_name="ConnectionTest")
class ConnectionTestSchema(serializers.Serializer):
    """A successful connection test."""

    ok = serializers.BooleanField()
    server_version = serializers.CharField()
    latency_ms = serializers.IntegerField(min_value=0)
    warnings = serializers.ListField(child=serializers.CharField(), help_text="What the login could write")
