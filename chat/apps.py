from django.apps import AppConfig


class ChatConfig(AppConfig):
    """Conversations, turns and the answer pipeline."""

    name = "chat"
    default_auto_field = "django.db.models.BigAutoField"
