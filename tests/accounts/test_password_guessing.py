"""Attacks on the password checks behind a signed-in session: password change and account deletion.

Someone holding a stolen access token must not be able to try passwords without limit: after
`THROTTLE_PASSWORD` tries the right password is refused too (429, nothing changes) until the
window has passed, whichever address the tries come from.
"""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import RefreshToken

from tests.conftest import DEFAULT_PASSWORD

User = get_user_model()
NEW_PASSWORD = "New-zebra-lamp-99"

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, moved by hand: `clock.advance(seconds)`."""

    class Clock:
        now = 1_900_000_000.0

        def advance(self, seconds: float) -> None:
            self.now += seconds

    state = Clock()
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: state.now))
    return state


@pytest.fixture
def three_per_hour(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password": "3/hour"}


def client_for(user, address: str = "203.0.113.5") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def change_password(client, old: str):
    body = {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    return client.post("/api/auth/password/change/", body, format="json")


def delete_account(client, password: str):
    return client.delete("/api/auth/user/", {"password": password}, format="json")


def assert_throttled(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"].startswith("Too many requests")
    retry = int(response["Retry-After"])
    assert 0 < retry <= 3600
    assert str(retry) in body["detail"]


@pytest.mark.usefixtures("three_per_hour")
class TestPasswordChange:
    def test_the_right_password_is_refused_after_the_tries_until_the_window_passes(self, user, clock):
        client = client_for(user)
        for guess in ("guess-1", "guess-2", "guess-3"):
            assert change_password(client, guess).status_code == 400
        assert_throttled(change_password(client, DEFAULT_PASSWORD))
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD) and not user.check_password(NEW_PASSWORD)

        clock.advance(3601)
        assert change_password(client, DEFAULT_PASSWORD).status_code == 200
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)

    def test_moving_to_another_address_does_not_reset_the_count(self, user, clock):
        for guess in ("guess-1", "guess-2", "guess-3"):
            assert change_password(client_for(user, "203.0.113.5"), guess).status_code == 400
        for address in ("198.51.100.7", "192.0.2.44", "2001:db8::1"):
            assert_throttled(change_password(client_for(user, address), DEFAULT_PASSWORD))
        user.refresh_from_db()
        assert user.check_password(DEFAULT_PASSWORD)

    def test_one_address_trying_many_accounts_is_stopped(self, make_user, clock):
        victims = [make_user() for _ in range(4)]
        for victim in victims[:3]:
            assert change_password(client_for(victim, "203.0.113.9"), "guess").status_code == 400
        assert_throttled(change_password(client_for(victims[3], "203.0.113.9"), DEFAULT_PASSWORD))
        victims[3].refresh_from_db()
        assert victims[3].check_password(DEFAULT_PASSWORD)
        # Another address is not held back by that one's tries.
        assert change_password(client_for(victims[3], "198.51.100.7"), DEFAULT_PASSWORD).status_code == 200


@pytest.mark.usefixtures("three_per_hour")
class TestAccountDeletion:
    def test_the_right_password_is_refused_after_the_tries_until_the_window_passes(self, user, clock):
        client = client_for(user)
        for guess in ("guess-1", "guess-2", "guess-3"):
            assert delete_account(client, guess).status_code == 400
        assert_throttled(delete_account(client, DEFAULT_PASSWORD))
        assert User.objects.filter(pk=user.pk).exists()

        clock.advance(3601)
        assert delete_account(client, DEFAULT_PASSWORD).status_code == 204
        assert not User.objects.filter(pk=user.pk).exists()

    def test_password_change_and_deletion_share_one_count(self, user, clock):
        client = client_for(user)
        assert change_password(client, "guess-1").status_code == 400
        assert delete_account(client, "guess-2").status_code == 400
        assert change_password(client, "guess-3").status_code == 400
        assert_throttled(delete_account(client, DEFAULT_PASSWORD))
        assert User.objects.filter(pk=user.pk).exists()

    def test_reading_and_renaming_the_profile_stay_open(self, user, clock):
        client = client_for(user)
        for guess in ("guess-1", "guess-2", "guess-3"):
            assert delete_account(client, guess).status_code == 400
        assert client.get("/api/auth/user/").status_code == 200
        assert client.patch("/api/auth/user/", {"nickname": "Still me"}, format="json").status_code == 200
        user.refresh_from_db()
        assert user.nickname == "Still me"
