"""Serializers for registration, login, tokens and the profile."""

from dj_rest_auth.registration.serializers import RegisterSerializer as BaseRegisterSerializer
from dj_rest_auth.serializers import LoginSerializer as BaseLoginSerializer
from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chatAPI.links import link
from chatAPI.openapi import LinkSerializer

User = get_user_model()

DUPLICATE_EMAIL = "A user with this email address already exists."


class UserBriefSerializer(serializers.ModelSerializer):
    """The user as returned with tokens: `{id, email, nickname}`."""

    class Meta:
        model = User
        fields = ["id", "email", "nickname"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    """The profile: `{id, email, nickname, date_joined, _links}`; only the nickname is writable."""

    _links = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "nickname", "date_joined", "_links"]
        read_only_fields = ["id", "email", "date_joined"]

    def validate_nickname(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Nickname cannot be empty.")
        return value

    @extend_schema_field(LinkSerializer(many=True))
    def get__links(self, obj) -> list[dict]:
        request = self.context["request"]
        return [
            link(request, "self", "Your profile", "rest_user_details"),
            link(request, "update", "Change your nickname", "rest_user_details", method="PATCH"),
            link(request, "delete", "Delete your account (needs your password)", "rest_user_details", method="DELETE"),
            link(request, "password_change", "Change your password", "rest_password_change", method="POST"),
            link(request, "logout", "Log out (send your refresh token)", "rest_logout", method="POST"),
            link(request, "refresh", "Trade your refresh token for a new pair", "token_refresh", method="POST"),
            link(request, "verify", "Check whether a token is still accepted", "token_verify", method="POST"),
            link(request, "conversations", "Your conversations", "conversation-list"),
            link(request, "datasources", "Databases you can ask", "datasource-list"),
        ]


@extend_schema_serializer(component_name="TokenPair")
class TokenPairSerializer(serializers.Serializer):
    """Login and registration response: `{access, refresh, user}`."""

    access = serializers.CharField()
    refresh = serializers.CharField()
    user = UserBriefSerializer()


class LoginSerializer(BaseLoginSerializer):
    """Email + password; there is no username."""

    username = None
    email = serializers.EmailField()
    password = serializers.CharField(style={"input_type": "password"})

    def validate(self, attrs):
        try:
            return super().validate(attrs)
        except serializers.ValidationError as exc:
            # The same message, with a code a client can tell from a malformed form.
            messages = exc.detail if isinstance(exc.detail, list) else [exc.detail]
            raise serializers.ValidationError([str(m) for m in messages], code="invalid_credentials")


class RegisterSerializer(BaseRegisterSerializer):
    """Sign-up with email, nickname and the password twice; duplicate emails in any case are refused."""

    username = None
    nickname = serializers.CharField(max_length=50)

    def validate_email(self, email: str) -> str:
        email = super().validate_email(email)
        if User.objects.filter(email__iexact=email).exists():
            raise serializers.ValidationError(DUPLICATE_EMAIL)
        return email

    def validate_nickname(self, value: str) -> str:
        value = value.strip()
        if not value:
            raise serializers.ValidationError("Nickname cannot be empty.")
        return value

    def get_cleaned_data(self) -> dict:
        data = super().get_cleaned_data()
        data["nickname"] = self.validated_data.get("nickname", "")
        data.pop("username", None)
        return data


class AccountDeleteSerializer(serializers.Serializer):
    """Confirms an account deletion with the current password."""

    password = serializers.CharField(style={"input_type": "password"})

    def validate_password(self, value: str) -> str:
        if not self.context["request"].user.check_password(value):
            raise serializers.ValidationError("The password is not correct.", code="wrong_password")
        return value


class TokenVerifySerializer(serializers.Serializer):
    """The access or refresh token to check."""

    token = serializers.CharField()


class LogoutSerializer(serializers.Serializer):
    """The refresh token to blacklist."""

    refresh = serializers.CharField()
