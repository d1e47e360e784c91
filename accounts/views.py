"""Account endpoints that extend dj-rest-auth: throttled login/registration, logout, account deletion."""

from dj_rest_auth.registration.views import RegisterView as BaseRegisterView
from dj_rest_auth.views import LoginView as BaseLoginView
from dj_rest_auth.views import PasswordChangeView as BasePasswordChangeView
from dj_rest_auth.views import UserDetailsView as BaseUserDetailsView
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError

from accounts import services
from accounts.serializers import AccountDeleteSerializer, LogoutSerializer
from chatAPI.exceptions import DomainError
from chatAPI.throttles import AuthThrottle


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

    @extend_schema(request=AccountDeleteSerializer, responses={204: None})
    def delete(self, request):
        serializer = AccountDeleteSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        services.user_delete(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(BasePasswordChangeView):
    """Change the password; tokens issued before stop working."""

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        services.user_revoke_tokens(user=request.user)
        return Response({"detail": "Password changed. Log in again with the new password."})
