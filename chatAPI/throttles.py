"""Scoped throttles whose rates are read from settings at request time."""

import math

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import ngettext
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


class _MethodThrottle(ScopedThrottle):
    """A scoped throttle that counts only the listed methods."""

    methods: tuple[str, ...] = ()

    def allow_request(self, request, view):
        if request.method not in self.methods:
            return True
        return super().allow_request(request, view)


class AuthThrottle(_MethodThrottle):
    """Login and registration attempts per client address."""

    scope = "auth"
    methods = ("POST",)


class AskThrottle(_MethodThrottle):
    """Questions (LLM + database work) per user."""

    scope = "ask"
    methods = ("POST",)


class DatasourceTestThrottle(ScopedThrottle):
    """Connection tests per user (each one opens a network connection)."""

    scope = "datasource_test"


class PasswordUserThrottle(_MethodThrottle):
    """Password checks of a signed-in user (password change, account deletion), per user.

    Someone holding a stolen access token must not be able to guess the password behind it;
    the count is kept per account, so changing address does not reset it.
    """

    scope = "password"
    methods = ("POST", "DELETE")


class PasswordAddressThrottle(PasswordUserThrottle):
    """The same password checks per client address, across every account tried from it."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": f"addr-{self.get_ident(request)}"}


class AdminLoginThrottle(SimpleRateThrottle):
    """Sign-ins to the Django admin (`POST /admin/login/`) per client address."""

    scope = "admin_login"

    def get_rate(self):
        return settings.THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def throttled_response(wait: float | None) -> JsonResponse:
    """A 429 in the API's error shape, for views outside DRF (the admin's login page)."""
    seconds = max(1, math.ceil(wait or 1))
    detail = ngettext(
        "Too many attempts. Try again in %(seconds)d second.",
        "Too many attempts. Try again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}
    response = JsonResponse({"detail": detail, "code": "throttled"}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class DatasourceRegisterThrottle(_MethodThrottle):
    """Datasource registrations per user (each connects to the database and reads its schema)."""

    scope = "datasource_register"
    methods = ("POST",)


class DatasourceEditThrottle(_MethodThrottle):
    """Datasource edits per user (a changed connection is connected to and read again)."""

    scope = "datasource_edit"
    methods = ("PATCH", "PUT")


class ExampleWriteThrottle(_MethodThrottle):
    """Example saves per user: adding, changing, importing or rating up runs the example's SQL on its datasource."""

    scope = "example_write"
    methods = ("POST", "PATCH", "PUT")


class DatasourceIntrospectThrottle(ScopedThrottle):
    """Schema reads per user (each can take up to DATASOURCE_INTROSPECTION_SECONDS of database work)."""

    scope = "datasource_introspect"
