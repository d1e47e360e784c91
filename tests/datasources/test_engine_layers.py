"""The engine layer on its own: with the SQL guard switched off, read-only and timeouts still hold.

These call `engines.run_query` directly or run `executor.execute` with
`sql_guard.check`/`apply_row_cap` replaced by pass-throughs.
"""

import hashlib
import time
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from datasources import engines, executor, sql_guard
from datasources.engines.sqlite import sqlite_uri
from datasources.errors import DatasourceError, GuardRejected, QueryFailed, QueryTimeout

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO customers VALUES (1, 'Alice'), (2, 'Bob');
"""

PG_SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO customers VALUES (1, 'Alice'), (2, 'Bob');
CREATE SEQUENCE seq;
CREATE FUNCTION wipe() RETURNS integer LANGUAGE sql AS $$ DELETE FROM customers; SELECT 1 $$;
CREATE FUNCTION go_write() RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('default_transaction_read_only', 'off', false);
  SET TRANSACTION READ WRITE;
  DELETE FROM customers;
  RETURN 1;
END $$;
"""

ENDLESS_CTE = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"


@pytest.fixture
def guard_off(monkeypatch):
    """Replace the parser layer by pass-throughs so only the engine layer protects the database."""
    monkeypatch.setattr(sql_guard, "check", lambda sql, dialect: sql)
    monkeypatch.setattr(sql_guard, "apply_row_cap", lambda sql, dialect, limit: sql)


@pytest.fixture
def sqlite_shop(sqlite_datasource, user):
    datasource = sqlite_datasource(user, SHOP)
    return datasource, Path(settings.DATASOURCE_SQLITE_DIR) / datasource.sqlite_path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM customers",
        "INSERT INTO customers VALUES (3, 'Eve')",
        "UPDATE customers SET name = 'x'",
        "DROP TABLE customers",
        "CREATE TABLE evil (x)",
        "ATTACH DATABASE 'evil.db' AS evil",
        "ATTACH 'file:evil.db?mode=rwc' AS evil",
        "VACUUM INTO 'evil-copy.db'",
        "PRAGMA query_only = OFF",
        "PRAGMA writable_schema = 1",
        "SELECT load_extension('evil')",
        "SELECT 1; DELETE FROM customers",
        "BEGIN IMMEDIATE",
    ],
)
def test_sqlite_engine_refuses_writes_without_the_guard(sqlite_shop, guard_off, sql):
    datasource, path = sqlite_shop
    before_sha = _sha(path)
    before_files = sorted(Path(settings.DATASOURCE_SQLITE_DIR).rglob("*"))
    with pytest.raises(DatasourceError):
        executor.execute(datasource, sql)
    assert _sha(path) == before_sha
    assert sorted(Path(settings.DATASOURCE_SQLITE_DIR).rglob("*")) == before_files
    assert not list(Path.cwd().glob("evil*"))
    assert engines.run_query(datasource, "SELECT count(*) FROM customers", fetch_limit=1) == (["count(*)"], [(2,)])


def test_sqlite_engine_refuses_with_a_clear_code(sqlite_shop):
    datasource, _ = sqlite_shop
    with pytest.raises(GuardRejected) as info:
        engines.run_query(datasource, "DELETE FROM customers", fetch_limit=10)
    assert info.value.code == "sql_rejected"


def test_sqlite_deadline_stops_endless_recursion_without_the_guard(sqlite_shop, guard_off):
    datasource, _ = sqlite_shop
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        executor.execute(datasource, ENDLESS_CTE, timeout=0.3)
    assert time.monotonic() - started < 3


def test_sqlite_uri_quoting_blocks_parameters_in_the_file_name(tmp_path):
    uri = sqlite_uri(tmp_path / "a?mode=rwc#x%20.db")
    assert uri.endswith("?mode=ro") and uri.count("?") == 1 and "#" not in uri


def test_sqlite_row_fetch_is_bounded_without_the_cap(sqlite_datasource, user, guard_off):
    datasource = sqlite_datasource(
        user,
        "CREATE TABLE n (x INTEGER); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 5000) "
        "INSERT INTO n SELECT i FROM c;",
    )
    result = executor.execute(datasource, "SELECT x FROM n", max_rows=10)
    assert result.row_count == 10 and result.truncated


@pytest.fixture
def pg_shop(postgres_datasource, user):
    datasource = postgres_datasource(user, PG_SHOP)

    def count():
        conn = psycopg2.connect(host=datasource.host, port=datasource.port, dbname=datasource.database, user="postgres")
        try:
            with conn.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM customers")
                rows = cursor.fetchone()[0]
                cursor.execute("SELECT last_value FROM seq")
                return rows, cursor.fetchone()[0]
        finally:
            conn.close()

    return datasource, count


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT wipe()",
        "SELECT go_write()",
        "SELECT nextval('seq')",
        "SELECT set_config('default_transaction_read_only', 'off', false), wipe()",
        "DELETE FROM customers",
        "WITH x AS (DELETE FROM customers RETURNING *) SELECT * FROM x",
        "SELECT pg_advisory_lock(1), wipe()",
    ],
)
def test_postgres_read_only_transaction_holds_without_the_guard(pg_shop, guard_off, sql):
    datasource, count = pg_shop
    before = count()
    with pytest.raises(DatasourceError):
        executor.execute(datasource, sql)
    assert count() == before == (2, 1)


@pytest.mark.postgres
def test_postgres_function_that_writes_passes_the_parser_but_not_the_engine(pg_shop):
    # `wipe()` is not a denied name, so only the read-only transaction stands in the way.
    datasource, count = pg_shop
    with pytest.raises(GuardRejected) as info:
        executor.execute(datasource, "SELECT wipe()")
    assert "only reading" in info.value.message
    assert count() == (2, 1)


@pytest.mark.postgres
def test_postgres_statement_timeout_holds_without_the_guard(pg_shop, guard_off):
    datasource, _ = pg_shop
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        executor.execute(datasource, "SELECT pg_sleep(10)", timeout=0.5)
    assert time.monotonic() - started < 5


@pytest.mark.postgres
def test_postgres_session_changes_do_not_survive_to_the_next_query(pg_shop, guard_off):
    datasource, _ = pg_shop
    executor.execute(datasource, "SELECT set_config('statement_timeout', '0', false)")
    with pytest.raises(QueryTimeout):
        executor.execute(datasource, "SELECT pg_sleep(10)", timeout=0.5)


def test_sqlite_values_are_bounded_in_size(sqlite_shop):
    datasource, _ = sqlite_shop
    with pytest.raises(QueryFailed) as info:
        executor.execute(datasource, "SELECT length(randomblob(200000000))")
    assert "too large" in info.value.message


def test_sqlite_fetch_stops_at_the_cap_on_an_endless_result(sqlite_shop, guard_off):
    # Without the SQL LIMIT, fetching is still incremental: an endless result gives its first rows at once.
    datasource, _ = sqlite_shop
    started = time.monotonic()
    result = executor.execute(
        datasource, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT i FROM c", max_rows=10
    )
    assert result.rows == [[i] for i in range(1, 11)] and result.truncated
    assert time.monotonic() - started < 2


@pytest.mark.postgres
def test_postgres_server_side_cursor_streams_a_billion_row_result(pg_shop, guard_off):
    # A client-side cursor would try to hold all 10^9 rows; the named cursor fetches only the first 1001.
    datasource, _ = pg_shop
    started = time.monotonic()
    result = executor.execute(datasource, "SELECT generate_series(1, 1000000000) AS g", max_rows=1000, timeout=5)
    assert result.row_count == 1000 and result.truncated and result.rows[-1] == [1000]
    assert time.monotonic() - started < 3
