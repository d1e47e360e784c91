"""Root URLs: the API under /api/, the admin, and a JSON 404 for anything unknown under /api/."""

from django.contrib import admin
from django.urls import include, path, re_path

from chatAPI import exceptions
from chatAPI.views import ApiRootView, DocsView, HealthView, SchemaView, admin_login, admin_password_change

api_patterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("health/", HealthView.as_view(), name="health"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="schema"), name="swagger-ui"),
    path("auth/", include("accounts.urls")),
    path("", include("datasources.urls")),
    path("", include("chat.urls")),
    path("", include("examples.urls")),
    re_path(r"^.*$", exceptions.not_found_view),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    # Before the admin's own routes, so its password checks cannot be tried without limit.
    path("admin/login/", admin_login),
    path("admin/password_change/", admin_password_change),
    path("admin/", admin.site.urls),
]

handler400 = exceptions.bad_request_view
handler403 = exceptions.permission_denied_view
handler404 = exceptions.not_found_view
handler500 = exceptions.server_error_view
