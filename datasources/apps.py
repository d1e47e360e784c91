from django.apps import AppConfig
from django.core import checks


class DatasourcesConfig(AppConfig):
    """Registered databases, the SQL guard and the read-only executor."""

    name = "datasources"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from datasources import crypto

        # A malformed FIELD_ENCRYPTION_KEY would otherwise pass `check --deploy` and fail
        # at the first request that stores or reads a datasource password.
        checks.register(crypto.check_field_encryption_key, checks.Tags.security)
