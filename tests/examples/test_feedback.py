"""Feedback on a turn: rating up saves an example, down or withdrawing removes it; only your own turns."""

from examples.models import Example, TurnFeedback
from tests.examples.conftest import ask, examples_url, rate


def rels(body: dict) -> dict:
    return {item["rel"]: item for item in body["_links"]}


def test_a_new_turn_has_no_feedback_and_a_link_to_rate_it(auth_client, shop_chat):
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    assert turn["feedback"] is None and turn["examples_used"] == []
    links = rels(turn)
    assert links["rate"]["method"] == "POST" and links["rate"]["href"].endswith(f"/api/messages/{turn['id']}/feedback/")
    assert links["examples"]["href"].endswith(f"/api/datasources/{shop_chat['datasource']['id']}/examples/")
    assert "unrate" not in links


def test_rating_up_saves_the_question_and_sql_as_an_example(auth_client, shop, shop_chat):
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    rated = rate(auth_client, turn["id"], "up", comment="Exactly right")
    assert rated["feedback"]["rating"] == "up" and rated["feedback"]["comment"] == "Exactly right"
    assert rated["feedback"]["created_at"].endswith("Z")
    example = Example.objects.get()
    assert rated["feedback"]["example"] == example.pk
    assert (example.question, example.sql, example.source) == (turn["question"], turn["sql"], "feedback")
    assert example.source_turn_id == turn["id"] and example.datasource_id == shop.pk
    links = rels(rated)
    assert links["unrate"]["method"] == "DELETE"
    assert links["example"]["href"].endswith(f"/api/examples/{example.pk}/")
    # The example is listed, and the turn read back shows the rating.
    listed = auth_client.get(examples_url(shop)).json()["results"]
    assert [item["question"] for item in listed] == ["How many customers are there?"]
    assert auth_client.get(f"/api/messages/{turn['id']}/").json()["feedback"]["rating"] == "up"


def test_rating_is_idempotent_and_can_change(auth_client, shop_chat):
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    rate(auth_client, turn["id"], "up")
    rate(auth_client, turn["id"], "up")
    assert Example.objects.count() == 1 and TurnFeedback.objects.count() == 1
    down = rate(auth_client, turn["id"], "down", comment="wrong table")
    assert down["feedback"]["rating"] == "down" and down["feedback"]["example"] is None
    assert Example.objects.count() == 0 and TurnFeedback.objects.count() == 1
    up_again = rate(auth_client, turn["id"], "up")
    assert up_again["feedback"]["rating"] == "up" and Example.objects.count() == 1


def test_withdrawing_removes_the_rating_and_its_example(auth_client, shop, shop_chat):
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    rate(auth_client, turn["id"], "up")
    response = auth_client.delete(f"/api/messages/{turn['id']}/feedback/")
    assert response.status_code == 200
    assert response.json()["feedback"] is None
    assert "unrate" not in rels(response.json())
    assert Example.objects.count() == 0 and TurnFeedback.objects.count() == 0
    assert auth_client.get(examples_url(shop)).json()["count"] == 0
    # Withdrawing again is harmless.
    assert auth_client.delete(f"/api/messages/{turn['id']}/feedback/").status_code == 200


def test_rating_the_same_question_twice_refreshes_one_example(auth_client, shop_chat):
    first = ask(auth_client, shop_chat, "How many customers are there?")
    second = ask(auth_client, shop_chat, "how many customers are there")
    rate(auth_client, first["id"], "up")
    rate(auth_client, second["id"], "up")
    example = Example.objects.get()
    assert example.source_turn_id == second["id"]


def test_only_answered_turns_with_sql_and_a_question_can_be_rated_up(auth_client, shop_chat):
    failed = ask(auth_client, shop_chat, "Why is the sky blue?", expect=422)
    body = rate(auth_client, failed["id"], "up", expect=400)
    assert body["code"] == "feedback_not_allowed" and "rating" in body["errors"]
    # Rating a failure down is fine (and saves nothing).
    assert rate(auth_client, failed["id"], "down")["feedback"]["rating"] == "down"
    direct = auth_client.post(
        f"/api/conversations/{shop_chat['id']}/messages/", {"sql": "SELECT 1 AS one"}, format="json"
    ).json()
    assert rate(auth_client, direct["id"], "up", expect=400)["code"] == "feedback_not_allowed"
    assert Example.objects.count() == 0


def test_bad_feedback_input_is_a_400_that_changes_nothing(auth_client, shop_chat):
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    assert rate(auth_client, turn["id"], "sideways", expect=400)["errors"]["rating"]
    assert rate(auth_client, turn["id"], "up", expect=400, comment="x" * 1001)["errors"]["comment"]
    assert TurnFeedback.objects.count() == 0 and Example.objects.count() == 0


def test_another_users_turn_is_a_404(auth_client, other_client, shop_chat):
    turn = ask(auth_client, shop_chat, "How many customers are there?")
    assert (
        other_client.post(f"/api/messages/{turn['id']}/feedback/", {"rating": "up"}, format="json").status_code == 404
    )
    assert other_client.delete(f"/api/messages/{turn['id']}/feedback/").status_code == 404
    assert TurnFeedback.objects.count() == 0


def test_the_turn_list_with_feedback_costs_a_fixed_number_of_queries(
    auth_client, shop_chat, django_assert_max_num_queries
):
    turns = [ask(auth_client, shop_chat, "How many customers are there?") for _ in range(3)]
    rate(auth_client, turns[0]["id"], "up")
    rate(auth_client, turns[1]["id"], "down")
    url = f"/api/conversations/{shop_chat['id']}/messages/"
    with django_assert_max_num_queries(4):
        small = auth_client.get(url).json()
    for _ in range(6):
        ask(auth_client, shop_chat, "How many products are there?")
    with django_assert_max_num_queries(4):
        body = auth_client.get(url).json()
    assert body["count"] == 9 and small["count"] == 3
    ratings = [turn["feedback"]["rating"] if turn["feedback"] else None for turn in body["results"]]
    assert ratings[:3] == ["up", "down", None]


def test_refusals_read_in_korean_under_a_korean_locale():
    from django.utils import translation

    from examples.errors import FeedbackNotAllowed

    with translation.override("ko"):
        assert str(FeedbackNotAllowed().message).startswith("답을 받은 질문")
    with translation.override("en"):
        assert str(FeedbackNotAllowed().message).startswith("Only an answered question")
