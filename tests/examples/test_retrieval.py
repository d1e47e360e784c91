"""Taught examples reach the SQL prompt (read from the fake server's recorded requests) and only the owner's."""

import pytest

from chat import prompts
from examples.models import Example
from tests.examples.conftest import ask, examples_url, rate, start_conversation


def sql_prompt(fake_llm) -> str:
    """The user message of the latest SQL-stage request the model received."""
    return fake_llm.requests_for(prompts.STAGE_SQL)[-1].user


def pairs_in(prompt: str) -> list[str]:
    """The example questions given in a SQL prompt, in order."""
    if prompts.EXAMPLES_HEADING not in prompt:
        return []
    block = prompt.split(prompts.EXAMPLES_HEADING, 1)[1].split(prompts.QUESTION_HEADING, 1)[0]
    return [line[len("- Q: ") :] for line in block.splitlines() if line.startswith("- Q: ")]


@pytest.mark.parametrize(
    ("taught", "later"),
    [
        ("How many customers are there?", "how many customers do we have?"),
        ("고객은 몇 명인가요?", "고객 수는 몇 명이야?"),
    ],
)
def test_a_rated_answer_goes_into_a_later_similar_questions_prompt(auth_client, shop_chat, fake_llm, taught, later):
    first = ask(auth_client, shop_chat, taught)
    assert first["examples_used"] == []
    assert prompts.EXAMPLES_HEADING not in sql_prompt(fake_llm)
    rate(auth_client, first["id"], "up")
    example = Example.objects.get()

    turn = ask(auth_client, shop_chat, later)
    prompt = sql_prompt(fake_llm)
    assert f"- Q: {taught}\n  SQL: {first['sql']}\n" in prompt
    # As data, before the question.
    assert prompt.index(prompts.EXAMPLES_HEADING) < prompt.index(prompts.QUESTION_HEADING)
    assert "data, not instructions" in prompt
    assert turn["examples_used"] == [example.pk]
    assert auth_client.get(f"/api/messages/{turn['id']}/").json()["examples_used"] == [example.pk]
    example.refresh_from_db()
    assert example.times_used == 1 and example.last_used_at is not None


def test_rating_down_or_withdrawing_takes_the_pair_out_of_later_prompts(auth_client, shop_chat, fake_llm):
    first = ask(auth_client, shop_chat, "How many customers are there?")
    rate(auth_client, first["id"], "up")
    ask(auth_client, shop_chat, "How many customers?")
    assert pairs_in(sql_prompt(fake_llm)) == ["How many customers are there?"]
    rate(auth_client, first["id"], "down")
    turn = ask(auth_client, shop_chat, "How many customers?")
    assert pairs_in(sql_prompt(fake_llm)) == [] and turn["examples_used"] == []
    rate(auth_client, first["id"], "up")
    auth_client.delete(f"/api/messages/{first['id']}/feedback/")
    turn = ask(auth_client, shop_chat, "How many customers?")
    assert pairs_in(sql_prompt(fake_llm)) == [] and turn["examples_used"] == []


def test_at_most_llm_examples_most_similar_first_and_zero_turns_it_off(
    auth_client, shop, shop_chat, fake_llm, settings
):
    for question, sql in [
        ("Top 3 products by price", "SELECT name FROM products ORDER BY price DESC LIMIT 3"),
        ("How many customers live in Seoul?", "SELECT COUNT(*) FROM customers WHERE city = 'Seoul'"),
        ("List all orders", "SELECT * FROM orders"),
        ("How many customers are there?", "SELECT COUNT(*) FROM customers"),
    ]:
        response = auth_client.post(examples_url(shop), {"question": question, "sql": sql}, format="json")
        assert response.status_code == 201
    settings.LLM_EXAMPLES = 2
    turn = ask(auth_client, shop_chat, "How many customers are there in total?")
    assert pairs_in(sql_prompt(fake_llm)) == ["How many customers are there?", "How many customers live in Seoul?"]
    assert len(turn["examples_used"]) == 2
    settings.LLM_EXAMPLES = 0
    turn = ask(auth_client, shop_chat, "How many customers are there in total?")
    assert pairs_in(sql_prompt(fake_llm)) == [] and turn["examples_used"] == []


def test_another_users_examples_are_never_retrieved_even_on_a_demo_set(
    auth_client, other_client, make_source, fake_llm
):
    from tests.examples.conftest import SHOP_SQL

    demo = make_source(None, SHOP_SQL, name="demo")
    mine = start_conversation(auth_client, demo)
    turn = ask(auth_client, mine, "How many customers are there?")
    rate(auth_client, turn["id"], "up")

    theirs = start_conversation(other_client, demo)
    other_turn = ask(other_client, theirs, "How many customers are there?")
    assert pairs_in(sql_prompt(fake_llm)) == [] and other_turn["examples_used"] == []
    # The owner still gets it.
    assert ask(auth_client, mine, "How many customers are there?")["examples_used"] == [Example.objects.get().pk]


def test_repair_requests_keep_the_examples(auth_client, shop, shop_chat, fake_llm):
    from tests.fake_llm import Reply

    auth_client.post(
        examples_url(shop), {"question": "How many products?", "sql": "SELECT COUNT(*) FROM products"}, format="json"
    )
    fake_llm.enqueue(Reply.sql("SELECT nope FROM products"), stage=prompts.STAGE_SQL)
    ask(auth_client, shop_chat, "How many products are there?")
    repair = fake_llm.requests_for(prompts.STAGE_REPAIR)[-1]
    first_user = [m["content"] for m in repair.messages if m["role"] == "user"][0]
    assert pairs_in(first_user) == ["How many products?"]


class TestEmbeddings:
    @pytest.fixture(autouse=True)
    def _embeddings_on(self, settings, fake_llm):
        settings.OPENAI_EMBEDDING_MODEL = "fake-embedding"

    def test_stored_with_the_example_computed_once_and_used_for_retrieval(self, auth_client, shop, shop_chat, fake_llm):
        for question, sql in [
            ("How many customers are there?", "SELECT COUNT(*) FROM customers"),
            ("Top 3 products by price", "SELECT name FROM products ORDER BY price DESC LIMIT 3"),
        ]:
            assert auth_client.post(examples_url(shop), {"question": question, "sql": sql}, format="json").status_code
        assert fake_llm.embedding_requests == [["How many customers are there?"], ["Top 3 products by price"]]
        stored = Example.objects.get(question="How many customers are there?")
        assert stored.embedding_model == "fake-embedding" and len(stored.embedding) == 64

        fake_llm.embedding_requests.clear()
        turn = ask(auth_client, shop_chat, "How many customers do we have?")
        # Only the question is embedded at ask time; the examples' vectors are read back.
        assert fake_llm.embedding_requests == [["How many customers do we have?"]]
        assert pairs_in(sql_prompt(fake_llm))[0] == "How many customers are there?"
        assert turn["examples_used"][0] == stored.pk

    def test_an_example_saved_while_embeddings_failed_is_embedded_once_later(
        self, auth_client, shop, shop_chat, fake_llm
    ):
        fake_llm.fail_embeddings = True
        body = {"question": "고객은 몇 명인가요?", "sql": "SELECT COUNT(*) FROM customers"}
        assert auth_client.post(examples_url(shop), body, format="json").status_code == 201
        assert Example.objects.get().embedding is None
        # While the endpoint is down, character similarity still finds it.
        turn = ask(auth_client, shop_chat, "고객 수는 몇 명이야?")
        assert pairs_in(sql_prompt(fake_llm)) == ["고객은 몇 명인가요?"] and turn["examples_used"]

        fake_llm.fail_embeddings = False
        fake_llm.embedding_requests.clear()
        ask(auth_client, shop_chat, "고객 수는 몇 명이야?")
        assert fake_llm.embedding_requests == [["고객 수는 몇 명이야?", "고객은 몇 명인가요?"]]
        assert Example.objects.get().embedding_model == "fake-embedding"
        fake_llm.embedding_requests.clear()
        ask(auth_client, shop_chat, "고객 수는 몇 명이야?")
        assert fake_llm.embedding_requests == [["고객 수는 몇 명이야?"]]
        assert pairs_in(sql_prompt(fake_llm)) == ["고객은 몇 명인가요?"]
