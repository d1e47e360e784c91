"""The guard's rewriting: comments stripped, the row cap applied in SQL, dialect names mapped."""

import pytest

from datasources import sql_guard
from datasources.errors import GuardRejected


@pytest.mark.parametrize(
    "sql, expected",
    [
        ("SELECT * FROM t", "SELECT * FROM t LIMIT 101"),
        ("SELECT * FROM t LIMIT 5", "SELECT * FROM t LIMIT 5"),
        ("SELECT * FROM t LIMIT 5000", "SELECT * FROM t LIMIT 101"),
        ("SELECT 1 UNION SELECT 2", "SELECT 1 UNION SELECT 2 LIMIT 101"),
        (
            "SELECT * FROM t LIMIT 3 OFFSET 2",
            "SELECT * FROM (SELECT * FROM t LIMIT 3 OFFSET 2) AS chatapi_capped LIMIT 101",
        ),
        (
            "SELECT * FROM t FETCH FIRST 5000 ROWS ONLY",
            "SELECT * FROM (SELECT * FROM t FETCH FIRST 5000 ROWS ONLY) AS chatapi_capped LIMIT 101",
        ),
        ("SELECT * FROM t LIMIT ALL", "SELECT * FROM (SELECT * FROM t LIMIT ALL) AS chatapi_capped LIMIT 101"),
        ("(SELECT a FROM t ORDER BY a)", "SELECT a FROM t ORDER BY a LIMIT 101"),
    ],
)
def test_row_cap_is_applied_in_sql(sql, expected):
    assert sql_guard.apply_row_cap(sql_guard.check(sql, "postgresql"), "postgresql", 101) == expected


def test_check_strips_comments_and_keeps_meaning():
    sql = "-- top customers\nSELECT name /* the name */ FROM customers WHERE note = '-- not a comment'"
    assert sql_guard.check(sql, "sqlite") == "SELECT name FROM customers WHERE note = '-- not a comment'"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql", "postgres"])
def test_dialect_names(dialect):
    assert sql_guard.check("select 1", dialect) == "SELECT 1"


def test_parse_errors_fail_closed():
    with pytest.raises(GuardRejected) as info:
        sql_guard.check("SELECT FROM WHERE (", "postgresql")
    assert "could not be parsed" in info.value.message


def test_a_user_table_named_user_is_fine_on_mysql():
    assert sql_guard.check("SELECT id FROM user", "mysql") == "SELECT id FROM user"
    with pytest.raises(GuardRejected):
        sql_guard.check("SELECT authentication_string FROM mysql.user", "mysql")
