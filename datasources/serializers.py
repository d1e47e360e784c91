"""Input parsing and output shapes of the datasource API (no business logic here)."""

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chatAPI.links import link
from chatAPI.openapi import LinkSerializer
from datasources.models import DataSource, Table


def can_edit(datasource: DataSource, user) -> bool:
    """Owners change their own datasources; demo sets are read-only for everyone."""
    return not datasource.is_demo and datasource.owner_id == getattr(user, "pk", None)


def can_introspect(datasource: DataSource, user) -> bool:
    """Owners re-read their own schema; staff may also re-read a demo set's."""
    return can_edit(datasource, user) or (datasource.is_demo and bool(getattr(user, "is_staff", False)))


def datasource_links(request, datasource: DataSource) -> list[dict]:
    """The `_links` of one datasource, offering only what the caller may do."""
    kwargs = {"pk": datasource.pk}
    links = [
        link(request, "self", "This datasource", "datasource-detail", kwargs=kwargs),
        link(request, "schema", "Tables and columns", "datasource-schema", kwargs=kwargs),
        link(request, "test", "Test the connection", "datasource-test", kwargs=kwargs, method="POST"),
        link(request, "examples", "Your verified examples (question + SQL)", "example-list", kwargs=kwargs),
        link(request, "suggestions", "Starter questions", "datasource-suggestions", kwargs=kwargs),
    ]
    if can_introspect(datasource, request.user):
        links.append(
            link(request, "introspect", "Re-read the schema", "datasource-introspect", kwargs=kwargs, method="POST")
        )
    if can_edit(datasource, request.user):
        links += [
            link(request, "update", "Change this datasource", "datasource-detail", kwargs=kwargs, method="PATCH"),
            link(request, "delete", "Delete this datasource", "datasource-detail", kwargs=kwargs, method="DELETE"),
        ]
    return links


@extend_schema_serializer(component_name="Datasource")
class DataSourceSerializer(serializers.ModelSerializer):
    """One datasource as the API shows it; never the password."""

    owner_is_me = serializers.SerializerMethodField()
    table_count = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    class Meta:
        model = DataSource
        fields = [
            "id",
            "name",
            "description",
            "engine",
            "is_demo",
            "owner_is_me",
            "host",
            "port",
            "database",
            "username",
            "sqlite_path",
            "table_count",
            "introspected_at",
            "created_at",
            "_links",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        if instance.is_demo and instance.owner_id is None and not getattr(user, "is_staff", False):
            # Shared demo sets run on the operator's servers: their addresses and logins stay private.
            data.update({"host": "", "port": None, "username": ""})
        return data

    def get_owner_is_me(self, obj) -> bool:
        return obj.owner_id is not None and obj.owner_id == getattr(self.context["request"].user, "pk", None)

    def get_table_count(self, obj) -> int:
        count = getattr(obj, "table_count", None)
        return count if count is not None else obj.tables.count()

    @extend_schema_field(LinkSerializer(many=True))
    def get__links(self, obj) -> list[dict]:
        return datasource_links(self.context["request"], obj)


class DataSourceWriteSerializer(serializers.Serializer):
    """Registration input: `password` is write-only and never echoed back."""

    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    engine = serializers.ChoiceField(choices=DataSource.Engine.choices)
    host = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    port = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=65535, default=None)
    database = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    username = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    password = serializers.CharField(
        required=False, allow_blank=True, max_length=1024, default="", write_only=True, trim_whitespace=False
    )
    sqlite_path = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class DataSourceUpdateSerializer(serializers.Serializer):
    """PATCH input: any subset of the registration fields except the engine."""

    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    host = serializers.CharField(required=False, allow_blank=True, max_length=255)
    port = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=65535)
    database = serializers.CharField(required=False, allow_blank=True, max_length=255)
    username = serializers.CharField(required=False, allow_blank=True, max_length=255)
    password = serializers.CharField(
        required=False, allow_blank=True, max_length=1024, write_only=True, trim_whitespace=False
    )
    sqlite_path = serializers.CharField(required=False, allow_blank=True, max_length=500)

    def validate(self, attrs):
        if "engine" in self.initial_data:
            raise serializers.ValidationError({"engine": ["The engine cannot be changed; register a new datasource."]})
        return attrs


class ColumnDescriptionSerializer(serializers.Serializer):
    """One column's new description, by name."""

    name = serializers.CharField(max_length=255)
    description = serializers.CharField(allow_blank=True, max_length=2000)


class TableDescriptionSerializer(serializers.Serializer):
    """One table's new description and its columns', by name."""

    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    columns = ColumnDescriptionSerializer(many=True, required=False)


class SchemaUpdateSerializer(serializers.Serializer):
    """PATCH body of the schema: descriptions only."""

    tables = TableDescriptionSerializer(many=True)


def schema_payload(request, datasource: DataSource, tables: list[Table]) -> dict:
    """The schema response: tables with columns (keys, references, samples) and links."""
    kwargs = {"pk": datasource.pk}
    links = [
        link(request, "self", "This schema", "datasource-schema", kwargs=kwargs),
        link(request, "datasource", "The datasource", "datasource-detail", kwargs=kwargs),
    ]
    if can_edit(datasource, request.user):
        links.append(link(request, "update", "Edit descriptions", "datasource-schema", kwargs=kwargs, method="PATCH"))
    if can_introspect(datasource, request.user):
        links.append(
            link(request, "introspect", "Re-read the schema", "datasource-introspect", kwargs=kwargs, method="POST")
        )
    return {
        "tables": [
            {
                "name": table.name,
                "description": table.description,
                "row_estimate": table.row_estimate,
                "columns": [
                    {
                        "name": column.name,
                        "type": column.type,
                        "nullable": column.nullable,
                        "primary_key": column.primary_key,
                        "references": column.references or None,
                        "description": column.description,
                        "samples": column.samples or [],
                    }
                    for column in table.columns.all()
                ],
            }
            for table in tables
        ],
        "_links": links,
    }
