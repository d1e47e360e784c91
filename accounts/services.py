"""Writes on user accounts."""

from django.db import transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User


def user_revoke_tokens(*, user: User) -> None:
    """Blacklist every refresh token the user holds."""
    for token in OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False):
        BlacklistedToken.objects.get_or_create(token=token)


def refresh_token_blacklist(*, refresh: str) -> None:
    """Blacklist one refresh token (logout); raises `TokenError` when it is not valid."""
    RefreshToken(refresh).blacklist()


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete the account with everything it owns (conversations, datasources cascade)."""
    # The blacklist rows outlive the user (their FK is SET_NULL), so a refresh
    # token of a deleted account is refused as blacklisted.
    user_revoke_tokens(user=user)
    user.delete()
