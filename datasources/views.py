"""Datasource endpoints: list/register, detail/update/delete, test, introspect and schema (thin views)."""

import logging

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers as drf_serializers
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from chatAPI.links import link
from chatAPI.throttles import (
    DatasourceEditThrottle,
    DatasourceIntrospectThrottle,
    DatasourceRegisterThrottle,
    DatasourceTestThrottle,
)
from datasources import selectors, services
from datasources.errors import DatasourceError
from datasources.serializers import (
    DataSourceSerializer,
    DataSourceUpdateSerializer,
    DataSourceWriteSerializer,
    SchemaUpdateSerializer,
    schema_payload,
)

logger = logging.getLogger(__name__)

SchemaResponse = inline_serializer(
    "DatasourceSchema",
    {"tables": drf_serializers.ListField(child=drf_serializers.DictField()), "_links": drf_serializers.ListField()},
)
TestResponse = inline_serializer(
    "DatasourceTestResult",
    {
        "ok": drf_serializers.BooleanField(),
        "server_version": drf_serializers.CharField(),
        "latency_ms": drf_serializers.IntegerField(),
        "warnings": drf_serializers.ListField(child=drf_serializers.CharField()),
    },
)


CONNECTION_FIELDS = {"host", "port", "database", "username", "password", "sqlite_path"}


def _try_introspect(datasource) -> None:
    """Read the schema right after registering or reconnecting; a failure leaves it for a later "introspect"."""
    try:
        services.datasource_introspect(datasource=datasource)
    except DatasourceError as exc:
        logger.info("Schema of datasource %s not read yet (%s).", datasource.pk, exc.code)


class DataSourceListView(GenericAPIView):
    """GET: a page of the datasources the user may use (own + demo). POST: register one."""

    serializer_class = DataSourceSerializer
    throttle_classes = [DatasourceRegisterThrottle]

    def get_queryset(self):
        return selectors.datasource_list(user=self.request.user)

    @extend_schema(operation_id="datasources_list", responses={200: DataSourceSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        data = DataSourceSerializer(page, many=True, context={"request": request}).data
        create = link(request, "create", "Register a datasource", "datasource-list", method="POST")
        return self.paginator.get_paginated_response(data, extra_links=[create])

    @extend_schema(request=DataSourceWriteSerializer, responses={201: DataSourceSerializer})
    def post(self, request):
        serializer = DataSourceWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        datasource = services.datasource_create(owner=request.user, **serializer.validated_data)
        _try_introspect(datasource)
        datasource = selectors.datasource_get(user=request.user, pk=datasource.pk)
        return Response(DataSourceSerializer(datasource, context={"request": request}).data, status=201)


class DataSourceDetailView(GenericAPIView):
    """GET one datasource; PATCH or DELETE your own (demo sets are read-only)."""

    serializer_class = DataSourceSerializer
    throttle_classes = [DatasourceEditThrottle]

    def get(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        return Response(DataSourceSerializer(datasource, context={"request": request}).data)

    @extend_schema(request=DataSourceUpdateSerializer, responses={200: DataSourceSerializer})
    def patch(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        serializer = DataSourceUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = serializer.validated_data
        services.datasource_update(datasource=datasource, user=request.user, **changes)
        if CONNECTION_FIELDS & set(changes):
            _try_introspect(datasource)
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        return Response(DataSourceSerializer(datasource, context={"request": request}).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        services.datasource_delete(datasource=datasource, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DataSourceTestView(GenericAPIView):
    """POST: connect through the guarded path and report version, latency and write warnings."""

    throttle_classes = [DatasourceTestThrottle]
    serializer_class = None

    @extend_schema(request=None, responses={200: TestResponse, 400: OpenApiResponse(description="connection_failed")})
    def post(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        return Response(services.datasource_test(datasource=datasource, user=request.user))


class DataSourceIntrospectView(GenericAPIView):
    """POST: re-read the schema (owners; staff also for demo sets) and return it."""

    throttle_classes = [DatasourceIntrospectThrottle]
    serializer_class = None

    @extend_schema(request=None, responses={200: SchemaResponse})
    def post(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        datasource = services.datasource_introspect_for(datasource=datasource, user=request.user)
        tables = selectors.datasource_tables(datasource=datasource)
        return Response(schema_payload(request, datasource, tables))


class DataSourceSchemaView(GenericAPIView):
    """GET the stored schema; PATCH table and column descriptions (kept across re-introspection)."""

    serializer_class = None

    @extend_schema(responses={200: SchemaResponse})
    def get(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        tables = selectors.datasource_tables(datasource=datasource)
        return Response(schema_payload(request, datasource, tables))

    @extend_schema(request=SchemaUpdateSerializer, responses={200: SchemaResponse})
    def patch(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        serializer = SchemaUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.schema_update_descriptions(
            datasource=datasource, user=request.user, tables=serializer.validated_data["tables"]
        )
        tables = selectors.datasource_tables(datasource=datasource)
        return Response(schema_payload(request, datasource, tables))
