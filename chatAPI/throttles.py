"""Scoped throttles whose rates are read from settings at request time."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ScopedThrottle(SimpleRateThrottle):
    """Rate-limit by `scope`, keyed on the user when authenticated, else on the client IP."""

    scope = ""

    def get_rate(self):
        return settings.THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AuthThrottle(ScopedThrottle):
    """Login and registration attempts per client address."""

    scope = "auth"

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class AskThrottle(ScopedThrottle):
    """Questions (LLM + database work) per user."""

    scope = "ask"

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


class DatasourceTestThrottle(ScopedThrottle):
    """Connection tests per user (each one opens a network connection)."""

    scope = "datasource_test"


class _MethodThrottle(ScopedThrottle):
    """A scoped throttle that counts only the listed methods."""

    methods: tuple[str, ...] = ()

    def allow_request(self, request, view):
        if request.method not in self.methods:
            return True
        return super().allow_request(request, view)


class DatasourceRegisterThrottle(_MethodThrottle):
    """Datasource registrations per user (each connects to the database and reads its schema)."""

    scope = "datasource_register"
    methods = ("POST",)


class DatasourceEditThrottle(_MethodThrottle):
    """Datasource edits per user (a changed connection is connected to and read again)."""

    scope = "datasource_edit"
    methods = ("PATCH", "PUT")


class DatasourceIntrospectThrottle(ScopedThrottle):
    """Schema reads per user (each can take up to DATASOURCE_INTROSPECTION_SECONDS of database work)."""

    scope = "datasource_introspect"
