"""Adversarial SQL through the public executor: every attack is refused and the database stays unchanged.

SQLite cases check the file's checksum and that no file appears anywhere in the
datasource folder; PostgreSQL cases check row counts, the table list and that no
file was written. MySQL has no server here, so its cases exercise the guard in
the MySQL dialect directly.
"""

import hashlib
import os
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from datasources import executor, sql_guard
from datasources.errors import DatasourceError, GuardRejected, QueryTimeout

SQLITE_SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT, joined DATE);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), amount NUMERIC, placed TEXT);
INSERT INTO customers VALUES (1, '김민수', '서울', '2024-01-05'), (2, 'Alice', '부산', '2024-02-10'),
                             (3, 'Bob', '서울', '2024-03-01');
INSERT INTO orders VALUES (1, 1, 1000.5, '2024-04-01'), (2, 1, 250, '2024-04-03'), (3, 2, 75.25, '2024-05-01');
"""

PG_SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT, joined DATE);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), amount NUMERIC(10,2),
                     placed TIMESTAMP);
CREATE SEQUENCE order_seq;
INSERT INTO customers VALUES (1, '김민수', '서울', '2024-01-05'), (2, 'Alice', '부산', '2024-02-10'),
                             (3, 'Bob', '서울', '2024-03-01');
INSERT INTO orders VALUES (1, 1, 1000.5, '2024-04-01 10:00'), (2, 1, 250, '2024-04-03 11:30'),
                          (3, 2, 75.25, '2024-05-01 09:15');
"""

ENDLESS_CTE = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"

SQLITE_ATTACKS = [
    "DELETE FROM customers",
    "delete from customers where 1=1",
    "DROP TABLE customers",
    "INSERT INTO customers VALUES (9, 'x', 'y', '2024-01-01')",
    "UPDATE customers SET name = 'pwned'",
    "REPLACE INTO customers VALUES (1, 'x', 'y', 'z')",
    "INSERT OR REPLACE INTO customers VALUES (1, 'x', 'y', 'z')",
    "SELECT 1; DROP TABLE customers",
    "SELECT * FROM customers; DELETE FROM customers",
    "SeLeCt * FrOm customers; dElEtE fRoM customers",
    "SELECT 1 -- harmless\n; DELETE FROM customers",
    "/* just a comment */ DELETE FROM customers",
    "WITH x AS (SELECT 1) DELETE FROM customers",
    "ATTACH DATABASE 'evil.db' AS evil",
    "ATTACH 'file:evil.db?mode=rwc' AS evil",
    "SELECT 1; ATTACH 'evil.db' AS evil",
    "DETACH DATABASE main",
    "VACUUM INTO 'copy.db'",
    "VACUUM",
    "PRAGMA query_only = OFF",
    "PRAGMA writable_schema = ON",
    "pragma journal_mode = delete",
    "SELECT load_extension('/tmp/evil.so')",
    "select LOAD_EXTENSION('evil')",
    "SELECT writefile('evil.txt', 'data')",
    "SELECT * FROM pragma_table_info('customers')",
    "SELECT * FROM sqlite_dbpage",
    "CREATE TABLE evil AS SELECT * FROM customers",
    "CREATE TEMP TABLE evil AS SELECT 1",
    "CREATE TRIGGER t AFTER INSERT ON orders BEGIN DELETE FROM customers; END",
    "CREATE VIEW v AS SELECT 1",
    "BEGIN; DELETE FROM customers; COMMIT",
    "SAVEPOINT a",
    "REINDEX",
    "ANALYZE",
    "EXPLAIN DELETE FROM customers",
    "   ",
    ";",
    "-- only a comment",
    "SELECT 1\x00; DELETE FROM customers",
    "SELECT * FROM customers WHERE name = '' ; VACUUM",
    "ALTER TABLE customers RENAME TO gone",
]

PG_ATTACKS = [
    "DELETE FROM customers",
    "WITH x AS (DELETE FROM customers RETURNING *) SELECT * FROM x",
    "WITH x AS (UPDATE customers SET name = 'pwned' RETURNING *) SELECT count(*) FROM x",
    "WITH a AS (SELECT 1), b AS (INSERT INTO customers VALUES (9, 'x', 'y', NULL) RETURNING id) SELECT * FROM a",
    "SELECT 1; DROP TABLE customers",
    "SELECT * FROM customers; SELECT pg_sleep(10)",
    "COPY customers TO '/tmp/chatapi-pwned.csv'",
    "COPY (SELECT 1) TO PROGRAM 'touch /tmp/chatapi-pwned'",
    "COPY customers FROM PROGRAM 'id'",
    "SELECT set_config('statement_timeout', '0', false)",
    "SELECT pg_catalog.set_config('default_transaction_read_only', 'off', false)",
    "SELECT PG_CATALOG.PG_SLEEP(30)",
    'SELECT "pg_sleep"(30)',
    "SELECT pg_sleep_for('30 seconds')",
    "SELECT pg_read_file('/etc/passwd')",
    "SELECT pg_catalog.pg_ls_dir('.')",
    "SELECT pg_advisory_lock(1)",
    "SELECT pg_try_advisory_xact_lock(1)",
    "SELECT * FROM customers FOR UPDATE",
    "SELECT * FROM customers FOR SHARE NOWAIT",
    "SELECT * INTO evil FROM customers",
    "CREATE TABLE evil AS SELECT 1",
    "SET statement_timeout = 0",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE",
    "BEGIN; DELETE FROM customers; COMMIT",
    "SELECT lo_import('/etc/passwd')",
    "SELECT dblink_exec('dbname=postgres', 'DROP TABLE customers')",
    "SELECT query_to_xml('DELETE FROM customers RETURNING *', true, false, '')",
    "SELECT pg_terminate_backend(pg_backend_pid())",
    "SELECT nextval('order_seq')",
    "SELECT setval('order_seq', 100)",
    "SELECT * FROM pg_authid",
    "SELECT rolpassword FROM pg_catalog.pg_authid",
    "DO $$ BEGIN DELETE FROM customers; END $$",
    "PREPARE p AS DELETE FROM customers",
    "TRUNCATE customers",
    "ALTER ROLE postgres PASSWORD 'x'",
    "GRANT ALL ON customers TO PUBLIC",
    "LOCK TABLE customers",
    "VACUUM customers",
    "NOTIFY chan, 'x'",
    "SELECT pg_notify('chan', 'x')",
    "CALL do_something()",
    "SELECT current_setting('data_directory')",
    "select * from customers; commit; delete from customers",
    "SELECT http_get('http://169.254.169.254/latest/meta-data/')",
    "SELECT pg_stat_reset()",
    # Functions that run a query given as text, out of the guard's sight.
    "SELECT * FROM ts_stat('SELECT to_tsvector(pg_read_file(''/etc/hostname''))')",
    "SELECT * FROM pg_catalog.ts_stat('SELECT to_tsvector(name) FROM customers', 'a')",
    "SELECT word FROM TS_STAT('SELECT to_tsvector(pg_sleep(5)::text)')",
    "SELECT (ts_stat('SELECT to_tsvector(name) FROM customers')).word",
    "SELECT ts_rewrite('a'::tsquery, 'SELECT to_tsquery(pg_read_file(''/etc/hostname'')), ''b''::tsquery')",
    "SELECT pg_catalog.ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery')",
    "SELECT query_to_xmlschema('SELECT pg_read_file(''/etc/hostname'')', true, false, '')",
    "SELECT pg_catalog.query_to_xml_and_xmlschema('SELECT 1', true, false, '')",
    "SELECT cursor_to_xml('c', 1, true, false, '')",
    "SELECT cursor_to_xmlschema('c', true, false, '')",
    "SELECT table_to_xml('customers', true, false, '')",
    "SELECT pg_catalog.table_to_xmlschema('customers', true, false, '')",
    "SELECT schema_to_xml('public', true, false, '')",
    "SELECT schema_to_xml_and_xmlschema('public', true, false, '')",
    "SELECT database_to_xml(true, false, '')",
    "SELECT database_to_xmlschema(true, false, '')",
    "SELECT * FROM dblink('dbname=postgres', 'DELETE FROM customers RETURNING 1') AS t(x int)",
    "SELECT dblink_connect('dbname=postgres')",
    "SELECT crosstab('SELECT 1, 2, 3')",
    "SELECT cron.schedule('* * * * *', 'DELETE FROM customers')",
    # Files, large objects and server configuration.
    "SELECT pg_read_binary_file('/etc/passwd')",
    "SELECT pg_catalog.pg_read_file('/etc/passwd', 0, 100)",
    "SELECT pg_stat_file('/etc/passwd')",
    "SELECT pg_catalog.PG_STAT_FILE('postgresql.conf')",
    "SELECT * FROM pg_ls_logdir()",
    "SELECT * FROM pg_catalog.pg_ls_waldir()",
    "SELECT * FROM pg_hba_file_rules()",
    "SELECT * FROM pg_show_all_file_settings()",
    "SELECT pg_catalog.lo_export(1, '/tmp/chatapi-pwned')",
    "SELECT lo_get(1)",
    "SELECT lo_from_bytea(0, 'x')",
    "SELECT loread(lo_open(1, 262144), 100)",
]

MYSQL_ATTACKS = [
    "/*!50000 DROP TABLE customers */",
    "SELECT * FROM customers INTO OUTFILE '/tmp/x'",
    "SELECT * INTO @v FROM customers",
    "SELECT LOAD_FILE('/etc/passwd')",
    "SELECT SLEEP(10)",
    "SELECT `sleep`(10)",
    "SELECT BENCHMARK(100000000, MD5('x'))",
    "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE customers",
    "SELECT 1; DROP TABLE customers",
    "HANDLER customers OPEN",
    "SELECT GET_LOCK('a', 10)",
    "SELECT * FROM customers LOCK IN SHARE MODE",
    "SELECT * FROM customers FOR UPDATE",
    "DO SLEEP(5)",
    "SELECT * FROM mysql.user",
    "CALL p()",
    "SET GLOBAL max_execution_time = 0",
    "REPLACE INTO customers VALUES (1)",
    "INSERT INTO customers SELECT * FROM customers",
    "SHOW GRANTS",
]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _all_files() -> set[str]:
    root = Path(settings.DATASOURCE_SQLITE_DIR)
    return (
        {str(p) for p in root.rglob("*")}
        | {str(p) for p in Path.cwd().glob("evil*")}
        | {str(p) for p in Path.cwd().glob("copy.db")}
    )


@pytest.fixture
def sqlite_victim(sqlite_datasource, user):
    datasource = sqlite_datasource(user, SQLITE_SHOP, name="victim")
    path = Path(settings.DATASOURCE_SQLITE_DIR) / datasource.sqlite_path
    return datasource, path


@pytest.mark.parametrize("sql", SQLITE_ATTACKS)
def test_sqlite_attack_is_refused_and_file_unchanged(sqlite_victim, sql):
    datasource, path = sqlite_victim
    before_sha, before_files = _sha(path), _all_files()
    with pytest.raises(GuardRejected):
        executor.execute(datasource, sql)
    assert _sha(path) == before_sha
    assert _all_files() == before_files
    assert executor.execute(datasource, "SELECT count(*) FROM customers").rows == [[3]]


def test_sqlite_endless_recursive_cte_stops_at_the_timeout(sqlite_victim):
    datasource, path = sqlite_victim
    before = _sha(path)
    with pytest.raises(QueryTimeout):
        executor.execute(datasource, ENDLESS_CTE, timeout=0.5)
    assert _sha(path) == before


@pytest.fixture
def pg_victim(postgres_datasource, user):
    datasource = postgres_datasource(user, PG_SHOP, name="victim")
    conn = psycopg2.connect(
        host=datasource.host, port=datasource.port, dbname=datasource.database, user=datasource.username
    )
    conn.autocommit = True

    def snapshot():
        with conn.cursor() as cursor:
            cursor.execute("SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM orders)")
            counts = cursor.fetchone()
            cursor.execute("SELECT string_agg(name, ',' ORDER BY name) FROM customers")
            names = cursor.fetchone()
            cursor.execute(
                "SELECT array_agg(relname::text ORDER BY relname) FROM pg_class "
                "WHERE relnamespace = 'public'::regnamespace"
            )
            relations = cursor.fetchone()
            cursor.execute("SELECT last_value, is_called FROM order_seq")
            sequence = cursor.fetchone()
        return counts, names, relations, sequence

    yield datasource, snapshot
    conn.close()


@pytest.mark.postgres
@pytest.mark.parametrize("sql", PG_ATTACKS)
def test_postgres_attack_is_refused_and_database_unchanged(pg_victim, sql):
    datasource, snapshot = pg_victim
    before = snapshot()
    with pytest.raises(GuardRejected):
        executor.execute(datasource, sql, timeout=2)
    assert snapshot() == before
    assert not os.path.exists("/tmp/chatapi-pwned") and not os.path.exists("/tmp/chatapi-pwned.csv")


@pytest.mark.postgres
def test_every_catalog_function_that_runs_query_text_is_refused(pg_victim):
    # Ask the server which built-ins take a query or a cursor (an input argument so named) or dump tables as XML.
    datasource, _ = pg_victim
    conn = psycopg2.connect(
        host=datasource.host, port=datasource.port, dbname=datasource.database, user=datasource.username
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'pg_catalog' AND (pg_get_function_arguments(p.oid) ~ '(^|, )(query|cursor|sql) ' "
                "OR p.proname LIKE '%\\_to\\_xml%' OR p.prosrc LIKE '%rewrite\\_query%')"
            )
            names = {row[0] for row in cursor.fetchall()}
    finally:
        conn.close()
    assert {"ts_stat", "ts_rewrite", "query_to_xml", "cursor_to_xml", "database_to_xml"} <= names
    for name in sorted(names):
        for sql in (f"SELECT {name}(NULL)", f"SELECT * FROM pg_catalog.{name}(NULL)", f'SELECT "{name}"(NULL)'):
            with pytest.raises(GuardRejected):
                sql_guard.check(sql, "postgresql")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT cron.schedule('* * * * *', 'DELETE FROM t')",
        "SELECT CRON.schedule_in_database('j', '* * * * *', 'DELETE FROM t', 'db')",
        "SELECT mydb.cron.alter_job(1)",
        "SELECT * FROM cron.schedule('* * * * *', 'DELETE FROM t')",
    ],
)
def test_functions_in_the_cron_schema_are_refused(sql):
    with pytest.raises(GuardRejected):
        sql_guard.check(sql, "postgresql")


def test_reading_a_table_in_a_schema_named_like_a_denied_one_still_works():
    assert sql_guard.check("SELECT cron.jobid FROM cron.job", "postgresql") == "SELECT cron.jobid FROM cron.job"


@pytest.mark.postgres
def test_postgres_endless_recursive_cte_stops_at_the_timeout(pg_victim):
    datasource, snapshot = pg_victim
    before = snapshot()
    with pytest.raises(QueryTimeout):
        executor.execute(datasource, ENDLESS_CTE, timeout=0.5)
    assert snapshot() == before


@pytest.mark.parametrize("sql", MYSQL_ATTACKS)
def test_mysql_dialect_attack_is_refused(sql):
    with pytest.raises(GuardRejected):
        sql_guard.check(sql, "mysql")


def test_mysql_executable_comment_is_stripped_not_run():
    # MySQL runs the inside of /*! ... */; the guard regenerates the SQL without comments.
    assert sql_guard.check("SELECT id /*!, SLEEP(5) */ FROM customers", "mysql") == "SELECT id FROM customers"


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql", "mysql"])
@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM customers",
        "SELECT 1; SELECT 2",
        "WITH x AS (DELETE FROM customers RETURNING *) SELECT * FROM x",
        "SELECT * FROM (SELECT * FROM customers) AS s WHERE EXISTS (SELECT sleep(5))",
        "SELECT (SELECT pg_sleep(5))",
        "SELECT load_extension('x')",
    ],
)
def test_every_dialect_refuses_the_classics(dialect, sql):
    with pytest.raises(GuardRejected):
        sql_guard.check(sql, dialect)


def test_unknown_dialect_fails_closed():
    with pytest.raises(GuardRejected):
        sql_guard.check("SELECT 1", "oracle")


def test_refusals_say_why():
    with pytest.raises(GuardRejected) as info:
        sql_guard.check("SELECT 1; DROP TABLE customers", "sqlite")
    assert "one statement" in info.value.message
    with pytest.raises(GuardRejected) as info:
        sql_guard.check("SELECT pg_catalog.pg_sleep(1)", "postgresql")
    assert "pg_sleep" in info.value.message
    assert isinstance(info.value, DatasourceError) and info.value.code == "sql_rejected"
