from django.urls import path

from chatAPI.exceptions import not_found_view

# Placeholder routes; the datasource endpoints replace them.
urlpatterns = [
    path("datasources/", not_found_view, name="datasource-list"),
]
