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


class PasswordUserThrottle(ScopedThrottle):
    """Password checks of a signed-in user (password change, account deletion), per user.

    Someone holding a stolen access token must not be able to guess the password behind it;
    the count is kept per account, so changing address does not reset it.
    """

    scope = "password"
    methods = ("POST", "DELETE")

    def allow_request(self, request, view):
        if request.method not in self.methods:
            return True
        return super().allow_request(request, view)


class PasswordAddressThrottle(PasswordUserThrottle):
    """The same password checks per client address, across every account tried from it."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": f"addr-{self.get_ident(request)}"}

