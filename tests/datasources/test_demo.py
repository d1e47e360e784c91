"""Demo data: the four sets exist, are described, answer real questions, and seeding is idempotent."""

import sqlite3
from io import StringIO
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from sqlalchemy.engine import make_url

from datasources import executor
from datasources.demo.generate import generate
from datasources.demo.specs import DEMO_SPECS
from datasources.errors import QueryFailed
from datasources.models import Column, DataSource, Table

EXPECTED_TABLES = {
    "ecommerce": {"customers", "products", "orders", "order_items", "reviews"},
    "hr": {"departments", "employees", "salaries", "attendance"},
    "edu": {"students", "courses", "enrollments", "grades"},
    "ad": {"campaigns", "ad_groups", "ads", "impressions", "clicks", "conversions"},
}


def test_demo_fixture_registers_four_shared_read_only_sets(demo_datasources, auth_client):
    assert set(demo_datasources) == set(EXPECTED_TABLES)
    for key, datasource in demo_datasources.items():
        assert datasource.is_demo and datasource.owner is None
        assert set(Table.objects.filter(datasource=datasource).values_list("name", flat=True)) == EXPECTED_TABLES[key]
        assert not Column.objects.filter(table__datasource=datasource, description="").exists()
    names = {item["name"] for item in auth_client.get("/api/datasources/").json()["results"]}
    assert names == set(EXPECTED_TABLES)


def test_demo_schema_has_keys_samples_and_korean_values(demo_datasources):
    ecommerce = demo_datasources["ecommerce"]
    items = {c.name: c for c in Column.objects.filter(table__datasource=ecommerce, table__name="order_items")}
    assert items["order_id"].references == "orders.id" and items["product_id"].references == "products.id"
    category = Column.objects.get(table__datasource=ecommerce, table__name="products", name="category")
    assert category.samples and set(category.samples) <= {"전자제품", "의류", "도서", "식품", "뷰티", "스포츠", "가구"}
    result = executor.execute(
        ecommerce,
        "SELECT p.category, SUM(oi.quantity * oi.unit_price) AS revenue FROM order_items oi "
        "JOIN products p ON p.id = oi.product_id GROUP BY p.category ORDER BY revenue DESC",
    )
    assert result.row_count >= 3 and all(isinstance(row[1], int | float) for row in result.rows)
    assert any(ch >= "\uac00" for ch in result.rows[0][0])  # Hangul category names


def test_demo_sets_answer_a_question_each(demo_datasources):
    queries = {
        "hr": "SELECT d.name, COUNT(*) FROM employees e JOIN departments d ON d.id = e.department_id GROUP BY d.name",
        "edu": "SELECT s.major, AVG(g.score) FROM grades g JOIN enrollments e ON e.id = g.enrollment_id "
        "JOIN students s ON s.id = e.student_id GROUP BY s.major",
        "ad": "SELECT c.channel, SUM(i.cost) FROM impressions i JOIN ads a ON a.id = i.ad_id "
        "JOIN ad_groups g ON g.id = a.ad_group_id JOIN campaigns c ON c.id = g.campaign_id GROUP BY c.channel",
    }
    for key, sql in queries.items():
        assert executor.execute(demo_datasources[key], sql).row_count > 0, key


def test_full_scale_sizes_are_realistic_and_deterministic():
    first = generate("ecommerce", 1.0)
    assert 1000 <= len(first["customers"]) and 10_000 <= len(first["orders"]) and 20_000 <= len(first["order_items"])
    assert generate("ecommerce", 1.0)["orders"][:50] == first["orders"][:50]
    hr = generate("hr", 1.0)
    assert len(hr["attendance"]) >= 10_000


def test_seed_demo_is_idempotent(db, settings):
    call_command("seed_demo", "--scale", "0.02", stdout=StringIO())
    files = {p: p.stat().st_mtime_ns for p in (Path(settings.DATASOURCE_SQLITE_DIR) / "demo").glob("*.sqlite3")}
    ids = set(DataSource.objects.values_list("id", flat=True))
    Table.objects.filter(datasource__is_demo=True, name="customers").update(description="Edited by an admin")
    call_command("seed_demo", "--scale", "0.02", stdout=StringIO())
    assert set(DataSource.objects.values_list("id", flat=True)) == ids and len(ids) == 4
    assert {p: p.stat().st_mtime_ns for p in files} == files
    assert Table.objects.get(datasource__sqlite_path="demo/ecommerce.sqlite3", name="customers").description == (
        "Edited by an admin"
    )


def test_seeded_sqlite_files_have_foreign_keys(db, settings):
    call_command("seed_demo", "--scale", "0.02", "--only", "hr", stdout=StringIO())
    conn = sqlite3.connect(Path(settings.DATASOURCE_SQLITE_DIR) / "demo" / "hr.sqlite3")
    fks = conn.execute("PRAGMA foreign_key_list(employees)").fetchall()
    conn.close()
    assert {(row[2], row[3]) for row in fks} == {("departments", "department_id"), ("employees", "manager_id")}


@pytest.mark.postgres
def test_seed_demo_loads_postgres_with_comments(db, postgres_database):
    info = postgres_database()
    call_command("seed_demo", "--url", info["url"], "--scale", "0.02", stdout=StringIO())
    datasources = DataSource.objects.filter(engine="postgresql", is_demo=True)
    assert {ds.schema for ds in datasources} == set(DEMO_SPECS)
    ecommerce = datasources.get(schema="ecommerce")
    assert (
        set(Table.objects.filter(datasource=ecommerce).values_list("name", flat=True)) == EXPECTED_TABLES["ecommerce"]
    )
    region = Column.objects.get(table__datasource=ecommerce, table__name="customers", name="region")
    assert "Korean" in region.description
    conn = psycopg2.connect(host=info["host"], port=info["port"], dbname=info["database"], user=info["username"])
    with conn.cursor() as cursor:
        cursor.execute("SELECT col_description('ecommerce.customers'::regclass, 6)")
        assert "region" in cursor.fetchone()[0].lower()
    conn.close()
    result = executor.execute(ecommerce, "SELECT region, COUNT(*) FROM customers GROUP BY region ORDER BY 2 DESC")
    assert result.row_count > 0
    # Seeding again changes nothing and registers nothing new.
    call_command("seed_demo", "--url", info["url"], "--scale", "0.02", stdout=StringIO())
    assert DataSource.objects.filter(engine="postgresql", is_demo=True).count() == 4


@pytest.mark.postgres
def test_seed_demo_on_postgres_registers_the_sets_with_a_select_only_reader(db, postgres_database, user):
    from datasources.services import datasource_test

    info = postgres_database()
    role = f"demo_reader_{info['database'][-8:]}"
    conn = psycopg2.connect(host=info["host"], port=info["port"], dbname=info["database"], user=info["username"])
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'pw'")
        cursor.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        cursor.execute(f"REVOKE CREATE ON DATABASE {info['database']} FROM PUBLIC")
        cursor.execute("CREATE TABLE public.payroll_secrets (name text, salary int)")
    try:
        # Without a reader, the command says the sets would be asked as a superuser.
        out = StringIO()
        call_command("seed_demo", "--url", info["url"], "--scale", "0.02", "--only", "hr", stdout=out)
        assert "superuser" in out.getvalue()

        reader_url = make_url(info["url"]).set(username=role, password="pw").render_as_string(hide_password=False)
        out = StringIO()
        args = ["--url", info["url"], "--reader-url", reader_url, "--only", "hr", "--scale", "0.02"]
        call_command("seed_demo", *args, stdout=out)
        assert "warning" not in out.getvalue()
        hr = DataSource.objects.get(engine="postgresql", is_demo=True, schema="hr")
        assert hr.username == role
        assert datasource_test(datasource=hr, user=user)["warnings"] == []
        assert executor.execute(hr, "SELECT COUNT(*) FROM employees").rows[0][0] > 0
        with pytest.raises(QueryFailed, match="permission denied"):  # and nothing it was not granted
            executor.execute(hr, "SELECT * FROM public.payroll_secrets")
        # The reader itself, past the guard, sees neither other sessions nor the server's settings and files.
        reader = psycopg2.connect(
            host=info["host"], port=info["port"], dbname=info["database"], user=role, password="pw"
        )
        try:
            for sql in (
                "SELECT query FROM pg_stat_activity",
                "SELECT setting FROM pg_settings WHERE name = 'data_directory'",
                "SELECT sourcefile FROM pg_file_settings",
                "SELECT pg_stat_get_activity(NULL)",
            ):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege), reader.cursor() as cursor:
                    cursor.execute(sql)
                reader.rollback()
        finally:
            reader.close()
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")
        conn.close()


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_seed_demo_refuses_the_app_database(db, settings):
    from django.core.management.base import CommandError

    settings.DATABASES = {
        **settings.DATABASES,
        "appdb": {"ENGINE": "django.db.backends.postgresql", "HOST": "127.0.0.1", "PORT": "5999", "NAME": "app"},
    }
    with pytest.raises(CommandError, match="own database"):
        call_command("seed_demo", "--url", "postgresql://u:p@127.0.0.1:5999/app", stdout=StringIO())
    assert settings.DATASOURCE_SQLITE_DIR
