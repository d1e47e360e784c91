"""Attacks on storage: a turn keeps at most RESULT_STORE_MAX_BYTES of result, a user at most
USER_STORAGE_QUOTA_BYTES in all, and a list page stays small whatever its turns hold."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat import pipeline, prompts, services, storage
from chat.models import Conversation, Message
from tests.chat.conftest import ask_turn
from tests.fake_llm import Reply

pytestmark = pytest.mark.django_db

BODY_CHARS = 4000
DOCS_SQL = f"""
CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
INSERT INTO docs SELECT i, printf('%.{BODY_CHARS}c', 'x') FROM n;
"""
ALL_DOCS = "SELECT id, body FROM docs ORDER BY id"


def json_bytes(value) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


@pytest.fixture
def docs(make_source, user):
    """300 rows of 4 KB each (about 1.2 MB of result) owned by `user`."""
    return make_source(user, DOCS_SQL, name="docs")


def new_conversation(client, datasource) -> dict:
    response = client.post("/api/conversations/", {"datasource": datasource.pk}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def talk(auth_client, docs):
    return new_conversation(auth_client, docs)


def run_sql(client, conversation, sql=ALL_DOCS, **extra):
    return ask_turn(client, conversation, {"sql": sql, "summarize": False}, **extra)


class TestStoredResultCap:
    def test_a_big_result_is_stored_cut_to_its_cap_and_the_turn_says_so(self, auth_client, talk, settings):
        settings.RESULT_STORE_MAX_BYTES = 50_000
        response = run_sql(auth_client, talk)
        assert response.status_code == 201, response.content
        turn = response.json()
        result = turn["result"]
        kept = len(result["rows"])
        assert 0 < kept < 300
        assert result["row_count"] == kept
        assert result["truncated"] is True and result["stored_truncated"] is True
        assert json_bytes(result["columns"]) + json_bytes(result["rows"]) <= 50_000
        assert result["rows"] == [[i, "x" * BODY_CHARS] for i in range(1, kept + 1)]

        # One result everywhere: the answer, the stored turn, the list, the CSV.
        message = Message.objects.get(pk=turn["id"])
        assert (len(message.rows), message.stored_truncated) == (kept, True)
        assert auth_client.get(f"/api/messages/{turn['id']}/").json() == turn
        csv_lines = auth_client.get(f"/api/messages/{turn['id']}/csv/").content.decode("utf-8-sig").splitlines()
        assert len(csv_lines) == kept + 1

    def test_a_result_within_the_cap_is_kept_whole(self, auth_client, talk, settings):
        settings.RESULT_STORE_MAX_BYTES = 2_000_000
        turn = run_sql(auth_client, talk).json()
        assert turn["result"]["row_count"] == 300
        assert turn["result"]["truncated"] is False and turn["result"]["stored_truncated"] is False

    def test_the_summary_is_written_from_the_rows_that_are_kept(self, auth_client, talk, settings, fake_llm):
        settings.RESULT_STORE_MAX_BYTES = 50_000
        fake_llm.enqueue(Reply.text("Some documents."), stage="summary")
        turn = ask_turn(auth_client, talk, {"sql": ALL_DOCS}).json()
        (summary_request,) = fake_llm.requests_for("summary")
        kept = turn["result"]["row_count"]
        assert kept < 300
        assert f"{prompts.ROW_COUNT_LABEL} {kept}" in summary_request.user
        assert prompts.SUMMARY_TRUNCATED.strip() in summary_request.user


@pytest.mark.django_db(transaction=True)
def test_a_streamed_answer_shows_the_rows_that_are_kept(auth_client, docs, settings):
    settings.RESULT_STORE_MAX_BYTES = 50_000
    talk = new_conversation(auth_client, docs)
    response = run_sql(auth_client, talk, HTTP_ACCEPT="text/event-stream")
    events = {}
    for block in b"".join(response.streaming_content).decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if "event" in lines:
            events[lines["event"]] = json.loads(lines["data"])
    stored_rows = Message.objects.get().rows
    assert 0 < len(stored_rows) < 300
    assert events["result"]["rows"] == stored_rows == events["done"]["result"]["rows"]
    assert events["result"]["stored_truncated"] is events["done"]["result"]["stored_truncated"] is True


class TestQuota:
    @pytest.fixture(autouse=True)
    def _small_quota(self, settings):
        # Each ask below stores about 50 KB: two fit, the third would not leave room for a full result.
        settings.RESULT_STORE_MAX_BYTES = 50_000
        settings.USER_STORAGE_QUOTA_BYTES = 120_000

    def test_a_full_history_refuses_the_next_ask_and_changes_nothing(self, auth_client, talk, user, settings):
        assert run_sql(auth_client, talk).status_code == 201
        assert run_sql(auth_client, talk).status_code == 201
        before = Conversation.objects.get(pk=talk["id"])

        response = run_sql(auth_client, talk)
        assert response.status_code == 409, response.content
        body = response.json()
        assert body["code"] == "storage_quota_exceeded"
        assert "Delete conversations" in body["detail"] and "turn" not in body
        after = Conversation.objects.get(pk=talk["id"])
        assert Message.objects.filter(conversation__owner=user).count() == 2
        assert (after.message_count, after.updated_at, after.stored_bytes) == (
            before.message_count,
            before.updated_at,
            before.stored_bytes,
        )
        assert storage.user_stored_bytes(owner_id=user.pk) <= settings.USER_STORAGE_QUOTA_BYTES

    def test_every_way_of_asking_is_refused(self, auth_client, talk, docs, user):
        run_sql(auth_client, talk)
        run_sql(auth_client, talk)
        conversations = Conversation.objects.count()
        streamed = run_sql(auth_client, talk, HTTP_ACCEPT="text/event-stream")
        assert streamed.status_code == 409 and streamed.json()["code"] == "storage_quota_exceeded"
        one_shot = auth_client.post("/api/chat/", {"datasource": docs.pk, "question": "How many docs?"}, format="json")
        assert one_shot.status_code == 409 and one_shot.json()["code"] == "storage_quota_exceeded"
        continued = auth_client.post(
            "/api/chat/", {"conversation": talk["id"], "question": "How many docs?"}, format="json"
        )
        assert continued.status_code == 409
        assert Conversation.objects.count() == conversations  # the one-shot started no conversation
        assert Message.objects.filter(conversation__owner=user).count() == 2

    def test_other_users_are_not_held_back(self, auth_client, other_client, talk, make_source, other_user):
        run_sql(auth_client, talk)
        run_sql(auth_client, talk)
        theirs = new_conversation(other_client, make_source(other_user, DOCS_SQL, name="theirs"))
        assert run_sql(other_client, theirs).status_code == 201

    def test_deleting_conversations_or_turns_frees_room(self, auth_client, talk, docs, user):
        first = run_sql(auth_client, talk).json()
        run_sql(auth_client, talk)
        assert run_sql(auth_client, talk).status_code == 409

        assert auth_client.delete(f"/api/messages/{first['id']}/").status_code == 204
        assert run_sql(auth_client, talk).status_code == 201
        assert run_sql(auth_client, talk).status_code == 409

        assert auth_client.delete(f"/api/conversations/{talk['id']}/").status_code == 204
        assert storage.user_stored_bytes(owner_id=user.pk) == 0
        assert run_sql(auth_client, new_conversation(auth_client, docs)).status_code == 201

    def test_asks_running_at_once_cannot_store_past_the_quota(self, auth_client, talk, user):
        """The room is checked again when the result is stored (another ask may have used it meanwhile)."""
        conversation = Conversation.objects.get(pk=talk["id"])
        message = services.message_start(conversation=conversation, sql=ALL_DOCS)
        elsewhere = Conversation.objects.create(owner=user, datasource=conversation.datasource)
        Conversation.objects.filter(pk=elsewhere.pk).update(stored_bytes=120_000 - 10_000)

        pipeline.run_turn(message, question="", sql=ALL_DOCS, summarize_result=False)
        message.refresh_from_db()
        assert message.status == "ok" and message.stored_truncated is True
        assert json_bytes(message.columns) + json_bytes(message.rows) <= 10_000
        text_bytes = len(message.sql.encode())
        assert storage.user_stored_bytes(owner_id=user.pk) <= 120_000 + text_bytes


class TestCounters:
    def test_each_turn_knows_its_size_and_each_conversation_the_sum(self, auth_client, talk, fake_llm, settings):
        settings.RESULT_STORE_MAX_BYTES = 50_000
        fake_llm.enqueue(Reply.text("긴 요약 " * 50), stage="summary")
        ask_turn(auth_client, talk, {"sql": ALL_DOCS})
        run_sql(auth_client, talk, "SELECT COUNT(*) AS n FROM docs")
        run_sql(auth_client, talk, "SELECT nope FROM docs")  # an error turn keeps its message
        turns = list(Message.objects.filter(conversation_id=talk["id"]))
        for turn in turns:
            texts = turn.question + turn.sql + turn.summary + turn.error_message
            assert turn.stored_bytes == json_bytes(turn.columns) + json_bytes(turn.rows) + len(texts.encode())
        conversation = Conversation.objects.get(pk=talk["id"])
        assert conversation.stored_bytes == sum(t.stored_bytes for t in turns) > 40_000

        services.message_delete(message=turns[0])
        conversation.refresh_from_db()
        assert conversation.stored_bytes == turns[1].stored_bytes + turns[2].stored_bytes

    def test_checking_the_quota_reads_no_turn(self, auth_client, talk, user):
        for _ in range(3):
            run_sql(auth_client, talk, "SELECT id FROM docs")
        with CaptureQueriesContext(connection) as queries:
            storage.ensure_room(owner_id=user.pk)
        assert len(queries) == 1
        assert "chat_message" not in queries[0]["sql"]


class TestListPages:
    """20 turns that each store about 1 MB, with long SQL, long summaries and many long column names."""

    @pytest.fixture
    def heavy(self, auth_client, talk, fake_llm, settings):
        settings.RESULT_STORE_MAX_BYTES = 1024 * 1024
        aliases = ", ".join(f'id AS "column_{"a" * 90}_{n}"' for n in range(40))
        sql = f"SELECT id, body, '{'z' * 2000}' AS pad, {aliases} FROM docs ORDER BY id"
        for _ in range(20):
            fake_llm.enqueue(Reply.text("요약 " * 10_000), stage="summary")
            response = ask_turn(auth_client, talk, {"sql": sql})
            assert response.status_code == 201, response.content
        return talk

    def test_a_page_of_big_turns_stays_small(self, auth_client, heavy):
        assert Message.objects.filter(stored_truncated=True).count() == 20
        with CaptureQueriesContext(connection) as queries:
            response = auth_client.get(f"/api/conversations/{heavy['id']}/messages/?per-page=100")
        assert response.status_code == 200
        assert len(response.content) < 200_000  # the turns themselves hold over 20 MB
        # The stored results are not even read from the database.
        assert not any('"rows"' in query["sql"] and "chat_message" in query["sql"] for query in queries)
        items = response.json()["results"]
        assert len(items) == 20 and all(item["preview"] is True for item in items)

    def test_a_list_item_points_to_the_whole_turn(self, auth_client, heavy):
        item = auth_client.get(f"/api/conversations/{heavy['id']}/messages/").json()["results"][0]
        self_href = next(link["href"] for link in item["_links"] if link["rel"] == "self")
        turn = auth_client.get(self_href).json()
        assert turn["preview"] is False
        assert len(auth_client.get(self_href).content) > 900_000
        assert item["result"]["row_count"] == turn["result"]["row_count"] == len(turn["result"]["rows"])
        assert len(item["result"]["rows"]) < len(turn["result"]["rows"])
        assert item["sql"].endswith("…") and turn["sql"].startswith(item["sql"][:-1])
        assert item["summary"].endswith("…") and turn["summary"].startswith(item["summary"][:-1])
        assert item["id"] == turn["id"] and item["status"] == turn["status"] == "ok"

    def test_history_search_stays_small(self, auth_client, heavy):
        response = auth_client.get("/api/conversations/?search=docs")
        assert response.status_code == 200
        assert len(response.content) < 10_000

    def test_turns_stored_before_previews_point_to_the_whole_turn(self, auth_client, talk):
        conversation = Conversation.objects.get(pk=talk["id"])
        Message.objects.create(conversation=conversation, sql="SELECT 1", status="ok", columns=["1"], rows=[[1]])
        (item,) = auth_client.get(f"/api/conversations/{talk['id']}/messages/").json()["results"]
        assert item["preview"] is True and item["result"]["rows"] == []


def test_turns_stored_before_the_quota_are_counted_once_migrated(talk, user):
    """The migration that adds the counters sizes the turns already stored, so old history counts too."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("chat.migrations.0003_message_stored_bytes")
    conversation = Conversation.objects.get(pk=talk["id"])
    old = [
        Message.objects.create(
            conversation=conversation, question="옛 질문", sql="SELECT 1", status="ok", columns=["n"], rows=[[n]] * n
        )
        for n in (1, 500)
    ]
    assert storage.user_stored_bytes(owner_id=user.pk) == 0

    migration.measure_existing_turns(apps, None)
    for message in old:
        message.refresh_from_db()
        assert message.stored_bytes == storage.turn_bytes(message) > 0
    assert storage.user_stored_bytes(owner_id=user.pk) == sum(m.stored_bytes for m in old)


def test_a_turn_still_being_answered_is_listed_whole(auth_client, talk):
    conversation = Conversation.objects.get(pk=talk["id"])
    services.message_start(conversation=conversation, question="Still thinking?")
    (item,) = auth_client.get(f"/api/conversations/{talk['id']}/messages/").json()["results"]
    assert (item["status"], item["preview"]) == ("pending", False)
