"""Guessing the Django admin's password: sign-ins at `/admin/login/` are throttled per client address."""

import pytest
from django.test import Client
from rest_framework.throttling import SimpleRateThrottle

from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, moved by hand."""
    state = {"now": 1_900_000_000.0}
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: state["now"]))
    return state


@pytest.fixture
def staff(make_user):
    return make_user(email="root@example.com", is_staff=True, is_superuser=True)


def sign_in(client: Client, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": "root@example.com", "password": password})


def is_signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_the_right_password_is_refused_after_the_tries_until_the_window_passes(settings, staff, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "admin_login": "3/min"}
    client = Client(REMOTE_ADDR="203.0.113.5")
    for guess in ("guess-1", "guess-2", "guess-3"):
        response = sign_in(client, guess)
        assert response.status_code == 200  # the form again, with its error
        assert not is_signed_in(client)

    response = sign_in(client, DEFAULT_PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["Retry-After"] in body["detail"]
    assert not is_signed_in(client)

    # The form itself still loads (GET is not a try).
    assert client.get("/admin/login/").status_code == 200

    clock["now"] += 61
    assert sign_in(client, DEFAULT_PASSWORD).status_code == 302
    assert is_signed_in(client)


def test_the_count_is_per_client_address(settings, staff, clock):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "admin_login": "2/min"}
    guesser = Client(REMOTE_ADDR="203.0.113.5")
    for guess in ("guess-1", "guess-2"):
        sign_in(guesser, guess)
    assert sign_in(guesser, DEFAULT_PASSWORD).status_code == 429

    admin = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(admin, DEFAULT_PASSWORD).status_code == 302
    assert is_signed_in(admin)


def test_the_admin_password_change_form_counts_as_a_password_check(settings, staff, clock):
    """A hijacked admin session cannot guess the password through the admin's own change form."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "password": "3/hour"}
    client = Client(REMOTE_ADDR="203.0.113.5")
    client.force_login(staff)

    def change(old: str):
        new = "New-zebra-lamp-99"
        return client.post("/admin/password_change/", {"old_password": old, "new_password1": new, "new_password2": new})

    for guess in ("guess-1", "guess-2", "guess-3"):
        assert change(guess).status_code == 200  # the form again, with its error
    response = change(DEFAULT_PASSWORD)
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    staff.refresh_from_db()
    assert staff.check_password(DEFAULT_PASSWORD)

    clock["now"] += 3601
    assert change(DEFAULT_PASSWORD).status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("New-zebra-lamp-99")
