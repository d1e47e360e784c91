from django.urls import path

from chatAPI.exceptions import not_found_view

# Placeholder routes; the conversation endpoints replace them.
urlpatterns = [
    path("conversations/", not_found_view, name="conversation-list"),
    path("chat/", not_found_view, name="chat-oneshot"),
]
