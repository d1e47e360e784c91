"""Suggested questions: the user's most used examples first, then schema questions offline mode answers."""

import pytest

from examples.models import Example
from tests.examples.conftest import ask, examples_url, start_conversation


def suggestions(client, datasource, lang: str) -> dict:
    response = client.get(f"/api/datasources/{datasource.pk}/suggestions/", {"lang": lang})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_schema_suggestion_is_answered_offline(auth_client, shop, lang):
    body = suggestions(auth_client, shop, lang)
    assert body["lang"] == lang
    questions = [item["question"] for item in body["results"]]
    assert 3 <= len(questions) <= 6 and len(set(questions)) == len(questions)
    assert all(item["source"] == "schema" for item in body["results"])
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in q) for q in questions) == (lang == "ko")
    chat = start_conversation(auth_client, shop)
    for question in questions:
        turn = ask(auth_client, chat, question)
        assert turn["status"] == "ok", (question, turn["error"])


def test_the_users_most_used_examples_come_first_in_their_language(auth_client, shop, other_client):
    for question, used in [("Customers in Seoul", 1), ("Sofa buyers", 5), ("서울 고객", 3)]:
        response = auth_client.post(
            examples_url(shop), {"question": question, "sql": "SELECT * FROM customers"}, format="json"
        )
        Example.objects.filter(pk=response.json()["id"]).update(times_used=used)
    english = suggestions(auth_client, shop, "en")["results"]
    assert [item["question"] for item in english[:2]] == ["Sofa buyers", "Customers in Seoul"]
    assert english[0]["source"] == "example" and english[0]["example"]
    assert english[2]["source"] == "schema"
    korean = suggestions(auth_client, shop, "ko")["results"]
    assert korean[0]["question"] == "서울 고객" and korean[1]["source"] == "schema"


def test_another_users_examples_are_not_suggested_on_a_demo_set(auth_client, other_client, make_source):
    from tests.examples.conftest import SHOP_SQL

    demo = make_source(None, SHOP_SQL, name="demo")
    auth_client.post(examples_url(demo), {"question": "Alice's secret", "sql": "SELECT 1"}, format="json")
    theirs = suggestions(other_client, demo, "en")["results"]
    assert all(item["source"] == "schema" for item in theirs)
    assert suggestions(auth_client, demo, "en")["results"][0]["question"] == "Alice's secret"


def test_bad_language_and_other_users_datasource(auth_client, other_client, shop):
    response = auth_client.get(f"/api/datasources/{shop.pk}/suggestions/", {"lang": "fr"})
    assert response.status_code == 400 and "lang" in response.json()["errors"]
    assert other_client.get(f"/api/datasources/{shop.pk}/suggestions/").status_code == 404


def test_demo_sets_have_working_suggestions_in_both_languages(auth_client, demo_datasources):
    for datasource in demo_datasources.values():
        chat = start_conversation(auth_client, datasource)
        for lang in ("en", "ko"):
            results = suggestions(auth_client, datasource, lang)["results"]
            assert len(results) >= 4, (datasource.name, lang)
            for item in results[:2]:
                assert ask(auth_client, chat, item["question"])["status"] == "ok"
