"""Offline mode on schemas built here (never the demo's): English and Korean question shapes, summaries, limits."""

import pytest

pytestmark = pytest.mark.django_db

HARBOUR_SQL = """
CREATE TABLE vessels (
    id INTEGER PRIMARY KEY,
    vessel_name TEXT NOT NULL,
    flag TEXT,
    tonnage INTEGER,
    built INTEGER
);
CREATE TABLE voyages (
    id INTEGER PRIMARY KEY,
    vessel_id INTEGER REFERENCES vessels(id),
    port TEXT,
    cargo_tons REAL
);
INSERT INTO vessels VALUES
    (1, 'Aurora', 'Panama', 52000, 2004), (2, 'Borealis', 'Liberia', 81000, 2011),
    (3, 'Cygnus', 'Panama', 23000, 1998), (4, 'Draco', 'Malta', 64000, 2015),
    (5, 'Eridanus', 'Liberia', 47000, 2009), (6, 'Fornax', 'Panama', 99000, 2020);
INSERT INTO voyages VALUES (1, 1, 'Rotterdam', 1200.5), (2, 1, 'Busan', 800.0), (3, 2, 'Busan', 640.0),
    (4, 4, 'Santos', 300.0), (5, 6, 'Rotterdam', 2100.0);
"""

# Korean descriptions, as a user would type them in the schema editor; no glossary word covers these.
HARBOUR_KO = {
    "vessels": "선박 목록",
    "vessels.vessel_name": "선박 이름",
    "vessels.flag": "선적국",
    "vessels.tonnage": "톤수",
    "vessels.built": "건조 연도",
    "voyages": "항해 기록",
    "voyages.port": "항구",
    "voyages.cargo_tons": "화물량",
}


@pytest.fixture
def harbour(auth_client, make_source, user):
    source = make_source(user, HARBOUR_SQL, name="harbour", descriptions=HARBOUR_KO)
    return auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()


def ask(client, conversation, question):
    response = client.post(f"/api/conversations/{conversation['id']}/messages/", {"question": question}, format="json")
    assert response.status_code in (201, 422), response.content
    return response


def answer(client, conversation, question):
    response = ask(client, conversation, question)
    assert response.status_code == 201, response.content
    turn = response.json()
    assert turn["status"] == "ok", turn
    assert turn["model"] == "offline"
    return turn


class TestEnglish:
    def test_count(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "How many vessels are there?")
        assert turn["result"]["rows"] == [[6]]
        assert turn["summary"] == "The answer is 6 (count)."

    def test_count_with_a_filter_on_a_sample_value(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "How many vessels have the Panama flag?")
        assert turn["result"]["rows"] == [[3]]
        assert "'Panama'" in turn["sql"]

    def test_listing(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "List all voyages")
        assert turn["result"]["row_count"] == 5
        assert turn["result"]["columns"] == ["id", "vessel_id", "port", "cargo_tons"]
        assert turn["summary"].startswith("Found 5 rows.")

    def test_top_n_by_a_column(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "Top 3 vessels by tonnage")
        assert [row[1] for row in turn["result"]["rows"]] == ["Fornax", "Borealis", "Draco"]

    def test_smallest_first(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "Which 2 vessels have the lowest tonnage?")
        assert [row[1] for row in turn["result"]["rows"]] == ["Cygnus", "Eridanus"]

    @pytest.mark.parametrize(
        ("question", "value"),
        [
            ("What is the average tonnage of vessels?", 61000),
            ("Total cargo tons of voyages", 5040.5),
            ("What is the maximum tonnage?", 99000),
            ("minimum cargo tons", 300.0),
        ],
    )
    def test_aggregates(self, auth_client, harbour, question, value):
        assert answer(auth_client, harbour, question)["result"]["rows"] == [[value]]

    def test_per_group_aggregates(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "Average tonnage by flag")
        assert turn["result"]["columns"] == ["flag", "avg_tonnage"]
        rows = {flag: round(avg) for flag, avg in turn["result"]["rows"]}
        assert rows == {"Panama": 58000, "Liberia": 64000, "Malta": 64000}
        counts = answer(auth_client, harbour, "Number of voyages per port")["result"]["rows"]
        assert sorted(counts) == [["Busan", 2], ["Rotterdam", 2], ["Santos", 1]]

    def test_group_by_a_foreign_key(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "How many voyages per vessel?")
        # The key is shown through the referenced table's name column.
        assert turn["result"]["columns"] == ["vessel", "count"]
        assert sorted(turn["result"]["rows"]) == [["Aurora", 2], ["Borealis", 1], ["Draco", 1], ["Fornax", 1]]

    def test_unsupported_questions_explain_how_to_configure_a_model(self, auth_client, harbour):
        response = ask(auth_client, harbour, "Why is the weather so nice today?")
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "offline_unsupported"
        assert "OPENAI_API_KEY" in body["detail"] and "OPENAI_BASE_URL" in body["detail"]
        assert body["turn"]["status"] == "error" and body["turn"]["error"]["code"] == "offline_unsupported"


class TestKorean:
    def test_count(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "선박 수는?")
        assert turn["result"]["rows"] == [[6]]
        assert turn["summary"] == "결과는 6입니다 (count)."

    def test_top_n(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "톤수가 가장 큰 선박 2개")
        assert [row[1] for row in turn["result"]["rows"]] == ["Fornax", "Borealis"]
        assert "행을 찾았습니다" in turn["summary"]

    def test_per_group_average(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "선적국별 평균 톤수")
        assert turn["result"]["columns"] == ["flag", "avg_tonnage"]
        assert len(turn["result"]["rows"]) == 3

    def test_filter_and_listing(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "항구가 Busan인 항해 기록을 보여줘")
        assert turn["result"]["row_count"] == 2
        assert {row[2] for row in turn["result"]["rows"]} == {"Busan"}

    def test_count_per_referenced_row(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "선박별 항해 기록 수")
        assert sorted(turn["result"]["rows"]) == [["Aurora", 2], ["Borealis", 1], ["Draco", 1], ["Fornax", 1]]

    def test_sum(self, auth_client, harbour):
        assert answer(auth_client, harbour, "항해 기록의 화물량 합계")["result"]["rows"] == [[5040.5]]

    def test_empty_result_summary(self, auth_client, harbour):
        turn = answer(auth_client, harbour, "항구가 Busan인 항해 기록 중 화물량이 가장 큰 것 0개")
        assert turn["result"]["row_count"] == 0
        assert turn["summary"] == "조건에 맞는 결과가 없습니다."


class TestEverydayWords:
    """English table names asked about in Korean everyday words (the glossary), plus sample-value filters."""

    SHOP = """
    CREATE TABLE products (id INTEGER PRIMARY KEY, title TEXT, category TEXT, price REAL);
    CREATE TABLE customers (id INTEGER PRIMARY KEY, full_name TEXT, city TEXT);
    INSERT INTO products VALUES (1, 'Kettle', 'kitchen', 30), (2, 'Lamp', 'living', 45.5), (3, 'Pan', 'kitchen', 20),
        (4, 'Sofa', 'living', 500), (5, 'Mug', 'kitchen', 5), (6, 'Rug', 'living', 120);
    INSERT INTO customers VALUES (1, 'A', 'Seoul'), (2, 'B', 'Busan');
    """

    @pytest.fixture
    def store(self, auth_client, make_source, user):
        source = make_source(user, self.SHOP, name="store")
        return auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()

    def test_customer_count(self, auth_client, store):
        assert answer(auth_client, store, "고객 수는?")["result"]["rows"] == [[2]]

    def test_most_expensive_products(self, auth_client, store):
        turn = answer(auth_client, store, "가장 비싼 상품 5개")
        assert [row[1] for row in turn["result"]["rows"]] == ["Sofa", "Rug", "Lamp", "Kettle", "Pan"]

    def test_average_price_per_category(self, auth_client, store):
        rows = answer(auth_client, store, "카테고리별 평균 가격")["result"]["rows"]
        assert sorted(rows) == [["kitchen", 55 / 3], ["living", 665.5 / 3]]

    def test_cheapest_product_in_english(self, auth_client, store):
        assert answer(auth_client, store, "What is the cheapest product?")["result"]["rows"] == [
            [5, "Mug", "kitchen", 5.0]
        ]


class TestCompoundNames:
    """A table whose name contains another's ("order_items" and "orders") is the one asked for by its whole name."""

    SHOP = """
    CREATE TABLE members (id INTEGER PRIMARY KEY, full_name TEXT, region TEXT);
    CREATE TABLE orders (
        id INTEGER PRIMARY KEY, member_id INTEGER REFERENCES members(id),
        order_date TEXT, order_status TEXT, order_total REAL
    );
    CREATE TABLE order_items (id INTEGER PRIMARY KEY, order_id INTEGER REFERENCES orders(id), quantity INTEGER);
    INSERT INTO members VALUES (1, 'A', 'north'), (2, 'B', 'south'), (3, 'C', 'south');
    INSERT INTO orders VALUES (1, 1, '2026-01-02', 'paid', 9.5), (2, 2, '2026-02-03', 'sent', 20);
    INSERT INTO order_items VALUES (1, 1, 2), (2, 1, 1), (3, 2, 5), (4, 2, 1), (5, 2, 3);
    """

    @pytest.fixture
    def shop(self, auth_client, make_source, user):
        source = make_source(user, self.SHOP, name="shop")
        return auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()

    @pytest.mark.parametrize(
        ("question", "count"),
        [
            ("How many rows are in order_items?", 5),
            ("order_items 개수", 5),
            ("How many order items are there?", 5),
            ("How many orders?", 2),
            ("orders 수는?", 2),
        ],
    )
    def test_counts_the_table_named(self, auth_client, shop, question, count):
        assert answer(auth_client, shop, question)["result"]["rows"] == [[count]]

    @pytest.mark.parametrize(
        "question", ["members 수를 region별로", "region별로 members 수", "region 기준으로 members 수"]
    )
    def test_korean_grouping_with_a_particle(self, auth_client, shop, question):
        turn = answer(auth_client, shop, question)
        assert sorted(turn["result"]["rows"]) == [["north", 1], ["south", 2]]

    @pytest.mark.parametrize("question", ["members 수를 도시별로", "How many members by city?"])
    def test_grouping_by_a_column_that_does_not_exist_is_unsupported(self, auth_client, shop, question):
        # Answering with the ungrouped total would look like an answer to the question asked.
        response = ask(auth_client, shop, question)
        assert response.status_code == 422, response.json()
        assert response.json()["code"] == "offline_unsupported"


def test_names_that_are_sql_keywords(auth_client, make_source, user):
    source = make_source(
        user,
        'CREATE TABLE "items" ("group" TEXT, "order" INTEGER);'
        "INSERT INTO items VALUES ('a', 1), ('a', 3), ('b', 10);",
        name="keywords",
    )
    conversation = auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()
    turn = answer(auth_client, conversation, "Average order of items by group")
    assert sorted(turn["result"]["rows"]) == [["a", 2.0], ["b", 10.0]]


class TestNothingIgnored:
    """An HR and books schema: values in referenced tables, years, aliases and superlatives are used or refused."""

    HR_BOOKS = """
    CREATE TABLE departments (id INTEGER PRIMARY KEY, name TEXT);
    CREATE TABLE employees (
        id INTEGER PRIMARY KEY, name TEXT, department_id INTEGER REFERENCES departments(id),
        salary INTEGER, hired_on DATE, gender TEXT
    );
    CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT, genre TEXT, pages INTEGER);
    INSERT INTO departments VALUES (1, 'Engineering'), (2, 'Sales'), (3, 'Support');
    INSERT INTO employees VALUES (1, 'Ann', 1, 5000, '2020-03-01', 'F'), (2, 'Bob', 2, 4000, '2021-05-10', 'M'),
        (3, 'Cyd', 2, 4200, '2021-11-30', 'F'), (4, 'Dov', 2, 3900, '2019-01-15', 'M'),
        (5, 'Eli', 3, 3000, '2021-02-01', 'M');
    INSERT INTO books VALUES (1, 'Dune', 'fiction', 412), (2, 'Emma', 'fiction', 474), (3, 'Ulysses', 'fiction', 730),
        (4, 'SPQR', 'history', 608), (5, 'Odes', 'poetry', 120);
    """

    @pytest.fixture
    def hr(self, auth_client, make_source, user):
        source = make_source(user, self.HR_BOOKS, name="hr-books", descriptions={"employees.gender": "성별"})
        return auth_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()

    @pytest.mark.parametrize("question", ["How many employees in Sales?", "Sales 부서 직원 수"])
    def test_count_filtered_on_a_referenced_table(self, auth_client, hr, question):
        turn = answer(auth_client, hr, question)
        assert turn["result"]["rows"] == [[3]]
        assert "JOIN" in turn["sql"] and "'Sales'" in turn["sql"]

    def test_average_filtered_on_a_referenced_table(self, auth_client, hr):
        [[average]] = answer(auth_client, hr, "Average salary in the Sales department")["result"]["rows"]
        assert round(average, 2) == 4033.33

    def test_listing_filtered_on_a_referenced_table_shows_only_its_own_columns(self, auth_client, hr):
        turn = answer(auth_client, hr, "List employees in Engineering")
        assert turn["result"]["columns"] == ["id", "name", "department_id", "salary", "hired_on", "gender"]
        assert [row[1] for row in turn["result"]["rows"]] == ["Ann"]

    @pytest.mark.parametrize(
        ("question", "count"),
        [
            ("How many employees were hired in 2021?", 3),
            ("2021년에 입사한 직원 수", 3),
            ("How many female employees?", 2),
        ],
    )
    def test_year_and_alias_filters(self, auth_client, hr, question, count):
        assert answer(auth_client, hr, question)["result"]["rows"] == [[count]]

    def test_a_year_is_a_filter_not_a_row_limit(self, auth_client, hr):
        turn = answer(auth_client, hr, "Show employees hired in 2020")
        assert [row[1] for row in turn["result"]["rows"]] == ["Ann"]
        assert "LIMIT 2020" not in turn["sql"]

    def test_average_number_of_is_an_average(self, auth_client, hr):
        assert answer(auth_client, hr, "What's the average number of pages?")["result"]["rows"] == [[468.8]]

    @pytest.mark.parametrize(
        ("question", "rows"),
        [
            ("Which genre has the most books?", [["fiction", 3]]),
            ("Which department has the most employees?", [["Sales", 3]]),
            ("직원이 가장 많은 부서는?", [["Sales", 3]]),
        ],
    )
    def test_which_group_has_the_most(self, auth_client, hr, question, rows):
        assert answer(auth_client, hr, question)["result"]["rows"] == rows

    @pytest.mark.parametrize(
        ("question", "titles"),
        [("What are the 3 longest books?", ["Ulysses", "SPQR", "Emma"]), ("The 2 shortest books", ["Odes", "Dune"])],
    )
    def test_top_n_by_the_number_a_word_implies(self, auth_client, hr, question, titles):
        assert [row[1] for row in answer(auth_client, hr, question)["result"]["rows"]] == titles

    @pytest.mark.parametrize(
        ("question", "rows"),
        [("성별 직원 수", [["F", 2], ["M", 3]]), ("급여의 최댓값", [[5000]]), ("급여의 최솟값", [[3000]])],
    )
    def test_korean_words_of_their_own(self, auth_client, hr, question, rows):
        assert sorted(answer(auth_client, hr, question)["result"]["rows"]) == rows

    @pytest.mark.parametrize(
        "question",
        [
            "How many books in Sales?",  # a value of a table books cannot reach
            "How many fiction employees?",
            "How many female books?",
            "How many books were published in 2021?",  # no date column to filter
            "How many books have 3 authors?",  # a number that is no row count
            "Top 2 departments",  # nothing to rank by
            "Longest book by genre",  # the longest per genre, not a count per genre
        ],
    )
    def test_what_cannot_be_used_is_refused_not_ignored(self, auth_client, hr, question):
        response = ask(auth_client, hr, question)
        assert response.status_code == 422, response.json()
        assert response.json()["code"] == "offline_unsupported"
        assert "OPENAI_API_KEY" in response.json()["detail"]


@pytest.mark.parametrize(
    ("engine", "expected"),
    [
        ("mysql", "SELECT COUNT(*) AS `count` FROM `employees` AS t JOIN `departments` AS r"),
        ("postgresql", 'SELECT COUNT(*) AS "count" FROM "employees" AS t JOIN "departments" AS r'),
    ],
)
def test_referenced_filters_in_each_dialect(engine, expected):
    from chat.llm.offline.translator import Translator
    from chat.schema_context import ColumnInfo, TableInfo

    tables = [
        TableInfo(
            "departments",
            columns=[ColumnInfo("id", "integer", primary_key=True), ColumnInfo("name", "text", samples=["Sales"])],
        ),
        TableInfo(
            "employees",
            columns=[
                ColumnInfo("id", "integer", primary_key=True),
                ColumnInfo("department_id", "integer", references="departments.id"),
            ],
        ),
    ]
    sql = Translator(tables, engine).translate("How many employees in Sales?")
    q = "`" if engine == "mysql" else '"'
    assert sql == f"{expected} ON t.{q}department_id{q} = r.{q}id{q} WHERE r.{q}name{q} = 'Sales'"
