"""Attacks on the engine layer by a signed-up user: each asserts the wall time, that no statement or
worker keeps a core busy afterwards, the app process's peak memory, and that the database is unchanged.

`SQL_TIMEOUT_SECONDS` is 1 here, so every attack is bounded to a few seconds.
"""

import hashlib
import os
import time
import tracemalloc
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from datasources import executor, introspection
from datasources.engines import sqlite_process
from datasources.errors import GuardRejected, QueryFailed, QueryTimeout
from tests.fixtures.datasources import register_network_database

TIMEOUT = 1.0
# What an ask may add to the app process's memory besides RESULT_MAX_BYTES (README, "Limits").
FIXED_OVERHEAD = 8 * 1024 * 1024

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO customers VALUES (1, 'Alice'), (2, 'Bob');
"""

# One SQLite VM step each: the progress handler never runs while they do (hours of CPU if not killed).
SQLITE_ONE_STEP_ATTACKS = {
    "instr_near_miss": "SELECT instr(printf('%.*c', 3000000, 'a'), printf('%.*c', 300000, 'a') || 'b') AS i",
    "trim_long_set": "SELECT length(trim(printf('%.*c', 3000000, 'x'), printf('%.*c', 300000, 'y') || 'x')) AS n",
    "ltrim_long_set": "SELECT length(ltrim(printf('%.*c', 3000000, 'x'), printf('%.*c', 300000, 'y') || 'x')) AS n",
}


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.SQL_TIMEOUT_SECONDS = TIMEOUT
    settings.RESULT_MAX_BYTES = 1024 * 1024


def _children_cpu() -> dict[int, float]:
    """CPU seconds used so far by each live child process of this one (the SQLite workers)."""
    pids = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            pids |= {int(pid) for pid in (task / "children").read_text().split()}
        except OSError:
            continue
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            cpu[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return cpu


def assert_workers_idle() -> None:
    """No child process of the app is left using CPU (idle workers may wait for their next statement)."""
    before = _children_cpu()
    time.sleep(0.3)
    after = _children_cpu()
    busy = {pid: after[pid] - before.get(pid, 0) for pid in after if after[pid] - before.get(pid, 0) > 0.05}
    assert not busy, f"child processes still computing: {busy}"
    # The idle workers waiting for the next statement (and, for a moment, a spare being started).
    assert len(after) <= settings.SQLITE_IDLE_WORKERS + 1


def timed_peak(run):
    """(outcome, seconds, peak Python memory of this process) of `run()`; outcome is the result or the error."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        try:
            outcome = run()
        except (QueryFailed, QueryTimeout, GuardRejected) as exc:
            outcome = exc
        return outcome, time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def shop(sqlite_datasource, user):
    datasource = sqlite_datasource(user, SHOP)
    path = Path(settings.DATASOURCE_SQLITE_DIR) / datasource.sqlite_path
    return datasource, lambda: hashlib.sha256(path.read_bytes()).hexdigest()


# --- CPU -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SQLITE_ONE_STEP_ATTACKS))
def test_sqlite_single_step_functions_are_killed_at_the_deadline(shop, name):
    datasource, digest = shop
    before = digest()
    cpu_before = sqlite_process.stats["cpu_seconds"]
    outcome, seconds, _ = timed_peak(lambda: executor.execute(datasource, SQLITE_ONE_STEP_ATTACKS[name]))
    assert isinstance(outcome, QueryTimeout)
    assert seconds < TIMEOUT + 2
    # The worker that ran it is gone, and what it used is bounded by the deadline too.
    assert sqlite_process.stats["cpu_seconds"] - cpu_before < TIMEOUT + 2
    assert_workers_idle()
    assert digest() == before


def test_sqlite_statement_of_a_client_that_leaves_stops_at_once(shop):
    # A streamed ask whose client goes away closes the row iterator: the worker is killed then,
    # not when its statement would have ended.
    from datasources import engines

    datasource, _ = shop
    endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r"
    started = time.monotonic()
    with engines.stream_query(datasource, endless, timeout=30) as (_, rows):
        assert next(rows) == (1,)
    assert time.monotonic() - started < 2
    assert_workers_idle()


def test_sqlite_ordinary_queries_still_answer(shop):
    datasource, _ = shop
    result = executor.execute(datasource, "SELECT name FROM customers ORDER BY id")
    assert result.rows == [["Alice"], ["Bob"]] and not result.truncated


def test_sqlite_over_the_api_a_killed_statement_is_a_stored_timeout(auth_client, shop):
    datasource, digest = shop
    before = digest()
    conversation = auth_client.post("/api/conversations/", {"datasource": datasource.pk}, format="json").json()
    started = time.monotonic()
    response = auth_client.post(
        f"/api/conversations/{conversation['id']}/messages/",
        {"question": "count", "sql": SQLITE_ONE_STEP_ATTACKS["instr_near_miss"], "summarize": False},
        format="json",
    )
    assert time.monotonic() - started < TIMEOUT + 2
    assert response.status_code == 201, response.content
    assert response.json()["error"]["code"] == "sql_timeout"
    assert_workers_idle()
    assert digest() == before


# --- Memory --------------------------------------------------------------------------------------


def _wide(expression: str, columns: int) -> str:
    return "SELECT " + ", ".join(f"{expression} AS c{index}" for index in range(columns))


@pytest.mark.parametrize(
    "sql",
    [
        _wide("printf('%.*c', 4000000, 'x')", 40),  # about 160 MB in one row
        _wide("zeroblob(7000000)", 90),
        "SELECT zeroblob(1000000000)",
        # Many rows of large text: the worker stops sending at the byte budget.
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5000) "
        "SELECT n, printf('%.*c', 60000, 'x') AS pad FROM r",
    ],
    ids=["wide_text_row", "wide_blob_row", "huge_blob", "many_large_rows"],
)
def test_sqlite_peak_memory_stays_within_the_budget(shop, sql):
    datasource, digest = shop
    before = digest()
    outcome, seconds, peak = timed_peak(lambda: executor.execute(datasource, sql))
    assert peak < settings.RESULT_MAX_BYTES + FIXED_OVERHEAD
    assert seconds < TIMEOUT + 2
    if isinstance(outcome, executor.QueryResult):
        assert outcome.truncated or all(len(str(v)) < 70000 for row in outcome.rows for v in row)
    elif isinstance(outcome, QueryFailed):
        assert "too large" in outcome.message
    else:  # building the values took the whole deadline on a busy machine: stopped all the same
        assert isinstance(outcome, QueryTimeout)
    assert_workers_idle()
    assert digest() == before


def test_results_wider_than_the_column_cap_are_refused_before_a_row_is_fetched(shop, settings):
    datasource, _ = shop
    settings.RESULT_MAX_COLUMNS = 50
    with pytest.raises(QueryFailed, match="60 columns; at most 50"):
        executor.execute(datasource, _wide("1", 60))
    assert executor.execute(datasource, _wide("1", 50)).columns == [f"c{i}" for i in range(50)]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'abc' LIKE '" + "%a" * 600 + "' AS m",  # LIKE pattern longer than 1000
        "SELECT " + " + ".join(["1"] * 300) + " AS n",  # expression deeper than 200
        "SELECT max(" + ", ".join(["1"] * 120) + ") AS n",  # more than 100 function arguments
    ],
    ids=["like_pattern", "expression_depth", "function_arguments"],
)
def test_sqlite_connection_limits_refuse_costly_shapes(shop, sql):
    datasource, digest = shop
    before = digest()
    with pytest.raises(QueryFailed):
        executor.execute(datasource, sql)
    assert_workers_idle()
    assert digest() == before


# --- Parser limits -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT " + "(" * 400 + "1" + ")" * 400,
        "SELECT " + "CASE WHEN 1 THEN " * 300 + "1" + " END" * 300,
        "SELECT 1 FROM customers WHERE " + " OR ".join(f"id = {n}" for n in range(30000)),
    ],
    ids=["brackets", "case", "long"],
)
def test_sql_the_parser_cannot_handle_is_a_clean_rejection(auth_client, shop, sql):
    datasource, digest = shop
    before = digest()
    with pytest.raises(GuardRejected):
        executor.execute(datasource, sql)
    conversation = auth_client.post("/api/conversations/", {"datasource": datasource.pk}, format="json").json()
    response = auth_client.post(
        f"/api/conversations/{conversation['id']}/messages/",
        {"question": "deep", "sql": sql, "summarize": False},
        format="json",
    )
    assert response.status_code in (201, 400), response.content  # never a 500
    body = response.json()
    if response.status_code == 201:
        assert body["status"] == "rejected" and body["error"]["code"] == "sql_rejected", body
    else:
        assert body["detail"] and body["code"] and "errors" in body, body  # a validation error on the field
    assert digest() == before


# --- Introspection -------------------------------------------------------------------------------

SLOW_VIEWS = """
CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);
INSERT INTO notes VALUES (1, printf('%.*c', 5000000, 'n')), (2, printf('%.*c', 5000000, 'm'));
CREATE VIEW endless AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n AS v FROM r;
CREATE VIEW one_step AS SELECT instr(printf('%.*c', 3000000, 'a'), printf('%.*c', 300000, 'a') || 'b') AS v;
"""


def test_introspection_of_slow_views_and_huge_values_is_bounded(sqlite_datasource, user, settings):
    settings.DATASOURCE_INTROSPECTION_SECONDS = 6
    datasource = sqlite_datasource(user, SLOW_VIEWS)
    tables, seconds, peak = timed_peak(lambda: introspection.read_schema(datasource))
    assert seconds < settings.DATASOURCE_INTROSPECTION_SECONDS + 1
    by_name = {table.name: table for table in tables}
    assert set(by_name) == {"notes", "endless", "one_step"}
    body = by_name["notes"].columns[1]
    assert body.samples and all(len(sample) <= introspection.SAMPLE_MAX_CHARS for sample in body.samples)
    assert peak < 4 * 1024 * 1024  # two 5 MB values were read, cut before they reached this process
    assert_workers_idle()


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def pg(postgres_database, user, db):
    info = postgres_database(
        "CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers VALUES (1, 'A');"
    )
    datasource = register_network_database(user, info, engine="postgresql", name="pg")

    def admin(sql: str, database: str | None = None):
        conn = psycopg2.connect(
            host=info["host"], port=info["port"], user=info["username"], dbname=database or info["database"]
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall() if cursor.description else None
        finally:
            conn.close()

    return datasource, info, admin


def _pg_running(admin, database: str) -> list:
    """Statements of the app (application_name chatAPI) still active on the server."""
    return admin(
        "SELECT query FROM pg_stat_activity WHERE application_name = 'chatAPI' AND state <> 'idle' "
        f"AND datname = '{database}'"
    )


@pytest.mark.postgres
def test_postgres_cpu_stops_at_the_deadline(pg):
    datasource, info, admin = pg
    outcome, seconds, _ = timed_peak(
        lambda: executor.execute(datasource, "SELECT count(*) FROM generate_series(1, 10000000000) AS g")
    )
    assert isinstance(outcome, QueryTimeout) and seconds < TIMEOUT + 2
    assert _pg_running(admin, info["database"]) == []


@pytest.mark.postgres
def test_postgres_wide_rows_are_capped_per_column_before_they_are_sent(pg):
    datasource, info, admin = pg
    sql = _wide("repeat('x', 400000)", 30) + ", decode(repeat('ab', 3000000), 'hex') AS b"
    outcome, seconds, peak = timed_peak(lambda: executor.execute(datasource, sql))
    assert isinstance(outcome, executor.QueryResult), outcome
    assert peak < settings.RESULT_MAX_BYTES + FIXED_OVERHEAD
    row = outcome.rows[0]
    assert all(len(value) <= settings.RESULT_MAX_BYTES // 31 for value in row[:-1])
    assert row[-1] == "<3000000 bytes>"
    assert admin("SELECT count(*) FROM customers") == [(1,)]


@pytest.mark.postgres
def test_postgres_many_large_rows_stop_at_the_byte_budget(pg):
    datasource, _, _ = pg
    sql = "SELECT g, repeat('y', 20000) AS pad FROM generate_series(1, 5000) AS g"
    outcome, seconds, peak = timed_peak(lambda: executor.execute(datasource, sql))
    assert outcome.truncated and 0 < outcome.row_count < 1000
    assert peak < settings.RESULT_MAX_BYTES + FIXED_OVERHEAD


@pytest.mark.postgres
def test_postgres_backslash_quote_trick_cannot_smuggle_statements(pg):
    # sqlglot reads '...' with standard_conforming_strings=on; a server set otherwise read the first
    # string as ending later, and the rest (a commit and a write) used to run.
    datasource, info, admin = pg
    admin(f'ALTER DATABASE "{info["database"]}" SET standard_conforming_strings = off')
    sql = "SELECT 'x\\', '; COMMIT; BEGIN READ WRITE; CREATE TABLE pwned (i int); --' AS z"
    try:
        outcome = executor.execute(datasource, sql)
        assert outcome.rows == [["x\\", "; COMMIT; BEGIN READ WRITE; CREATE TABLE pwned (i int); --"]]
    except (QueryFailed, GuardRejected):
        pass
    assert admin("SELECT to_regclass('public.pwned') IS NULL") == [(True,)]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT query FROM pg_stat_activity",
        "SELECT * FROM pg_catalog.pg_stat_activity",
        "SELECT setting FROM pg_settings WHERE name = 'data_directory'",
        "SELECT sourcefile FROM pg_file_settings",
        "SELECT * FROM pg_stat_get_activity(NULL)",
        "SELECT current_setting('data_directory')",
        "SELECT * FROM pg_hba_file_rules",
        "SELECT * FROM pg_config",
        "SELECT inet_server_addr()",
        "SELECT * FROM pg_locks",
        "SELECT * FROM pg_statio_user_tables",
    ],
)
def test_postgres_catalog_of_other_sessions_and_the_server_is_refused(pg, sql):
    datasource, _, _ = pg
    with pytest.raises(GuardRejected):
        executor.execute(datasource, sql)


@pytest.mark.postgres
def test_postgres_introspection_cuts_comments_and_samples(pg, settings):
    datasource, info, admin = pg
    admin(
        "CREATE TABLE notes (id int PRIMARY KEY, body text);"
        "INSERT INTO notes VALUES (1, repeat('n', 20000000)), (2, repeat('m', 20000000));"
        "COMMENT ON TABLE notes IS '" + "c" * 100000 + "';"
    )
    tables, seconds, peak = timed_peak(lambda: introspection.read_schema(datasource))
    notes = {table.name: table for table in tables}["notes"]
    assert len(notes.comment) == introspection.DESCRIPTION_MAX_CHARS
    assert notes.columns[1].samples == ["m" * 80, "n" * 80]
    assert peak < 4 * 1024 * 1024


# --- MariaDB -------------------------------------------------------------------------------------


@pytest.fixture
def maria(mysql_database, user, db):
    info = mysql_database(
        "CREATE TABLE customers (id INT PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'A');"
        "CREATE TABLE digits (d INT); INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);"
    )
    return register_network_database(user, info, engine="mysql", name="maria"), info


def _maria_running(info) -> list:
    conn = info["admin"]()
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT info FROM information_schema.processlist WHERE db = %s AND command = 'Query' "
                "AND id <> CONNECTION_ID()",
                [info["database"]],
            )
            return list(cursor.fetchall())
    finally:
        conn.close()


@pytest.mark.mysql
def test_mariadb_cpu_stops_at_the_deadline(maria):
    datasource, info = maria
    sql = "SELECT COUNT(*) FROM " + ", ".join(f"digits d{n}" for n in range(11))
    outcome, seconds, _ = timed_peak(lambda: executor.execute(datasource, sql))
    assert isinstance(outcome, QueryTimeout) and seconds < TIMEOUT + 2
    time.sleep(0.3)
    assert _maria_running(info) == []


@pytest.mark.mysql
def test_mariadb_wide_rows_are_capped_per_column_before_they_are_sent(maria):
    datasource, info = maria
    sql = _wide("REPEAT('x', 400000)", 30) + ", UNHEX(REPEAT('ab', 3000000)) AS b"
    outcome, seconds, peak = timed_peak(lambda: executor.execute(datasource, sql))
    assert isinstance(outcome, executor.QueryResult), outcome
    assert peak < settings.RESULT_MAX_BYTES + FIXED_OVERHEAD
    row = outcome.rows[0]
    assert all(len(value) <= settings.RESULT_MAX_BYTES // 31 for value in row[:-1])
    assert row[-1] == "<3000000 bytes>"
    assert _maria_running(info) == []


@pytest.mark.mysql
def test_mariadb_many_large_rows_stop_at_the_byte_budget(maria):
    datasource, _ = maria
    sql = "SELECT a.d, REPEAT('y', 20000) AS pad FROM digits a, digits b, digits c"
    outcome, seconds, peak = timed_peak(lambda: executor.execute(datasource, sql))
    assert outcome.truncated and 0 < outcome.row_count < 1000
    assert peak < settings.RESULT_MAX_BYTES + FIXED_OVERHEAD


@pytest.mark.mysql
def test_mariadb_sql_modes_that_change_the_parse_are_taken_out(maria):
    # With NO_BACKSLASH_ESCAPES or ANSI_QUOTES the server would read string literals differently
    # from the guard: the session runs without them, whatever the server sets.
    datasource, info = maria
    conn = info["admin"]()
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT @@GLOBAL.sql_mode")
            before = cursor.fetchone()[0]
            cursor.execute("SET GLOBAL sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES,PIPES_AS_CONCAT'")
        result = executor.execute(datasource, "SELECT 'x\\\\' AS a, \"y\" AS b, 1 || 0 AS c")
        assert result.rows == [["x\\", "y", 1]]
    finally:
        with conn.cursor() as cursor:
            cursor.execute("SET GLOBAL sql_mode = %s", [before])
        conn.close()
    assert _maria_running(info) == []


@pytest.mark.mysql
@pytest.mark.parametrize(
    "sql",
    [
        "SELECT info FROM information_schema.processlist",
        "SELECT info FROM INFORMATION_SCHEMA.PROCESSLIST",
        "SELECT * FROM performance_schema.threads",
        "SELECT sql_text FROM performance_schema.events_statements_current",
        "SELECT * FROM sys.processlist",
        "SELECT * FROM mysql.proc",
        "SELECT * FROM information_schema.global_variables",
    ],
)
def test_mariadb_process_list_and_server_bookkeeping_are_refused(maria, sql):
    datasource, _ = maria
    with pytest.raises(GuardRejected):
        executor.execute(datasource, sql)
