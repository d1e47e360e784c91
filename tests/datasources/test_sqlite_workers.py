"""SQLite worker processes are kept between statements: what a reused worker still guarantees.

A statement runs in a worker process (datasources/engines/sqlite_worker.py); a worker that answered
its whole statement waits for the next one instead of a new interpreter starting per query. These
tests hold the pool to the same bounds a fresh process had: the deadline, its own self-limits, one
connection per statement, and at most `SQLITE_IDLE_WORKERS` idle per API process.
"""

import marshal
import threading
import time
from pathlib import Path

import pytest

from datasources import executor
from datasources.engines import sqlite_process
from datasources.engines.sqlite import sqlite_uri
from datasources.errors import QueryFailed, QueryTimeout
from tests.datasources.test_hardening import SQLITE_ONE_STEP_ATTACKS, _children_cpu

TIMEOUT = 1.0
SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
INSERT INTO customers VALUES (1, 'Alice'), (2, 'Bob');
"""
STOCK = """
CREATE TABLE items (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
INSERT INTO items VALUES (1, 'bolt');
"""


@pytest.fixture(autouse=True)
def _short_timeout(settings):
    settings.SQL_TIMEOUT_SECONDS = TIMEOUT


@pytest.fixture
def shop(sqlite_datasource, user):
    return sqlite_datasource(user, SHOP)


def _idle_pids() -> set[int]:
    with sqlite_process._idle_lock:
        return {child.process.pid for child in sqlite_process._idle}


def _settle() -> None:
    """Wait for a background spare that may be starting, so counts below are stable."""
    deadline = time.monotonic() + 5
    while sqlite_process._refilling and time.monotonic() < deadline:
        time.sleep(0.01)


def test_statements_in_a_row_reuse_one_worker(shop):
    executor.execute(shop, "SELECT 1")
    _settle()
    started = sqlite_process.stats["started"]
    for _ in range(20):
        assert executor.execute(shop, "SELECT name FROM customers ORDER BY id").rows == [["Alice"], ["Bob"]]
    _settle()
    # A new interpreter per statement would have started 20.
    assert sqlite_process.stats["started"] - started <= 1


def test_each_statement_opens_its_own_connection(shop, sqlite_datasource, user):
    stock = sqlite_datasource(user, STOCK, name="stock")
    assert executor.execute(shop, "SELECT name FROM customers WHERE id = 1").rows == [["Alice"]]
    # The same worker, another file: the first file's tables are not there.
    with pytest.raises(QueryFailed):
        executor.execute(stock, "SELECT name FROM customers")
    assert executor.execute(stock, "SELECT label FROM items").rows == [["bolt"]]


@pytest.mark.parametrize("name", ["instr_near_miss"])
def test_a_reused_worker_is_still_killed_at_the_deadline_and_not_kept(shop, name):
    for _ in range(3):
        executor.execute(shop, "SELECT 1")
    reused = _idle_pids()
    assert reused
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        executor.execute(shop, SQLITE_ONE_STEP_ATTACKS[name])
    assert time.monotonic() - started < TIMEOUT + 2
    _settle()
    # The worker that ran it is gone (not back among the idle ones), and the next query is answered.
    live = set(_children_cpu())
    assert not (reused - _idle_pids()) & live
    assert executor.execute(shop, "SELECT count(*) FROM customers").rows == [[2]]


def test_a_worker_whose_parent_stops_reading_still_ends_by_itself_on_its_second_statement(shop, settings):
    # The parent normally kills a worker at the deadline; the worker's own alarm and CPU limit are the
    # backstop when the parent is gone. They are set again for every statement a worker runs.
    child = sqlite_process.Child(sqlite_process._spawn())
    request = {
        "uri": sqlite_uri(Path(settings.DATASOURCE_SQLITE_DIR) / shop.sqlite_path),
        "timeout": TIMEOUT,
        "limits": {},
        "heap_limit": 64 * 1024 * 1024,
        "max_memory": 1024 * 1024 * 1024,
        "max_bytes": 1024 * 1024,
        "max_columns": 100,
        "value_max_chars": 1000,
        "denied_functions": [],
        "idle_exit_seconds": 60.0,
    }
    try:
        for sql in ("SELECT 1", SQLITE_ONE_STEP_ATTACKS["instr_near_miss"]):
            data = marshal.dumps({**request, "sql": sql})
            child.process.stdin.write(sqlite_process._HEADER.pack(len(data)) + data)
            child.process.stdin.flush()
        started = time.monotonic()
        child.process.wait(timeout=TIMEOUT + 5)
        # SIGALRM (wall time) or SIGXCPU (CPU) ended it, with nobody reading or killing.
        assert child.process.returncode < 0
        assert time.monotonic() - started < TIMEOUT + 4
    finally:
        sqlite_process._retire(child)


def test_an_abandoned_result_takes_its_worker_with_it(shop):
    from datasources import engines

    endless = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT n FROM r"
    with engines.stream_query(shop, endless, timeout=30) as (_, rows):
        assert next(rows) == (1,)
        pid = next(iter(set(_children_cpu()) - _idle_pids()), None)
    _settle()
    assert pid not in _children_cpu() and pid not in _idle_pids()
    assert executor.execute(shop, "SELECT 1 AS one").rows == [[1]]


def test_no_more_than_the_setting_stay_idle(shop, settings):
    settings.SQLITE_IDLE_WORKERS = 2
    slow = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 300000) SELECT max(n) FROM r"
    errors = []

    def run():
        try:
            assert executor.execute(shop, slow).rows == [[300000]]
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _settle()
    assert not errors
    assert len(_idle_pids()) <= 2
    # The others were reaped: no child of this process is left but the idle ones.
    assert set(_children_cpu()) <= _idle_pids()


def test_a_worker_left_holding_much_memory_is_not_kept(shop, monkeypatch):
    executor.execute(shop, "SELECT 1")
    _settle()
    kept = _idle_pids()
    assert kept
    # Below what any worker holds: the next statement's worker goes instead of back among the idle ones.
    monkeypatch.setattr(sqlite_process, "KEEP_MAX_RSS_BYTES", 1024 * 1024)
    assert executor.execute(shop, "SELECT count(*) FROM customers").rows == [[2]]
    _settle()
    # The worker that ran it was killed and reaped; an idle one that did not run it still waits.
    gone = kept - _idle_pids()
    assert len(gone) == 1 and not (gone & set(_children_cpu()))


def test_idle_workers_end_by_themselves_after_a_burst(shop, monkeypatch):
    # With no further queries, nothing in this process looks at its idle workers again: each worker
    # ends itself once it has waited half as long again as the parent would still hand it a statement.
    monkeypatch.setattr(sqlite_process, "IDLE_SECONDS", 0.5)
    with sqlite_process._idle_lock:
        before = {child: child.statements for child in sqlite_process._idle}
    assert executor.execute(shop, "SELECT 1 AS one").rows == [[1]]
    _settle()
    with sqlite_process._idle_lock:
        # The worker that ran it (earlier idle ones were told their own, longer, idle time).
        used = [child for child in sqlite_process._idle if child.statements > before.get(child, 0)]
    assert len(used) == 1
    deadline = time.monotonic() + 5
    while used[0].process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert used[0].process.returncode == 0
    # The next statement is not handed to it: a live worker answers.
    assert executor.execute(shop, "SELECT 2 AS two").rows == [[2]]


def test_a_result_read_only_up_to_the_row_cap_keeps_its_worker(shop, settings):
    # The executor stops reading at the row cap (the SQL asks for one row past it); the worker's
    # last frame is read then, and the worker kept, instead of it being killed mid-answer.
    settings.RESULT_MAX_ROWS = 1
    executor.execute(shop, "SELECT 1")
    _settle()
    with sqlite_process._idle_lock:
        before = {child: child.statements for child in sqlite_process._idle}
    for _ in range(5):
        result = executor.execute(shop, "SELECT name FROM customers ORDER BY id")
        assert result.rows == [["Alice"]] and result.truncated
    _settle()
    with sqlite_process._idle_lock:
        served = [child.statements - before.get(child, 0) for child in sqlite_process._idle]
    # One worker answered all five, each time taken back idle.
    assert 5 in served


def test_a_worker_serves_only_statements_with_its_heap_limit(shop):
    # SQLite's heap limit can be lowered in a process, never raised: a worker that ran under one
    # limit is not handed a statement that needs another (it would fail there for no reason).
    from datasources.engines import run_query, stream_query
    from datasources.engines.base import Budget
    from datasources.engines.sqlite import heap_limit

    run_query(shop, "SELECT 1", fetch_limit=1)
    _settle()
    with sqlite_process._idle_lock:
        small = [child for child in sqlite_process._idle if child.statements]
    assert small and small[0].heap_limit == heap_limit(Budget.from_settings())
    bigger = Budget.from_settings(max_bytes=64 * 1024 * 1024)
    assert heap_limit(bigger) > small[0].heap_limit
    statements = small[0].statements
    with stream_query(shop, "SELECT name FROM customers ORDER BY id", budget=bigger) as (_, rows):
        assert [row[0] for row in rows] == ["Alice", "Bob"]
    assert small[0].statements == statements
