"""Request-level guards that must answer before any view runs."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext


class BodySizeLimitMiddleware:
    """Refuse request bodies over `REQUEST_MAX_BODY_BYTES` with a JSON 413."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BODY_BYTES:
            limit_kb = settings.REQUEST_MAX_BODY_BYTES // 1024
            return JsonResponse(
                {
                    "detail": gettext("Request body is larger than %(limit)s KB.") % {"limit": limit_kb},
                    "code": "request_too_large",
                },
                status=413,
            )
        return self.get_response(request)
