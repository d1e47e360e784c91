"""Offline mode answers a question the user taught with the SQL they verified, and nothing close but different."""

import pytest

from examples.models import Example
from tests.examples.conftest import SHOP_SQL, ask, examples_url, rate, start_conversation

SOFA_SQL = (
    "SELECT DISTINCT c.name FROM customers c JOIN orders o ON o.customer_id = c.id "
    "JOIN products p ON p.id = o.product_id WHERE p.name = 'Sofa'"
)


def ask_any(client, chat: dict, question: str) -> dict:
    """The stored turn of an ask, whatever its outcome."""
    body = client.post(f"/api/conversations/{chat['id']}/messages/", {"question": question}, format="json").json()
    return body.get("turn", body)


def teach(client, datasource, question: str, sql: str = SOFA_SQL) -> dict:
    response = client.post(examples_url(datasource), {"question": question, "sql": sql}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.parametrize(
    ("taught", "asked"),
    [
        ("Which customers bought a sofa?", "which customers bought a Sofa"),
        ("소파를 산 고객은 누구인가요?", "소파를 산 고객은 누구인가요"),
    ],
)
def test_a_taught_question_is_answered_with_its_sql(auth_client, shop, shop_chat, taught, asked):
    before = ask_any(auth_client, shop_chat, asked)
    assert before["model"] == "offline" and before["sql"] != SOFA_SQL
    example = teach(auth_client, shop, taught)

    turn = ask(auth_client, shop_chat, asked)
    assert turn["status"] == "ok" and turn["model"] == "offline:example"
    assert turn["sql"] == SOFA_SQL and turn["result"]["rows"] == [["김민준"]]
    assert turn["examples_used"] == [example["id"]]
    assert Example.objects.get().times_used == 1


def test_it_comes_before_the_offline_rules(auth_client, shop, shop_chat):
    # Offline mode would count every customer; the user taught it to count only Seoul's.
    example = teach(
        auth_client, shop, "How many customers are there?", "SELECT COUNT(*) FROM customers WHERE city = 'Seoul'"
    )
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    assert turn["model"] == "offline:example" and turn["result"]["rows"] == [[2]]
    assert turn["examples_used"] == [example["id"]]
    # An unrelated question still goes to the rules, with no example used.
    other = ask(auth_client, shop_chat, "How many products are there?")
    assert other["model"] == "offline" and other["examples_used"] == []


@pytest.mark.parametrize(
    "asked",
    [
        "Which customers bought a lamp?",  # another value
        "Which customers bought 2 sofas?",  # a number the SQL would not use
        "Which customers never bought a sofa?",  # an extra word that changes the meaning
    ],
)
def test_a_close_but_different_question_is_not_answered_with_it(auth_client, shop, shop_chat, asked):
    teach(auth_client, shop, "Which customers bought a sofa?")
    turn = ask_any(auth_client, shop_chat, asked)
    assert turn["model"] == "offline" and turn["examples_used"] == []


def test_a_korean_question_about_another_value_is_not_answered_with_it(auth_client, shop, shop_chat):
    teach(auth_client, shop, "서울에 사는 고객은 몇 명인가요", "SELECT COUNT(*) FROM customers WHERE city = 'Seoul'")
    turn = ask_any(auth_client, shop_chat, "부산에 사는 고객은 몇 명인가요")
    assert turn["model"] == "offline" and turn["examples_used"] == []
    assert turn["result"]["rows"] != [[2]]


def test_a_thumbs_up_teaches_offline_mode(auth_client, shop_chat):
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    assert turn["model"] == "offline"
    rated = rate(auth_client, turn["id"], "up")
    again = ask(auth_client, shop_chat, "how many customers are there")
    assert again["model"] == "offline:example" and again["examples_used"] == [rated["feedback"]["example"]]
    assert again["result"] == turn["result"]


def test_another_users_example_is_never_used_even_on_a_demo_set(auth_client, other_client, make_source):
    demo = make_source(None, SHOP_SQL, name="demo")
    teach(auth_client, demo, "Which customers bought a sofa?")
    theirs = start_conversation(other_client, demo)
    turn = ask(other_client, theirs, "Which customers bought a sofa?", expect=422)
    assert turn["examples_used"] == [] and turn["model"] == "offline"
    mine = start_conversation(auth_client, demo)
    assert ask(auth_client, mine, "Which customers bought a sofa?")["model"] == "offline:example"


def test_threshold_is_a_setting(auth_client, shop, shop_chat, settings):
    teach(auth_client, shop, "Which customers bought a sofa?")
    settings.LLM_EXAMPLES_REUSE_THRESHOLD = 100
    ask(auth_client, shop_chat, "Which customer bought a sofa?", expect=422)
    settings.LLM_EXAMPLES_REUSE_THRESHOLD = 90
    assert ask(auth_client, shop_chat, "Which customer bought a sofa?")["model"] == "offline:example"


def test_an_edited_or_deleted_example_is_matched_as_it_is_now(auth_client, shop, shop_chat):
    example = teach(auth_client, shop, "Which customers bought a sofa?")
    assert ask(auth_client, shop_chat, "Which customers bought a sofa?")["model"] == "offline:example"
    url = f"/api/examples/{example['id']}/"
    assert auth_client.patch(url, {"question": "Who owns a sofa?"}, format="json").status_code == 200
    assert ask_any(auth_client, shop_chat, "Which customers bought a sofa?")["model"] == "offline"
    assert ask(auth_client, shop_chat, "who owns a sofa")["model"] == "offline:example"
    assert auth_client.delete(url).status_code == 204
    assert ask_any(auth_client, shop_chat, "who owns a sofa")["model"] == "offline"
