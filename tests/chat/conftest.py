"""Fixtures for the chat tests: real SQLite datasources built per test, conversations and helpers."""

import sqlite3
import threading
import time

import pytest

from chat.models import Message
from datasources.models import Column, DataSource, Table

SHOP_SQL = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, joined TEXT);
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT, price REAL);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER REFERENCES customers(id),
    product_id INTEGER REFERENCES products(id),
    quantity INTEGER
);
INSERT INTO customers VALUES (1, '김민준', 'Seoul', '2024-01-05'), (2, 'Ana Lima', 'Busan', '2024-02-11'),
    (3, 'Tom Reed', 'Seoul', '2024-03-20');
INSERT INTO products VALUES (1, 'Kettle', 'kitchen', 30.0), (2, 'Lamp', 'living', 45.5), (3, 'Pan', 'kitchen', 20.0),
    (4, 'Sofa', 'living', 500.0), (5, 'Mug', 'kitchen', 5.0);
INSERT INTO orders VALUES (1, 1, 1, 2), (2, 1, 4, 1), (3, 2, 5, 6), (4, 3, 2, 1);
"""


@pytest.fixture
def make_source(sqlite_datasource):
    """A real, introspected SQLite datasource: `make_source(owner, sql, name=..., descriptions=...)`.

    `descriptions` maps `"table"` or `"table.column"` to a description, as a user would edit them.
    """

    def _make(owner, script: str, *, name: str = "shop", descriptions: dict | None = None) -> DataSource:
        datasource = sqlite_datasource(owner, script, name=name)
        for key, text in (descriptions or {}).items():
            table_name, _, column_name = key.partition(".")
            if column_name:
                updated = Column.objects.filter(
                    table__datasource=datasource, table__name=table_name, name=column_name
                ).update(description=text)
            else:
                updated = Table.objects.filter(datasource=datasource, name=table_name).update(description=text)
            assert updated == 1, key
        return datasource

    return _make


@pytest.fixture
def shop(make_source, user):
    """A small shop database owned by `user`."""
    return make_source(user, SHOP_SQL)


@pytest.fixture
def conversation(auth_client, shop):
    """A conversation of `user` about `shop`, created through the API; returns its JSON."""
    response = auth_client.post("/api/conversations/", {"datasource": shop.pk}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def sqlite_rows(datasource: DataSource, sql: str, settings) -> list:
    """Read a datasource's file directly (to prove what a turn did or did not change)."""
    connection = sqlite3.connect(settings.DATASOURCE_SQLITE_DIR / datasource.sqlite_path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll until `predicate()` is truthy (for work that finishes in another thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s; threads: {threading.enumerate()}")


TURN_KEYS = {
    "id",
    "conversation",
    "question",
    "sql",
    "status",
    "error",
    "result",
    "summary",
    "model",
    "attempts",
    "timings",
    "created_at",
    "preview",
    "feedback",
    "examples_used",
    "_links",
}


def ask_turn(client, conversation, payload, **headers):
    """POST a question (a str) or a payload to a conversation's messages."""
    if isinstance(payload, str):
        payload = {"question": payload}
    return client.post(f"/api/conversations/{conversation['id']}/messages/", payload, format="json", **headers)


def stored(turn_id) -> Message:
    """The stored turn."""
    return Message.objects.get(pk=turn_id)


def expect_failed_turn(response, http_status, code, status="error"):
    """A 5xx/422 answer: the error shape plus the stored turn, which is the conversation's newest message."""
    assert response.status_code == http_status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    turn = body["turn"]
    assert set(turn) == TURN_KEYS
    assert turn["status"] == status
    assert turn["error"]["code"] == code and turn["error"]["message"] == body["detail"]
    message = stored(turn["id"])
    assert (message.status, message.error_code) == (status, code)
    assert message.conversation.messages.order_by("-id").first() == message
    return turn


def conversation_source(conversation):
    """The DataSource behind a conversation's JSON."""
    return DataSource.objects.get(pk=conversation["datasource"]["id"])
