"""Routes of examples, feedback and suggestions, included at `/api/`."""

from django.urls import path

from examples import views

urlpatterns = [
    path("datasources/<int:pk>/examples/", views.ExampleListView.as_view(), name="example-list"),
    path("datasources/<int:pk>/examples/export/", views.ExampleExportView.as_view(), name="example-export"),
    path("datasources/<int:pk>/examples/import/", views.ExampleImportView.as_view(), name="example-import"),
    path("datasources/<int:pk>/suggestions/", views.SuggestionsView.as_view(), name="datasource-suggestions"),
    path("examples/<int:pk>/", views.ExampleDetailView.as_view(), name="example-detail"),
    path("messages/<int:pk>/feedback/", views.MessageFeedbackView.as_view(), name="message-feedback"),
]
