"""The one error contract: every API error is `{"detail", "code"}` (+ `errors`)."""

import functools
import logging
import math

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from chatAPI import error_codes

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """Base of the domain errors; each carries an HTTP status and a machine code."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "error"
    default_message = "The request could not be completed."

    def __init__(self, message: str | None = None, *, code: str | None = None):
        self.message = message or self.default_message
        if code:
            self.code = code
        super().__init__(self.message)


def _first_message(value) -> str:
    """Dig the first human message out of a DRF error structure."""
    if isinstance(value, dict):
        for item in value.values():
            return _first_message(item)
        return ""
    if isinstance(value, list):
        return _first_message(value[0]) if value else ""
    return str(value)


def _first_code(codes) -> str:
    if isinstance(codes, dict):
        for item in codes.values():
            return _first_code(item)
        return "invalid"
    if isinstance(codes, list):
        return _first_code(codes[0]) if codes else "invalid"
    return str(codes)


def _leaf_codes(codes):
    """Every code in a DRF code structure, in order."""
    if isinstance(codes, dict):
        for item in codes.values():
            yield from _leaf_codes(item)
    elif isinstance(codes, (list, tuple)):
        for item in codes:
            yield from _leaf_codes(item)
    else:
        yield str(codes)


def _validation_code(exc: exceptions.ValidationError) -> str:
    """The code naming a validation failure: the one code all its messages share, else `invalid`.

    So `unknown_datasource` or `confirm_all` set by a view reaches the body, while a form with
    several different problems answers `invalid` and lists them under `errors`.
    """
    codes = set(_leaf_codes(exc.get_codes()))
    if len(codes) == 1:
        (code,) = codes
        if code in error_codes.VALIDATION_CODES:
            return code
    return "invalid"


def _known(code: str, fallback: str) -> str:
    """`code` when it belongs to the documented vocabulary (clients match on it), else `fallback`."""
    if code in _vocabulary():
        return code
    logger.warning("Error code %r is not in chatAPI.error_codes; answering %r", code, fallback)
    return fallback


@functools.cache
def _vocabulary() -> frozenset[str]:
    return frozenset(error_codes.error_codes())


def _error_leaves(value, path: str = ""):
    """Yield `(path, message)` for each message of a DRF error structure, in order.

    Paths read like the request body: `tables[1].columns[0].description`; a nested
    serializer's own `non_field_errors` are reported at the path of that serializer.
    """
    if isinstance(value, dict):
        for key, item in value.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY:
                yield from _error_leaves(item, path)
            elif isinstance(key, int):  # ListField/DictField children
                yield from _error_leaves(item, f"{path}[{key}]")
            else:
                yield from _error_leaves(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            if isinstance(item, (dict, list, tuple)):  # one entry per item of a list serializer
                yield from _error_leaves(item, f"{path}[{index}]")
            else:
                yield path, str(item)
    else:
        yield path, str(value)


def _field_errors(detail: dict) -> dict:
    """DRF's error structure as plain JSON, with a bare message under a field wrapped in a list."""
    return {key: [str(value)] if isinstance(value, str) else _plain(value) for key, value in detail.items()}


def _plain(value):
    if isinstance(value, dict):
        return _field_errors(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)


def _validation_body(exc: exceptions.ValidationError) -> dict:
    detail = exc.detail
    if isinstance(detail, dict):
        errors = _field_errors(detail)
        general = errors.get(api_settings.NON_FIELD_ERRORS_KEY)
        leaves = [(path, message) for path, message in _error_leaves(detail) if message]
        if general:
            message = general[0]
        elif len(errors) == 1 and leaves:
            path, first = leaves[0]
            message = f"{path}: {first}" if path else first
        elif errors:
            message = "Some fields are not valid: " + ", ".join(errors) + "."
        else:
            message = "Invalid input."
        return {"detail": message, "code": _validation_code(exc), "errors": errors}
    message = _first_message(detail) or "Invalid input."
    return {"detail": message, "code": _validation_code(exc)}


def api_exception_handler(exc, context):
    """Map domain, DRF and Django exceptions onto the error shape; unexpected errors become a JSON 500."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.message, "code": _known(exc.code, "error")}
        extra = getattr(exc, "extra", None)
        if extra:
            body.update(extra)
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        response = Response(_validation_body(exc), status=exc.status_code)
    else:
        response = exception_handler(exc, context)
        if response is None:
            logger.exception("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
            return Response(
                {"detail": "Something went wrong on our side. Please try again.", "code": "server_error"},
                status=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )
        data = response.data
        if isinstance(data, dict) and "detail" in data:
            detail = data["detail"]
            code = data.get("code")
            if not code:
                code = _first_code(exc.get_codes()) if isinstance(exc, exceptions.APIException) else "error"
            response.data = {"detail": _first_message(detail), "code": _known(str(code), "error")}
        else:
            response.data = {"detail": _first_message(data) or "Request failed.", "code": "error"}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        # One number for people and clients: the text says what `Retry-After` says.
        seconds = max(1, math.ceil(exc.wait))
        response["Retry-After"] = str(seconds)
        unit = "second" if seconds == 1 else "seconds"
        response.data["detail"] = f"Too many requests. Try again in {seconds} {unit}."
    return response


def _json_error(status_code: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status_code)


@csrf_exempt  # an unknown path answers 404 whatever the method; there is nothing to protect
def not_found_view(request, exception=None, *args, **kwargs):
    """JSON 404 for unknown paths (Django's handler404 and the `/api/` catch-all)."""
    return _json_error(404, "Not found.", "not_found")


def server_error_view(request, *args, **kwargs):
    """JSON 500 that never shows a traceback."""
    return _json_error(500, "Something went wrong on our side. Please try again.", "server_error")


def bad_request_view(request, exception=None, *args, **kwargs):
    return _json_error(400, "Bad request.", "bad_request")


def permission_denied_view(request, exception=None, *args, **kwargs):
    return _json_error(403, "You do not have permission to do this.", "permission_denied")
