"""Analytic SQL a user or the model would write still runs through the guard on SQLite and PostgreSQL."""

import pytest

from datasources import executor, sql_guard

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT, joined DATE);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), amount NUMERIC(10,2),
                     placed DATE);
INSERT INTO customers VALUES (1, '김민수', '서울', '2024-01-05'), (2, 'Alice', '부산', '2024-02-10'),
                             (3, 'Bob', '서울', '2024-03-01');
INSERT INTO orders VALUES (1, 1, 1000.5, '2024-04-01'), (2, 1, 250, '2024-04-03'), (3, 2, 75.25, '2024-05-01'),
                          (4, 3, 20, '2024-05-20');
"""

# (sql for sqlite, sql for postgresql, expected rows)
CASES = [
    (
        "SELECT c.region, SUM(o.amount) AS total FROM customers c JOIN orders o ON o.customer_id = c.id "
        "GROUP BY c.region ORDER BY total DESC",
        None,
        [["서울", 1270.5], ["부산", 75.25]],
    ),
    (
        "WITH totals AS (SELECT customer_id, SUM(amount) AS s FROM orders GROUP BY customer_id) "
        "SELECT c.name, t.s FROM totals t JOIN customers c ON c.id = t.customer_id WHERE t.s > 50 ORDER BY t.s",
        None,
        [["Alice", 75.25], ["김민수", 1250.5]],
    ),
    (
        "SELECT id, amount, RANK() OVER (ORDER BY amount DESC) AS r, "
        "SUM(amount) OVER (PARTITION BY customer_id ORDER BY id) AS running FROM orders ORDER BY id",
        None,
        [[1, 1000.5, 1, 1000.5], [2, 250, 2, 1250.5], [3, 75.25, 3, 75.25], [4, 20, 4, 20]],
    ),
    (
        "WITH RECURSIVE days(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM days WHERE n < 5) SELECT SUM(n) FROM days",
        None,
        [[15]],
    ),
    ("SELECT name FROM customers WHERE name LIKE 'A%' OR region LIKE '%울'", None, [["김민수"], ["Alice"], ["Bob"]]),
    (
        "SELECT strftime('%Y-%m', placed) AS month, COUNT(*) FROM orders GROUP BY month ORDER BY month",
        "SELECT to_char(date_trunc('month', placed), 'YYYY-MM') AS month, COUNT(*) FROM orders GROUP BY month "
        "ORDER BY month",
        [["2024-04", 2], ["2024-05", 2]],
    ),
    (
        "SELECT COUNT(*) FROM orders WHERE placed >= date('2024-04-01', '+30 days')",
        "SELECT COUNT(*) FROM orders WHERE placed >= DATE '2024-04-01' + INTERVAL '30 days'",
        [[2]],
    ),
    (
        "SELECT region FROM customers UNION SELECT 'x' ORDER BY 1",
        None,
        [["x"], ["부산"], ["서울"]],
    ),
    (
        "SELECT name, CASE WHEN id IN (SELECT customer_id FROM orders WHERE amount > 100) THEN 'big' ELSE 'small' END "
        "FROM customers ORDER BY id",
        None,
        [["김민수", "big"], ["Alice", "small"], ["Bob", "small"]],
    ),
    (
        "SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id HAVING COUNT(*) > 1",
        None,
        [[1, 2]],
    ),
    ("SELECT COALESCE(NULL, region) FROM customers WHERE id = 2 LIMIT 5", None, [["부산"]]),
    ("SELECT id FROM orders ORDER BY id LIMIT 2 OFFSET 1", None, [[2], [3]]),
    ("-- the top customer\nSELECT name FROM customers /* by id */ WHERE id = 1;", None, [["김민수"]]),
]


@pytest.mark.parametrize("sqlite_sql, _pg, expected", CASES)
def test_legit_sql_runs_on_sqlite(sqlite_datasource, user, sqlite_sql, _pg, expected):
    datasource = sqlite_datasource(user, SHOP)
    assert executor.execute(datasource, sqlite_sql).rows == expected


@pytest.mark.postgres
def test_legit_sql_runs_on_postgres(postgres_datasource, user):
    datasource = postgres_datasource(user, SHOP)
    for sqlite_sql, pg_sql, expected in CASES:
        assert executor.execute(datasource, pg_sql or sqlite_sql).rows == expected, pg_sql or sqlite_sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT `name`, COUNT(*) FROM `customers` GROUP BY `name` ORDER BY 2 DESC LIMIT 10",
        "SELECT DATE_FORMAT(placed, '%Y-%m') AS m, SUM(amount) FROM orders GROUP BY m",
        "WITH RECURSIVE c (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3) SELECT n FROM c",
        "SELECT name FROM customers WHERE name LIKE '%kim%' AND joined > NOW() - INTERVAL 30 DAY",
    ],
)
def test_legit_mysql_sql_passes_the_guard(sql):
    assert sql_guard.check(sql, "mysql").upper().startswith(("SELECT", "WITH"))
