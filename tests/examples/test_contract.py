"""Real answers of the examples, feedback and suggestion endpoints match the published OpenAPI schema."""

import json

import pytest

from tests.api.openapi_check import SchemaChecker
from tests.examples.conftest import ask, examples_url


@pytest.fixture(scope="module")
def checker():
    return SchemaChecker()


def checked(checker, client, method, path, data=None, **extra):
    response = getattr(client, method.lower())(path, data, **({"format": "json"} | extra))
    checker.check(method, path, response)
    return response


def test_answers_match_the_schema(auth_client, other_client, shop, shop_chat, checker):
    url = examples_url(shop)
    created = checked(checker, auth_client, "POST", url, {"question": "Customers?", "sql": "SELECT * FROM customers"})
    assert created.status_code == 201
    assert (
        checked(checker, auth_client, "POST", url, {"question": "x", "sql": "DROP TABLE customers"}).status_code == 400
    )
    assert checked(checker, auth_client, "POST", url, {"question": "x", "sql": "SELECT nope FROM x"}).status_code == 400
    assert checked(checker, auth_client, "GET", url + "?search=Cust").json()["count"] == 1
    assert checked(checker, auth_client, "GET", url + "?page=5").status_code == 404
    detail = f"/api/examples/{created.json()['id']}/"
    assert checked(checker, auth_client, "GET", detail).status_code == 200
    assert checked(checker, auth_client, "PATCH", detail, {"question": "All customers"}).status_code == 200
    assert checked(checker, other_client, "GET", detail).status_code == 404
    export = checked(checker, auth_client, "GET", url + "export/")
    assert export.status_code == 200
    body = {"jsonl": json.dumps({"question": "Products?", "sql": "SELECT * FROM products"})}
    assert checked(checker, auth_client, "POST", url + "import/", body).status_code == 201
    bad = {"jsonl": json.dumps({"question": "Bad", "sql": "SELECT nope FROM products"})}
    assert checked(checker, auth_client, "POST", url + "import/", bad).status_code == 400
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    feedback = f"/api/messages/{turn['id']}/feedback/"
    assert checked(checker, auth_client, "POST", feedback, {"rating": "up"}).json()["feedback"]["rating"] == "up"
    assert checked(checker, auth_client, "POST", feedback, {"rating": "meh"}).status_code == 400
    assert checked(checker, auth_client, "DELETE", feedback).json()["feedback"] is None
    page = checked(checker, auth_client, "GET", f"/api/conversations/{shop_chat['id']}/messages/")
    assert page.json()["results"][0]["examples_used"] == []
    suggestions = f"/api/datasources/{shop.pk}/suggestions/"
    assert checked(checker, auth_client, "GET", suggestions + "?lang=ko").json()["results"]
    assert checked(checker, auth_client, "GET", suggestions + "?lang=xx").status_code == 400
    assert checked(checker, auth_client, "DELETE", detail).status_code == 204
    assert {
        "listExamples",
        "createExample",
        "getExample",
        "updateExample",
        "createExamplesFromJsonLines",
        "updateMessageFeedback",
        "deleteMessageFeedback",
        "listSuggestions",
    } <= set(checker.checked)
