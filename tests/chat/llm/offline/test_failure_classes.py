"""Each way offline mode used to answer `ok` and wrong, on a Chinook-like PascalCase schema it has never seen."""

import pytest

from tests.chat.llm.offline.schemas import music_sql
from tests.chat.llm.offline.test_translator import answer, ask

pytestmark = pytest.mark.django_db


@pytest.fixture
def music(auth_client, make_source, user):
    source = make_source(user, music_sql(), name="music", descriptions={"Track.Milliseconds": "Length of the track"})
    return auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()


def refusal(client, conversation, question) -> str:
    response = ask(client, conversation, question)
    assert response.status_code == 422, response.json()
    assert response.json()["code"] == "offline_unsupported"
    return response.json()["detail"]


def test_total_of_x_adds_x_up(auth_client, music):
    turn = answer(auth_client, music, "What is the total of all invoices?")
    assert "SUM" in turn["sql"] and "COUNT" not in turn["sql"]
    assert turn["result"]["rows"] == [[pytest.approx(sum(round(0.5 + i * 0.37, 2) for i in range(1, 301)))]]


def test_average_of_a_column_named_total(auth_client, music):
    [[average]] = answer(auth_client, music, "What is the average invoice total?")["result"]["rows"]
    assert average == pytest.approx(sum(round(0.5 + i * 0.37, 2) for i in range(1, 301)) / 300)


def test_a_filter_value_named_is_never_dropped(auth_client, music):
    # Brazil is not among the values offline mode knows (25 countries are too many to sample).
    assert "'brazil'" in refusal(auth_client, music, "How many customers are from Brazil?")


def test_a_filter_through_a_foreign_key(auth_client, music):
    # Rock is the seventh genre in alphabetical order: every value of a low-cardinality column is known.
    turn = answer(auth_client, music, "How many tracks are in the Rock genre?")
    assert 'JOIN "Genre"' in turn["sql"] and "'Rock'" in turn["sql"]
    rock = sum(1 for row in answer(auth_client, music, "List all tracks")["result"]["rows"] if row[4] == 1)
    assert turn["result"]["rows"] == [[rock]]


def test_the_named_tables_own_column_before_a_joined_one(auth_client, music):
    # Canada is only sampled on Employee.Country, but the question is about the customer's country.
    turn = answer(auth_client, music, "How many customers are in Canada?")
    assert "JOIN" not in turn["sql"]
    assert turn["sql"].endswith("""WHERE "Country" = 'Canada'""")
    assert turn["result"]["rows"] == [[15]]


def test_each_returns_every_group(auth_client, music):
    turn = answer(auth_client, music, "How many albums does each artist have?")
    assert "LIMIT" not in turn["sql"]
    assert turn["result"]["row_count"] == 120 and not turn["result"]["truncated"]
    assert sum(count for _, count in turn["result"]["rows"]) == 180


@pytest.mark.parametrize(
    ("question", "column", "direction"),
    [
        ("Top 5 longest tracks", "Milliseconds", "DESC"),
        ("Top 5 biggest tracks", "Bytes", "DESC"),
        ("Top 3 most expensive tracks", "UnitPrice", "DESC"),
        ("The 2 cheapest tracks", "UnitPrice", "ASC"),
        ("What is the longest track?", "Milliseconds", "DESC"),
    ],
)
def test_superlatives_rank_by_the_column_they_fit(auth_client, music, question, column, direction):
    turn = answer(auth_client, music, question)
    assert f'ORDER BY "{column}" {direction}' in turn["sql"]


def test_camel_case_names_are_words(auth_client, music):
    """`UnitPrice` is "unit price", `MediaTypeId` the media type, and a description is a synonym."""
    assert answer(auth_client, music, "What is the maximum unit price of tracks?")["result"]["rows"] == [
        [pytest.approx(0.49 + 400 * 0.0123)]
    ]
    assert answer(auth_client, music, "Number of tracks per media type")["result"]["row_count"] == 3
    assert "Milliseconds" in answer(auth_client, music, "What is the average length of tracks?")["sql"]


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("Top 5 products by price", "This datasource has no table for 'products'."),
        ("How many playlists are there?", "This datasource has no table for 'playlists'."),
        ("How many tracks were streamed?", "could not place the word 'streamed'"),
        ("Which customers complained?", "could not place the word 'complained'"),
        ("List albums by Artist 003", "could not use every number"),  # a name's number is no row count
        ("List albums by artist", "could not rank the groups"),  # not sorted by the artist's id
    ],
)
def test_refusals_name_the_word(auth_client, music, question, word):
    assert word in refusal(auth_client, music, question)


def test_korean_questions_get_korean_refusals(auth_client, music):
    detail = refusal(auth_client, music, "제품은 몇 개인가요?")
    assert detail.startswith("이 데이터소스에는 '제품'에 해당하는 표가 없습니다.")
    assert "오프라인 모드로는 이 질문에 답할 수 없습니다" in detail and "OPENAI_API_KEY" in detail
    english = refusal(auth_client, music, "How many playlists are there?")
    assert "Offline mode cannot answer this question" in english


def test_korean_questions_get_korean_summaries_whatever_the_request_language(auth_client, music):
    turn = answer(auth_client, music, "장르별 트랙 수")
    assert turn["summary"].startswith("7개의 행을 찾았습니다. 첫 번째 행:")
    response = auth_client.post(
        f"/api/conversations/{music['id']}/messages/",
        {"question": "고객 수는?"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["summary"] == "결과는 75입니다 (count)."
    english = answer(auth_client, music, "How many customers are there?")
    assert english["summary"] == "The answer is 75 (count)."


@pytest.mark.parametrize(
    ("question", "column", "direction"),
    [
        ("List tracks by unit price", "UnitPrice", "ASC"),
        ("Show invoices by invoice date", "InvoiceDate", "ASC"),
        ("Show tracks sorted by bytes descending", "Bytes", "DESC"),
        ("트랙을 재생시간 순으로 보여줘", "Milliseconds", "DESC"),
    ],
)
def test_a_listing_by_a_column_is_every_row_sorted(auth_client, make_source, user, question, column, direction):
    """Not a count per distinct price, and not the single first row."""
    source = make_source(user, music_sql(), name="music", descriptions={"Track.Milliseconds": "재생시간"})
    conversation = auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()
    turn = answer(auth_client, conversation, question)
    assert turn["sql"].endswith(f'ORDER BY "{column}" {direction}')
    assert "COUNT" not in turn["sql"] and "LIMIT" not in turn["sql"]
    assert turn["result"]["row_count"] in (300, 400)


def test_a_compound_name_with_total_is_the_total(auth_client, make_source, user):
    source = make_source(
        user,
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, order_total REAL, city TEXT);"
        "INSERT INTO orders VALUES (1, 10.0, 'Lyon'), (2, 30.0, 'Lyon'), (3, 50.0, 'Nice');",
        name="orders",
    )
    conversation = auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()
    assert answer(auth_client, conversation, "What is the average order total?")["result"]["rows"] == [[30.0]]
    assert answer(auth_client, conversation, "How many orders in total?")["result"]["rows"] == [[3]]
    assert answer(auth_client, conversation, "Total of orders in Lyon")["result"]["rows"] == [[40.0]]


def test_which_row_has_the_most_is_the_row_not_the_number(auth_client, music):
    turn = answer(auth_client, music, "Which invoice has the biggest total?")
    assert turn["sql"].endswith('ORDER BY "Total" DESC LIMIT 1')
    assert turn["result"]["rows"][0][0] == 300  # the invoice, with its total
    assert answer(auth_client, music, "What is the maximum invoice total?")["result"]["columns"] == ["max_Total"]


MARKETING_SQL = """
CREATE TABLE banners (id INTEGER PRIMARY KEY, headline TEXT);
CREATE TABLE displays (
    id INTEGER PRIMARY KEY, banner_id INTEGER REFERENCES banners(id), displays INTEGER, spend REAL
);
CREATE TABLE payments (id INTEGER PRIMARY KEY, kind TEXT, revenue REAL);
INSERT INTO banners VALUES (1, 'Spring'), (2, 'Summer');
INSERT INTO displays VALUES (1, 1, 100, 5.0), (2, 1, 300, 9.0), (3, 2, 200, 4.0);
INSERT INTO payments VALUES (1, 'purchase', 10.0), (2, 'refund', 0.0), (3, 'purchase', 25.0);
"""


@pytest.fixture
def marketing(auth_client, make_source, user):
    descriptions = {"displays": "Daily displays and spend per banner.", "payments": "Purchases and refunds."}
    source = make_source(user, MARKETING_SQL, name="marketing", descriptions=descriptions)
    return auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()


def test_a_value_named_in_the_plural_is_still_a_filter(auth_client, marketing):
    turn = answer(auth_client, marketing, "Total revenue from purchases")
    assert turn["result"]["rows"] == [[35.0]]


@pytest.mark.parametrize(
    "question",
    [
        "Average spend per display",  # a ratio, not an average per distinct displays count
        "Top 2 banners by displays",  # the banners' totals, not the top daily rows
        "Average revenue per revenue",
    ],
)
def test_measures_are_not_groups_and_other_tables_are_not_described_away(auth_client, marketing, question):
    refusal(auth_client, marketing, question)


def test_per_row_of_the_table_itself_is_over_all_rows(auth_client, make_source, user):
    from tests.chat.llm.offline.schemas import FLEET_SQL

    source = make_source(user, FLEET_SQL, name="fleet")
    conversation = auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()
    [[average]] = answer(auth_client, conversation, "Average distance per trip")["result"]["rows"]
    assert average == pytest.approx((12.5 + 40.0 + 7.2 + 88.8 + 23.1 + 5.5 + 61.0) / 7)
    refusal(auth_client, conversation, "How many trips per trip?")


def test_oldest_is_by_age_not_by_when_a_row_was_added(auth_client, make_source, user):
    from tests.chat.llm.offline.schemas import CLINIC_SQL

    source = make_source(user, CLINIC_SQL, name="clinic")
    conversation = auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()
    assert answer(auth_client, conversation, "Who is the oldest patient?")["result"]["rows"][0][1] == "Eve"
    assert [r[1] for r in answer(auth_client, conversation, "Youngest 2 patients")["result"]["rows"]] == ["Dee", "Fay"]
    # Appointments have a date but no age: "oldest" could mean either, so it is refused.
    assert "'oldest'" in refusal(auth_client, conversation, "What is the oldest appointment?")
