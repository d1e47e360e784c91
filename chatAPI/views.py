"""The API root (entry points as links), the health check, and the admin's throttled login."""

from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.db.utils import DatabaseError
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chatAPI.links import link
from chatAPI.openapi import links_field
from chatAPI.throttles import AdminLoginThrottle, PasswordAddressThrottle, PasswordUserThrottle, throttled_response

API_VERSION = "1.0.0"


def llm_description() -> dict:
    """Which LLM mode is on and the SQL stage's model."""
    mode = settings.LLM_PROVIDER
    return {"mode": mode, "model": settings.OPENAI_SQL_MODEL if mode == "openai" else "offline"}


@extend_schema_serializer(component_name="LlmMode")
class LlmModeSchema(serializers.Serializer):
    """Which LLM answers: `openai` (any OpenAI-compatible endpoint) or the built-in `offline` translator."""

    mode = serializers.ChoiceField(choices=["openai", "offline"])
    model = serializers.CharField()


@extend_schema_serializer(component_name="ApiRoot")
class ApiRootSchema(serializers.Serializer):
    """The entry point: name, version, LLM mode and links to every part of the API."""

    name = serializers.CharField()
    version = serializers.CharField()
    llm = LlmModeSchema()
    _links = links_field()


@extend_schema_serializer(component_name="Health")
class HealthSchema(serializers.Serializer):
    """Whether the API and its database answer."""

    status = serializers.ChoiceField(choices=["ok", "degraded"])
    database = serializers.ChoiceField(choices=["ok", "unavailable"])


class ApiRootView(APIView):
    """Entry point: name, version, LLM mode and a link to every part of the API."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="getApiRoot", summary="Entry points, version and LLM mode", responses={200: ApiRootSchema}
    )
    def get(self, request):
        links = [
            link(request, "self", "This entry point", "api-root"),
            link(request, "login", "Log in with email and password", "rest_login", method="POST"),
            link(request, "registration", "Create an account", "rest_register", method="POST"),
            link(request, "user", "Your profile (needs a token)", "rest_user_details"),
            link(request, "conversations", "Your conversations (needs a token)", "conversation-list"),
            link(request, "datasources", "Databases you can ask (needs a token)", "datasource-list"),
            link(request, "chat", "Ask a question in one call (needs a token)", "chat-oneshot", method="POST"),
            link(request, "docs", "Interactive API documentation", "swagger-ui"),
            link(request, "schema", "OpenAPI 3 schema", "schema"),
        ]
        return Response({"name": "chatAPI", "version": API_VERSION, "llm": llm_description(), "_links": links})


class HealthView(APIView):
    """Liveness plus a round trip to the app database."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        operation_id="getHealth",
        summary="Check the API and its database",
        responses={200: HealthSchema, 503: HealthSchema},
    )
    def get(self, request):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        except DatabaseError:
            return Response({"status": "degraded", "database": "unavailable"}, status=503)
        return Response({"status": "ok", "database": "ok"})


def admin_login(request, *args, **kwargs):
    """The admin's own login page, with sign-in attempts (POST) throttled per client address."""
    if request.method == "POST":
        throttle = AdminLoginThrottle()
        if not throttle.allow_request(request, None):
            return throttled_response(throttle.wait())
    return admin.site.login(request, *args, **kwargs)


def admin_password_change(request, *args, **kwargs):
    """The admin's password change form: its old-password check counts against `THROTTLE_PASSWORD`."""
    if request.method == "POST":
        for throttle in (PasswordUserThrottle(), PasswordAddressThrottle()):
            if not throttle.allow_request(request, None):
                return throttled_response(throttle.wait())
    return admin.site.password_change(request, *args, **kwargs)


class JsonErrorsMixin:
    """Errors (and OPTIONS) answer JSON even from views whose success is YAML or HTML (the schema, the docs)."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(response, "exception", False) or request.method == "OPTIONS":
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response


class SchemaView(JsonErrorsMixin, SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with `?format=json`)."""


class DocsView(JsonErrorsMixin, SpectacularSwaggerSplitView):
    """Swagger UI over the schema, with locally served assets."""
