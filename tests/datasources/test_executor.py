# ruff: noqa: E501
"""The executor on real SQLite files and a real PostgreSQL database: results, caps, JSON-safe values."""

import datetime
import decimal
import json
import time
import tracemalloc
from contextlib import contextmanager

import psycopg2
import pytest

from datasources import executor
from datasources.engines.base import RowStream
from datasources.errors import GuardRejected, QueryFailed, QueryTimeout

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT, joined DATE);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), amount NUMERIC, placed TEXT, note BLOB);
INSERT INTO customers VALUES (1, '김민수', '서울', '2024-01-05'), (2, 'Alice', '부산', '2024-02-10'), (3, 'Bob', '서울', '2024-03-01');
INSERT INTO orders VALUES (1, 1, 1000.5, '2024-04-01', x'00ff'), (2, 1, 250, '2024-04-03', NULL), (3, 2, 75.25, '2024-05-01', NULL);
"""

PG_SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT, joined DATE);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), amount NUMERIC(10,2),
                     placed TIMESTAMP, note BYTEA);
COMMENT ON TABLE customers IS 'People who buy things';
COMMENT ON COLUMN customers.region IS 'Home region in Korean';
INSERT INTO customers VALUES (1, '김민수', '서울', '2024-01-05'), (2, 'Alice', '부산', '2024-02-10'), (3, 'Bob', '서울', '2024-03-01');
INSERT INTO orders VALUES (1, 1, 1000.5, '2024-04-01 10:00', '\\x00ff'), (2, 1, 250, '2024-04-03 11:30', NULL),
                          (3, 2, 75.25, '2024-05-01 09:15', NULL);
CREATE TABLE big AS SELECT g AS n FROM generate_series(1, 200000) g;
"""


@pytest.fixture
def shop(sqlite_datasource, user):
    return sqlite_datasource(user, SHOP)


@pytest.fixture
def pg_shop(postgres_datasource, user):
    return postgres_datasource(user, PG_SHOP)


def test_sqlite_join_returns_json_safe_rows(shop):
    result = executor.execute(
        shop,
        "SELECT c.name, SUM(o.amount) AS total, MAX(o.note) AS note FROM customers c "
        "JOIN orders o ON o.customer_id = c.id GROUP BY c.name ORDER BY total DESC",
    )
    assert result.columns == ["name", "total", "note"]
    assert result.rows == [["김민수", 1250.5, "<2 bytes>"], ["Alice", 75.25, None]]
    assert result.row_count == 2 and not result.truncated
    json.dumps(result.rows)


def test_row_cap_marks_truncated(shop):
    result = executor.execute(shop, "SELECT id FROM customers ORDER BY id", max_rows=2)
    assert result.rows == [[1], [2]]
    assert result.row_count == 2 and result.truncated
    assert "LIMIT 3" in executor.sql_guard.apply_row_cap(result.sql, "sqlite", 3)


def test_exact_cap_is_not_truncated(shop):
    result = executor.execute(shop, "SELECT id FROM customers", max_rows=3)
    assert result.row_count == 3 and not result.truncated


def test_regenerated_sql_has_no_comments(shop):
    result = executor.execute(shop, "SELECT name /* hi */ FROM customers -- trailing\n WHERE id = 1")
    assert "hi" not in result.sql and "trailing" not in result.sql
    assert result.rows == [["김민수"]]


def test_unknown_column_is_query_failed_with_database_message(shop):
    with pytest.raises(QueryFailed) as info:
        executor.execute(shop, "SELECT nope FROM customers")
    assert "no such column" in info.value.message


def test_guard_runs_inside_execute(shop):
    with pytest.raises(GuardRejected):
        executor.execute(shop, "DELETE FROM customers")


@pytest.mark.postgres
def test_postgres_values_are_json_safe(pg_shop):
    result = executor.execute(
        pg_shop,
        "SELECT c.name, c.joined, o.amount, o.placed, o.note FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY o.id",
    )
    assert result.rows[0] == ["김민수", "2024-01-05", 1000.5, "2024-04-01T10:00:00", "<2 bytes>"]
    assert result.rows[1][2] == 250
    json.dumps(result.rows)


@pytest.mark.postgres
def test_postgres_cap_bounds_a_large_table(pg_shop):
    result = executor.execute(pg_shop, "SELECT n FROM big ORDER BY n", max_rows=1000)
    assert result.row_count == 1000 and result.truncated
    assert result.rows[-1] == [1000]


@pytest.mark.postgres
def test_postgres_statement_timeout(pg_shop):
    with pytest.raises(QueryTimeout):
        executor.execute(pg_shop, "SELECT count(*) FROM big a CROSS JOIN big b", timeout=0.5)


@pytest.mark.parametrize(
    "value, expected",
    [
        (decimal.Decimal("30.00"), 30.0),
        (decimal.Decimal("15"), 15),
        (decimal.Decimal("NaN"), "NaN"),
        (datetime.date(2024, 5, 1), "2024-05-01"),
        (datetime.datetime(2024, 5, 1, 9, 30), "2024-05-01T09:30:00"),
        (datetime.time(9, 30), "09:30:00"),
        (b"\x00\x01\x02", "<3 bytes>"),
        (memoryview(b"abcd"), "<4 bytes>"),
        (float("inf"), "inf"),
        ({"a": [1, decimal.Decimal("1.5")]}, {"a": [1, 1.5]}),
    ],
)
def test_json_safe_values(value, expected):
    converted = executor.json_safe(value)
    assert converted == expected and type(converted) is type(expected)
    json.dumps(converted)


@pytest.mark.postgres
def test_postgres_errors_carry_the_database_message_only(pg_shop):
    with pytest.raises(QueryFailed) as info:
        executor.execute(pg_shop, "SELECT n / (n - 5) FROM big ORDER BY n")
    assert info.value.message == "division by zero"
    with pytest.raises(QueryFailed) as info:
        executor.execute(pg_shop, "SELECT nam FROM customers")
    message = info.value.message
    assert 'column "nam" does not exist' in message
    assert pg_shop.host not in message and str(pg_shop.port) not in message and pg_shop.database not in message


# --- bounded results: bytes, long values, NUL ---------------------------------------------------------

ONE_THOUSAND = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1000) "


def _json_bytes(value) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode())


def _peak_memory(run):
    """Run `run()` and return (its result, the peak of Python memory allocated meanwhile)."""
    tracemalloc.start()
    try:
        result = run()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_sqlite_huge_values_fail_fast_instead_of_allocating(shop):
    # 8 rows of 45 MB blobs used to be fetched whole (about 530 MB); SQLite now refuses to build such a value.
    started = time.monotonic()
    with pytest.raises(QueryFailed) as info:
        _peak_memory(
            lambda: executor.execute(shop, "SELECT zeroblob(45000000) AS b FROM customers, customers AS c LIMIT 8")
        )
    assert "too large" in info.value.message and info.value.code == "sql_error"
    assert time.monotonic() - started < 2


def test_sqlite_long_text_values_are_cut(shop):
    result = executor.execute(shop, ONE_THOUSAND + "SELECT i, printf('%.*c', 4000000, 'x') AS pad FROM c LIMIT 5")
    assert result.row_count == 5 and not result.truncated
    for i, (n, pad) in enumerate(result.rows, start=1):
        assert n == i
        assert len(pad) == executor.VALUE_MAX_CHARS + 1 and pad.endswith("…") and set(pad[:-1]) == {"x"}
    assert _json_bytes(result.rows) < 5 * (executor.VALUE_MAX_CHARS + 100)


def test_sqlite_result_stops_at_the_byte_budget(shop, settings):
    assert settings.RESULT_MAX_BYTES == 5 * 1024 * 1024
    result, peak = _peak_memory(
        lambda: executor.execute(shop, ONE_THOUSAND + "SELECT i, printf('%.*c', 60000, 'x') AS pad FROM c")
    )
    assert result.truncated and 0 < result.row_count == len(result.rows) < 1000
    assert [row[0] for row in result.rows] == list(range(1, result.row_count + 1))
    assert settings.RESULT_MAX_BYTES - 61000 < _json_bytes({"columns": result.columns, "rows": result.rows})
    assert _json_bytes({"columns": result.columns, "rows": result.rows}) <= settings.RESULT_MAX_BYTES
    assert peak < 3 * settings.RESULT_MAX_BYTES


def test_byte_budget_is_a_setting_and_an_argument(shop, settings):
    settings.RESULT_MAX_BYTES = 40
    result = executor.execute(shop, "SELECT id, name FROM customers ORDER BY id")
    assert result.truncated and result.rows == [[1, "김민수"]]
    result = executor.execute(shop, "SELECT id, name FROM customers ORDER BY id", max_bytes=10_000)
    assert not result.truncated and result.row_count == 3


def test_a_first_row_over_the_budget_gives_no_rows_but_says_truncated(shop):
    result = executor.execute(shop, "SELECT printf('%.*c', 5000, 'x') AS pad", max_bytes=1000)
    assert result.rows == [] and result.row_count == 0 and result.truncated
    assert result.columns == ["pad"]


def test_nul_characters_become_replacement_characters(shop):
    result = executor.execute(shop, "SELECT 'a' || char(0) || 'b' AS v, char(0) AS w")
    assert result.rows == [["a\ufffdb", "\ufffd"]]
    assert executor.json_safe({"k\x00": ["x\x00y"]}) == {"k\ufffd": ["x\ufffdy"]}


def test_nul_characters_in_column_names_are_replaced(shop, monkeypatch):
    # No engine here can name a column with NUL, so the engine layer is replaced by one that does.
    @contextmanager
    def stream(datasource, sql, *, timeout=None, budget=None):
        yield ["id\x00", "name"], RowStream([(1, "A\x00")])

    monkeypatch.setattr(executor.engines, "stream_query", stream)
    result = executor.execute(shop, "SELECT id, name FROM customers")
    assert result.columns == ["id\ufffd", "name"] and result.rows == [[1, "A\ufffd"]]


@pytest.mark.postgres
def test_postgres_result_stops_at_the_byte_budget(pg_shop, settings):
    result, peak = _peak_memory(
        lambda: executor.execute(pg_shop, "SELECT n, repeat('x', 200000) AS pad FROM generate_series(1, 1000) AS g(n)")
    )
    assert result.truncated and 0 < result.row_count == len(result.rows) < 1000
    assert [row[0] for row in result.rows] == list(range(1, result.row_count + 1))
    assert all(len(pad) == executor.VALUE_MAX_CHARS + 1 for _, pad in result.rows)
    size = _json_bytes({"columns": result.columns, "rows": result.rows})
    assert settings.RESULT_MAX_BYTES - 70000 < size <= settings.RESULT_MAX_BYTES
    # Wide rows are fetched a few at a time: memory stays near the budget, not rows x 200 kB.
    assert peak < 4 * settings.RESULT_MAX_BYTES


@pytest.mark.postgres
def test_postgres_results_with_nul_can_be_stored_in_postgresql(pg_shop, postgres_database):
    # PostgreSQL's json type keeps "\u0000"; jsonb (how the app database stores results) refuses it.
    result = executor.execute(pg_shop, """SELECT '{"k\\u0000": "a\\u0000b"}'::json AS doc""")
    assert result.rows == [[{"k\ufffd": "a\ufffdb"}]]
    info = postgres_database()
    conn = psycopg2.connect(host=info["host"], port=info["port"], dbname=info["database"], user=info["username"])
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT %s::jsonb", [json.dumps({"columns": result.columns, "rows": result.rows})])
            assert cursor.fetchone()[0]["rows"] == [[{"k\ufffd": "a\ufffdb"}]]
    finally:
        conn.close()


@pytest.mark.postgres
def test_postgres_connect_prints_no_password_file_warning(pg_shop, capfd):
    capfd.readouterr()
    executor.execute(pg_shop, "SELECT 1")
    out, err = capfd.readouterr()
    assert "password file" not in err and "password file" not in out


@pytest.mark.postgres
def test_postgres_timeout_holds_for_the_whole_result_not_each_fetch(pg_shop):
    # Wide rows are fetched one at a time and each FETCH is a statement of its own: the query's
    # time limit must still hold for all of them together.
    slow_wide_rows = (
        "SELECT decode(repeat('ab', 1100000), 'hex') AS blob, "
        "(SELECT count(*) FROM generate_series(1, 300000 + g)) AS busy FROM generate_series(1, 80) AS g"
    )
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        executor.execute(pg_shop, slow_wide_rows, timeout=1)
    assert time.monotonic() - started < 3


@pytest.mark.postgres
def test_postgres_numbers_past_a_double_come_back_exact_as_text(pg_shop):
    result = executor.execute(pg_shop, "SELECT 10::numeric ^ 400 AS big, 2.5::numeric AS small")
    big, small = result.rows[0]
    assert decimal.Decimal(big) == decimal.Decimal(10) ** 400
    assert small == 2.5
    json.dumps(result.rows, allow_nan=False)  # strict JSON, as the API renders it


@pytest.mark.postgres
def test_postgres_huge_values_are_capped_by_the_server_before_they_are_sent(pg_shop):
    # Before, a 30 MB text arrived whole (and a value can be up to 1 GB) before the executor cut it.
    sql = (
        "SELECT n, repeat('x', 30000000) AS big, decode(repeat('ab', 9000000), 'hex') AS blob "
        "FROM generate_series(1, 2) AS g(n)"
    )
    result, peak = _peak_memory(lambda: executor.execute(pg_shop, sql))
    assert result.columns == ["n", "big", "blob"] and result.row_count == 2
    for n, big, blob in result.rows:
        assert len(big) == executor.VALUE_MAX_CHARS + 1 and big.endswith(executor.CUT_MARK)
        assert blob == "<9000000 bytes>"  # its size only: the bytes never crossed
    assert peak < 5 * 1024 * 1024


@pytest.mark.postgres
def test_postgres_capping_keeps_names_order_and_small_values(pg_shop):
    result = executor.execute(
        pg_shop,
        """SELECT n AS a, n * 2 AS a, 'x' || n AS "we""ird", decode('abcd', 'hex') AS b, ARRAY[n] AS arr,
                  json_build_object('n', n) AS doc, 'pad'::char(5) AS c
           FROM generate_series(1, 3) AS g(n) ORDER BY n DESC""",
    )
    assert result.columns == ["a", "a", 'we"ird', "b", "arr", "doc", "c"]
    assert result.rows == [
        [3, 6, "x3", "<2 bytes>", [3], {"n": 3}, "pad  "],
        [2, 4, "x2", "<2 bytes>", [2], {"n": 2}, "pad  "],
        [1, 2, "x1", "<2 bytes>", [1], {"n": 1}, "pad  "],
    ]
