"""Datasource endpoints: list/register, detail/update/delete, test, introspect and schema (thin views)."""

import logging

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from chatAPI.links import link
from chatAPI.openapi import errors
from chatAPI.throttles import (
    DatasourceEditThrottle,
    DatasourceIntrospectThrottle,
    DatasourceRegisterThrottle,
    DatasourceTestThrottle,
)
from datasources import selectors, services
from datasources.errors import DatasourceError
from datasources.openapi import ConnectionTestSchema, DatasourceSchemaSchema
from datasources.serializers import (
    DataSourceSerializer,
    DataSourceUpdateSerializer,
    DataSourceWriteSerializer,
    SchemaUpdateSerializer,
    schema_payload,
)

logger = logging.getLogger(__name__)

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

    @extend_schema(
        operation_id="listDatasources",
        summary="List the datasources you may ask (yours and the demo sets)",
        responses={200: DataSourceSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        data = DataSourceSerializer(page, many=True, context={"request": request}).data
        create = link(request, "create", "Register a datasource", "datasource-list", method="POST")
        return self.paginator.get_paginated_response(data, extra_links=[create])

    @extend_schema(
        operation_id="createDatasource",
        summary="Register a datasource",
        request=DataSourceWriteSerializer,
        responses={201: DataSourceSerializer},
    )
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

    @extend_schema(operation_id="getDatasource", summary="Read one datasource", responses={200: DataSourceSerializer})
    def get(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        return Response(DataSourceSerializer(datasource, context={"request": request}).data)

    @extend_schema(
        operation_id="updateDatasource",
        summary="Change a datasource of yours",
        request=DataSourceUpdateSerializer,
        responses={200: DataSourceSerializer, **errors(403)},
    )
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

    @extend_schema(
        operation_id="deleteDatasource",
        summary="Delete a datasource of yours and its conversations",
        responses={204: None, **errors(403)},
    )
    def delete(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        services.datasource_delete(datasource=datasource, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DataSourceTestView(APIView):
    """POST: connect through the guarded path and report version, latency and write warnings."""

    throttle_classes = [DatasourceTestThrottle]

    @extend_schema(
        operation_id="testDatasource",
        summary="Test the connection to a datasource",
        request=None,
        responses={200: ConnectionTestSchema, **errors(400)},
    )
    def post(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        return Response(services.datasource_test(datasource=datasource, user=request.user))


class DataSourceIntrospectView(APIView):
    """POST: re-read the schema (owners; staff also for demo sets) and return it."""

    throttle_classes = [DatasourceIntrospectThrottle]

    @extend_schema(
        operation_id="introspectDatasource",
        summary="Re-read a datasource's tables and columns",
        request=None,
        responses={200: DatasourceSchemaSchema, **errors(400, 403, 502)},
    )
    def post(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        datasource = services.datasource_introspect_for(datasource=datasource, user=request.user)
        tables = selectors.datasource_tables(datasource=datasource)
        return Response(schema_payload(request, datasource, tables))


class DataSourceSchemaView(APIView):
    """GET the stored schema; PATCH table and column descriptions (kept across re-introspection)."""

    @extend_schema(
        operation_id="getDatasourceSchema",
        summary="Read a datasource's tables and columns",
        responses={200: DatasourceSchemaSchema},
    )
    def get(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        tables = selectors.datasource_tables(datasource=datasource)
        return Response(schema_payload(request, datasource, tables))

    @extend_schema(
        operation_id="describeDatasourceSchema",
        summary="Edit table and column descriptions",
        request=SchemaUpdateSerializer,
        responses={200: DatasourceSchemaSchema, **errors(403)},
    )
    def patch(self, request, pk):
        datasource = selectors.datasource_get(user=request.user, pk=pk)
        serializer = SchemaUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.schema_update_descriptions(
            datasource=datasource, user=request.user, tables=serializer.validated_data["tables"]
        )
        tables = selectors.datasource_tables(datasource=datasource)
        return Response(schema_payload(request, datasource, tables))
