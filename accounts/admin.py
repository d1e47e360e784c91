from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Admin for the email-only user."""

    ordering = ["email"]
    list_display = ["email", "nickname", "is_staff", "date_joined"]
    search_fields = ["email", "nickname"]
    fieldsets = (
        (None, {"fields": ("email", "password", "nickname")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "nickname", "password1", "password2")}),)
