"""Request-level guards that must answer before any view runs."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _


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
                {"detail": f"Request body is larger than {limit_kb} KB.", "code": "request_too_large"},
                status=413,
            )
        return self.get_response(request)


# The code each status gets when something outside DRF (Django's CSRF check, a template view,
# a renderer that is not JSON) answered an error under /api/.
_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


class ApiErrorShapeMiddleware:
    """Every error under `/api/` is JSON in the error shape, whoever produced it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not request.path.startswith("/api/")
            or response.get("Content-Type", "").startswith("application/json")
            or getattr(response, "streaming", False)
        ):
            return response
        status = response.status_code
        if status >= 500:
            body = {"detail": str(_("Something went wrong on our side. Please try again.")), "code": "server_error"}
        else:
            reason = response.reason_phrase or "Request failed"
            body = {"detail": str(_(reason)) + ".", "code": _STATUS_CODES.get(status, "error")}
        shaped = JsonResponse(body, status=status)
        for header in _KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped
