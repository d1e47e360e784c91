"""Account endpoints that extend dj-rest-auth: throttled login/registration, logout, account deletion."""

from dj_rest_auth.registration.views import RegisterView as BaseRegisterView
from dj_rest_auth.views import LoginView as BaseLoginView
from dj_rest_auth.views import PasswordChangeView as BasePasswordChangeView
from dj_rest_auth.views import UserDetailsView as BaseUserDetailsView
from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.views import TokenRefreshView as BaseTokenRefreshView
from rest_framework_simplejwt.views import TokenVerifyView as BaseTokenVerifyView

from accounts import services, tokens
from accounts.models import User
from accounts.serializers import DUPLICATE_EMAIL, AccountDeleteSerializer, LogoutSerializer, TokenVerifySerializer
from chatAPI.exceptions import DomainError
from chatAPI.throttles import AuthThrottle, PasswordAddressThrottle, PasswordUserThrottle


class RefreshTokenInvalid(DomainError):
    """The refresh token sent to logout is malformed, expired or already blacklisted."""

    status_code = status.HTTP_401_UNAUTHORIZED
    code = "token_not_valid"
    default_message = "The refresh token is not valid or was already used."


class LoginView(BaseLoginView):
    """Exchange email + password for `{access, refresh, user}`."""

    throttle_classes = [AuthThrottle]
    authentication_classes: list = []


class RegisterView(BaseRegisterView):
    """Create an account and return `{access, refresh, user}`."""

    throttle_classes = [AuthThrottle]
    authentication_classes: list = []

    def perform_create(self, serializer):
        # Two sign-ups for one email sent at once both pass the serializer's duplicate check;
        # the later insert then meets the case-insensitive unique constraint. Answer it as the
        # duplicate it is, inside a savepoint so the connection stays usable.
        try:
            with transaction.atomic():
                return super().perform_create(serializer)
        except IntegrityError:
            if not User.objects.filter(email__iexact=serializer.validated_data.get("email", "")).exists():
                raise
            raise serializers.ValidationError({"email": [DUPLICATE_EMAIL]})


class TokenRefreshView(BaseTokenRefreshView):
    """Rotate a refresh token: `{access, refresh}`, the old refresh token is blacklisted.

    simplejwt's view, not dj-rest-auth's, which adds `access_expiration`/`refresh_expiration`.
    """


class TokenVerifyView(BaseTokenVerifyView):
    """200 `{}` while a token would be accepted; 401 once it expired, was blacklisted or revoked."""

    serializer_class = TokenVerifySerializer

    @extend_schema(request=TokenVerifySerializer, responses={200: None})
    def post(self, request):
        serializer = TokenVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            tokens.token_verify(token=serializer.validated_data["token"])
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return Response({})


class LogoutView(APIView):
    """Blacklist the given refresh token so it can no longer be used."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=LogoutSerializer, responses={200: None})
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.refresh_token_blacklist(refresh=serializer.validated_data["refresh"])
        except TokenError:
            raise RefreshTokenInvalid()
        return Response({"detail": "Logged out."})


class UserDetailsView(BaseUserDetailsView):
    """Read or change the profile; DELETE with the password removes the account and everything it owns."""

    http_method_names = ["get", "patch", "delete", "options"]
    # DELETE checks the password: tries are limited per user and per address (GET and PATCH are not).
    throttle_classes = [PasswordUserThrottle, PasswordAddressThrottle]

    @extend_schema(request=AccountDeleteSerializer, responses={204: None})
    def delete(self, request):
        serializer = AccountDeleteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.user_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(BasePasswordChangeView):
    """Change the password; tokens issued before stop working."""

    # `old_password` is a password check: tries are limited per user and per address.
    throttle_classes = [PasswordUserThrottle, PasswordAddressThrottle]

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        services.user_revoke_tokens(user=request.user)
        return Response({"detail": "Password changed. Log in again with the new password."})
