"""The HTTP endpoints: conversation shapes, links, pagination, search, rename, delete, isolation, query counts,
ask input checks, throttling, the one-shot endpoint and CSV export."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat import services
from chat.models import Conversation, Message
from tests.chat.conftest import SHOP_SQL, TURN_KEYS, ask_turn
from tests.fake_llm import Reply

pytestmark = pytest.mark.django_db


def rels(body) -> dict:
    return {item["rel"]: item for item in body["_links"]}


def ask(client, conversation_id, question="How many customers?", **extra):
    return client.post(
        f"/api/conversations/{conversation_id}/messages/", {"question": question, **extra}, format="json"
    )


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["detail"] and body["code"]
    if code:
        assert body["code"] == code, body
    return body


class TestCreateAndShow:
    def test_create_has_the_documented_shape_and_links(self, auth_client, shop):
        response = auth_client.post("/api/conversations/", {"datasource": shop.pk, "title": "Sales"}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == {
            "id",
            "title",
            "datasource",
            "message_count",
            "last_question",
            "created_at",
            "updated_at",
            "_links",
        }
        assert body["title"] == "Sales"
        stored = Conversation.objects.get(pk=body["id"])
        # ISO-8601 in UTC with a Z, to the microsecond, as every timestamp of the API.
        assert body["created_at"] == stored.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert body["updated_at"] == stored.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        assert body["datasource"] == {"id": shop.pk, "name": "shop"}
        assert body["message_count"] == 0
        assert body["last_question"] == ""
        links = rels(body)
        assert set(links) == {"self", "update", "delete", "messages", "ask", "datasource"}
        base = f"http://testserver/api/conversations/{body['id']}/"
        assert links["self"]["href"] == base and links["self"]["method"] == "GET"
        assert links["update"]["method"] == "PATCH" and links["delete"]["method"] == "DELETE"
        assert links["messages"]["href"] == base + "messages/"
        assert links["ask"] == {**links["ask"], "href": base + "messages/", "method": "POST"}
        assert links["datasource"]["href"] == f"http://testserver/api/datasources/{shop.pk}/"
        assert all(item["desc"] for item in body["_links"])
        assert auth_client.get(links["self"]["href"]).json()["id"] == body["id"]

    def test_bad_input_is_a_400_and_creates_nothing(self, auth_client, shop, make_source, other_user):
        foreign = make_source(other_user, SHOP_SQL, name="theirs")
        for payload in ({}, {"datasource": "x"}, {"datasource": 999999}, {"datasource": foreign.pk}):
            body = assert_error(auth_client.post("/api/conversations/", payload, format="json"), 400)
            assert "datasource" in body["errors"]
        assert_error(auth_client.post("/api/conversations/", "{not json", content_type="application/json"), 400)
        assert not Conversation.objects.exists()

    def test_title_defaults_to_the_first_question_trimmed(self, auth_client, conversation):
        question = "  How many\n customers   live in Seoul?  " + "x" * 150
        ask(auth_client, conversation["id"], question)
        title = auth_client.get(f"/api/conversations/{conversation['id']}/").json()["title"]
        assert title.startswith("How many customers live in Seoul? xxx")
        assert len(title) <= 100

    def test_rename(self, auth_client, conversation):
        url = f"/api/conversations/{conversation['id']}/"
        response = auth_client.patch(url, {"title": "Renamed 이름"}, format="json")
        assert response.status_code == 200
        assert response.json()["title"] == "Renamed 이름"
        assert auth_client.get(url).json()["title"] == "Renamed 이름"
        long_title = "t" * 180
        assert auth_client.patch(url, {"title": long_title}, format="json").json()["title"] == long_title
        assert_error(auth_client.patch(url, {"title": ""}, format="json"), 400)
        assert_error(auth_client.patch(url, {"title": 5 * "long" * 60}, format="json"), 400)


class TestListAndSearch:
    def test_newest_activity_first_with_counts_and_last_question(self, auth_client, shop):
        first = auth_client.post("/api/conversations/", {"datasource": shop.pk}, format="json").json()
        second = auth_client.post("/api/conversations/", {"datasource": shop.pk}, format="json").json()
        ask(auth_client, first["id"], "How many customers?")
        ask(auth_client, first["id"], "List all products")
        results = auth_client.get("/api/conversations/").json()["results"]
        assert [c["id"] for c in results] == [first["id"], second["id"]]
        assert results[0]["message_count"] == 2
        assert results[0]["last_question"] == "List all products"
        assert results[0]["updated_at"] > second["updated_at"]

    def test_pages_follow_links(self, auth_client, shop):
        for index in range(5):
            auth_client.post("/api/conversations/", {"datasource": shop.pk, "title": f"c{index}"}, format="json")
        page = auth_client.get("/api/conversations/?per-page=2").json()
        assert page["count"] == 5 and len(page["results"]) == 2
        assert "create" in rels(page) and rels(page)["create"]["method"] == "POST"
        seen = [c["title"] for c in page["results"]]
        while "next" in rels(page):
            page = auth_client.get(rels(page)["next"]["href"]).json()
            seen += [c["title"] for c in page["results"]]
        assert seen == ["c4", "c3", "c2", "c1", "c0"]
        assert "previous" in rels(page)
        assert auth_client.get("/api/conversations/?page_size=3").json()["results"].__len__() == 3
        assert_error(auth_client.get("/api/conversations/?page=99"), 404)

    def test_search_matches_titles_and_questions(self, auth_client, shop):
        titled = auth_client.post(
            "/api/conversations/", {"datasource": shop.pk, "title": "Quarterly 매출"}, format="json"
        )
        asked = auth_client.post("/api/conversations/", {"datasource": shop.pk}, format="json").json()
        auth_client.post("/api/conversations/", {"datasource": shop.pk, "title": "Other"}, format="json")
        ask(auth_client, asked["id"], "How many customers?")
        ask(auth_client, asked["id"], "Which products are in the kitchen category?")

        def found(term):
            return [c["id"] for c in auth_client.get("/api/conversations/", {"search": term}).json()["results"]]

        assert found("매출") == [titled.json()["id"]]
        assert found("KITCHEN") == [asked["id"]]
        assert found("nothing like this") == []
        assert len(found("")) == 3
        assert found("KITCH\x00EN") == [asked["id"]]  # a NUL in the query string is not a 500


class TestDelete:
    def test_delete_one_removes_exactly_its_messages(self, auth_client, shop):
        keep = auth_client.post("/api/conversations/", {"datasource": shop.pk}, format="json").json()
        drop = auth_client.post("/api/conversations/", {"datasource": shop.pk}, format="json").json()
        ask(auth_client, keep["id"])
        ask(auth_client, drop["id"])
        assert auth_client.delete(f"/api/conversations/{drop['id']}/").status_code == 204
        assert_error(auth_client.get(f"/api/conversations/{drop['id']}/"), 404)
        assert Message.objects.filter(conversation_id=drop["id"]).count() == 0
        assert Message.objects.filter(conversation_id=keep["id"]).count() == 1

    def test_delete_all_needs_confirmation(self, auth_client, other_client, shop, make_source, other_user):
        for _ in range(3):
            auth_client.post("/api/conversations/", {"datasource": shop.pk}, format="json")
        theirs = make_source(other_user, SHOP_SQL, name="theirs")
        other_client.post("/api/conversations/", {"datasource": theirs.pk}, format="json")
        assert_error(auth_client.delete("/api/conversations/"), 400)
        assert_error(auth_client.delete("/api/conversations/?all=yes"), 400)
        assert Conversation.objects.count() == 4
        response = auth_client.delete("/api/conversations/?all=true")
        assert response.status_code == 200
        assert response.json() == {"deleted": 3}
        assert auth_client.get("/api/conversations/").json()["count"] == 0
        assert other_client.get("/api/conversations/").json()["count"] == 1

    def test_delete_one_message(self, auth_client, conversation):
        turn = ask(auth_client, conversation["id"]).json()
        assert auth_client.delete(f"/api/messages/{turn['id']}/").status_code == 204
        assert_error(auth_client.get(f"/api/messages/{turn['id']}/"), 404)
        assert auth_client.get(f"/api/conversations/{conversation['id']}/").json()["message_count"] == 0

    def test_deleting_the_latest_turn_brings_back_the_one_before(self, auth_client, conversation):
        first = ask(auth_client, conversation["id"], "How many customers?").json()
        second = ask(auth_client, conversation["id"], "List all products").json()
        detail = auth_client.get(f"/api/conversations/{conversation['id']}/").json()
        assert (detail["message_count"], detail["last_question"]) == (2, "List all products")
        assert auth_client.delete(f"/api/messages/{second['id']}/").status_code == 204
        listed = auth_client.get("/api/conversations/").json()["results"][0]
        assert (listed["message_count"], listed["last_question"]) == (1, "How many customers?")
        assert auth_client.delete(f"/api/messages/{first['id']}/").status_code == 204
        listed = auth_client.get("/api/conversations/").json()["results"][0]
        assert (listed["message_count"], listed["last_question"]) == (0, "")


class TestAbandonedTurns:
    """A turn whose process died mid-answer must not stay `pending` for ever."""

    def start_turn(self, conversation, question, *, age_seconds):
        conv = Conversation.objects.get(pk=conversation["id"])
        message = services.message_start(conversation=conv, question=question)
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(seconds=age_seconds))
        return message

    def test_a_long_pending_turn_is_shown_and_stored_as_interrupted(self, auth_client, conversation, settings):
        settings.TURN_ABANDONED_AFTER = 420
        dead = self.start_turn(conversation, "How many customers?", age_seconds=600)
        running = self.start_turn(conversation, "List all products", age_seconds=5)
        listed = auth_client.get(f"/api/conversations/{conversation['id']}/messages/").json()["results"]
        assert [(t["status"], t["error"] and t["error"]["code"]) for t in listed] == [
            ("error", "interrupted"),
            ("pending", None),
        ]
        assert "ask again" in listed[0]["error"]["message"]
        dead.refresh_from_db()
        running.refresh_from_db()
        assert (dead.status, dead.error_code) == ("error", "interrupted")
        assert running.status == "pending"

    def test_the_turn_detail_settles_it_too(self, auth_client, conversation):
        dead = self.start_turn(conversation, "How many customers?", age_seconds=3600)
        body = auth_client.get(f"/api/messages/{dead.pk}/").json()
        assert body["status"] == "error" and body["error"]["code"] == "interrupted"


class TestIsolation:
    def test_another_users_objects_are_404_everywhere(self, auth_client, other_client, conversation):
        turn = ask(auth_client, conversation["id"]).json()
        cid, mid = conversation["id"], turn["id"]
        for response in (
            other_client.get(f"/api/conversations/{cid}/"),
            other_client.patch(f"/api/conversations/{cid}/", {"title": "mine now"}, format="json"),
            other_client.delete(f"/api/conversations/{cid}/"),
            other_client.get(f"/api/conversations/{cid}/messages/"),
            other_client.post(f"/api/conversations/{cid}/messages/", {"question": "How many?"}, format="json"),
            other_client.get(f"/api/messages/{mid}/"),
            other_client.delete(f"/api/messages/{mid}/"),
            other_client.get(f"/api/messages/{mid}/csv/"),
        ):
            assert_error(response, 404)
        assert other_client.get("/api/conversations/").json()["count"] == 0
        assert other_client.get("/api/conversations/", {"search": "customers"}).json()["count"] == 0
        assert_error(
            other_client.post("/api/chat/", {"question": "How many?", "conversation": cid}, format="json"), 400
        )
        assert_error(
            other_client.post(
                "/api/chat/", {"question": "How many?", "datasource": conversation["datasource"]["id"]}, format="json"
            ),
            400,
        )
        assert other_client.delete("/api/conversations/?all=true").json() == {"deleted": 0}
        assert auth_client.get(f"/api/conversations/{cid}/").json()["title"] == "How many customers?"
        assert Message.objects.filter(conversation_id=cid).count() == 1

    def test_requires_authentication(self, api_client, conversation):
        for path in ("/api/conversations/", f"/api/conversations/{conversation['id']}/messages/", "/api/chat/"):
            assert_error(api_client.get(path), 401)


class TestQueryCounts:
    @pytest.fixture
    def history(self, auth_client, shop, user):
        """25 conversations with two turns each, written directly (the ask path is tested elsewhere)."""
        for index in range(25):
            conversation = Conversation.objects.create(owner=user, datasource=shop, title=f"c{index}")
            Message.objects.bulk_create(
                [
                    Message(conversation=conversation, question=f"q{index}-{n}", sql="SELECT 1", status="ok")
                    for n in range(2)
                ]
            )
        services.conversation_recount(Conversation.objects.filter(owner=user))
        return Conversation.objects.filter(owner=user).order_by("-updated_at", "-id").first()

    @pytest.mark.parametrize("size", [2, 20])
    def test_conversation_list_is_constant(self, auth_client, history, django_assert_max_num_queries, size):
        with django_assert_max_num_queries(4):
            body = auth_client.get(f"/api/conversations/?per-page={size}").json()
        assert len(body["results"]) == size
        assert body["results"][0]["message_count"] == 2
        assert body["results"][0]["last_question"].endswith("-1")

    @pytest.mark.parametrize("size", [2, 20])
    def test_message_list_is_constant(self, auth_client, history, user, shop, django_assert_max_num_queries, size):
        conversation = Conversation.objects.create(owner=user, datasource=shop)
        Message.objects.bulk_create(
            [Message(conversation=conversation, question=f"q{n}", status="ok") for n in range(30)]
        )
        with django_assert_max_num_queries(4):
            body = auth_client.get(f"/api/conversations/{conversation.pk}/messages/?per-page={size}").json()
        assert [m["question"] for m in body["results"]] == [f"q{n}" for n in range(size)]


class TestInput:
    @pytest.mark.parametrize(
        "payload",
        [
            {},
            {"question": ""},
            {"question": "   "},
            {"question": "x" * 2001},
            {"question": ["a"]},
            {"summarize": "maybe"},
        ],
    )
    def test_bad_input_is_a_400_and_stores_nothing(self, auth_client, conversation, fake_llm, payload):
        response = ask_turn(auth_client, conversation, payload)
        assert response.status_code == 400, response.content
        assert response.json()["code"] and response.json()["detail"]
        assert not Message.objects.exists() and not fake_llm.requests

    def test_a_question_of_exactly_the_limit_is_accepted(self, auth_client, conversation, fake_llm):
        assert ask_turn(auth_client, conversation, "x" * 2000).status_code == 201

    def test_asks_are_throttled_per_user(self, auth_client, other_client, conversation, fake_llm, settings, shop):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "ask": "2/min"}
        assert ask_turn(auth_client, conversation, "one").status_code == 201
        assert ask_turn(auth_client, conversation, "two").status_code == 201
        response = ask_turn(auth_client, conversation, "three")
        assert response.status_code == 429 and response["Retry-After"]
        assert response.json()["code"] == "throttled"
        oneshot = auth_client.post("/api/chat/", {"question": "four", "datasource": shop.pk}, format="json")
        assert oneshot.status_code == 429
        assert auth_client.get(f"/api/conversations/{conversation['id']}/messages/").status_code == 200
        assert Message.objects.count() == 2


class TestOneShot:
    def test_creates_a_conversation_then_continues_it(self, auth_client, shop, fake_llm):
        response = auth_client.post(
            "/api/chat/", {"question": "How many customers?", "datasource": shop.pk}, format="json"
        )
        assert response.status_code == 201, response.content
        turn = response.json()
        assert set(turn) == TURN_KEYS and turn["result"]["rows"] == [[3]]
        conversation = auth_client.get(f"/api/conversations/{turn['conversation']}/").json()
        assert conversation["title"] == "How many customers?" and conversation["message_count"] == 1

        follow = auth_client.post(
            "/api/chat/", {"question": "And products?", "conversation": turn["conversation"]}, format="json"
        ).json()
        assert follow["conversation"] == turn["conversation"]
        assert "How many customers?" in fake_llm.requests_for("sql")[-1].user
        assert auth_client.get("/api/conversations/").json()["count"] == 1

    def test_bad_input(self, auth_client, shop, fake_llm):
        for payload in ({}, {"question": "Hi"}, {"question": "Hi", "datasource": 424242}, {"datasource": shop.pk}):
            response = auth_client.post("/api/chat/", payload, format="json")
            assert response.status_code == 400, (payload, response.content)
        assert not Message.objects.exists()


class TestCsv:
    def test_csv_has_a_bom_and_korean(self, auth_client, conversation, fake_llm):
        fake_llm.enqueue(Reply.sql("SELECT name, city FROM customers ORDER BY id"), stage="sql")
        turn = ask_turn(auth_client, conversation, "Names and cities").json()
        response = auth_client.get(f"/api/messages/{turn['id']}/csv/")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment" in response["Content-Disposition"]
        raw = response.content
        assert raw.startswith(b"\xef\xbb\xbf")
        lines = raw.decode("utf-8-sig").splitlines()
        assert lines == ["name,city", "김민준,Seoul", "Ana Lima,Busan", "Tom Reed,Seoul"]

    def test_formula_like_cells_stay_text(self, auth_client, conversation, fake_llm):
        fake_llm.enqueue(Reply.sql("SELECT '=HYPERLINK(\"x\")' AS cell, -5 AS n"), stage="sql")
        turn = ask_turn(auth_client, conversation, "cells").json()
        lines = auth_client.get(f"/api/messages/{turn['id']}/csv/").content.decode("utf-8-sig").splitlines()
        assert lines[1] == '"\'=HYPERLINK(""x"")",-5'
