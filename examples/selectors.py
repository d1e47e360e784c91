"""Reads of examples and feedback, always scoped to the requesting user."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from datasources.models import DataSource
from examples.models import Example


def example_list(*, user, datasource: DataSource, search: str = "") -> QuerySet[Example]:
    """The user's own examples on `datasource`, newest first; `search` matches question or SQL."""
    queryset = Example.objects.filter(owner=user, datasource=datasource)
    search = (search or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in a pattern
    if search:
        queryset = queryset.filter(Q(question__icontains=search) | Q(sql__icontains=search))
    return queryset.defer("embedding").order_by("-created_at", "-id")


def example_get(*, user, pk) -> Example:
    """One of the user's examples (with its datasource), or a 404 whether it exists or not."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound(_("Example not found."))
    example = Example.objects.filter(owner=user, pk=pk).select_related("datasource").defer("embedding").first()
    if example is None:
        raise NotFound(_("Example not found."))
    return example


def example_candidates(*, owner_id: int, datasource_id: int) -> list[tuple[int, str, str]]:
    """`(id, question, sql)` of every example the owner keeps on the datasource (what retrieval ranks)."""
    return list(
        Example.objects.filter(owner_id=owner_id, datasource_id=datasource_id).values_list("id", "question", "sql")
    )


def examples_most_used(*, user, datasource: DataSource, limit: int) -> list[Example]:
    """The user's examples on `datasource` that were used most (then most recently), for suggestions."""
    return list(
        Example.objects.filter(owner=user, datasource=datasource)
        .defer("embedding")
        .order_by("-times_used", "-last_used_at", "-id")[:limit]
    )
