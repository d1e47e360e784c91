"""Examples on a PostgreSQL datasource: checked there before saving, retrieved into the prompt, reused offline."""

import pytest

from chat import prompts
from examples.models import Example
from tests.examples.conftest import ask, examples_url, rate, start_conversation

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

SHOP = """
CREATE TABLE products (id serial PRIMARY KEY, name text NOT NULL, category text, price numeric(10, 2));
INSERT INTO products (name, category, price) VALUES
    ('Kettle', 'kitchen', 30.00), ('Lamp', 'living', 45.50), ('Pan', 'kitchen', 20.00);
"""


@pytest.fixture
def pg_shop(postgres_datasource, user):
    return postgres_datasource(user, SHOP)


def test_example_sql_is_checked_on_postgresql(auth_client, pg_shop):
    url = examples_url(pg_shop)
    failing = auth_client.post(url, {"question": "Colours?", "sql": "SELECT colour FROM products"}, format="json")
    assert failing.status_code == 400
    assert failing.json()["code"] == "sql_error" and "colour" in failing.json()["detail"]
    refused = auth_client.post(url, {"question": "Sleep", "sql": "SELECT pg_sleep(1)"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "sql_rejected"
    ok = auth_client.post(
        url,
        {"question": "주방 상품 수", "sql": "SELECT COUNT(*) FROM products WHERE category = 'kitchen'"},
        format="json",
    )
    assert ok.status_code == 201
    assert list(Example.objects.values_list("question", flat=True)) == ["주방 상품 수"]


def test_rated_answer_reaches_the_prompt_on_postgresql(auth_client, pg_shop, fake_llm):
    chat = start_conversation(auth_client, pg_shop)
    first = ask(auth_client, chat, "상품은 몇 개인가요?")
    rate(auth_client, first["id"], "up")
    later = ask(auth_client, chat, "상품 수는 몇 개야?")
    assert f"- Q: 상품은 몇 개인가요?\n  SQL: {first['sql']}" in fake_llm.requests_for(prompts.STAGE_SQL)[-1].user
    assert later["examples_used"] == [Example.objects.get().pk]


def test_offline_reuse_on_postgresql(auth_client, pg_shop):
    sql = "SELECT name FROM products WHERE price BETWEEN 25 AND 50 ORDER BY name"
    auth_client.post(examples_url(pg_shop), {"question": "Mid-priced products", "sql": sql}, format="json")
    chat = start_conversation(auth_client, pg_shop)
    turn = ask(auth_client, chat, "mid priced products")
    assert turn["model"] == "offline:example" and turn["result"]["rows"] == [["Kettle"], ["Lamp"]]
