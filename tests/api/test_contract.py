"""The published contract: a valid schema naming every operation, its errors and parameters; real
answers (every outcome of an ask, streams, CSV, throttles) match it; specific validation codes reach
the body; CSV and asks negotiate `Accept` without 406."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

from tests.api.openapi_check import SchemaChecker, published_schema
from tests.fake_llm import Reply

pytestmark = pytest.mark.django_db

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);
INSERT INTO customers VALUES (1, 'Ann', 'Seoul'), (2, 'Bo', 'Busan');
"""
VERBS = (
    "get list create update delete rename ask login logout register refresh verify change download test "
    "introspect describe add remove set send rate import export search evaluate run upload"
).split()
VERB_ID = re.compile(rf"^({'|'.join(VERBS)})([A-Z][A-Za-z]*)?$")


def operations():
    for path, item in published_schema()["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


class TestSchema:
    def test_validates_without_warnings(self, tmp_path):
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    def test_every_operation_has_a_verb_id_a_summary_and_typed_answers(self):
        ids = []
        for path, method, operation in operations():
            ids.append(operation["operationId"])
            assert VERB_ID.match(operation["operationId"]), (method, path, operation["operationId"])
            assert operation.get("summary") and "\n" not in operation["summary"], (method, path)
            for status, response in operation["responses"].items():
                for media, content in response.get("content", {}).items():
                    schema = content["schema"]
                    typed = schema.get("$ref") or schema.get("type") in ("string", "array")
                    empty = schema.get("type") == "object" and schema.get("additionalProperties") is False
                    assert typed or empty, (method, path, status, media)
        assert len(ids) == len(set(ids))
        assert {"login", "register", "listConversations", "askInConversation", "deleteAccount"} <= set(ids)

    def test_errors_are_documented_where_they_happen(self):
        by_id = {op["operationId"]: (path, op) for path, _, op in operations()}
        for operation_id, (path, operation) in by_id.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400 and status != "503":
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref.rsplit("/", 1)[1] in ("Error", "TurnFailure"), (operation_id, status)
            if "{id}" in path:
                assert "404" in operation["responses"], operation_id
        expected = {
            "login": {"400", "429"},
            "getProfile": {"401"},
            "askInConversation": {"400", "401", "404", "413", "422", "429", "502", "504"},
            "askOneShot": {"400", "401", "413", "422", "429", "502", "504"},
            "updateDatasource": {"400", "401", "403", "404"},
            "listConversations": {"400", "401", "404"},
            "refreshToken": {"400", "401"},
        }
        for operation_id, statuses in expected.items():
            assert statuses <= set(by_id[operation_id][1]["responses"]), operation_id
        for status in ("422", "502", "504"):
            schema = by_id["askInConversation"][1]["responses"][status]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/TurnFailure")
        retry = by_id["login"][1]["responses"]["429"]["headers"]["Retry-After"]
        assert retry["schema"]["type"] == "integer"

    def test_error_codes_are_enums(self):
        schemas = published_schema()["components"]["schemas"]
        assert schemas["Error"]["properties"]["code"] == {"$ref": "#/components/schemas/ErrorCode"}
        assert schemas["TurnError"]["properties"]["code"] == {"$ref": "#/components/schemas/TurnErrorCode"}
        codes = set(schemas["ErrorCode"]["enum"])
        assert {"unknown_datasource", "confirm_all", "invalid_page_size", "throttled", "llm_timeout"} <= codes
        turn_codes = set(schemas["TurnErrorCode"]["enum"])
        assert {"sql_rejected", "sql_error", "sql_timeout", "offline_unsupported", "interrupted"} <= turn_codes
        assert set(schemas["TurnStatusEnum"]["enum"]) == {"pending", "ok", "error", "rejected"}

    def test_parameters_and_bodies(self):
        by_id = {op["operationId"]: op for _, _, op in operations()}
        params = {p["name"]: p for p in by_id["listConversations"]["parameters"]}
        assert set(params) == {"page", "per-page", "page_size", "search"}
        assert params["page_size"]["deprecated"] is True
        assert {p["name"] for p in by_id["listMessages"]["parameters"]} >= {"page", "per-page"}
        delete_all = {p["name"]: p for p in by_id["deleteAllConversations"]["parameters"]}
        assert delete_all["all"]["required"] and delete_all["all"]["schema"]["enum"] == ["true"]
        body = by_id["deleteAccount"]["requestBody"]["content"]["application/json"]["schema"]
        assert body["$ref"].endswith("/AccountDeleteRequest")
        stream = by_id["askInConversation"]["responses"]["200"]["content"]["text/event-stream"]
        assert set(stream["x-events"]) == {"stage", "sql", "result", "summary", "done", "error"}
        assert stream["x-events"]["done"] == {"$ref": "#/components/schemas/Turn"}
        assert "text/csv" in by_id["downloadMessageCsv"]["responses"]["200"]["content"]
        assert "pagination" in published_schema()["info"]["description"].lower()


@pytest.fixture
def checker():
    return SchemaChecker()


@pytest.fixture
def shop(user, sqlite_datasource):
    return sqlite_datasource(user, SHOP)


@pytest.fixture
def conversation(auth_client, shop):
    return auth_client.post("/api/conversations/", {"datasource": shop.pk}, format="json").json()


def checked(checker, client, method, path, data=None, **headers):
    response = getattr(client, method.lower())(path, data, format="json", **headers)
    checker.check(method, path, response)
    return response


class TestRealAnswersMatchTheSchema:
    def test_every_outcome_of_an_ask(self, auth_client, conversation, checker, fake_llm):
        url = f"/api/conversations/{conversation['id']}/messages/"
        fake_llm.enqueue(Reply.sql("SELECT name FROM customers ORDER BY id"), stage="sql")
        fake_llm.enqueue(Reply.text("Ann and Bo."), stage="summary")
        assert checked(checker, auth_client, "POST", url, {"question": "Who?"}).status_code == 201
        fake_llm.enqueue(Reply.sql("DELETE FROM customers"), stage="sql")
        assert checked(checker, auth_client, "POST", url, {"question": "Wipe"}).json()["status"] == "rejected"
        fake_llm.enqueue(Reply.error(500), stage="sql")
        assert checked(checker, auth_client, "POST", url, {"question": "Fail"}).status_code == 502
        fake_llm.enqueue(Reply.text("no sql here at all"), stage="sql")
        assert checked(checker, auth_client, "POST", url, {"question": "Odd"}).json()["code"] == "llm_bad_output"
        page = checked(checker, auth_client, "GET", url + "?per-page=2&page=2")
        assert [turn["status"] for turn in page.json()["results"]] == ["error", "error"]

    def test_offline_refusal(self, auth_client, conversation, checker):
        url = f"/api/conversations/{conversation['id']}/messages/"
        refused = checked(checker, auth_client, "POST", url, {"question": "Why is the sky blue?"})
        assert refused.status_code == 422 and refused.json()["turn"]["error"]["code"] == "offline_unsupported"

    @pytest.mark.django_db(transaction=True)
    def test_streams(self, auth_client, conversation, checker):
        url = f"/api/conversations/{conversation['id']}/messages/"
        stream = auth_client.post(
            url, {"question": "How many customers are there?"}, format="json", HTTP_ACCEPT="text/event-stream"
        )
        checker.check("POST", url, stream)
        events = checker.check_stream(url, b"".join(stream.streaming_content).decode())
        assert events[:5] == ["stage", "sql", "stage", "result", "stage"]
        assert set(events[5:-1]) == {"summary"} and events[-1] == "done"
        refused = auth_client.post(url, {"sql": "DROP TABLE customers"}, format="json", HTTP_ACCEPT="text/event-stream")
        events = checker.check_stream(url, b"".join(refused.streaming_content).decode())
        assert events[-1] == "error"

    def test_accounts_datasources_and_throttles(self, api_client, auth_client, shop, checker, settings):
        body = {"email": "c@example.com", "nickname": "C", "password1": "Zebra-lamp-77", "password2": "Zebra-lamp-77"}
        tokens = checked(checker, api_client, "POST", "/api/auth/registration/", body).json()
        refresh = {"refresh": tokens["refresh"]}
        pair = checked(checker, api_client, "POST", "/api/auth/token/refresh/", refresh).json()
        checked(checker, api_client, "POST", "/api/auth/token/verify/", {"token": pair["access"]})
        checked(checker, api_client, "POST", "/api/auth/logout/", {"refresh": pair["refresh"]})
        checked(checker, auth_client, "PATCH", "/api/auth/user/", {"nickname": "Al"})
        base = f"/api/datasources/{shop.pk}/"
        for method, path in [("GET", base), ("POST", base + "test/"), ("POST", base + "introspect/")]:
            assert checked(checker, auth_client, method, path).status_code == 200, path
        schema = checked(checker, auth_client, "GET", base + "schema/").json()
        assert schema["tables"][0]["columns"][0]["primary_key"] is True
        edit = {"tables": [{"name": "customers", "description": "People"}]}
        checked(checker, auth_client, "PATCH", base + "schema/", edit)
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "1/min"}
        login = {"email": "c@example.com", "password": "wrong"}
        checked(checker, api_client, "POST", "/api/auth/login/", login)
        throttled = checked(checker, api_client, "POST", "/api/auth/login/", login)
        assert throttled.status_code == 429 and int(throttled["Retry-After"]) >= 1


class TestSpecificCodes:
    def test_a_views_own_code_reaches_the_body(self, auth_client, conversation):
        body = auth_client.post("/api/conversations/", {"datasource": 987654}, format="json").json()
        assert body["code"] == "unknown_datasource" and body["errors"] == {"datasource": ["No such datasource."]}
        assert auth_client.delete("/api/conversations/").json()["code"] == "confirm_all"
        assert auth_client.get("/api/conversations/?per-page=0").json()["code"] == "invalid_page_size"
        assert auth_client.get("/api/conversations/?page=9").json()["code"] == "page_not_found"
        other = auth_client.post("/api/chat/", {"question": "x", "conversation": 987654}, format="json").json()
        assert other["code"] == "unknown_conversation"

    def test_password_failures_have_their_own_codes(self, api_client, auth_client, user):
        login = {"email": user.email, "password": "not it"}
        body = api_client.post("/api/auth/login/", login, format="json").json()
        assert body["code"] == "invalid_credentials" and body["detail"] == "Unable to log in with provided credentials."
        body = auth_client.delete("/api/auth/user/", {"password": "not it"}, format="json").json()
        assert body["code"] == "wrong_password" and body["errors"] == {"password": ["The password is not correct."]}

    def test_several_different_failures_answer_invalid_with_every_field(self, api_client):
        body = api_client.post("/api/auth/registration/", {"email": "not-an-email"}, format="json").json()
        assert body["code"] == "invalid"
        assert {"email", "password1", "password2", "nickname"} <= set(body["errors"])

    def test_unpaired_surrogates_are_a_parse_error(self, api_client):
        raw = b'{"email": "a\\ud800@example.com", "password": "x"}'
        response = api_client.post("/api/auth/login/", raw, content_type="application/json")
        assert response.status_code == 400 and response.json()["code"] == "parse_error"


class TestAcceptNegotiation:
    @pytest.fixture
    def turn(self, auth_client, conversation):
        url = f"/api/conversations/{conversation['id']}/messages/"
        return auth_client.post(url, {"sql": "SELECT name FROM customers ORDER BY id"}, format="json").json()

    @pytest.mark.parametrize("accept", [None, "text/csv", "*/*", "text/csv, application/json;q=0.5", "text/*"])
    def test_csv_for_any_accept_a_csv_client_sends(self, auth_client, turn, accept):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        response = auth_client.get(f"/api/messages/{turn['id']}/csv/", **headers)
        assert response.status_code == 200, response.content
        assert response["Content-Type"].startswith("text/csv")
        assert response.content.decode("utf-8-sig").splitlines() == ["name", "Ann", "Bo"]

    def test_csv_errors_are_json_even_when_csv_was_asked_for(self, auth_client):
        response = auth_client.get("/api/messages/987654/csv/", HTTP_ACCEPT="text/csv")
        assert response.status_code == 404 and response.json()["code"] == "not_found"

    @pytest.mark.parametrize(
        ("accept", "streams"),
        [
            (None, False),
            ("*/*", False),
            ("application/json", False),
            ("text/csv", False),
            ("text/event-stream", True),
            ("application/json, text/event-stream", True),
            ("text/event-stream;q=0.5, application/json", False),
        ],
    )
    def test_an_ask_never_answers_406(self, auth_client, conversation, accept, streams):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        url = f"/api/conversations/{conversation['id']}/messages/"
        response = auth_client.post(url, {"sql": "SELECT 1 AS one"}, format="json", **headers)
        assert response.status_code == (200 if streams else 201), response
        kind = "text/event-stream" if streams else "application/json"
        assert response["Content-Type"].startswith(kind)
        if streams:
            b"".join(response.streaming_content)


class TestOptions:
    @pytest.mark.parametrize("action", ["test", "introspect", "schema"])
    def test_options_on_datasource_actions(self, auth_client, shop, action):
        response = auth_client.options(f"/api/datasources/{shop.pk}/{action}/")
        assert response.status_code == 200, response.content
        assert response.json()["name"]
