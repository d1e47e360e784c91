"""The OpenAPI description's shared parts: Link, Error and TurnFailure components, the error answers
each operation documents, and a hook that lists the error codes as enums.

Lists are rendered from hand-built dicts for speed; the serializers here and in each app's
`openapi.py` only describe that JSON (a test validates real answers against the schema).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import OpenApiResponse, extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from chatAPI import error_codes

API_DESCRIPTION = """
Talk to your databases: a question goes in, a checked read-only SQL query runs, and the answer
comes back with its rows. Every turn is stored as your own history.

**Authentication.** Log in (`login`) or sign up (`register`) for `{access, refresh, user}`; send
`Authorization: Bearer <access>` on every other call. An access token lives minutes; trade the
refresh token for a new pair at `refreshToken` (the old one stops working). Bearer requests need
no CSRF token.

**Links.** Every resource and every page carries `_links`: `{rel, desc, href, method}` with an
absolute `href`. Start at `GET /api/` and follow `rel`s (`self`, `messages`, `ask`, `csv`, `next`...).

**Pagination.** Lists take `?page=N&per-page=M` (default 20, at most 100; `page_size` is an old
alias) and answer `{count, next, previous, results, _links}`. A page past the end is a 404
(`page_not_found`); a `per-page` that is not a positive number is a 400 (`invalid_page_size`).

**Errors.** Every error is JSON: `{"detail": "<a sentence for people>", "code": "<machine code>"}`,
plus `errors: {"<field>": ["..."]}` when input is invalid. `code` names the failure (one of
`ErrorCode`): a view's own code such as `unknown_datasource` or `confirm_all` when all the field
messages share it, else `invalid`. 401 means no or a bad token, 404 also covers other users'
objects, 413 a body over the size limit, 429 a throttle (wait `Retry-After` seconds).

**Asking.** An ask stores a turn whatever happens. It answers 201 with the turn, or, when the
model or the datasource failed, 422/502/504 with a `TurnFailure` (the error plus the stored
`turn`). With `Accept: text/event-stream` the same request answers a stream of server-sent
events (`stage`, `sql`, `result`, `summary`, then `done` or `error`; payloads are the
`Stream*Event` components). A turn's result downloads as CSV (`Accept: text/csv` or any).
""".strip()

# What each error status means wherever an operation documents it.
ERROR_DESCRIPTIONS = {
    400: _("Invalid input: `errors` names the fields, `code` the failure"),
    401: _("No access token, or it is expired, malformed or revoked"),
    403: _("You may not do this to this object"),
    404: _("Not found, or not yours"),
    409: _("Your saved history is full (`storage_quota_exceeded`): delete conversations, then ask again"),
    413: _("The request body is over the size limit"),
    415: _("The request body is not JSON"),
    429: _("Too many requests: wait `Retry-After` seconds"),
}
TURN_FAILURE_DESCRIPTIONS = {
    422: _("Offline mode cannot answer this question (`offline_unsupported`); the failed turn is stored"),
    502: _("The model or the datasource failed; the failed turn is stored"),
    504: _("The model did not answer in time (`llm_timeout`); the failed turn is stored"),
}
HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@extend_schema_serializer(component_name="Link")
class LinkSerializer(serializers.Serializer):
    """One hypermedia link."""

    rel = serializers.CharField(help_text="Stable machine key: self, next, messages, ask, csv...")
    desc = serializers.CharField(help_text="What the link leads to, for people")
    href = serializers.URLField(help_text="Absolute URL")
    method = serializers.ChoiceField(choices=HTTP_METHODS)


def links_field() -> LinkSerializer:
    """The `_links` of a resource or a page."""
    return LinkSerializer(many=True, help_text="Where you can go from here")


@extend_schema_field(
    {
        "type": "object",
        "additionalProperties": {},
        "description": "Messages per field: a list of strings, or for nested input the same shape keyed by "
        "field name or item index",
    }
)
class FieldErrorsField(serializers.DictField):
    """The `errors` of a validation failure (described, never rendered)."""


@extend_schema_serializer(component_name="Error")
class ErrorSerializer(serializers.Serializer):
    """The one error shape."""

    detail = serializers.CharField(help_text="A sentence for people")
    code = serializers.CharField(help_text="Machine code; see ErrorCode")
    errors = FieldErrorsField(required=False)


def error_response(status: int, description=None) -> OpenApiResponse:
    """An error answer of `status` in the Error shape."""
    return OpenApiResponse(ErrorSerializer, description=description or ERROR_DESCRIPTIONS.get(status, ""))


def errors(*statuses: int) -> dict:
    """`extend_schema(responses=...)` entries for error answers an operation gives beyond the automatic ones."""
    return {status: error_response(status) for status in statuses}


class ApiAutoSchema(AutoSchema):
    """Adds the error answers each operation really gives (from its auth, throttles, path, body and
    pagination) and `Retry-After` on 429; lets an operation document a DELETE body."""

    def _error_statuses(self, responses: dict) -> list[int]:
        view = self.view
        method = self.method
        statuses = []
        has_body = self._get_request_body() is not None
        is_page = method == "GET" and self._is_list_view() and self._get_paginator() is not None
        if has_body or is_page:
            statuses.append(400)
        authenticators = getattr(view, "authentication_classes", [])
        permissions = getattr(view, "permission_classes", [])
        if authenticators and not all(issubclass(p, AllowAny) for p in permissions):
            statuses.append(401)
        if "{" in self.path or is_page:
            statuses.append(404)
        if has_body:
            statuses += [413, 415]
        # A throttle limits the methods it names (`methods`), by default only POST.
        if any(method in getattr(throttle, "methods", ("POST",)) for throttle in getattr(view, "throttle_classes", [])):
            statuses.append(429)
        return [status for status in statuses if str(status) not in responses]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in self._error_statuses(responses):
            responses[str(status)] = self._get_response_for_code(
                error_response(status), str(status), media_types=["application/json"], direction=direction
            )
        return dict(sorted(responses.items()))

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        if str(status_code) >= "400" and not media_types:
            media_types = ["application/json"]  # errors are JSON whatever the success answers are
        return super()._get_response_for_code(serializer, status_code, media_types, direction)

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if str(status_code) == "429":
            headers["Retry-After"] = {
                "schema": {"type": "integer", "minimum": 1},
                "description": "Seconds to wait before trying again",
                "required": True,
            }
        return headers

    def _get_request_body(self, direction="request"):
        if self.method == "DELETE" and getattr(self.view, "delete_has_body", False):
            # drf-spectacular documents bodies on POST/PUT/PATCH only; this DELETE takes one.
            self.method = "POST"
            try:
                return super()._get_request_body(direction)
            finally:
                self.method = "DELETE"
        return super()._get_request_body(direction)


def _enum_component(codes: dict[str, str], description: str) -> dict:
    lines = "\n".join(f"- `{code}`: {meaning}" for code, meaning in codes.items())
    return {"type": "string", "enum": list(codes), "description": f"{description}\n\n{lines}"}


def postprocess_stream_events(result, generator, request, public):
    """Register each stream event's payload as a component and name them on the event-stream answers."""
    from chat.openapi import STREAM_EVENTS

    auto = ApiAutoSchema()
    auto.registry, auto.method, auto.path, auto.view = generator.registry, "GET", "", APIView()
    auto.view.request = None
    refs = {event: auto.resolve_serializer(serializer(), "response").ref for event, serializer in STREAM_EVENTS.items()}
    result["components"] = generator.registry.build(spectacular_settings.APPEND_COMPONENTS)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                media = response.get("content", {}).get("text/event-stream")
                if media is not None:
                    media["x-events"] = refs
    return result


def postprocess_error_codes(result, generator, request, public):
    """List the error codes as enums (`ErrorCode` on Error.code, `TurnErrorCode` on TurnError.code); the description."""
    result.setdefault("info", {})["description"] = API_DESCRIPTION
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["ErrorCode"] = _enum_component(error_codes.error_codes(), "Machine code of an error answer.")
    schemas["TurnErrorCode"] = _enum_component(error_codes.turn_error_codes(), "Why a stored turn failed.")
    pairs = [("Error", "ErrorCode"), ("TurnFailure", "ErrorCode"), ("StreamErrorEvent", "ErrorCode")]
    for name, enum in [*pairs, ("TurnError", "TurnErrorCode")]:
        if name in schemas:
            schemas[name]["properties"]["code"] = {"$ref": f"#/components/schemas/{enum}"}
    return result
