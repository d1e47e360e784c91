"""Request-level guards that must answer before any view runs."""

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _


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


# The code and message each status gets when something outside DRF (Django's CSRF check, a
# template view, a renderer that is not JSON) answered an error under /api/.
_STATUS_ERRORS = {
    400: ("bad_request", _("Bad request.")),
    401: ("not_authenticated", _("Authentication credentials were not provided.")),
    403: ("permission_denied", _("You do not have permission to do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    406: ("not_acceptable", _("No representation matches the Accept header.")),
    413: ("request_too_large", _("The request body is too large.")),
    415: ("unsupported_media_type", _("The request body must be JSON.")),
    429: ("throttled", _("Too many requests. Try again later.")),
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
            code, detail = "server_error", _("Something went wrong on our side. Please try again.")
        else:
            code, detail = _STATUS_ERRORS.get(status, ("error", _("The request could not be completed.")))
        shaped = JsonResponse({"detail": str(detail), "code": code}, status=status)
        for header in _KEPT_HEADERS:
            if header in response:
                shaped[header] = response[header]
        return shaped
