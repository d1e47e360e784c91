"""Datasource routes, included at /api/."""

from django.urls import path

from datasources import views

urlpatterns = [
    path("datasources/", views.DataSourceListView.as_view(), name="datasource-list"),
    path("datasources/<int:pk>/", views.DataSourceDetailView.as_view(), name="datasource-detail"),
    path("datasources/<int:pk>/test/", views.DataSourceTestView.as_view(), name="datasource-test"),
    path("datasources/<int:pk>/introspect/", views.DataSourceIntrospectView.as_view(), name="datasource-introspect"),
    path("datasources/<int:pk>/schema/", views.DataSourceSchemaView.as_view(), name="datasource-schema"),
]
