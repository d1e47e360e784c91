"""The admin lets an operator read conversations and turns, but not rewrite what the model produced."""

import pytest
from django.test import Client

from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_browser(make_user):
    staff = make_user(email="ops@example.com", is_staff=True, is_superuser=True)
    browser = Client()
    assert browser.login(email=staff.email, password=DEFAULT_PASSWORD)
    return browser


def test_operator_can_inspect_turns_read_only(staff_browser, auth_client, conversation):
    turn = auth_client.post(
        f"/api/conversations/{conversation['id']}/messages/", {"question": "How many customers?"}, format="json"
    ).json()
    listing = staff_browser.get("/admin/chat/message/")
    assert listing.status_code == 200 and "How many customers?" in listing.content.decode()
    detail = staff_browser.get(f"/admin/chat/message/{turn['id']}/change/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "SELECT COUNT(*)" in page and 'name="_save"' not in page
    assert staff_browser.post(f"/admin/chat/message/{turn['id']}/change/", {"sql": "x"}).status_code == 403
    assert staff_browser.get("/admin/chat/message/add/").status_code == 403
    conversations = staff_browser.get(f"/admin/chat/conversation/{conversation['id']}/change/")
    assert conversations.status_code == 200 and "How many customers?" in conversations.content.decode()


def test_turns_deleted_in_the_admin_are_taken_off_the_conversation(staff_browser, auth_client, conversation):
    path = f"/api/conversations/{conversation['id']}/messages/"
    first = auth_client.post(path, {"question": "How many customers?"}, format="json").json()
    second = auth_client.post(path, {"question": "List all products"}, format="json").json()
    response = staff_browser.post(f"/admin/chat/message/{second['id']}/delete/", {"post": "yes"})
    assert response.status_code == 302
    detail = auth_client.get(f"/api/conversations/{conversation['id']}/").json()
    assert (detail["message_count"], detail["last_question"]) == (1, "How many customers?")
    response = staff_browser.post(
        "/admin/chat/message/", {"action": "delete_selected", "_selected_action": [first["id"]], "post": "yes"}
    )
    assert response.status_code == 302
    detail = auth_client.get(f"/api/conversations/{conversation['id']}/").json()
    assert (detail["message_count"], detail["last_question"]) == (0, "")
