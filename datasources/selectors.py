"""Reads of datasources and their schema, always scoped to the requesting user."""

from django.db.models import Count, Prefetch, Q, QuerySet
from rest_framework.exceptions import NotFound

from datasources.models import Column, DataSource, Table


def datasource_visible_q(user) -> Q:
    """Datasources `user` may use: their own and the shared demo sets."""
    return Q(owner=user) | Q(is_demo=True)


def datasource_list(*, user) -> QuerySet[DataSource]:
    """The user's own datasources and the demo sets, with `table_count` annotated."""
    return (
        DataSource.objects.filter(datasource_visible_q(user))
        .annotate(table_count=Count("tables", distinct=True))
        .order_by("-is_demo", "name", "id")
    )


def datasource_get(*, user, pk) -> DataSource:
    """One datasource the user may use (own or demo); anything else is a 404, whether it exists or not."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("Datasource not found.")
    datasource = datasource_list(user=user).filter(pk=pk).first()
    if datasource is None:
        raise NotFound("Datasource not found.")
    return datasource


def datasource_table_rows(*, datasource: DataSource):
    """`(id, name, schema, description, row_estimate)` of each stored table of `datasource`, in order."""
    return (
        Table.objects.filter(datasource=datasource)
        .order_by("position", "name")
        .values_list("id", "name", "schema", "description", "row_estimate")
    )


def datasource_column_rows(*, datasource: DataSource):
    """`(table_id, name, type, nullable, primary_key, references, description, samples)` of every column, in order."""
    return (
        Column.objects.filter(table__datasource=datasource)
        .order_by("position", "id")
        .values_list("table_id", "name", "type", "nullable", "primary_key", "references", "description", "samples")
    )


def datasource_tables(*, datasource: DataSource) -> list[Table]:
    """The stored schema of `datasource`: tables in order, each with its columns prefetched."""
    return list(
        Table.objects.filter(datasource=datasource)
        .order_by("position", "name")
        .prefetch_related(Prefetch("columns", queryset=Column.objects.order_by("position", "id")))
    )
