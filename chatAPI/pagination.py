"""Page-number pagination with `?page` and `?per-page` (alias `page_size`) and `_links`."""

from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from chatAPI.links import link


class LinkedPageNumberPagination(PageNumberPagination):
    """The API's one pagination: count/next/previous/results plus `_links`."""

    page_size = 20
    max_page_size = 100
    page_size_query_param = "per-page"
    page_size_aliases = ("page_size",)

    def get_page_size(self, request):
        for param in (self.page_size_query_param, *self.page_size_aliases):
            raw = request.query_params.get(param)
            if raw is None:
                continue
            try:
                size = int(raw)
            except ValueError:
                size = 0
            if size < 1:
                raise ValidationError({param: ["Must be a positive whole number."]}, code="invalid_page_size")
            return min(size, self.max_page_size)
        return self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        paginator = self.django_paginator_class(queryset, page_size)
        page_number = request.query_params.get(self.page_query_param) or 1
        try:
            self.page = paginator.page(page_number)
        except InvalidPage:
            raise NotFound(f"Page {str(page_number)[:20]!r} does not exist.", code="page_not_found")
        return list(self.page)

    def get_paginated_response(self, data, extra_links=()):
        links = [link(self.request, "self", "This page", href=self.request.build_absolute_uri())]
        next_url, previous_url = self.get_next_link(), self.get_previous_link()
        if next_url:
            links.append(link(self.request, "next", "Next page", href=next_url))
        if previous_url:
            links.append(link(self.request, "previous", "Previous page", href=previous_url))
        links.extend(extra_links)
        return Response(
            {
                "count": self.page.paginator.count,
                "next": next_url,
                "previous": previous_url,
                "results": data,
                "_links": links,
            }
        )

    def get_paginated_response_schema(self, schema):
        link = {"$ref": "#/components/schemas/Link"}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results", "_links"],
            "properties": {
                "count": {"type": "integer", "minimum": 0, "description": "Items on all pages"},
                "next": {"type": "string", "format": "uri", "nullable": True, "description": "The next page"},
                "previous": {"type": "string", "format": "uri", "nullable": True, "description": "The previous page"},
                "results": schema,
                "_links": {"type": "array", "items": link},
            },
        }

    def get_schema_operation_parameters(self, view):
        size = {"type": "integer", "minimum": 1}
        return [
            {
                "name": self.page_query_param,
                "in": "query",
                "required": False,
                "description": "Page number, from 1",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Items per page (default {self.page_size}; more than {self.max_page_size} "
                f"gives {self.max_page_size})",
                "schema": size,
            },
            *(
                {
                    "name": alias,
                    "in": "query",
                    "required": False,
                    "deprecated": True,
                    "description": f"Old name of `{self.page_size_query_param}`",
                    "schema": size,
                }
                for alias in self.page_size_aliases
            ),
        ]
