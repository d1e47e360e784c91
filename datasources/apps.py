from django.apps import AppConfig


class DatasourcesConfig(AppConfig):
    """Registered databases, the SQL guard and the read-only executor."""

    name = "datasources"
    default_auto_field = "django.db.models.BigAutoField"
