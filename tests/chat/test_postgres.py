"""Asking a PostgreSQL datasource: the prompt names the dialect, results are JSON-safe, offline SQL runs there too."""

import pytest

from tests.fake_llm import Reply

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SHOP = """
CREATE TABLE products (id serial PRIMARY KEY, name text NOT NULL, category text, price numeric(10, 2), added date);
INSERT INTO products (name, category, price, added) VALUES
    ('Kettle', 'kitchen', 30.00, '2024-01-02'), ('Lamp', 'living', 45.50, '2024-02-03'),
    ('Pan', 'kitchen', 20.00, '2024-03-04');
"""


@pytest.fixture
def pg_conversation(auth_client, postgres_datasource, user):
    source = postgres_datasource(user, SHOP)
    return auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()


def ask(client, conversation, question):
    return client.post(f"/api/conversations/{conversation['id']}/messages/", {"question": question}, format="json")


def test_model_sql_on_postgresql(auth_client, pg_conversation, fake_llm):
    fake_llm.enqueue(Reply.sql("SELECT name, price, added FROM products ORDER BY price DESC LIMIT 2"), stage="sql")
    turn = ask(auth_client, pg_conversation, "Two most expensive products?").json()
    assert turn["status"] == "ok", turn
    assert turn["result"]["rows"] == [["Lamp", 45.5, "2024-02-03"], ["Kettle", 30.0, "2024-01-02"]]
    assert "PostgreSQL" in fake_llm.requests_for("sql")[0].system
    assert "CREATE TABLE products" in fake_llm.requests_for("sql")[0].user


def test_failing_sql_is_repaired_on_postgresql(auth_client, pg_conversation, fake_llm):
    fake_llm.enqueue(Reply.sql("SELECT nam FROM products"), stage="sql")
    fake_llm.enqueue(Reply.sql("SELECT name FROM products ORDER BY id"), stage="repair")
    turn = ask(auth_client, pg_conversation, "Product names").json()
    assert turn["status"] == "ok" and turn["attempts"] == 2
    assert "nam" in fake_llm.requests_for("repair")[0].user


def test_offline_on_postgresql(auth_client, pg_conversation):
    turn = ask(auth_client, pg_conversation, "카테고리별 평균 가격").json()
    assert turn["status"] == "ok", turn
    assert sorted(turn["result"]["rows"]) == [["kitchen", 25.0], ["living", 45.5]]
    assert ask(auth_client, pg_conversation, "How many products in kitchen?").json()["result"]["rows"] == [[2]]
