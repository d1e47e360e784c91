"""Whether a JWT would still be accepted: signed, unexpired, not blacklisted, its account unchanged."""

from django.utils.translation import gettext as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken
from rest_framework_simplejwt.tokens import UntypedToken


def token_verify(*, token: str) -> None:
    """Raise `TokenError` unless `token` (access or refresh) is still good.

    simplejwt's own verify checks only the signature, expiry and (for refresh tokens) the
    blacklist as a 400; it still accepts the access token of a deleted account or one that a
    password change revoked (`CHECK_REVOKE_TOKEN`), which every authenticated endpoint refuses.
    """
    parsed = UntypedToken(token)
    if BlacklistedToken.objects.filter(token__jti=parsed.get(api_settings.JTI_CLAIM)).exists():
        raise TokenError(_("Token is blacklisted"))
    try:
        # The same account checks as authentication: the user exists, is active, and the
        # token's password claim matches the current password.
        JWTAuthentication().get_user(parsed)
    except AuthenticationFailed as exc:
        detail = exc.detail if isinstance(exc.detail, str) else _("Token is invalid")
        raise TokenError(str(detail)) from exc
