"""Introspection on real SQLite and PostgreSQL: names, types, keys, estimates, samples, kept descriptions."""

import sqlite3
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from datasources.models import Column, Table
from datasources.services import datasource_introspect

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region VARCHAR(20), joined DATE);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                     amount NUMERIC(10,2), status TEXT);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40)
INSERT INTO customers SELECT i, 'person ' || i, CASE i % 3 WHEN 0 THEN '서울' WHEN 1 THEN '부산' ELSE '제주' END,
                             '2024-01-01' FROM c;
INSERT INTO orders VALUES (1, 1, 10, 'paid'), (2, 2, 20, 'shipped'), (3, 2, 5, 'paid');
"""


def _schema(datasource):
    return {
        t.name: (t, {c.name: c for c in t.columns.all()})
        for t in Table.objects.filter(datasource=datasource).prefetch_related("columns")
    }


def test_sqlite_introspection_reads_tables_keys_and_samples(sqlite_datasource, user):
    datasource = sqlite_datasource(user, SHOP)
    schema = _schema(datasource)
    assert set(schema) == {"customers", "orders"}
    customers, columns = schema["customers"]
    assert customers.row_estimate == 40
    assert [c.name for c in customers.columns.all()] == ["id", "name", "region", "joined"]
    assert columns["id"].primary_key and not columns["id"].nullable
    assert not columns["name"].nullable and columns["region"].nullable
    assert columns["region"].type.startswith("VARCHAR")
    assert columns["region"].samples == ["부산", "서울", "제주"]
    assert columns["name"].samples == []  # 40 distinct values: not low-cardinality
    orders, order_columns = schema["orders"]
    assert order_columns["customer_id"].references == "customers.id"
    assert order_columns["status"].samples == ["paid", "shipped"]
    assert orders.row_estimate == 3
    assert datasource.introspected_at is not None


def test_samples_with_a_nul_character_can_be_stored(sqlite_datasource, user):
    # PostgreSQL (the app database in production) cannot store NUL in text: it is shown as U+FFFD.
    datasource = sqlite_datasource(
        user, "CREATE TABLE tags (label TEXT); INSERT INTO tags VALUES ('a' || char(0) || 'b'), ('plain');"
    )
    _, columns = _schema(datasource)["tags"]
    assert columns["label"].samples == ["a\ufffdb", "plain"]


def test_reintrospection_keeps_descriptions_and_follows_changes(sqlite_datasource, user):
    datasource = sqlite_datasource(user, SHOP)
    Table.objects.filter(datasource=datasource, name="customers").update(description="People who buy")
    Column.objects.filter(table__datasource=datasource, name="region").update(description="Home region")
    path = Path(settings.DATASOURCE_SQLITE_DIR) / datasource.sqlite_path
    conn = sqlite3.connect(path)
    conn.executescript(
        "ALTER TABLE customers ADD COLUMN tier TEXT; DROP TABLE orders; CREATE TABLE refunds (id INTEGER);"
    )
    conn.close()
    datasource_introspect(datasource=datasource)
    schema = _schema(datasource)
    assert set(schema) == {"customers", "refunds"}
    customers, columns = schema["customers"]
    assert customers.description == "People who buy"
    assert columns["region"].description == "Home region"
    assert "tier" in columns
    assert not Column.objects.filter(table__datasource=datasource, table__name="orders").exists()


PG_SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region VARCHAR(20));
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(id),
                     amount NUMERIC(10,2));
COMMENT ON TABLE customers IS 'People who buy things';
COMMENT ON COLUMN customers.region IS 'Home region in Korean';
INSERT INTO customers SELECT g, 'p' || g, CASE g % 2 WHEN 0 THEN '서울' ELSE '부산' END FROM generate_series(1, 500) g;
INSERT INTO orders VALUES (1, 1, 9.5);
ANALYZE customers;
CREATE SCHEMA other;
CREATE TABLE other.hidden (x INTEGER);
"""


@pytest.mark.postgres
def test_postgres_introspection_reads_comments_estimates_and_keys(postgres_datasource, user):
    datasource = postgres_datasource(user, PG_SHOP)
    schema = _schema(datasource)
    assert set(schema) == {"customers", "orders"}  # the default schema only
    customers, columns = schema["customers"]
    assert customers.description == "People who buy things"
    assert customers.row_estimate == 500
    assert columns["region"].description == "Home region in Korean"
    assert columns["region"].samples == ["부산", "서울"]
    assert columns["id"].primary_key
    _, order_columns = schema["orders"]
    assert order_columns["customer_id"].references == "customers.id"
    assert order_columns["amount"].type.startswith("NUMERIC")


@pytest.mark.postgres
def test_postgres_user_descriptions_win_over_comments(postgres_datasource, user):
    datasource = postgres_datasource(user, PG_SHOP)
    Column.objects.filter(table__datasource=datasource, name="region").update(description="Where they live")
    conn = psycopg2.connect(host=datasource.host, port=datasource.port, dbname=datasource.database, user="postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("ALTER TABLE customers ADD COLUMN tier TEXT")
        cursor.execute("COMMENT ON COLUMN customers.tier IS 'Membership tier'")
    conn.close()
    datasource_introspect(datasource=datasource)
    _, columns = _schema(datasource)["customers"]
    assert columns["region"].description == "Where they live"
    assert columns["tier"].description == "Membership tier"


@pytest.mark.postgres
def test_postgres_schema_field_selects_the_schema(postgres_datasource, user):
    datasource = postgres_datasource(user, PG_SHOP, schema="other")
    assert set(_schema(datasource)) == {"hidden"}
