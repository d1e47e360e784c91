"""Authentication by case-insensitive email."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class EmailBackend(ModelBackend):
    """Authenticate with an email in any letter case and a password."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = email or username or kwargs.get(get_user_model().USERNAME_FIELD)
        if not email or password is None:
            return None
        User = get_user_model()
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            User().set_password(password)  # equalise timing with the found-user path
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
