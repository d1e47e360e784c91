from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Email users, registration and JWT auth."""

    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
