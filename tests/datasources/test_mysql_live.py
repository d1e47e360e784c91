"""MySQL datasources on a live server (MariaDB in `make test` and CI, via scripts/with-mariadb.sh).

Everything goes through the public paths: `services.datasource_create/_test/_introspect`,
`executor.execute`, the REST API. The engine layer is also checked on its own, with the
SQL guard replaced by pass-throughs (as in test_engine_layers.py).
"""

import json
import re
import time
import uuid
from pathlib import Path

import pytest

from datasources import engines, executor, sql_guard
from datasources.errors import DatasourceError, GuardRejected, QueryTimeout
from datasources.services import datasource_create, datasource_test
from tests.fixtures.datasources import register_network_database

pytestmark = pytest.mark.mysql

LIST_URL = "/api/datasources/"

SHOP = """
CREATE TABLE customers (
  id INT PRIMARY KEY,
  name VARCHAR(40) NOT NULL,
  region VARCHAR(20) COMMENT 'Home region'
) COMMENT = 'People who buy things';
CREATE TABLE orders (
  id INT PRIMARY KEY,
  customer_id INT NOT NULL,
  amount DECIMAL(10, 2) NOT NULL,
  placed DATETIME NOT NULL,
  FOREIGN KEY (customer_id) REFERENCES customers (id)
);
CREATE TABLE digits (d INT NOT NULL);
INSERT INTO customers VALUES (1, '김민수', '서울'), (2, 'Alice', '부산'), (3, 'Bob', '서울');
INSERT INTO orders VALUES (1, 1, 1000.50, '2024-04-01 10:00:00'), (2, 1, 250.00, '2024-04-03 11:30:00'),
  (3, 2, 75.25, '2024-05-01 09:15:00'), (4, 3, 20.00, '2024-05-20 18:00:00');
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
ANALYZE TABLE customers, orders, digits;
"""

# 10^9 rows, on MySQL and MariaDB alike: nobody can read them all within a test.
BILLION_ROWS = "SELECT a.d AS a, b.d AS b, c.d AS c FROM " + ", ".join(
    f"digits {alias}" for alias in ("a", "b", "c", "d4", "d5", "d6", "d7", "d8", "d9")
)


def register(owner, info, name="myshop"):
    """Register the database described by `info` for `owner` and introspect it."""
    return register_network_database(owner, info, engine="mysql", name=name)


def snapshot(info) -> tuple:
    """What a write would change: the tables and every row of the shop, read as the admin."""
    conn = info["admin"]()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW TABLES")
            tables = sorted(row[0] for row in cursor.fetchall())
            cursor.execute("SELECT * FROM customers ORDER BY id")
            customers = cursor.fetchall()
            cursor.execute("SELECT * FROM orders ORDER BY id")
            orders = cursor.fetchall()
        return tables, customers, orders
    finally:
        conn.close()


@pytest.fixture
def guard_off(monkeypatch):
    """Replace the parser layer by pass-throughs so only the engine layer protects the database."""
    monkeypatch.setattr(sql_guard, "check", lambda sql, dialect: sql)
    monkeypatch.setattr(sql_guard, "apply_row_cap", lambda sql, dialect, limit: sql)


@pytest.fixture
def shop_info(mysql_database):
    """The shop database with the test server's all-privileges account as its login."""
    return mysql_database(SHOP)


@pytest.fixture
def shop(db, user, shop_info):
    """The shop registered for `user` with an account that CAN write (only our layers stop it)."""
    return register(user, shop_info)


@pytest.fixture
def outfile():
    """A server-side path a write through `INTO OUTFILE` would create (the server runs on this machine)."""
    path = Path(f"/tmp/chatapi-outfile-{uuid.uuid4().hex}.txt")
    yield path
    path.unlink(missing_ok=True)


# --- Registration, connection test, introspection ---------------------------------------------------


def test_register_and_test_a_writing_account_through_the_api(auth_client, shop_info):
    response = auth_client.post(
        LIST_URL,
        {
            "name": "mariadb shop",
            "engine": "mysql",
            "host": shop_info["host"],
            "port": shop_info["port"],
            "database": shop_info["database"],
            "username": shop_info["username"],
            "password": shop_info["password"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["engine"] == "mysql" and body["table_count"] == 3 and body["introspected_at"]
    tested = auth_client.post(f"{LIST_URL}{body['id']}/test/")
    assert tested.status_code == 200, tested.json()
    result = tested.json()
    assert result["ok"] is True
    assert re.fullmatch(r"(MariaDB|MySQL) \d+\.\d+\.\d+.*", result["server_version"]), result["server_version"]
    assert isinstance(result["latency_ms"], int)
    # The test server's admin account has every privilege, server-wide ones (FILE) included.
    assert result["warnings"] == [
        "This account can change data. Register an account that can only SELECT.",
        "This account can read and write files on the database server (FILE). Revoke it.",
    ]


def test_connection_test_has_no_warnings_for_a_select_only_account(db, user, mysql_database):
    info = mysql_database(SHOP, select_only=True)
    datasource = register(user, info)
    result = datasource_test(datasource=datasource, user=user)
    assert result["ok"] is True and result["warnings"] == []
    assert datasource.tables.count() == 3


def test_connection_test_reads_privileges_not_names(db, user, mysql_database):
    # A table called update_log in a SELECT-only grant is no write right; FILE is one of its own.
    info = mysql_database(SHOP + "CREATE TABLE update_log (id INT);", select_only=True)
    conn = info["admin"]()
    with conn.cursor() as cursor:
        cursor.execute(f"GRANT SELECT ON `{info['database']}`.`update_log` TO '{info['username']}'@'%'")
    datasource = register(user, info)
    assert datasource_test(datasource=datasource, user=user)["warnings"] == []
    with conn.cursor() as cursor:
        cursor.execute(f"GRANT FILE ON *.* TO '{info['username']}'@'%'")
    conn.close()
    warnings = datasource_test(datasource=datasource, user=user)["warnings"]
    assert len(warnings) == 1 and "FILE" in warnings[0]


def test_connection_test_with_a_wrong_password_fails_generically(db, user, mysql_database):
    from datasources.errors import ConnectionFailed

    info = mysql_database(SHOP, select_only=True)
    datasource = datasource_create(
        owner=user,
        name="wrong",
        engine="mysql",
        host=info["host"],
        port=info["port"],
        database=info["database"],
        username=info["username"],
        password="not-the-password",
    )
    with pytest.raises(ConnectionFailed) as failure:
        datasource_test(datasource=datasource, user=user)
    assert info["username"] not in failure.value.message and str(info["port"]) not in failure.value.message


def test_introspection_reads_types_keys_comments_estimates_and_samples(auth_client, shop):
    schema = auth_client.get(f"{LIST_URL}{shop.pk}/schema/").json()
    tables = {table["name"]: table for table in schema["tables"]}
    assert set(tables) == {"customers", "digits", "orders"}
    customers = {column["name"]: column for column in tables["customers"]["columns"]}
    orders = {column["name"]: column for column in tables["orders"]["columns"]}
    assert tables["customers"]["description"] == "People who buy things"
    assert customers["region"]["description"] == "Home region"
    assert customers["id"]["primary_key"] and not customers["id"]["nullable"]
    assert customers["name"]["type"].startswith("VARCHAR(40)") and not customers["name"]["nullable"]
    assert sorted(customers["region"]["samples"]) == ["부산", "서울"]
    assert orders["customer_id"]["references"] == "customers.id"
    assert orders["amount"]["type"] == "DECIMAL(10, 2)" and orders["placed"]["type"] == "DATETIME"
    assert orders["id"]["references"] is None
    assert tables["orders"]["row_estimate"] == 4 and tables["digits"]["row_estimate"] == 10


# --- Legitimate analytic SQL -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql, rows",
    [
        (
            "SELECT c.name, SUM(o.amount) AS total FROM customers c JOIN orders o ON o.customer_id = c.id "
            "GROUP BY c.name ORDER BY total DESC",
            [["김민수", 1250.5], ["Alice", 75.25], ["Bob", 20.0]],
        ),
        (
            "WITH monthly AS (SELECT DATE_FORMAT(placed, '%Y-%m') AS month, SUM(amount) AS total FROM orders "
            "GROUP BY DATE_FORMAT(placed, '%Y-%m')) SELECT month, total, "
            "SUM(total) OVER (ORDER BY month) AS running FROM monthly ORDER BY month",
            [["2024-04", 1250.5, 1250.5], ["2024-05", 95.25, 1345.75]],
        ),
        (
            "SELECT customer_id, amount, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS rn, "
            "RANK() OVER (ORDER BY amount DESC) AS r, LAG(amount) OVER (ORDER BY id) AS prev FROM orders ORDER BY id",
            [[1, 1000.5, 1, 1, None], [1, 250.0, 2, 2, 1000.5], [2, 75.25, 1, 3, 250.0], [3, 20.0, 1, 4, 75.25]],
        ),
        ("SELECT name FROM customers WHERE name LIKE 'A%' OR region LIKE '부%' ORDER BY name", [["Alice"]]),
        (
            "SELECT YEAR(placed), MONTH(placed), DATE(placed), DATEDIFF(placed, '2024-04-01'), "
            "DATE_ADD(DATE(placed), INTERVAL 1 MONTH), TIMESTAMPDIFF(HOUR, '2024-04-01', placed) "
            "FROM orders WHERE placed >= NOW() - INTERVAL 100 YEAR AND id = 2",
            [[2024, 4, "2024-04-03", 2, "2024-05-03", 59]],
        ),
        (
            "SELECT region, COUNT(*) AS n, GROUP_CONCAT(name ORDER BY name SEPARATOR ', ') AS names "
            "FROM customers GROUP BY region HAVING COUNT(*) > 1",
            [["서울", 2, "Bob, 김민수"]],
        ),
        (
            "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE amount > 100) "
            "UNION SELECT 'none' ORDER BY 1 LIMIT 5",
            [["none"], ["김민수"]],
        ),
        # sqlglot's MySQL output is rewritten to what MariaDB accepts too (REGEXP, ->>, MEDIAN).
        ("SELECT name REGEXP '^A', name NOT REGEXP 'b$' FROM customers WHERE id = 2", [[1, 1]]),
        # ... keeping its meaning next to operators that bind tighter than REGEXP.
        ("SELECT REGEXP_LIKE(name, '^A') + 1, -REGEXP_LIKE(name, 'x') FROM customers WHERE id = 2", [[2, 0]]),
        (
            "SELECT JSON_OBJECT('n', name) ->> '$.n', JSON_OBJECT('n', name) -> '$.n' FROM customers WHERE id = 3",
            [["Bob", '"Bob"']],
        ),
        ("SELECT DISTINCT MEDIAN(amount) OVER () FROM orders", [[162.625]]),
        ("SELECT CAST(amount AS SIGNED), IF(amount > 100, 'big', 'small') FROM orders WHERE id = 4", [[20, "small"]]),
    ],
)
def test_legitimate_analytic_sql_runs(shop, sql, rows):
    result = executor.execute(shop, sql)
    assert result.rows == rows
    assert not result.truncated
    json.dumps(result.rows)


def test_row_cap_and_byte_budget_truncate(shop, settings):
    capped = executor.execute(shop, "SELECT a.d, b.d FROM digits a, digits b ORDER BY a.d, b.d", max_rows=7)
    assert capped.row_count == 7 and capped.truncated and capped.rows[-1] == [0, 6]
    assert "LIMIT 8" in connectors_sql(shop, capped.sql, 7)
    settings.RESULT_MAX_BYTES = 2000
    wide = executor.execute(shop, "SELECT a.d, REPEAT('x', 100) AS pad FROM digits a, digits b")
    assert wide.truncated and 0 < wide.row_count < 100
    assert len(json.dumps(wide.rows)) <= 2000


def connectors_sql(datasource, sql, max_rows) -> str:
    return sql_guard.apply_row_cap(sql, datasource.engine, max_rows + 1)


# --- The read-only layers on their own -------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "INSERT INTO customers VALUES (9, 'Eve', 'x')",
        "UPDATE orders SET amount = 0",
        "DELETE FROM orders",
        "CREATE TABLE evil (x INT)",
        "DROP TABLE orders",
        "TRUNCATE TABLE orders",
        "ALTER TABLE customers ADD COLUMN evil INT",
        "REPLACE INTO customers VALUES (1, 'Eve', 'x')",
        "SELECT 1; DELETE FROM orders",
        "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE customers",
    ],
)
def test_engine_refuses_writes_without_the_guard_even_with_write_grants(shop, shop_info, guard_off, sql):
    before = snapshot(shop_info)
    with pytest.raises(DatasourceError):
        executor.execute(shop, sql)
    assert snapshot(shop_info) == before
    assert executor.execute(shop, "SELECT COUNT(*) FROM orders").rows == [[4]]


def test_engine_refusals_say_why(shop, guard_off):
    with pytest.raises(GuardRejected) as write:
        executor.execute(shop, "DELETE FROM orders")
    assert "only reading" in write.value.message
    with pytest.raises(GuardRejected) as local:
        executor.execute(shop, "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE customers")
    assert "files" in local.value.message


def test_select_only_account_cannot_write_a_file_without_the_guard(db, user, mysql_database, guard_off, outfile):
    info = mysql_database(SHOP, select_only=True)
    datasource = register(user, info)
    with pytest.raises(DatasourceError):
        executor.execute(datasource, f"SELECT * FROM customers INTO OUTFILE '{outfile}'")
    assert not outfile.exists()


def test_statement_time_limit_holds_without_the_guard(shop, guard_off, settings):
    settings.SQL_TIMEOUT_SECONDS = 1
    for sql in (
        "SELECT SLEEP(30)",
        "SELECT COUNT(*) FROM digits a, digits b, digits c, digits d, digits e, digits f, "
        "digits g, digits h, digits i, digits j WHERE a.d + b.d + c.d + d.d + e.d + f.d + g.d + h.d = 99",
    ):
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            executor.execute(shop, sql)
        assert time.monotonic() - started < 4


def test_session_changes_do_not_survive_to_the_next_query(shop, guard_off, settings):
    settings.SQL_TIMEOUT_SECONDS = 1
    executor.execute(shop, "SET SESSION max_statement_time = 0")
    executor.execute(shop, "SET SESSION tx_read_only = 0")
    with pytest.raises(QueryTimeout):
        executor.execute(shop, "SELECT SLEEP(30)")
    with pytest.raises(GuardRejected):
        executor.execute(shop, "DELETE FROM orders")


# --- The guard in front, on the MySQL dialect ------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1; DROP TABLE orders",
        "SELECT * FROM customers; DELETE FROM orders",
        "LOAD DATA LOCAL INFILE '/etc/hostname' INTO TABLE customers",
        "SELECT * FROM customers INTO OUTFILE '{outfile}'",
        "SELECT * FROM customers INTO DUMPFILE '{outfile}'",
        "SELECT SLEEP(5)",
        "SELECT BENCHMARK(100000000, MD5('x'))",
        "SELECT LOAD_FILE('/etc/passwd')",
        "SELECT GET_LOCK('chatapi', 1)",
        "SELECT user, password FROM mysql.user",
        "SELECT * FROM customers FOR UPDATE",
        "/*!50000 DROP TABLE orders */",
        "SET SESSION tx_read_only = 0",
        "HANDLER customers OPEN",
        "DO SLEEP(5)",
        "CALL mysql.rds_kill(1)",
    ],
)
def test_guard_refuses_mysql_attacks_and_nothing_changes(shop, shop_info, outfile, sql):
    before = snapshot(shop_info)
    with pytest.raises(GuardRejected):
        executor.execute(shop, sql.format(outfile=outfile))
    assert snapshot(shop_info) == before
    assert not outfile.exists()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM customers /*!50000 INTO OUTFILE '{outfile}' */",
        "SELECT id /*!, SLEEP(5) */ FROM customers",
        "SELECT id FROM customers WHERE 1 = 1 /*M!100000 AND SLEEP(5) */",
        "SELECT id FROM customers /*! ; DROP TABLE orders */",
    ],
)
def test_mysql_executable_comments_never_run(shop, shop_info, outfile, sql):
    # The guard regenerates the statement without comments: what is inside /*! ... */ is never sent.
    before = snapshot(shop_info)
    started = time.monotonic()
    result = executor.execute(shop, sql.format(outfile=outfile))
    assert "/*" not in result.sql and "SLEEP" not in result.sql.upper()
    assert result.rows == [[1], [2], [3]]
    assert time.monotonic() - started < 3
    assert snapshot(shop_info) == before
    assert not outfile.exists()


# --- Streaming ---------------------------------------------------------------------------------------


def running_queries(info, marker: str) -> list:
    conn = info["admin"]()
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM information_schema.processlist WHERE info LIKE %s AND info NOT LIKE %s",
                (f"%{marker}%", "%processlist%"),
            )
            return cursor.fetchall()
    finally:
        conn.close()


def test_huge_result_stops_early_and_leaves_nothing_running(shop, shop_info, guard_off):
    # Without the SQL LIMIT the unbuffered cursor still reads only what is kept; leaving early must not
    # read (or wait for) the remaining 10^9 rows, and the server must stop sending them.
    marker = f"chatapi_{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    result = executor.execute(shop, f"{BILLION_ROWS} /* {marker} */", max_rows=1000, timeout=30)
    assert result.row_count == 1000 and result.truncated
    assert time.monotonic() - started < 3
    deadline = time.monotonic() + 5
    while running_queries(shop_info, marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running_queries(shop_info, marker)
    # The connection is gone, not half-read: the next query works normally.
    assert executor.execute(shop, "SELECT COUNT(*) FROM customers").rows == [[3]]


def test_stream_query_keeps_only_what_is_read(shop):
    started = time.monotonic()
    with engines.stream_query(shop, BILLION_ROWS, timeout=30) as (columns, rows):
        assert columns == ["a", "b", "c"]
        first = [next(rows) for _ in range(5)]
    assert first[0] == (0, 0, 0) and len(first) == 5
    assert time.monotonic() - started < 3


def test_result_read_to_the_end_closes_normally(shop):
    columns, rows = engines.run_query(shop, "SELECT d FROM digits ORDER BY d", fetch_limit=100)
    assert columns == ["d"] and rows == [(d,) for d in range(10)]


# --- JSON-safe values ------------------------------------------------------------------------------

TYPES = """
CREATE TABLE v (
  id INT PRIMARY KEY,
  dec_col DECIMAL(12, 3), whole DECIMAL(10, 0), big BIGINT UNSIGNED, dbl DOUBLE,
  d DATE, dt DATETIME(6), ts TIMESTAMP NULL, t TIME, t_long TIME(3), y YEAR,
  bin VARBINARY(8), bl BLOB, j JSON, bits BIT(10), flag BIT(1), e ENUM('a', 'b'), s SET('x', 'y')
);
INSERT INTO v VALUES (
  1, 1234.500, 42, 18446744073709551615, 0.1,
  '2024-02-29', '2024-02-29 13:45:01.123456', '2024-03-01 00:00:00', '-25:00:01', '838:59:59.500', 2024,
  x'00ff10', x'0001020304', '{"k": [1, 2.5, "é"]}', b'1000000001', b'1', 'b', 'x,y'
);
"""
# NUL (which PostgreSQL cannot store in text or jsonb) arrives from an expression, not a stored column.
TYPES_QUERY = "SELECT v.*, CHAR(97, 0, 98 USING utf8mb4) AS nul FROM v"

EXPECTED_VALUES = [
    1,
    1234.5,
    42,
    18446744073709551615,
    0.1,
    "2024-02-29",
    "2024-02-29T13:45:01.123456",
    "2024-03-01T00:00:00",
    "-25:00:01",
    "838:59:59.500",
    2024,
    "<3 bytes>",
    "<5 bytes>",
    '{"k": [1, 2.5, "é"]}',
    513,
    1,
    "b",
    "x,y",
    "a\ufffdb",
]


def test_mysql_types_become_json_safe_values(db, user, mysql_database):
    datasource = register(user, mysql_database(TYPES))
    result = executor.execute(datasource, TYPES_QUERY)
    assert result.rows == [EXPECTED_VALUES]
    assert json.loads(json.dumps(result.rows)) == result.rows


def test_direct_sql_turn_stores_json_safe_mysql_values(auth_client, db, user, mysql_database):
    datasource = register(user, mysql_database(TYPES))
    conversation = auth_client.post("/api/conversations/", {"datasource": datasource.pk}, format="json").json()
    response = auth_client.post(
        f"/api/conversations/{conversation['id']}/messages/",
        {"sql": TYPES_QUERY, "summarize": False},
        format="json",
    )
    assert response.status_code == 201, response.json()
    turn = response.json()
    assert turn["status"] == "ok" and turn["result"]["rows"] == [EXPECTED_VALUES]
    stored = auth_client.get(f"/api/messages/{turn['id']}/").json()
    assert stored["result"]["rows"] == [EXPECTED_VALUES]
