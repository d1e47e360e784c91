"""Account endpoints that extend dj-rest-auth: throttled login/registration, logout, account deletion."""

from dj_rest_auth.registration.views import RegisterView as BaseRegisterView
from dj_rest_auth.views import LoginView as BaseLoginView
from dj_rest_auth.views import PasswordChangeView as BasePasswordChangeView
from dj_rest_auth.views import UserDetailsView as BaseUserDetailsView
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
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
from accounts.openapi import TOKEN_ACCEPTED, DetailMessageSchema, RefreshedTokensSchema
from accounts.serializers import (
    DUPLICATE_EMAIL,
    AccountDeleteSerializer,
    LoginSerializer,
    LogoutSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    TokenVerifySerializer,
    UserSerializer,
)
from chatAPI.exceptions import DomainError
from chatAPI.openapi import errors
from chatAPI.throttles import AuthThrottle, PasswordAddressThrottle, PasswordUserThrottle


class RefreshTokenInvalid(DomainError):
    """The refresh token sent to logout is malformed, expired or already blacklisted."""

    status_code = status.HTTP_401_UNAUTHORIZED
    code = "token_not_valid"
    default_message = _("The refresh token is not valid or was already used.")


class LoginView(BaseLoginView):
    """Exchange email + password for `{access, refresh, user}`."""

    throttle_classes = [AuthThrottle]
    authentication_classes: list = []

    @extend_schema(
        operation_id="login",
        summary="Log in with email and password",
        request=LoginSerializer,
        responses={200: TokenPairSerializer},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class RegisterView(BaseRegisterView):
    """Create an account and return `{access, refresh, user}`."""

    throttle_classes = [AuthThrottle]
    authentication_classes: list = []

    @extend_schema(
        operation_id="register",
        summary="Create an account",
        request=RegisterSerializer,
        responses={201: TokenPairSerializer},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

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

    @extend_schema(
        operation_id="refreshToken",
        summary="Trade a refresh token for a new token pair",
        responses={200: RefreshedTokensSchema, **errors(401)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class TokenVerifyView(BaseTokenVerifyView):
    """200 `{}` while a token would be accepted; 401 once it expired, was blacklisted or revoked."""

    serializer_class = TokenVerifySerializer

    @extend_schema(
        operation_id="verifyToken",
        summary="Check whether a token would be accepted",
        request=TokenVerifySerializer,
        responses={200: TOKEN_ACCEPTED, **errors(401)},
    )
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

    @extend_schema(
        operation_id="logout",
        summary="Log out: the refresh token stops working",
        request=LogoutSerializer,
        responses={200: DetailMessageSchema, **errors(401)},
    )
    def post(self, request):
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.refresh_token_blacklist(refresh=serializer.validated_data["refresh"])
        except TokenError:
            raise RefreshTokenInvalid()
        return Response({"detail": _("Logged out.")})


class UserDetailsView(BaseUserDetailsView):
    """Read or change the profile; DELETE with the password removes the account and everything it owns."""

    http_method_names = ["get", "patch", "delete", "options"]
    # DELETE checks the password: tries are limited per user and per address (GET and PATCH are not).
    throttle_classes = [PasswordUserThrottle, PasswordAddressThrottle]
    delete_has_body = True  # the password confirms the deletion

    @extend_schema(operation_id="getProfile", summary="Read your profile", responses={200: UserSerializer})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="updateProfile",
        summary="Change your nickname",
        request=UserSerializer,
        responses={200: UserSerializer},
    )
    def patch(self, request, *args, **kwargs):
        return super().patch(request, *args, **kwargs)

    @extend_schema(
        operation_id="deleteAccount",
        summary="Delete your account and everything it owns (needs your password)",
        request=AccountDeleteSerializer,
        responses={204: None},
    )
    def delete(self, request):
        serializer = AccountDeleteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.user_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(BasePasswordChangeView):
    """Change the password; tokens issued before stop working."""

    # `old_password` is a password check: tries are limited per user and per address.
    throttle_classes = [PasswordUserThrottle, PasswordAddressThrottle]

    @extend_schema(
        operation_id="changePassword",
        summary="Change your password (then log in again)",
        responses={200: DetailMessageSchema},
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        services.user_revoke_tokens(user=request.user)
        return Response({"detail": _("Password changed. Log in again with the new password.")})
