"""Fixtures for the examples tests: the chat fixtures (real SQLite shop), plus helpers to ask and rate."""

import pytest

from tests.chat.conftest import SHOP_SQL, make_source, shop  # noqa: F401 - fixtures used here

__all__ = ["SHOP_SQL", "ask", "examples_url", "rate", "start_conversation"]


def start_conversation(client, datasource) -> dict:
    response = client.post("/api/conversations/", {"datasource": datasource.pk}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def ask(client, chat: dict, question: str, expect: int = 201) -> dict:
    """Ask in a conversation; returns the turn (also from a 4xx/5xx body)."""
    response = client.post(f"/api/conversations/{chat['id']}/messages/", {"question": question}, format="json")
    assert response.status_code == expect, response.content
    body = response.json()
    return body["turn"] if "turn" in body else body


def rate(client, turn_id: int, rating: str, expect: int = 200, **extra):
    response = client.post(f"/api/messages/{turn_id}/feedback/", {"rating": rating, **extra}, format="json")
    assert response.status_code == expect, response.content
    return response.json()


def examples_url(datasource) -> str:
    return f"/api/datasources/{datasource.pk}/examples/"


@pytest.fixture
def shop_chat(auth_client, shop):  # noqa: F811 - `shop` is the imported fixture
    """A conversation of `user` about `shop`."""
    return start_conversation(auth_client, shop)
