from django.apps import AppConfig


class ExamplesConfig(AppConfig):
    """Verified question→SQL examples, feedback on turns, retrieval and suggestions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "examples"
    verbose_name = "Verified examples"
