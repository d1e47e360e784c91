"""Registration, login, tokens, profile, password change and account deletion."""

import pytest
from django.contrib.auth import get_user_model

User = get_user_model()
PASSWORD = "Zebra-lamp-77"

pytestmark = pytest.mark.django_db


def register(client, email="ann@example.com", nickname="Ann", password=PASSWORD, password2=None):
    return client.post(
        "/api/auth/registration/",
        {"email": email, "nickname": nickname, "password1": password, "password2": password2 or password},
        format="json",
    )


def login(client, email="ann@example.com", password=PASSWORD):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json")


def assert_error_shape(response, status):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    return body


class TestRegistration:
    def test_returns_tokens_and_the_user(self, api_client):
        response = register(api_client, nickname="김철수")
        assert response.status_code == 201
        body = response.json()
        assert body["access"] and body["refresh"]
        assert body["user"] == {"id": body["user"]["id"], "email": "ann@example.com", "nickname": "김철수"}

    def test_many_users_can_sign_up_one_after_another(self, api_client):
        for n in range(4):
            assert register(api_client, email=f"user{n}@example.com").status_code == 201
        assert User.objects.count() == 4

    @pytest.mark.parametrize("duplicate", ["ann@example.com", "ANN@example.com", "Ann@Example.COM"])
    def test_duplicate_email_in_any_case_is_a_400(self, api_client, duplicate):
        assert register(api_client).status_code == 201
        body = assert_error_shape(register(api_client, email=duplicate), 400)
        assert "email" in body["errors"]
        assert User.objects.count() == 1

    def test_mismatched_passwords_are_refused(self, api_client):
        body = assert_error_shape(register(api_client, password2="Other-lamp-88"), 400)
        assert "match" in body["detail"]
        assert not User.objects.exists()

    def test_missing_fields_are_named(self, api_client):
        body = assert_error_shape(api_client.post("/api/auth/registration/", {}, format="json"), 400)
        assert {"email", "password1", "password2", "nickname"} <= set(body["errors"])

    def test_weak_password_is_refused(self, api_client):
        body = assert_error_shape(register(api_client, password="12345678"), 400)
        assert body["errors"]
        assert not User.objects.exists()

    def test_wrong_types_are_a_400(self, api_client):
        response = api_client.post(
            "/api/auth/registration/",
            {"email": ["a@example.com"], "nickname": {"x": 1}, "password1": 5, "password2": 5},
            format="json",
        )
        assert_error_shape(response, 400)
        assert not User.objects.exists()

    def test_a_sign_up_that_loses_the_race_for_its_email_is_a_400(self, api_client, monkeypatch):
        # Two sign-ups sent at once both pass the duplicate check; the second insert then meets
        # the case-insensitive unique constraint. Simulate it by creating the rival after validation.
        from accounts.serializers import RegisterSerializer

        validate = RegisterSerializer.validate

        def validate_then_lose_the_race(self, attrs):
            attrs = validate(self, attrs)
            User.objects.create_user(email="ANN@example.com", password=PASSWORD)
            return attrs

        monkeypatch.setattr(RegisterSerializer, "validate", validate_then_lose_the_race)
        body = assert_error_shape(register(api_client), 400)
        assert body["errors"] == {"email": [body["errors"]["email"][0]]}
        assert "already" in body["detail"] and body["detail"].startswith("email: ")
        assert list(User.objects.values_list("email", flat=True)) == ["ANN@example.com"]

    def test_user_model_has_no_username_column(self):
        assert "username" not in {field.name for field in User._meta.get_fields()}


class TestLogin:
    def test_login_by_email_in_any_case(self, api_client, make_user):
        make_user(email="ann@example.com", password=PASSWORD, nickname="Ann")
        response = login(api_client, email="ANN@Example.com")
        assert response.status_code == 200
        body = response.json()
        assert body["access"] and body["refresh"]
        assert body["user"]["email"] == "ann@example.com"
        assert set(body["user"]) == {"id", "email", "nickname"}

    def test_wrong_password_is_a_400(self, api_client, make_user):
        make_user(email="ann@example.com", password=PASSWORD)
        assert_error_shape(login(api_client, password="wrong-password"), 400)

    def test_unknown_email_is_a_400(self, api_client):
        assert_error_shape(login(api_client, email="nobody@example.com"), 400)

    def test_access_token_opens_the_profile(self, api_client, make_user):
        make_user(email="ann@example.com", password=PASSWORD, nickname="Ann")
        access = login(api_client).json()["access"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        response = api_client.get("/api/auth/user/")
        assert response.status_code == 200
        assert response.json()["nickname"] == "Ann"


class TestThrottling:
    def test_login_is_throttled_with_retry_after(self, api_client, settings, make_user):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "3/min"}
        make_user(email="ann@example.com", password=PASSWORD)
        for _ in range(3):
            assert login(api_client, password="wrong").status_code == 400
        response = login(api_client)
        body = assert_error_shape(response, 429)
        assert body["code"] == "throttled"
        assert int(response["Retry-After"]) > 0

    def test_registration_is_throttled(self, api_client, settings):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "2/min"}
        assert register(api_client, email="a1@example.com").status_code == 201
        assert register(api_client, email="a2@example.com").status_code == 201
        assert_error_shape(register(api_client, email="a3@example.com"), 429)
        assert User.objects.count() == 2

    def test_throttle_state_lives_in_the_shared_cache(self, api_client, settings, make_user):
        from django.core.cache import caches
        from django.core.cache.backends.db import DatabaseCache

        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "1/min"}
        make_user(email="ann@example.com", password=PASSWORD)
        login(api_client)
        # The default cache is the database cache: every uwsgi worker sees the same counters.
        assert isinstance(caches["default"], DatabaseCache)
        caches["default"].clear()
        assert login(api_client).status_code == 200


class TestTokens:
    @pytest.fixture
    def tokens(self, api_client, make_user):
        make_user(email="ann@example.com", password=PASSWORD)
        return login(api_client).json()

    def test_refresh_rotates_and_blacklists_the_old_token(self, api_client, tokens):
        first = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
        assert first.status_code == 200
        rotated = first.json()
        assert rotated["access"] and rotated["refresh"] and rotated["refresh"] != tokens["refresh"]
        again = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
        assert_error_shape(again, 401)
        newer = api_client.post("/api/auth/token/refresh/", {"refresh": rotated["refresh"]}, format="json")
        assert newer.status_code == 200

    def test_refresh_returns_exactly_the_contract_keys(self, api_client, tokens):
        response = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
        assert response.status_code == 200
        assert set(response.json()) == {"access", "refresh"}

    def test_verify(self, api_client, tokens):
        assert api_client.post("/api/auth/token/verify/", {"token": tokens["access"]}, format="json").status_code == 200
        assert (
            api_client.post("/api/auth/token/verify/", {"token": tokens["refresh"]}, format="json").status_code == 200
        )
        assert_error_shape(api_client.post("/api/auth/token/verify/", {"token": "garbage"}, format="json"), 401)

    def test_verify_refuses_a_logged_out_refresh_token(self, api_client, tokens):
        assert api_client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 200
        response = api_client.post("/api/auth/token/verify/", {"token": tokens["refresh"]}, format="json")
        assert assert_error_shape(response, 401)["code"] == "token_not_valid"

    def test_verify_refuses_tokens_revoked_by_a_password_change(self, api_client, tokens):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        changed = api_client.post(
            "/api/auth/password/change/",
            {"old_password": PASSWORD, "new_password1": "New-zebra-lamp-99", "new_password2": "New-zebra-lamp-99"},
            format="json",
        )
        assert changed.status_code == 200
        api_client.credentials()
        for token in (tokens["access"], tokens["refresh"]):
            response = api_client.post("/api/auth/token/verify/", {"token": token}, format="json")
            assert assert_error_shape(response, 401)["code"] == "token_not_valid"
        fresh = login(api_client, password="New-zebra-lamp-99").json()["access"]
        assert api_client.post("/api/auth/token/verify/", {"token": fresh}, format="json").status_code == 200

    def test_verify_refuses_tokens_of_a_deleted_account(self, api_client, tokens):
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert api_client.delete("/api/auth/user/", {"password": PASSWORD}, format="json").status_code == 204
        api_client.credentials()
        for token in (tokens["access"], tokens["refresh"]):
            response = api_client.post("/api/auth/token/verify/", {"token": token}, format="json")
            assert assert_error_shape(response, 401)["code"] == "token_not_valid"

    def test_logout_blacklists_the_refresh_token(self, api_client, tokens):
        response = api_client.post("/api/auth/logout/", {"refresh": tokens["refresh"]}, format="json")
        assert response.status_code == 200
        refresh = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
        assert_error_shape(refresh, 401)

    def test_logout_with_a_bad_token_is_a_401(self, api_client):
        assert_error_shape(api_client.post("/api/auth/logout/", {"refresh": "nope"}, format="json"), 401)
        assert_error_shape(api_client.post("/api/auth/logout/", {}, format="json"), 400)

    def test_missing_or_bad_bearer_is_a_401(self, api_client):
        assert_error_shape(api_client.get("/api/auth/user/"), 401)
        api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
        assert_error_shape(api_client.get("/api/auth/user/"), 401)


class TestProfile:
    def test_get_has_the_contract_fields_and_links(self, auth_client, user):
        body = auth_client.get("/api/auth/user/").json()
        assert set(body) == {"id", "email", "nickname", "date_joined", "_links"}
        rels = {item["rel"] for item in body["_links"]}
        assert {"self", "update", "delete"} <= rels
        assert all(item["href"].startswith("http://testserver/") for item in body["_links"])

    def test_links_lead_to_token_refresh_and_verify(self, api_client, make_user):
        make_user(email="ann@example.com", password=PASSWORD)
        tokens = login(api_client).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        links = {item["rel"]: item for item in api_client.get("/api/auth/user/").json()["_links"]}
        api_client.credentials()
        assert links["refresh"]["method"] == links["verify"]["method"] == "POST"

        verify = links["verify"]["href"].removeprefix("http://testserver")
        assert api_client.post(verify, {"token": tokens["access"]}, format="json").status_code == 200
        refresh = links["refresh"]["href"].removeprefix("http://testserver")
        rotated = api_client.post(refresh, {"refresh": tokens["refresh"]}, format="json")
        assert rotated.status_code == 200
        assert api_client.post(verify, {"token": rotated.json()["access"]}, format="json").status_code == 200

    def test_patch_changes_the_nickname_only(self, auth_client, user):
        response = auth_client.patch(
            "/api/auth/user/", {"nickname": "앨리스", "email": "evil@example.com"}, format="json"
        )
        assert response.status_code == 200
        user.refresh_from_db()
        assert user.nickname == "앨리스"
        assert user.email == "alice@example.com"

    def test_blank_nickname_is_refused(self, auth_client, user):
        assert_error_shape(auth_client.patch("/api/auth/user/", {"nickname": "  "}, format="json"), 400)
        user.refresh_from_db()
        assert user.nickname == "Alice"

    def test_put_is_not_allowed(self, auth_client):
        body = assert_error_shape(auth_client.put("/api/auth/user/", {"nickname": "x"}, format="json"), 405)
        assert body["code"] == "method_not_allowed"


class TestPasswordChange:
    def test_change_revokes_old_tokens(self, api_client, make_user):
        make_user(email="ann@example.com", password=PASSWORD)
        tokens = login(api_client).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        response = api_client.post(
            "/api/auth/password/change/",
            {"old_password": PASSWORD, "new_password1": "New-zebra-lamp-99", "new_password2": "New-zebra-lamp-99"},
            format="json",
        )
        assert response.status_code == 200
        assert_error_shape(api_client.get("/api/auth/user/"), 401)
        api_client.credentials()
        refresh = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
        assert_error_shape(refresh, 401)
        assert login(api_client, password=PASSWORD).status_code == 400
        assert login(api_client, password="New-zebra-lamp-99").status_code == 200

    def test_wrong_old_password_changes_nothing(self, auth_client, user):
        response = auth_client.post(
            "/api/auth/password/change/",
            {"old_password": "wrong", "new_password1": "New-zebra-lamp-99", "new_password2": "New-zebra-lamp-99"},
            format="json",
        )
        body = assert_error_shape(response, 400)
        assert "old_password" in body["errors"]
        user.refresh_from_db()
        assert user.check_password("correct-horse-battery-9")


class TestAccountDeletion:
    def test_needs_the_password(self, auth_client, user):
        assert_error_shape(auth_client.delete("/api/auth/user/", {}, format="json"), 400)
        assert_error_shape(auth_client.delete("/api/auth/user/", {"password": "wrong"}, format="json"), 400)
        assert User.objects.filter(pk=user.pk).exists()

    def test_deletes_exactly_that_users_data(self, auth_client, user, other_user):
        from chat.models import Conversation
        from datasources.models import DataSource

        mine = DataSource.objects.create(owner=user, name="mine", engine="sqlite", sqlite_path="a.db")
        theirs = DataSource.objects.create(owner=other_user, name="theirs", engine="sqlite", sqlite_path="b.db")
        Conversation.objects.create(owner=user, datasource=mine, title="mine")
        Conversation.objects.create(owner=other_user, datasource=theirs, title="theirs")

        response = auth_client.delete("/api/auth/user/", {"password": "correct-horse-battery-9"}, format="json")
        assert response.status_code == 204
        assert not User.objects.filter(pk=user.pk).exists()
        assert list(DataSource.objects.values_list("name", flat=True)) == ["theirs"]
        assert list(Conversation.objects.values_list("title", flat=True)) == ["theirs"]
        assert_error_shape(auth_client.get("/api/auth/user/"), 401)

    def test_deleted_accounts_refresh_token_is_dead(self, api_client, make_user):
        make_user(email="ann@example.com", password=PASSWORD)
        tokens = login(api_client).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
        assert api_client.delete("/api/auth/user/", {"password": PASSWORD}, format="json").status_code == 204
        api_client.credentials()
        refresh = api_client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]}, format="json")
        assert refresh.status_code == 401
        assert register(api_client).status_code == 201
