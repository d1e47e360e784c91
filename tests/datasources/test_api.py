"""The datasource REST API (DESIGN.md 3.4): shapes, links, pagination, ownership, test, introspect, schema."""

import json

import pytest
from django.urls import reverse

from datasources.models import Column, DataSource, Table
from tests.conftest import bearer_client
from tests.fixtures.datasources import write_sqlite_file

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), amount NUMERIC);
INSERT INTO customers VALUES (1, '김민수', '서울'), (2, 'Alice', '부산');
INSERT INTO orders VALUES (1, 1, 10), (2, 2, 20);
"""

ITEM_KEYS = {
    "id",
    "name",
    "description",
    "engine",
    "is_demo",
    "owner_is_me",
    "host",
    "port",
    "database",
    "username",
    "sqlite_path",
    "table_count",
    "introspected_at",
    "created_at",
    "_links",
}
LIST_URL = "/api/datasources/"


def rels(body) -> dict:
    return {item["rel"]: item for item in body["_links"]}


@pytest.fixture
def shop(sqlite_datasource, user):
    return sqlite_datasource(user, SHOP)


@pytest.fixture
def demo(sqlite_datasource):
    return sqlite_datasource(None, SHOP, name="demo-shop")


def test_list_shows_own_and_demo_but_not_others(auth_client, shop, demo, sqlite_datasource, other_user):
    sqlite_datasource(other_user, SHOP, name="bobs")
    response = auth_client.get(LIST_URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results", "_links"}
    assert body["count"] == 2
    by_name = {item["name"]: item for item in body["results"]}
    assert set(by_name) == {"shop", "demo-shop"}
    assert set(by_name["shop"]) == ITEM_KEYS
    assert by_name["shop"]["owner_is_me"] and not by_name["shop"]["is_demo"]
    assert by_name["demo-shop"]["is_demo"] and not by_name["demo-shop"]["owner_is_me"]
    assert by_name["shop"]["table_count"] == 2
    learning = {"examples", "suggestions"}
    assert set(rels(by_name["shop"])) == {"self", "schema", "test", "introspect", "update", "delete"} | learning
    assert set(rels(by_name["demo-shop"])) == {"self", "schema", "test"} | learning
    assert rels(body)["create"]["method"] == "POST"
    assert rels(by_name["shop"])["self"]["href"].startswith("http://testserver/api/datasources/")


def test_list_paginates_with_per_page_and_links(auth_client, user):
    for i in range(5):
        DataSource.objects.create(owner=user, name=f"ds{i}", engine="sqlite", sqlite_path=f"x{i}.db")
    body = auth_client.get(LIST_URL, {"per-page": 2, "page": 2}).json()
    assert body["count"] == 5 and len(body["results"]) == 2
    assert {"self", "next", "previous", "create"} <= set(rels(body))
    assert auth_client.get(LIST_URL, {"page": 99}).status_code == 404


@pytest.mark.parametrize("size", [1, 20])
def test_list_query_count_is_constant(auth_client, user, django_assert_max_num_queries, size):
    for i in range(size):
        ds = DataSource.objects.create(owner=user, name=f"ds{i}", engine="sqlite", sqlite_path=f"x{i}.db")
        Table.objects.create(datasource=ds, name="t")
    with django_assert_max_num_queries(3):
        response = auth_client.get(LIST_URL, {"per-page": 100})
    assert len(response.json()["results"]) == size


def test_list_needs_a_token(api_client):
    response = api_client.get(LIST_URL)
    assert response.status_code == 401 and set(response.json()) == {"detail", "code"}


def test_register_sqlite_introspects_and_never_returns_a_password(auth_client):
    write_sqlite_file("mine.sqlite3", SHOP)
    response = auth_client.post(
        LIST_URL,
        {"name": "mine", "engine": "sqlite", "sqlite_path": "mine.sqlite3", "password": "ignored"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == ITEM_KEYS
    assert body["table_count"] == 2 and body["introspected_at"] and body["owner_is_me"]
    assert "password" not in json.dumps(body)


def test_register_postgres_keeps_the_password_secret(auth_client, caplog):
    response = auth_client.post(
        LIST_URL,
        {
            "name": "warehouse",
            "engine": "postgresql",
            "host": "127.0.0.1",
            "port": 1,
            "database": "wh",
            "username": "reader",
            "password": "hunter2-secret",
        },
        format="json",
    )
    assert response.status_code == 201
    text = json.dumps(response.json())
    assert "hunter2-secret" not in text and "password" not in text
    assert response.json()["introspected_at"] is None
    detail = auth_client.get(rels(response.json())["self"]["href"])
    assert "hunter2-secret" not in detail.content.decode()
    tested = auth_client.post(rels(response.json())["test"]["href"])
    assert tested.status_code == 400
    assert tested.json()["code"] == "connection_failed"
    assert "hunter2" not in tested.content.decode() and ":1" not in tested.json()["detail"]
    assert "hunter2-secret" not in caplog.text


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"engine": "sqlite", "sqlite_path": "x.db"}, "name"),
        ({"name": "x", "engine": "oracle"}, "engine"),
        ({"name": "x", "engine": "postgresql", "host": "127.0.0.1"}, "database"),
        ({"name": "x", "engine": "postgresql", "host": "127.0.0.1", "database": "d", "port": 70000}, "port"),
        ({"name": "x", "engine": "sqlite"}, "sqlite_path"),
    ],
)
def test_register_validation_errors_have_the_error_shape(auth_client, payload, field):
    response = auth_client.post(LIST_URL, payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] and body["detail"] and field in body["errors"]
    assert not DataSource.objects.exists()


def test_register_refusals_are_400_with_a_code(auth_client):
    for payload, field in (
        ({"name": "x", "engine": "sqlite", "sqlite_path": "../../etc/passwd"}, "sqlite_path"),
        ({"name": "x", "engine": "sqlite", "sqlite_path": "missing.sqlite3"}, "sqlite_path"),
        ({"name": "x", "engine": "postgresql", "host": "169.254.169.254", "database": "d"}, "host"),
    ):
        response = auth_client.post(LIST_URL, payload, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "datasource_refused"
        assert body["errors"] == {field: [body["detail"]]}
    assert not DataSource.objects.exists()


def test_others_datasources_are_404_everywhere(other_client, shop):
    base = f"{LIST_URL}{shop.pk}/"
    for method, url in [
        ("get", base),
        ("patch", base),
        ("delete", base),
        ("post", base + "test/"),
        ("post", base + "introspect/"),
        ("get", base + "schema/"),
        ("patch", base + "schema/"),
    ]:
        response = getattr(other_client, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url)
        assert response.json()["code"] == "not_found"
    assert other_client.get(f"{LIST_URL}999999/").json() == response.json()
    assert DataSource.objects.filter(pk=shop.pk).exists()


def test_demo_sets_are_read_only(auth_client, demo):
    base = f"{LIST_URL}{demo.pk}/"
    assert auth_client.get(base).status_code == 200
    assert auth_client.patch(base, {"name": "mine now"}, format="json").status_code == 403
    assert auth_client.delete(base).status_code == 403
    assert auth_client.post(base + "introspect/").status_code == 403
    assert auth_client.patch(base + "schema/", {"tables": []}, format="json").status_code == 403
    demo.refresh_from_db()
    assert demo.name == "demo-shop"


def test_staff_may_reintrospect_a_demo(make_user, demo):
    staff = bearer_client(make_user(is_staff=True))
    response = staff.post(f"{LIST_URL}{demo.pk}/introspect/")
    assert response.status_code == 200
    assert {t["name"] for t in response.json()["tables"]} == {"customers", "orders"}


def test_update_and_delete_own(auth_client, shop):
    base = f"{LIST_URL}{shop.pk}/"
    response = auth_client.patch(base, {"name": "renamed", "description": "Shop data"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "renamed"
    assert auth_client.patch(base, {"sqlite_path": "/etc/passwd"}, format="json").status_code == 400
    assert auth_client.patch(base, {"engine": "postgresql"}, format="json").status_code == 400
    assert auth_client.delete(base).status_code == 204
    assert not DataSource.objects.filter(pk=shop.pk).exists()
    assert not Table.objects.filter(datasource_id=shop.pk).exists()


def test_connection_test_on_sqlite(auth_client, shop):
    response = auth_client.post(f"{LIST_URL}{shop.pk}/test/")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["server_version"].startswith("SQLite")
    assert isinstance(body["latency_ms"], int) and body["warnings"] == []


@pytest.mark.postgres
def test_connection_test_warns_when_the_role_can_write(auth_client, user, postgres_datasource):
    datasource = postgres_datasource(user, "CREATE TABLE t (x INTEGER);")
    body = auth_client.post(f"{LIST_URL}{datasource.pk}/test/").json()
    assert body["ok"] and body["server_version"].startswith("PostgreSQL")
    assert any("superuser" in warning for warning in body["warnings"])


@pytest.mark.postgres
def test_connection_test_has_no_warnings_for_a_select_only_role(auth_client, user, postgres_database):
    import psycopg2

    from datasources.services import datasource_create

    info = postgres_database("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
    role = f"reader_{info['database'][-8:]}"
    conn = psycopg2.connect(host=info["host"], port=info["port"], dbname=info["database"], user=info["username"])
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
        cursor.execute(
            f"REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE CREATE ON DATABASE {info['database']} FROM PUBLIC"
        )
        cursor.execute(f"GRANT SELECT ON t TO {role}")
    datasource = datasource_create(
        owner=user,
        name="ro",
        engine="postgresql",
        host=info["host"],
        port=info["port"],
        database=info["database"],
        username=role,
        password="pw",
    )
    body = auth_client.post(f"{LIST_URL}{datasource.pk}/test/").json()
    assert body["ok"] and body["warnings"] == []
    with conn.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")
    conn.close()


def test_connection_test_is_throttled(auth_client, shop, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "datasource_test": "2/min"}
    from django.core.cache import cache

    cache.clear()
    url = f"{LIST_URL}{shop.pk}/test/"
    assert [auth_client.post(url).status_code for _ in range(2)] == [200, 200]
    response = auth_client.post(url)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and "Retry-After" in response.headers
    cache.clear()


@pytest.mark.parametrize(
    ("scope", "method", "path", "payload"),
    [
        ("datasource_register", "post", "", {"name": "x", "engine": "sqlite", "sqlite_path": "missing.sqlite3"}),
        ("datasource_edit", "patch", "{pk}/", {"description": "again"}),
        ("datasource_introspect", "post", "{pk}/introspect/", None),
    ],
)
def test_register_edit_and_introspect_are_throttled(auth_client, shop, settings, scope, method, path, payload):
    from django.core.cache import cache

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, scope: "2/min"}
    cache.clear()
    url = LIST_URL + path.format(pk=shop.pk)
    send = getattr(auth_client, method)
    codes = [send(url, payload, format="json").status_code for _ in range(2)]
    assert 429 not in codes and 500 not in codes
    response = send(url, payload, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and "Retry-After" in response.headers
    # Reading stays open: only the work that connects to a database is counted.
    assert auth_client.get(LIST_URL).status_code == 200
    assert auth_client.get(f"{LIST_URL}{shop.pk}/").status_code == 200
    cache.clear()


def test_schema_shape_and_links(auth_client, shop):
    response = auth_client.get(f"{LIST_URL}{shop.pk}/schema/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"tables", "_links"}
    orders = next(t for t in body["tables"] if t["name"] == "orders")
    assert set(orders) == {"name", "description", "row_estimate", "columns"}
    assert orders["row_estimate"] == 2
    customer_id = next(c for c in orders["columns"] if c["name"] == "customer_id")
    assert set(customer_id) == {"name", "type", "nullable", "primary_key", "references", "description", "samples"}
    assert customer_id["references"] == "customers.id"
    assert next(c for c in orders["columns"] if c["name"] == "id")["references"] is None
    assert {"self", "datasource", "update", "introspect"} <= set(rels(body))


def test_schema_patch_edits_descriptions_that_survive_reintrospection(auth_client, shop):
    url = f"{LIST_URL}{shop.pk}/schema/"
    payload = {
        "tables": [
            {
                "name": "customers",
                "description": "People who buy",
                "columns": [{"name": "region", "description": "지역"}],
            }
        ]
    }
    response = auth_client.patch(url, payload, format="json")
    assert response.status_code == 200
    assert auth_client.post(f"{LIST_URL}{shop.pk}/introspect/").status_code == 200
    body = auth_client.get(url).json()
    customers = next(t for t in body["tables"] if t["name"] == "customers")
    assert customers["description"] == "People who buy"
    assert next(c for c in customers["columns"] if c["name"] == "region")["description"] == "지역"


def test_schema_patch_with_unknown_names_changes_nothing(auth_client, shop):
    url = f"{LIST_URL}{shop.pk}/schema/"
    payload = {
        "tables": [
            {"name": "customers", "description": "changed"},
            {"name": "nope", "description": "x"},
            {"name": "orders", "columns": [{"name": "ghost", "description": "x"}]},
        ]
    }
    response = auth_client.patch(url, payload, format="json")
    assert response.status_code == 400 and "tables" in response.json()["errors"]
    assert Table.objects.get(datasource=shop, name="customers").description == ""
    assert auth_client.patch(url, {"tables": "x"}, format="json").status_code == 400
    assert not Column.objects.filter(table__datasource=shop).exclude(description="").exists()


def test_introspect_endpoint_returns_the_schema(auth_client, shop):
    response = auth_client.post(f"{LIST_URL}{shop.pk}/introspect/")
    assert response.status_code == 200
    assert {t["name"] for t in response.json()["tables"]} == {"customers", "orders"}


def test_url_names_resolve(shop):
    assert reverse("datasource-detail", kwargs={"pk": shop.pk}) == f"/api/datasources/{shop.pk}/"
    for name in ("datasource-test", "datasource-introspect", "datasource-schema"):
        assert reverse(name, kwargs={"pk": shop.pk}).startswith(f"/api/datasources/{shop.pk}/")


def test_openapi_schema_lists_the_endpoints(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "/api/datasources/{id}/schema/" in response.content.decode()


def test_demo_server_details_stay_private(auth_client, make_user):
    from datasources.services import datasource_create

    demo = datasource_create(
        owner=None,
        name="pg demo",
        engine="postgresql",
        host="10.1.2.3",
        port=5432,
        database="demo",
        username="postgres",
        password="pw",
        is_demo=True,
    )
    body = auth_client.get(f"{LIST_URL}{demo.pk}/").json()
    assert (body["host"], body["port"], body["username"], body["database"]) == ("", None, "", "demo")
    staff = bearer_client(make_user(is_staff=True)).get(f"{LIST_URL}{demo.pk}/").json()
    assert staff["host"] == "10.1.2.3" and staff["username"] == "postgres"


def test_changing_the_file_rereads_the_schema(auth_client, shop):
    write_sqlite_file("other.sqlite3", "CREATE TABLE invoices (id INTEGER PRIMARY KEY);")
    response = auth_client.patch(f"{LIST_URL}{shop.pk}/", {"sqlite_path": "other.sqlite3"}, format="json")
    assert response.status_code == 200 and response.json()["table_count"] == 1
    schema = auth_client.get(f"{LIST_URL}{shop.pk}/schema/").json()
    assert [t["name"] for t in schema["tables"]] == ["invoices"]
