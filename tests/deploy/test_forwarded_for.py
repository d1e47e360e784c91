"""Through nginx, a client's own `X-Forwarded-For` header does not change who the throttles think it is.

The stack runs with `NUM_PROXIES=1` (one trusted proxy: our nginx), the setting under which
DRF takes the client address from the last `X-Forwarded-For` entry. nginx must therefore set
that header from the connection, not pass on what the client wrote.
"""

import re
import uuid

import pytest
import requests

from tests.deploy.stack import make_stack

pytestmark = pytest.mark.deploy

TRIES = 4


@pytest.fixture(scope="module")
def proxied_stack():
    running = make_stack(
        llm_base_url=None,
        extra_env={"NUM_PROXIES": "1", "THROTTLE_AUTH": f"{TRIES}/hour", "THROTTLE_ADMIN_LOGIN": f"{TRIES}/hour"},
    )
    try:
        running.start(seed=False)
    except Exception:
        running.close()
        raise
    yield running
    running.close()


def spoofed(index: int) -> dict:
    """A different made-up client address (and chain) on every request."""
    return {"X-Forwarded-For": f"198.51.100.{index + 1}, 203.0.113.{index + 7}"}


def test_varying_x_forwarded_for_does_not_dodge_the_login_throttle(proxied_stack):
    url = f"{proxied_stack.api}/api/auth/login/"
    body = {"email": f"nobody-{uuid.uuid4().hex[:6]}@example.com", "password": "guess"}
    answers = [requests.post(url, json=body, headers=spoofed(i), timeout=30) for i in range(TRIES + 3)]
    assert [r.status_code for r in answers[:TRIES]] == [400] * TRIES
    for response in answers[TRIES:]:
        assert response.status_code == 429, response.text
        assert response.json()["code"] == "throttled"
        assert int(response.headers["Retry-After"]) > 0


def test_varying_x_forwarded_for_does_not_dodge_the_admin_login_throttle(proxied_stack):
    url = f"{proxied_stack.api}/admin/login/"
    form = requests.get(url, timeout=30)
    assert form.status_code == 200
    # DEBUG=false marks the CSRF cookie Secure; on loopback http it is sent back by hand.
    csrf_cookie = form.cookies.get("csrftoken") or re.search(r"csrftoken=([^;]+)", form.headers["Set-Cookie"])[1]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
    data = {"csrfmiddlewaretoken": token, "username": "root@example.com", "password": "guess", "next": "/admin/"}
    statuses = []
    for i in range(TRIES + 2):
        headers = {**spoofed(i), "Cookie": f"csrftoken={csrf_cookie}", "Referer": url}
        response = requests.post(url, data=data, headers=headers, timeout=30, allow_redirects=False)
        statuses.append(response.status_code)
    assert statuses == [200] * TRIES + [429, 429]
    assert response.json()["code"] == "throttled"
