"""Routes of the conversation API, included at `/api/`."""

from django.urls import path

from chat import views

urlpatterns = [
    path("conversations/", views.ConversationListView.as_view(), name="conversation-list"),
    path("conversations/<int:pk>/", views.ConversationDetailView.as_view(), name="conversation-detail"),
    path("conversations/<int:pk>/messages/", views.ConversationMessagesView.as_view(), name="conversation-messages"),
    path("messages/<int:pk>/", views.MessageDetailView.as_view(), name="message-detail"),
    path("messages/<int:pk>/csv/", views.MessageCsvView.as_view(), name="message-csv"),
    path("chat/", views.OneShotView.as_view(), name="chat-oneshot"),
]
