"""Turn errors are stored and sent in the asker's language; their codes stay the same."""

import pytest

from chat.streaming import running_turns
from tests.chat.conftest import ask_turn, stored
from tests.chat.test_streaming import parse_events

KOREAN = {"HTTP_ACCEPT_LANGUAGE": "ko-KR,ko;q=0.9"}


def test_a_refused_write_is_explained_in_korean(auth_client, conversation):
    response = ask_turn(auth_client, conversation, {"sql": "DELETE FROM customers"}, **KOREAN)
    assert response.status_code == 201
    turn = response.json()
    assert turn["status"] == "rejected"
    assert turn["error"] == {
        "code": "sql_rejected",
        "message": "SELECT 쿼리(WITH, UNION, INTERSECT, EXCEPT 포함 가능)만 실행할 수 있습니다.",
    }
    assert stored(turn["id"]).error_message == turn["error"]["message"]


def test_the_same_refusal_in_english(auth_client, conversation):
    turn = ask_turn(auth_client, conversation, {"sql": "DELETE FROM customers"}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert turn["error"] == {
        "code": "sql_rejected",
        "message": "Only a SELECT query (with optional WITH, UNION, INTERSECT or EXCEPT) can run.",
    }


def test_a_question_over_the_limit_in_korean(auth_client, conversation, settings):
    response = ask_turn(auth_client, conversation, "가" * (settings.QUESTION_MAX_CHARS + 1), **KOREAN)
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "question": [f"질문은 최대 {settings.QUESTION_MAX_CHARS}자까지 쓸 수 있습니다."]
    }


@pytest.mark.django_db(transaction=True)
def test_a_streamed_turn_reports_its_error_in_the_askers_language(auth_client, conversation):
    """The turn runs in a worker thread; it must still speak the language of the request."""
    response = ask_turn(
        auth_client, conversation, {"sql": "DROP TABLE customers"}, HTTP_ACCEPT="text/event-stream", **KOREAN
    )
    events = parse_events(response.streaming_content)
    for thread in running_turns():
        thread.join(timeout=10)
    name, data = events[-1]
    assert name == "error"
    assert data["code"] == "sql_rejected"
    assert data["message"] == "SELECT 쿼리(WITH, UNION, INTERSECT, EXCEPT 포함 가능)만 실행할 수 있습니다."
    assert stored(data["turn"]["id"]).error_message == data["message"]
