"""Streaming asks (server-sent events): event order, errors, and disconnects that still store the turn."""

import json
import time

import pytest

from chat.models import Message
from chat.streaming import running_turns
from tests.chat.conftest import wait_until
from tests.fake_llm import Reply

# The turn runs in a worker thread with its own database connection, so data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)


def parse_events(chunks) -> list[tuple[str, dict]]:
    events = []
    for block in b"".join(chunks).decode().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(":")]
        if not lines:
            continue
        name = next(line[7:] for line in lines if line.startswith("event: "))
        data = json.loads(next(line[6:] for line in lines if line.startswith("data: ")))
        events.append((name, data))
    return events


def stream(client, conversation, payload):
    return client.post(
        f"/api/conversations/{conversation['id']}/messages/",
        payload,
        format="json",
        HTTP_ACCEPT="text/event-stream",
    )


@pytest.fixture(autouse=True)
def _no_turn_left_running():
    yield
    for thread in running_turns():
        thread.join(timeout=10)


def test_events_arrive_in_stage_order_and_end_with_the_stored_turn(auth_client, conversation, fake_llm):
    fake_llm.enqueue(Reply.sql("SELECT city, COUNT(*) AS n FROM customers GROUP BY city ORDER BY n DESC"), stage="sql")
    fake_llm.enqueue(Reply.text("서울 고객이 가장 많습니다: 2명."), stage="summary")
    response = stream(auth_client, conversation, {"question": "도시별 고객 수"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/event-stream")
    assert response["X-Accel-Buffering"] == "no"
    events = parse_events(response.streaming_content)
    names = [name for name, _ in events]
    first_delta = names.index("summary")
    assert names[:first_delta] == ["stage", "sql", "stage", "result", "stage"]
    assert [data["stage"] for name, data in events if name == "stage"] == ["sql", "execute", "summary"]
    assert set(names[first_delta:-1]) == {"summary"} and names[-1] == "done"
    assert events[1][1] == {"sql": "SELECT city, COUNT(*) AS n FROM customers GROUP BY city ORDER BY n DESC"}
    assert events[3][1] == {
        "columns": ["city", "n"],
        "rows": [["Seoul", 2], ["Busan", 1]],
        "row_count": 2,
        "truncated": False,
        "stored_truncated": False,
    }
    deltas = "".join(data["delta"] for name, data in events if name == "summary")
    assert deltas == "서울 고객이 가장 많습니다: 2명."
    done = events[-1][1]
    assert done["status"] == "ok" and done["summary"] == deltas
    assert auth_client.get(f"/api/messages/{done['id']}/").json() == done
    assert fake_llm.requests_for("summary")[0].stream is True


def test_a_failure_ends_with_an_error_event(auth_client, conversation, fake_llm):
    fake_llm.enqueue(Reply.error(503), stage="sql")
    events = parse_events(stream(auth_client, conversation, {"question": "How many customers?"}).streaming_content)
    assert [name for name, _ in events] == ["stage", "error"]
    error = events[-1][1]
    assert error["code"] == "llm_unavailable" and error["message"]
    assert Message.objects.get(pk=error["turn"]["id"]).error_code == "llm_unavailable"


def test_a_model_that_keeps_trickling_words_is_cut_off_at_llm_timeout(auth_client, conversation, fake_llm, settings):
    # Each word comes well within the timeout, but the whole reply would take 6 s.
    settings.LLM_TIMEOUT = 1
    fake_llm.enqueue(Reply.sql("SELECT COUNT(*) AS n FROM customers"), stage="sql")
    fake_llm.enqueue(Reply.text("There are three customers " * 10, chunk_delay=0.15), stage="summary")
    started = time.monotonic()
    events = parse_events(stream(auth_client, conversation, {"question": "How many customers?"}).streaming_content)
    assert time.monotonic() - started < 4
    names = [name for name, _ in events]
    assert names[-1] == "error" and events[-1][1]["code"] == "llm_timeout"
    assert 0 < names.count("summary") < 40
    message = Message.objects.get(pk=events[-1][1]["turn"]["id"])
    assert (message.status, message.error_code) == ("error", "llm_timeout")
    assert message.rows == [[3]]  # what the query found is kept


def test_bad_input_is_a_json_400(auth_client, conversation, fake_llm):
    response = stream(auth_client, conversation, {"question": ""})
    assert response.status_code == 400
    assert response.json()["code"]
    assert not Message.objects.exists()


def test_direct_sql_streams_too(auth_client, conversation, fake_llm):
    response = stream(auth_client, conversation, {"sql": "SELECT COUNT(*) AS n FROM products", "summarize": False})
    events = parse_events(response.streaming_content)
    assert [name for name, _ in events] == ["stage", "result", "done"]
    assert events[-1][1]["result"]["rows"] == [[5]]


def test_a_client_that_disconnects_still_leaves_a_complete_turn(auth_client, conversation, fake_llm):
    fake_llm.enqueue(Reply.sql("SELECT COUNT(*) AS n FROM customers", delay=0.3), stage="sql")
    fake_llm.enqueue(Reply.text("There are 3 customers.", delay=0.5), stage="summary")
    response = stream(auth_client, conversation, {"question": "How many customers?"})
    chunks = iter(response.streaming_content)
    next(chunks)  # the stream is open; the model has not answered yet
    response.close()  # the client goes away mid-stream
    message = Message.objects.get()
    assert message.status == "pending"
    wait_until(lambda: Message.objects.get(pk=message.pk).status != "pending")
    message.refresh_from_db()
    assert message.status == "ok"
    assert message.rows == [[3]] and message.summary == "There are 3 customers."
    assert message.total_ms >= 800
    listed = auth_client.get(f"/api/conversations/{conversation['id']}/messages/").json()["results"]
    assert [turn["status"] for turn in listed] == ["ok"]


def test_a_reasoning_models_think_block_never_reaches_the_stream(auth_client, conversation, fake_llm):
    fake_llm.enqueue(Reply.sql("SELECT COUNT(*) AS n FROM customers"), stage="sql")
    reply = "<think>The user wants a count. 3 rows?</think>\n\nThere are 3 customers."
    fake_llm.enqueue(Reply.text(reply), stage="summary")
    events = parse_events(stream(auth_client, conversation, {"question": "How many customers?"}).streaming_content)
    deltas = [data["delta"] for name, data in events if name == "summary"]
    assert "".join(deltas) == "There are 3 customers."
    assert events[-1][0] == "done" and events[-1][1]["summary"] == "There are 3 customers."


def test_deleting_the_conversation_mid_answer_stores_nothing(auth_client, conversation, fake_llm):
    fake_llm.enqueue(Reply.sql("SELECT COUNT(*) AS n FROM customers", delay=0.5), stage="sql")
    response = stream(auth_client, conversation, {"question": "How many customers?"})
    chunks = iter(response.streaming_content)
    next(chunks)  # the turn is stored as pending and its answer is on the way
    assert auth_client.delete(f"/api/conversations/{conversation['id']}/").status_code == 204
    events = parse_events(list(chunks))
    assert events[-1] == ("error", {"code": "not_found", "message": events[-1][1]["message"]})
    assert "deleted" in events[-1][1]["message"]
    assert not Message.objects.exists()


def test_a_pending_turn_deleted_mid_answer_stays_deleted(auth_client, conversation, fake_llm):
    fake_llm.enqueue(Reply.sql("SELECT COUNT(*) AS n FROM customers", delay=0.5), stage="sql")
    response = stream(auth_client, conversation, {"question": "How many customers?"})
    chunks = iter(response.streaming_content)
    next(chunks)
    turn = Message.objects.get()
    assert auth_client.delete(f"/api/messages/{turn.pk}/").status_code == 204
    assert parse_events(list(chunks))[-1][1]["code"] == "not_found"
    assert not Message.objects.exists()
    detail = auth_client.get(f"/api/conversations/{conversation['id']}/").json()
    assert (detail["message_count"], detail["last_question"]) == (0, "")


def test_a_streamed_statement_whose_client_left_stops_at_the_deadline(auth_client, conversation, settings):
    # One SQLite VM step that would run for hours: the worker running it is killed at the deadline,
    # though nobody is listening any more, and the turn is stored as a timeout.
    from tests.datasources.test_hardening import SQLITE_ONE_STEP_ATTACKS, assert_workers_idle

    settings.SQL_TIMEOUT_SECONDS = 1
    payload = {"question": "count", "sql": SQLITE_ONE_STEP_ATTACKS["instr_near_miss"], "summarize": False}
    started = time.monotonic()
    response = stream(auth_client, conversation, payload)
    next(iter(response.streaming_content))
    response.close()  # the client goes away while the statement runs
    for thread in running_turns():
        thread.join(timeout=settings.SQL_TIMEOUT_SECONDS + 2)
    assert time.monotonic() - started < settings.SQL_TIMEOUT_SECONDS + 3
    assert not running_turns()
    assert_workers_idle()
    assert Message.objects.get().error_code == "sql_timeout"
