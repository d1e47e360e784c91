"""The examples API: list, search, create, read, edit, delete, export and import; checked SQL; private to owners."""

import io
import json
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from examples.models import Example
from tests.examples.conftest import examples_url

COUNT_SQL = "SELECT COUNT(*) AS n FROM customers"


def rels(body: dict) -> dict:
    return {item["rel"]: item for item in body["_links"]}


def create(client, datasource, question="How many customers?", sql=COUNT_SQL, expect=201) -> dict:
    response = client.post(examples_url(datasource), {"question": question, "sql": sql}, format="json")
    assert response.status_code == expect, response.content
    return response.json()


def test_create_read_edit_delete(auth_client, shop):
    created = create(auth_client, shop)
    assert created["question"] == "How many customers?" and created["sql"] == COUNT_SQL
    assert created["source"] == "manual" and created["times_used"] == 0 and created["source_turn"] is None
    links = rels(created)
    assert {"self", "update", "delete", "datasource", "examples"} <= set(links)
    assert links["self"]["href"] == f"http://testserver/api/examples/{created['id']}/"
    url = f"/api/examples/{created['id']}/"
    assert auth_client.get(url).json()["question"] == "How many customers?"
    edited = auth_client.patch(url, {"question": "고객 수는?"}, format="json")
    assert edited.status_code == 200 and edited.json()["question"] == "고객 수는?"
    assert edited.json()["sql"] == COUNT_SQL
    edited = auth_client.patch(url, {"sql": "SELECT COUNT(*) FROM products"}, format="json")
    assert edited.json()["sql"] == "SELECT COUNT(*) FROM products"
    assert auth_client.delete(url).status_code == 204
    assert auth_client.get(url).status_code == 404


def test_a_datasource_links_to_its_examples_and_the_list_links_onward(auth_client, shop):
    datasource = auth_client.get(f"/api/datasources/{shop.pk}/").json()
    href = rels(datasource)["examples"]["href"]
    assert href == f"http://testserver{examples_url(shop)}"
    page = auth_client.get(href).json()
    assert set(page) == {"count", "next", "previous", "results", "_links"}
    links = rels(page)
    assert links["create"]["method"] == "POST" and links["import"]["method"] == "POST"
    assert links["export"]["href"].endswith("/examples/export/")
    assert links["suggestions"]["href"].endswith(f"/datasources/{shop.pk}/suggestions/")


def test_list_searches_and_paginates(auth_client, shop):
    for index in range(5):
        create(auth_client, shop, question=f"How many customers {index}?")
    create(auth_client, shop, question="가장 비싼 상품", sql="SELECT name FROM products ORDER BY price DESC")
    body = auth_client.get(examples_url(shop), {"per-page": 2, "page": 2}).json()
    assert body["count"] == 6 and len(body["results"]) == 2 and "next" in rels(body)
    assert [e["question"] for e in auth_client.get(examples_url(shop), {"search": "비싼"}).json()["results"]] == [
        "가장 비싼 상품"
    ]
    by_sql = auth_client.get(examples_url(shop), {"search": "ORDER BY price"}).json()
    assert by_sql["count"] == 1
    assert auth_client.get(examples_url(shop), {"page": 9}).status_code == 404


def test_guard_refused_sql_is_rejected_and_nothing_is_saved(auth_client, shop):
    body = create(auth_client, shop, sql="DELETE FROM customers", expect=400)
    assert body["code"] == "sql_rejected" and body["errors"]["sql"] == [body["detail"]]
    body = create(auth_client, shop, sql="SELECT 1; DROP TABLE customers", expect=400)
    assert body["code"] == "sql_rejected"
    assert Example.objects.count() == 0


def test_sql_failing_on_the_database_is_rejected_with_its_message(auth_client, shop):
    body = create(auth_client, shop, sql="SELECT nickname FROM customers", expect=400)
    assert body["code"] == "sql_error" and "nickname" in body["detail"]
    assert body["errors"]["sql"] == [body["detail"]]
    example = create(auth_client, shop)
    response = auth_client.patch(f"/api/examples/{example['id']}/", {"sql": "SELECT * FROM nowhere"}, format="json")
    assert response.status_code == 400 and "nowhere" in response.json()["detail"]
    assert Example.objects.get().sql == COUNT_SQL


def test_bad_input_is_a_400_in_the_error_shape(auth_client, shop):
    response = auth_client.post(examples_url(shop), {"question": ""}, format="json")
    assert response.status_code == 400
    assert {"question", "sql"} <= set(response.json()["errors"])
    response = auth_client.post(examples_url(shop), {"question": "x" * 2001, "sql": COUNT_SQL}, format="json")
    assert response.status_code == 400 and "question" in response.json()["errors"]
    assert Example.objects.count() == 0


def test_examples_are_private_even_on_a_shared_demo_set(auth_client, other_client, user, other_user, make_source):
    demo = make_source(None, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);", name="demo")
    mine = create(auth_client, demo)
    theirs = create(other_client, demo, question="Bob's own question")
    assert [e["id"] for e in auth_client.get(examples_url(demo)).json()["results"]] == [mine["id"]]
    assert [e["id"] for e in other_client.get(examples_url(demo)).json()["results"]] == [theirs["id"]]
    url = f"/api/examples/{mine['id']}/"
    assert other_client.get(url).status_code == 404
    assert other_client.patch(url, {"question": "mine now"}, format="json").status_code == 404
    assert other_client.delete(url).status_code == 404
    assert Example.objects.get(pk=mine["id"]).question == "How many customers?"
    export = other_client.get(f"{examples_url(demo)}export/").content.decode()
    assert "Bob's own question" in export and "How many customers?" not in export


def test_another_users_datasource_is_a_404(other_client, shop):
    assert other_client.get(examples_url(shop)).status_code == 404
    assert other_client.post(examples_url(shop), {"question": "q", "sql": COUNT_SQL}, format="json").status_code == 404
    assert other_client.get(f"{examples_url(shop)}export/").status_code == 404
    assert Example.objects.count() == 0


def test_the_examples_list_costs_a_fixed_number_of_queries(auth_client, shop, django_assert_max_num_queries):
    create(auth_client, shop)
    with django_assert_max_num_queries(4):
        assert auth_client.get(examples_url(shop)).json()["count"] == 1
    for index in range(15):
        create(auth_client, shop, question=f"q{index}")
    with django_assert_max_num_queries(4):
        assert len(auth_client.get(examples_url(shop)).json()["results"]) == 16


def post_jsonl(client, datasource, text: str):
    return client.post(f"{examples_url(datasource)}import/", data=text.encode(), content_type="application/x-ndjson")


def test_export_then_import_round_trips(auth_client, shop, make_source, user):
    create(auth_client, shop)
    create(auth_client, shop, question="가장 비싼 상품", sql="SELECT name FROM products ORDER BY price DESC")
    response = auth_client.get(f"{examples_url(shop)}export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/x-ndjson")
    assert "attachment" in response["Content-Disposition"]
    lines = [json.loads(line) for line in response.content.decode().splitlines()]
    assert [line["question"] for line in lines] == ["How many customers?", "가장 비싼 상품"]
    from tests.examples.conftest import SHOP_SQL

    copy = make_source(user, SHOP_SQL, name="copy")
    imported = post_jsonl(auth_client, copy, response.content.decode())
    assert imported.status_code == 201 and imported.json() | {"_links": []} == {
        "imported": 2,
        "skipped": 0,
        "_links": [],
    }
    stored = Example.objects.filter(datasource=copy).order_by("id")
    assert [(e.question, e.source) for e in stored] == [("How many customers?", "import"), ("가장 비싼 상품", "import")]
    # The same file again adds nothing.
    again = post_jsonl(auth_client, copy, response.content.decode()).json()
    assert (again["imported"], again["skipped"]) == (0, 2)
    assert Example.objects.filter(datasource=copy).count() == 2


def test_an_import_with_a_bad_line_changes_nothing_and_names_each_bad_line(auth_client, shop):
    create(auth_client, shop)
    text = "\n".join(
        [
            json.dumps({"question": "Products?", "sql": "SELECT * FROM products"}),
            "not json",
            json.dumps({"question": "Drop it", "sql": "DROP TABLE products"}),
            "",
            json.dumps({"question": "Missing column", "sql": "SELECT colour FROM products"}),
            json.dumps({"sql": "SELECT 1"}),
        ]
    )
    response = post_jsonl(auth_client, shop, text)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_invalid"
    assert set(body["errors"]) == {"line 2", "line 6"}  # lines that cannot be read are reported first
    assert Example.objects.count() == 1
    readable = "\n".join(line for index, line in enumerate(text.split("\n"), start=1) if index not in (2, 6))
    body = post_jsonl(auth_client, shop, readable).json()
    assert set(body["errors"]) == {"line 2", "line 4"}
    assert "colour" in body["errors"]["line 4"][0]
    assert Example.objects.count() == 1


def test_import_without_a_body_is_a_clear_400(auth_client, shop):
    response = post_jsonl(auth_client, shop, "")
    assert response.status_code == 400 and response.json()["code"] == "import_invalid"


def test_manage_py_examples_export_and_import(auth_client, shop, user, tmp_path):
    create(auth_client, shop)
    out = io.StringIO()
    call_command("examples", "export", user=user.email, datasource=shop.pk, stdout=out)
    assert json.loads(out.getvalue().splitlines()[0])["question"] == "How many customers?"
    path = tmp_path / "more.jsonl"
    path.write_text(json.dumps({"question": "상품 수", "sql": "SELECT COUNT(*) FROM products"}) + "\n", "utf-8")
    call_command("examples", "import", str(path), user=user.email, datasource=shop.pk, stdout=io.StringIO())
    assert Example.objects.filter(datasource=shop, question="상품 수", source="import").exists()
    path.write_text(json.dumps({"question": "bad", "sql": "SELECT nope FROM products"}) + "\n", "utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("examples", "import", str(path), user=user.email, datasource=shop.pk, stderr=err)
    assert "line 1" in err.getvalue() and Example.objects.count() == 2


SLOW_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def test_an_import_of_slow_lines_gets_one_statement_time_in_all_and_saves_nothing(auth_client, shop, settings):
    settings.SQL_TIMEOUT_SECONDS = 1
    lines = [json.dumps({"question": f"Slow {n}?", "sql": SLOW_SQL}) for n in range(1, 6)]
    started = time.monotonic()
    response = post_jsonl(auth_client, shop, "\n".join(lines))
    elapsed = time.monotonic() - started
    assert response.status_code == 400 and response.json()["code"] == "import_invalid"
    assert elapsed < settings.SQL_TIMEOUT_SECONDS + 3  # not five statements' time
    errors = response.json()["errors"]
    assert set(errors) == {f"line {n}" for n in range(1, 6)}
    assert "ran out of time" in errors["line 5"][0]
    assert Example.objects.count() == 0


def test_saving_examples_is_throttled_per_user(auth_client, shop, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "example_write": "2/min"}
    create(auth_client, shop, question="One?")
    create(auth_client, shop, question="Two?")
    response = auth_client.post(examples_url(shop), {"question": "Three?", "sql": COUNT_SQL}, format="json")
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    assert Example.objects.count() == 2
    assert auth_client.get(examples_url(shop)).status_code == 200  # reading is not counted
