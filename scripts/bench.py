"""Performance benchmarks on the `make serve` stack (nginx + uWSGI, DEBUG=false), against DESIGN.md §10.

`make bench` runs this. It starts scripts/serve.py on free loopback ports with
its own var dir and an in-process fake LLM, then measures, in one run:

- history list vs the minimal authenticated endpoint: requests/s, p50/p99, ratio
  (`GET /api/conversations/`, 20 per page, a user with 2,000 conversations;
  `GET /api/auth/user/`);
- SQL queries per list request at two page sizes (history and message lists);
- server overhead of one ask with a zero-latency LLM (p50/p99);
- 32 concurrent asks against a 1-second LLM: efficiency = ideal / actual time
  (the median of five waves after a first, cold one reported on its own), and a
  login measured during each wave;
- time and peak memory of a capped query over a 1,000,000-row SQLite table
  through `datasources.executor.execute`;
- the same stack as two API nodes behind nginx (`make serve NODES=2`, on the
  same database, with a Redis cache): list throughput with twice the clients,
  its ratio to one node's, and the same wave of asks across both nodes;
- verified examples: retrieval cost per ask with 2,000 examples on the datasource,
  and the ask overhead with them (scripts/bench_examples.py).

It prints a table and writes JSON to var/bench/. Nothing timed is asserted.
The app database follows DATABASE_URL as `make serve` does (SQLite by default;
run under scripts/with-postgres.sh with CHATAPI_APP_DB=postgres for PostgreSQL).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import secrets
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_examples import EXAMPLES_ON_DATASOURCE, examples_rows, examples_section  # noqa: E402

from tests.deploy.stack import Stack, make_stack  # noqa: E402

OUT_DIR = ROOT / "var" / "bench"
BIG_TABLE_ROWS = 1_000_000
BIG_DB_NAME = "bench_million.sqlite3"
SECTIONS = ("list", "queries", "asks", "million", "nodes", "examples")
UWSGI_PIDFILES: list[Path] = []  # the uWSGI masters of the stack being measured, set once it runs


# --- the fake LLM, in its own process so it never competes with the load generator for a GIL ---------

FAKE_LLM_PROCESS = r"""
import sys
from tests.fake_llm import FakeLLM
fake = FakeLLM().start()
print(fake.base_url, flush=True)
for line in sys.stdin:
    command, _, value = line.strip().partition(" ")
    if command == "latency":
        fake.latency = float(value)
    elif command == "reset":
        fake.reset()
    elif command == "count":
        pass
    print(len(fake.requests), flush=True)
fake.stop()
"""


class FakeLLMProcess:
    """tests.fake_llm's server in a subprocess, driven over stdin: latency, reset, request count."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", FAKE_LLM_PROCESS],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = self.proc.stdout.readline().strip()

    def _send(self, line: str) -> int:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def set_latency(self, seconds: float) -> None:
        """Seconds the fake LLM waits before every reply from now on."""
        self._send(f"latency {seconds}")

    def reset(self) -> None:
        """Forget recorded requests; latency back to zero."""
        self._send("reset")

    def count(self) -> int:
        """Requests received since the last reset."""
        return self._send("count")

    def stop(self) -> None:
        """Stop the server process."""
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- measuring ---------------------------------------------------------------------------


def _proc_stats() -> dict[int, list[str]]:
    """Every process's /proc/<pid>/stat fields after the command name."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
    return found


def process_cpu_seconds(master_pid_files: list[Path]) -> float:
    """CPU time (user + system) of master processes and everything under them, from /proc.

    That is the uWSGI workers and their SQLite worker processes, live (their own
    time) or already reaped (in their parent's children time).
    """
    try:
        masters = {int(path.read_text().strip()) for path in master_pid_files}
    except (OSError, ValueError):
        return float("nan")
    stats = _proc_stats()
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid, fields in stats.items():
        ancestor, hops = pid, 0
        while ancestor not in masters and ancestor in stats and hops < 4:
            ancestor, hops = int(stats[ancestor][1]), hops + 1
        if ancestor in masters:
            total += sum(int(value) for value in fields[11:15]) / tick
    return total


def pid_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of one process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return sum(int(value) for value in fields[11:13]) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds the machine's cores spent on its own work (user, nice, system, irq, softirq), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq = (
        int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
    )
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


# --- measuring (HTTP) ---------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """The `pct` percentile of `values` (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values_s: list[float]) -> dict:
    """Count, p50 and p99 in milliseconds of durations given in seconds."""
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 1), "p99_ms": round(percentile(ms, 99), 1)}


def load(url: str, token: str, *, requests_total: int, concurrency: int) -> dict:
    """`requests_total` GETs of `url` from `concurrency` keep-alive clients; throughput and latency."""
    per_thread = requests_total // concurrency
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def worker() -> None:
        """One keep-alive client issuing its share of the requests."""
        nonlocal errors
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        mine, bad = [], 0
        for _ in range(per_thread):
            t0 = time.perf_counter()
            response = session.get(url, timeout=30)
            mine.append(time.perf_counter() - t0)
            bad += response.status_code != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    # Warm every worker process and connection first.
    warm = requests.Session()
    warm.headers["Authorization"] = f"Bearer {token}"
    for _ in range(20):
        warm.get(url, timeout=30)
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    return {"rps": round(len(latencies) / wall, 1), "errors": errors, **summary_ms(latencies)}


# --- setting up data in the stack's database ------------------------------------------------


def django_setup(env: dict[str, str]) -> None:
    """Set Django up in this process against the stack's database and secrets."""
    for key in ("DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "DATASOURCE_SQLITE_DIR", "STATIC_ROOT"):
        os.environ[key] = env[key]
    os.environ["DEBUG"] = "false"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatAPI.settings"
    import django

    django.setup()


def bench_user(email: str):
    """A user with an access token valid for the whole run."""
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User

    user = User.objects.create_user(email=email, password="correct-horse-battery-9", nickname="Bench")
    return user, str(RefreshToken.for_user(user).access_token)


def some_datasource():
    """A demo datasource when seed_demo ran, else a placeholder row (list benchmarks never connect)."""
    from datasources.models import DataSource

    demo = DataSource.objects.filter(is_demo=True).order_by("id").first()
    if demo:
        return demo, True
    return DataSource.objects.create(name="bench", engine="sqlite", sqlite_path="bench.sqlite3", is_demo=True), False


def create_history(user, datasource, *, conversations: int, messages_each: int) -> None:
    """`conversations` conversations with `messages_each` stored turns each, in bulk."""
    from chat.models import Conversation, Message

    Conversation.objects.bulk_create(
        [Conversation(owner=user, datasource=datasource, title=f"Question {i}") for i in range(conversations)],
        batch_size=500,
    )
    ids = list(Conversation.objects.filter(owner=user).values_list("id", flat=True))
    Message.objects.bulk_create(
        [
            Message(
                conversation_id=cid,
                question=f"How many orders in month {m}?",
                sql="SELECT COUNT(*) AS count FROM orders",
                status="ok",
                columns=["count"],
                rows=[[42]],
                row_count=1,
                summary="The query returned 1 row.",
            )
            for cid in ids
            for m in range(messages_each)
        ],
        batch_size=1000,
    )
    from chat.services import conversation_recount

    conversation_recount(Conversation.objects.filter(owner=user))


def settle_bulk_writes() -> None:
    """After the bulk inserts, on PostgreSQL: VACUUM ANALYZE, as autovacuum would do within a minute.

    Freshly inserted rows are not yet marked all-visible, so until then a count over a user's
    2,000 conversations reads every row from the table instead of the index alone.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def query_counts(token: str, paths: dict[str, str]) -> dict:
    """SQL queries per request, in-process with the same settings and database."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    counts = {}
    for label, path in paths.items():
        client.get(path)  # warm caches (content types, throttles) once
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        counts[label] = {"status": response.status_code, "queries": len(ctx.captured_queries)}
    return counts


# --- asks -----------------------------------------------------------------------------------------


def new_conversation(session: requests.Session, api: str, datasource_id: int) -> int:
    """A new conversation on `datasource_id`; returns its id."""
    response = session.post(f"{api}/api/conversations/", json={"datasource": datasource_id}, timeout=30)
    response.raise_for_status()
    return response.json()["id"]


def ask(session: requests.Session, api: str, conversation_id: int, question: str) -> tuple[requests.Response, float]:
    """One question through nginx; the response and its wall-clock seconds."""
    t0 = time.perf_counter()
    response = session.post(
        f"{api}/api/conversations/{conversation_id}/messages/", json={"question": question}, timeout=120
    )
    return response, time.perf_counter() - t0


def ask_overhead(api: str, token: str, datasource_id: int, llm: FakeLLMProcess, *, asks: int) -> dict:
    """Sequential asks with a zero-latency LLM.

    Reports the wall clock through nginx, the turn's stored `total_ms`, the
    server overhead (`total_ms - llm_ms`: context, guard, query, storing) and the
    wall clock minus `llm_ms` (adds HTTP, auth, request parsing and serialising).
    """
    llm.reset()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    wall, total, overhead, wall_overhead, statuses = [], [], [], [], {}
    conversation = new_conversation(session, api, datasource_id)
    for i in range(asks + 5):
        if i % 10 == 0:
            conversation = new_conversation(session, api, datasource_id)
        if i == 5:
            cpu_before = process_cpu_seconds(UWSGI_PIDFILES)
        response, seconds = ask(session, api, conversation, "How many rows are there?")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        if i < 5 or response.status_code != 201:
            continue  # warm-up
        timings = response.json().get("timings") or {}
        wall.append(seconds)
        total.append((timings.get("total_ms") or 0) / 1000)
        overhead.append(((timings.get("total_ms") or 0) - (timings.get("llm_ms") or 0)) / 1000)
        wall_overhead.append(seconds - (timings.get("llm_ms") or 0) / 1000)
    cpu = process_cpu_seconds(UWSGI_PIDFILES) - cpu_before
    calls = llm.count() / max(1, asks + 5)
    return {
        "statuses": statuses,
        "llm_calls_per_ask": round(calls, 2),
        "wall": summary_ms(wall),
        "server_total": summary_ms(total),
        "server_overhead": summary_ms(overhead),
        "wall_minus_llm": summary_ms(wall_overhead),
        # uWSGI's CPU (its SQLite workers included) per ask, asks one after another (and a new
        # conversation every tenth).
        "uwsgi_cpu_ms_per_ask": round(cpu * 1000 / asks, 1),
    }


def slow_wave(
    api: str, token: str, login: tuple[str, str], datasource_id: int, llm: FakeLLMProcess, *, n: int, rounds: int = 5
) -> dict:
    """`n` asks at once against a 1 s LLM, `rounds` times: efficiency = ideal / actual, and a login during each.

    One wave goes first and is reported on its own (`cold`): it is the one that finds each API
    process with fewer SQLite workers and LLM connections than a burst needs, and starts them.
    The efficiency is the median of the `rounds` waves after it.
    """
    latency = 1.0
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    llm.reset()
    llm.set_latency(latency)
    # One ask alone first: how many LLM calls an ask makes, and its time.
    response, single = ask(session, api, new_conversation(session, api, datasource_id), "How many rows?")
    calls_per_ask = llm.count()
    ideal = calls_per_ask * latency
    waves = [
        one_wave(
            api, token, login, [new_conversation(session, api, datasource_id) for _ in range(n)], latency, llm.proc.pid
        )
        for _ in range(rounds + 1)
    ]
    cold = waves.pop(0)
    llm.set_latency(0.0)
    median = sorted(waves, key=lambda w: w["actual_s"])[len(waves) // 2]
    return {
        "asks": n,
        "llm_latency_s": latency,
        "llm_calls_per_ask": calls_per_ask,
        "single_ask_s": round(single, 3),
        "ideal_s": ideal,
        "rounds": len(waves),
        "efficiency": round(ideal / median["actual_s"], 3),
        "efficiency_per_round": [round(ideal / w["actual_s"], 3) for w in waves],
        "cold_wave": {"actual_s": cold["actual_s"], "efficiency": round(ideal / cold["actual_s"], 3)},
        **median,
    }


def one_wave(
    api: str, token: str, login: tuple[str, str], conversations: list[int], latency: float, llm_pid: int
) -> dict:
    """All asks released at once (a barrier), a login a third of a latency later.

    The load generator shares the machine's cores with the server, so it keeps its
    own work small: each ask's keep-alive connection is opened and its request
    body encoded before the barrier, and responses are parsed after the clock
    stops.
    """
    results: list[tuple[int, float, bytes]] = []
    lock = threading.Lock()
    ready = threading.Barrier(len(conversations) + 1)
    barrier = threading.Barrier(len(conversations) + 1)
    parts = urlsplit(api)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = json.dumps({"question": "How many rows?"}).encode()

    def one(conversation_id: int) -> None:
        """One ask on a connection opened in advance, released with the others."""
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        conn.request("GET", "/api/health/")
        conn.getresponse().read()
        path = f"/api/conversations/{conversation_id}/messages/"
        ready.wait()
        barrier.wait()
        t0 = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        seconds = time.perf_counter() - t0
        conn.close()
        with lock:
            results.append((response.status, seconds, payload))

    threads = [threading.Thread(target=one, args=(c,)) for c in conversations]
    for thread in threads:
        thread.start()
    ready.wait()
    cpu_before = process_cpu_seconds(UWSGI_PIDFILES)
    llm_before, busy_before, own_before = pid_cpu_seconds(llm_pid), machine_busy_seconds(), time.process_time()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(latency / 3)
    t0 = time.perf_counter()
    login_response = requests.post(f"{api}/api/auth/login/", json={"email": login[0], "password": login[1]}, timeout=60)
    login_seconds = time.perf_counter() - t0
    for thread in threads:
        thread.join()
    actual = time.perf_counter() - start
    cpu = process_cpu_seconds(UWSGI_PIDFILES) - cpu_before
    own = time.process_time() - own_before
    llm_cpu, busy = pid_cpu_seconds(llm_pid) - llm_before, machine_busy_seconds() - busy_before
    timings = [json.loads(payload).get("timings") or {} for code, _, payload in results if code == 201]
    results = [(code, seconds) for code, seconds, _ in results]
    return {
        "actual_s": round(actual, 3),
        # uWSGI's CPU time for the whole wave (32 asks and the login), against 2 cores x actual_s.
        "uwsgi_cpu_s": round(cpu, 2),
        "uwsgi_cpu_ms_per_ask": round(cpu * 1000 / len(conversations), 1),
        # The rest of the machine in the same time: the fake LLM, this load generator, and all of it.
        "fake_llm_cpu_s": round(llm_cpu, 2),
        "load_generator_cpu_s": round(own, 2),
        "machine_busy_s": round(busy, 2),
        "ok": sum(code == 201 for code, _ in results),
        "statuses": sorted({code for code, _ in results}),
        "ask": summary_ms([s for _, s in results]),
        # Where an ask's time went: inside the turn (LLM calls, the rest), and before/after it.
        "turn_total": summary_ms([t.get("total_ms", 0) / 1000 for t in timings]),
        "turn_llm": summary_ms([t.get("llm_ms", 0) / 1000 for t in timings]),
        "login_during_wave_ms": round(login_seconds * 1000, 1),
        "login_status": login_response.status_code,
    }


def idle_login_ms(api: str, email: str, password: str) -> float:
    """The fastest of three logins with nothing else running (password hashing dominates)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        requests.post(f"{api}/api/auth/login/", json={"email": email, "password": password}, timeout=30)
        times.append(time.perf_counter() - t0)
    return round(min(times) * 1000, 1)


# --- the million-row query, in subprocesses so peak memory is their own ---------------------------

PROBE = r"""
import json, os, resource, sys, time
mode, sqlite_dir, name = sys.argv[1], sys.argv[2], sys.argv[3]
def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if mode == "create":
    import sqlite3
    path = os.path.join(sqlite_dir, name)
    if not os.path.exists(path):
        os.makedirs(sqlite_dir, exist_ok=True)
        conn = sqlite3.connect(path + ".tmp")
        conn.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT, amount REAL, note TEXT, created_at TEXT)")
        rows = ((i, "kind-%d" % (i % 17), i * 0.5, "note number %d for the benchmark" % i,
                 "2024-01-%02d 12:00:00" % (i % 28 + 1)) for i in range(1, int(sys.argv[4]) + 1))
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
        conn.commit()
        conn.close()
        os.replace(path + ".tmp", path)
    print(json.dumps({"size_mb": round(os.path.getsize(path) / 2**20, 1)}))
elif mode == "fetchall":
    import sqlite3
    conn = sqlite3.connect(os.path.join(sqlite_dir, name))
    base = rss_mb(); t0 = time.perf_counter()
    rows = conn.execute("SELECT * FROM events").fetchall()
    print(json.dumps({"rows": len(rows), "ms": round((time.perf_counter() - t0) * 1000, 1),
                      "peak_mb_over_baseline": round(rss_mb() - base, 1)}))
elif mode == "worker":
    # The cost of running a SQLite statement in a worker process rather than in this one (the same
    # statement, no guard on either side), and an attack the worker stops.
    import django
    django.setup()
    from datasources.engines import run_query, sqlite_process
    from datasources.engines.sqlite import open_sqlite
    from datasources.errors import QueryTimeout
    from datasources.executor import execute
    from datasources.models import DataSource
    from django.conf import settings
    ds = DataSource.objects.get(pk=int(sys.argv[4]))
    sql = "SELECT kind, count(*) FROM events WHERE id <= 1000 GROUP BY kind ORDER BY kind"
    run_query(ds, sql, fetch_limit=1000)  # the first worker and its spare
    worker, direct = [], []
    for _ in range(30):
        time.sleep(0.05)  # asks come between model calls
        t0 = time.perf_counter(); run_query(ds, sql, fetch_limit=1000); worker.append(time.perf_counter() - t0)
        path = os.path.join(sqlite_dir, name)
        t0 = time.perf_counter()
        conn = open_sqlite(path, timeout=10); conn.execute(sql).fetchall(); conn.close()
        direct.append(time.perf_counter() - t0)
    worker.sort(); direct.sort()
    settings.SQL_TIMEOUT_SECONDS = 2
    attack = "SELECT instr(printf('%.*c', 3000000, 'a'), printf('%.*c', 300000, 'a') || 'b')"
    cpu0 = sqlite_process.stats["cpu_seconds"]; t0 = time.perf_counter()
    try:
        execute(ds, attack); outcome = "answered"
    except QueryTimeout:
        outcome = "sql_timeout"
    print(json.dumps({"worker_p50_ms": round(worker[15] * 1000, 1), "worker_p90_ms": round(worker[27] * 1000, 1),
                      "direct_p50_ms": round(direct[15] * 1000, 1),
                      "attack_timeout_s": 2, "attack_wall_s": round(time.perf_counter() - t0, 2),
                      "attack_worker_cpu_s": round(sqlite_process.stats["cpu_seconds"] - cpu0, 2),
                      "attack_outcome": outcome,
                      "worker_max_rss_mb": round(sqlite_process.stats["max_rss_kb"] / 1024, 1)}))
else:
    import django
    django.setup()
    from datasources.executor import execute
    from datasources.models import DataSource
    ds = DataSource.objects.get(pk=int(sys.argv[4]))
    base = rss_mb(); t0 = time.perf_counter()
    try:
        result = execute(ds, "SELECT * FROM events")
    except NotImplementedError:
        print(json.dumps({"error": "datasources.executor.execute is not implemented"})); sys.exit(0)
    print(json.dumps({"rows": result.row_count, "truncated": result.truncated,
                      "ms": round((time.perf_counter() - t0) * 1000, 1),
                      "peak_mb_over_baseline": round(rss_mb() - base, 1), "baseline_mb": round(base, 1)}))
"""


def run_probe(*args: str) -> dict:
    """Run PROBE in a fresh interpreter and return the JSON it prints (or the error)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(lines[-1])


def million_rows(sqlite_dir: str) -> dict:
    """A 1,000,000-row SQLite datasource, queried capped through the executor and uncapped for contrast."""
    from datasources.models import DataSource

    created = run_probe("create", sqlite_dir, BIG_DB_NAME, str(BIG_TABLE_ROWS))
    ds = DataSource.objects.create(name="bench-million", engine="sqlite", sqlite_path=BIG_DB_NAME)
    capped = run_probe("execute", sqlite_dir, BIG_DB_NAME, str(ds.pk))
    uncapped = run_probe("fetchall", sqlite_dir, BIG_DB_NAME)
    worker = run_probe("worker", sqlite_dir, BIG_DB_NAME, str(ds.pk))
    return {
        "table_rows": BIG_TABLE_ROWS,
        "file": created,
        "capped_execute": capped,
        "uncapped_fetchall": uncapped,
        "sqlite_worker": worker,
    }


# --- report ------------------------------------------------------------------------------------------


def verdict(ok: bool | None) -> str:
    """How a figure stands against its budget."""
    return "n/a" if ok is None else ("meets" if ok else "MISSES")


def print_table(report: dict) -> None:
    """Print the figures as a table, with verdicts against DESIGN.md §10."""
    rows: list[tuple[str, str, str, str]] = []
    if "history_list" in report:
        rows.extend(throughput_rows(report))
    if "queries" in report:
        rows.extend(query_rows(report))
    rows.extend(ask_rows(report))
    rows.extend(million_rows_table(report))
    rows.extend(two_node_rows(report))
    rows.extend(examples_rows(report, verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(4)] if rows else [0] * 4
    print()
    print(
        f"chatAPI bench — {report['stack']['database']} app database, uWSGI {report['stack']['uwsgi']}, "
        f"{report['stack']['cpus']} CPUs, load average {report['stack']['load_average_at_start'][0]} at start"
    )
    for row in rows:
        print("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
    print()


def throughput_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """Table rows for the list endpoints against the baseline."""
    rows = []
    lst, base = report["history_list"], report["auth_user"]
    rows.append(
        (
            "GET /api/auth/user/ (baseline)",
            f"{base['rps']} req/s",
            f"p50 {base['p50_ms']} / p99 {base['p99_ms']} ms",
            "",
        )
    )
    rows.append(
        (
            "GET /api/conversations/ (20/page, 2,000)",
            f"{lst['rps']} req/s",
            f"p50 {lst['p50_ms']} / p99 {lst['p99_ms']} ms",
            "",
        )
    )
    share = report["list_share_of_baseline"]
    rows.append(("  list / baseline throughput", f"{share}", "budget: 0.6 or more", verdict(share >= 0.6)))
    if "message_list" in report:
        msg = report["message_list"]
        rows.append(
            (
                "GET .../messages/ (20/page, 150 turns)",
                f"{msg['rps']} req/s",
                f"p50 {msg['p50_ms']} / p99 {msg['p99_ms']} ms",
                "",
            )
        )
        share = report["messages_share_of_baseline"]
        rows.append(("  message list / baseline", f"{share}", "budget: 0.6 or more", verdict(share >= 0.6)))
    return rows


def query_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """Table rows for the SQL query counts."""
    rows = []
    qc = report["queries"]
    for kind in ("conversations", "messages"):
        small, large = qc.get(f"{kind}_small", {}), qc.get(f"{kind}_large", {})
        same = small.get("queries") == large.get("queries") and small.get("status") == 200
        rows.append(
            (
                f"  SQL queries, {kind} list",
                f"{small.get('queries')} / {large.get('queries')}",
                f"at per-page {report['page_sizes'][0]} / {report['page_sizes'][1]}",
                verdict(same),
            )
        )
    return rows


def ask_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """Table rows for the ask figures."""
    rows = []
    ov = report.get("ask_overhead")
    if ov:
        so = ov["server_overhead"]
        rows.append(
            (
                "Ask, zero-latency LLM: server overhead",
                f"p50 {so['p50_ms']} ms",
                f"p99 {so['p99_ms']} ms",
                verdict(so["p50_ms"] < 30),
            )
        )
        rows.append(
            ("  wall clock through nginx", f"p50 {ov['wall']['p50_ms']} ms", f"p99 {ov['wall']['p99_ms']} ms", "")
        )
        wm = ov["wall_minus_llm"]
        rows.append(("  wall clock minus LLM time", f"p50 {wm['p50_ms']} ms", f"p99 {wm['p99_ms']} ms", ""))
        rows.append(("  uWSGI CPU per ask", f"{ov.get('uwsgi_cpu_ms_per_ask')} ms", "its SQLite workers included", ""))
    wave = report.get("slow_wave")
    if wave:
        rows.append(
            (
                f"{wave['asks']} asks at once, 1 s LLM",
                f"{wave['actual_s']} s",
                f"ideal {wave['ideal_s']} s, efficiency {wave['efficiency']} (median of {wave['rounds']})",
                verdict(wave["efficiency"] >= 0.9 and wave["ok"] == wave["asks"]),
            )
        )
        rows.append(
            (
                "  uWSGI CPU per ask in the wave",
                f"{wave.get('uwsgi_cpu_ms_per_ask')} ms",
                f"{wave.get('uwsgi_cpu_s')} s CPU in {wave['actual_s']} s on {report['stack']['cpus']} cores",
                "",
            )
        )
        cold = wave.get("cold_wave")
        if cold:
            rows.append(("  the first wave (cold)", f"{cold['actual_s']} s", f"efficiency {cold['efficiency']}", ""))
        rows.append(
            (
                "  the whole machine meanwhile",
                f"{wave.get('machine_busy_s')} s CPU",
                f"fake LLM {wave.get('fake_llm_cpu_s')} s, load generator {wave.get('load_generator_cpu_s')} s",
                "",
            )
        )
        rows.append(
            (
                "  login during the wave",
                f"{wave['login_during_wave_ms']} ms",
                f"idle {report.get('idle_login_ms')} ms",
                verdict(wave["login_during_wave_ms"] < 1000),
            )
        )
    return rows


def million_rows_table(report: dict) -> list[tuple[str, str, str, str]]:
    """Table rows for the million-row query."""
    rows = []
    big = report.get("million_rows", {})
    capped = big.get("capped_execute", {})
    if "rows" in capped:
        rows.append(
            (
                "1,000,000-row table, capped execute",
                f"{capped['ms']} ms",
                f"+{capped['peak_mb_over_baseline']} MB peak, {capped['rows']} rows",
                verdict(capped["peak_mb_over_baseline"] < 50 and capped["truncated"]),
            )
        )
        full = big.get("uncapped_fetchall", {})
        if "rows" in full:
            rows.append(
                (
                    "  (for contrast: fetch everything)",
                    f"{full['ms']} ms",
                    f"+{full['peak_mb_over_baseline']} MB peak",
                    "",
                )
            )
    elif capped:
        rows.append(("1,000,000-row table, capped execute", "-", capped.get("error", "?"), "n/a"))
    worker = big.get("sqlite_worker", {})
    if "worker_p50_ms" in worker:
        rows.append(
            (
                "SQLite query in a worker process",
                f"{worker['worker_p50_ms']} ms p50",
                f"p90 {worker['worker_p90_ms']} ms; in-process {worker['direct_p50_ms']} ms",
                "",
            )
        )
        rows.append(
            (
                "  one-step CPU attack (instr), 2 s timeout",
                f"{worker['attack_wall_s']} s wall",
                f"{worker['attack_outcome']}, worker CPU {worker['attack_worker_cpu_s']} s, "
                f"worker peak {worker['worker_max_rss_mb']} MB",
                verdict(worker["attack_wall_s"] < worker["attack_timeout_s"] + 2),
            )
        )
    elif worker:
        rows.append(("SQLite query in a worker process", "-", worker.get("error", "?"), "n/a"))
    return rows


# --- two nodes ------------------------------------------------------------------------------------------


def two_node_stack(one: Stack, llm: FakeLLMProcess) -> Stack:
    """A second stack with two uWSGI nodes on the first one's database, keys and files (the first is stopped)."""
    two = make_stack(llm_base_url=llm.base_url, nodes=2, extra_env={"JWT_ACCESS_MINUTES": "120"})
    shared = ("DATABASE_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEY", "STATIC_ROOT", "DATASOURCE_SQLITE_DIR")
    two.env.update({key: one.env[key] for key in shared})
    return two


def two_node_figures(
    two: Stack, report: dict, token: str, args, llm: FakeLLMProcess, wave_users: tuple | None, ds_id: int
) -> dict:
    """List throughput with twice the clients, and the same slow-LLM wave, through nginx to two nodes."""
    figures: dict = {"nodes": 2, "cache": "redis (started by serve.py)"}
    urls = {
        "auth_user": f"{two.api}/api/auth/user/",
        "history_list": f"{two.api}/api/conversations/?per-page=20",
    }
    runs: dict[str, list] = {name: [] for name in urls}
    for _ in range(2):
        for name, url in urls.items():
            runs[name].append(load(url, token, requests_total=args.requests, concurrency=args.concurrency * 2))
    for name, measured in runs.items():
        figures[name] = max(measured, key=lambda r: r["rps"])
    if "history_list" in report:
        figures["history_list_vs_one_node"] = round(figures["history_list"]["rps"] / report["history_list"]["rps"], 2)
    if wave_users:
        ask_token, login = wave_users
        print(f"bench: {args.wave} concurrent asks against a 1 s LLM, across both nodes ...", flush=True)
        figures["slow_wave"] = slow_wave(two.api, ask_token, login, ds_id, llm, n=args.wave)
    return figures


def two_node_rows(report: dict) -> list[tuple[str, str, str, str]]:
    """Table rows for the two-node figures."""
    two = report.get("two_nodes")
    if not two:
        return []
    rows = []
    lst = two["history_list"]
    ratio = two.get("history_list_vs_one_node")
    rows.append(
        (
            "Two nodes: GET /api/conversations/",
            f"{lst['rps']} req/s",
            f"p50 {lst['p50_ms']} / p99 {lst['p99_ms']} ms, {ratio}x one node",
            "",
        )
    )
    base = two["auth_user"]
    latency = f"p50 {base['p50_ms']} / p99 {base['p99_ms']} ms"
    rows.append(("  GET /api/auth/user/", f"{base['rps']} req/s", latency, ""))
    wave = two.get("slow_wave")
    if wave:
        rows.append(
            (
                f"  {wave['asks']} asks at once, 1 s LLM",
                f"{wave['actual_s']} s",
                f"efficiency {wave['efficiency']}, login {wave['login_during_wave_ms']} ms, "
                f"{wave.get('uwsgi_cpu_ms_per_ask')} ms CPU per ask",
                "",
            )
        )
    return rows


# --- main ---------------------------------------------------------------------------------------------


def main() -> int:
    """Start the stack, set up data, measure every section asked for, save and print."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600, help="requests per throughput measurement")
    parser.add_argument("--concurrency", type=int, default=8, help="client threads for throughput")
    parser.add_argument("--asks", type=int, default=60, help="sequential asks for the overhead figure")
    parser.add_argument("--wave", type=int, default=32, help="concurrent asks against the 1 s LLM")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (default all: {','.join(SECTIONS)})",
    )
    args = parser.parse_args()
    sections = {name.strip() for name in args.only.split(",") if name.strip()}

    llm = FakeLLMProcess()
    keys = {"SECRET_KEY": secrets.token_urlsafe(50)}
    from cryptography.fernet import Fernet

    keys["FIELD_ENCRYPTION_KEY"] = Fernet.generate_key().decode()
    stack: Stack = make_stack(llm_base_url=llm.base_url, extra_env={**keys, "JWT_ACCESS_MINUTES": "120"})
    stack.env["STATIC_ROOT"] = str(stack.var_dir / "static")
    stack.env["DATASOURCE_SQLITE_DIR"] = str(stack.var_dir / "datasources")
    print(f"bench: starting the stack (nginx :{stack.api_port}, uWSGI :{stack.uwsgi_port}) ...", flush=True)
    report: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds")}
    cleanup: list = []
    try:
        stack.start()
        UWSGI_PIDFILES[:] = [stack.var_dir / "serve" / "uwsgi.pid"]
        django_setup(stack.env)
        from django.conf import settings

        report["stack"] = {
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
            "uwsgi": f"{stack.env.get('CHATAPI_UWSGI_PROCESSES', '4')} processes x "
            f"{stack.env.get('CHATAPI_UWSGI_THREADS', '16')} threads",
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "commit": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip(),
            # Other work on the machine skews every figure; the load average says how much.
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        }
        api = stack.api
        user, token = bench_user("bench-history@example.com")
        datasource, seeded = some_datasource()
        print("bench: creating 2,000 conversations (2 turns each) ...", flush=True)
        create_history(user, datasource, conversations=2000, messages_each=2)
        from chat.models import Conversation

        one = Conversation.objects.filter(owner=user).order_by("id").first()
        create_history_messages = 150
        from chat.models import Message

        # Turns with a typical small result (20 rows x 3 columns), SQL and a summary.
        Message.objects.bulk_create(
            [
                Message(
                    conversation=one,
                    question=f"Top customers by revenue, take {i}",
                    sql="SELECT name, city, revenue FROM customers ORDER BY revenue DESC LIMIT 20",
                    status="ok",
                    columns=["name", "city", "revenue"],
                    rows=[[f"Customer {r}", "Seoul", 1000 - r] for r in range(20)],
                    row_count=20,
                    summary="Customer 0 has the highest revenue, 1,000.",
                )
                for i in range(create_history_messages)
            ]
        )
        from chat.services import conversation_recount

        conversation_recount(Conversation.objects.filter(pk=one.pk))
        settle_bulk_writes()

        if "list" in sections:
            print("bench: throughput, GET /api/auth/user/ and GET /api/conversations/ side by side ...", flush=True)
            rounds = {"auth_user": [], "history_list": [], "message_list": []}
            urls = {
                "auth_user": f"{api}/api/auth/user/",
                "history_list": f"{api}/api/conversations/?per-page=20",
                "message_list": f"{api}/api/conversations/{one.id}/messages/?per-page=20",
            }
            for _ in range(2):
                for name, url in urls.items():
                    rounds[name].append(
                        load(url, token, requests_total=args.requests // 2, concurrency=args.concurrency)
                    )
            for name, runs in rounds.items():
                best = max(runs, key=lambda r: r["rps"])
                report[name] = {**best, "runs": runs}
            # DESIGN.md §10: each list at 0.6 or more of the baseline's throughput.
            report["list_share_of_baseline"] = round(report["history_list"]["rps"] / report["auth_user"]["rps"], 2)
            report["messages_share_of_baseline"] = round(report["message_list"]["rps"] / report["auth_user"]["rps"], 2)

        if "queries" in sections:
            small, large = 20, 100
            report["page_sizes"] = [small, large]
            report["queries"] = query_counts(
                token,
                {
                    "conversations_small": f"/api/conversations/?per-page={small}",
                    "conversations_large": f"/api/conversations/?per-page={large}",
                    "messages_small": f"/api/conversations/{one.id}/messages/?per-page={small}",
                    "messages_large": f"/api/conversations/{one.id}/messages/?per-page={large}",
                },
            )

        wave_users = None
        if "asks" in sections and seeded:
            asker, ask_token = bench_user("bench-asks@example.com")
            login_user, _ = bench_user("bench-login@example.com")
            wave_users = (ask_token, (login_user.email, "correct-horse-battery-9"))
            print(f"bench: {args.asks} asks with a zero-latency LLM ...", flush=True)
            report["ask_overhead"] = ask_overhead(api, ask_token, datasource.id, llm, asks=args.asks)
            report["idle_login_ms"] = idle_login_ms(api, login_user.email, "correct-horse-battery-9")
            print(f"bench: {args.wave} concurrent asks against a 1 s LLM ...", flush=True)
            report["slow_wave"] = slow_wave(
                api, ask_token, (login_user.email, "correct-horse-battery-9"), datasource.id, llm, n=args.wave
            )
        elif "asks" in sections:
            report["asks"] = "skipped: no demo datasource (seed_demo is not available)"

        if "examples" in sections and seeded:
            print(
                f"bench: example retrieval with {EXAMPLES_ON_DATASOURCE:,} examples, and asks with them ...", flush=True
            )
            report["examples"] = examples_section(
                api=api,
                datasource=datasource,
                llm=llm,
                bench_user=bench_user,
                ask_overhead=ask_overhead,
                summary_ms=summary_ms,
                asks=args.asks,
                baseline=report.get("ask_overhead"),
            )

        if "million" in sections:
            print(f"bench: a capped query over a {BIG_TABLE_ROWS:,}-row SQLite table ...", flush=True)
            os.environ.update({k: stack.env[k] for k in ("DATASOURCE_SQLITE_DIR",)})
            report["million_rows"] = million_rows(stack.env["DATASOURCE_SQLITE_DIR"])
        if "nodes" in sections:
            print("bench: the same stack as two API nodes behind nginx ...", flush=True)
            stack.stop()
            two = two_node_stack(stack, llm)
            cleanup.append(two.close)
            two.start(seed=False)
            UWSGI_PIDFILES[:] = [two.var_dir / "serve" / "uwsgi.pid", two.var_dir / "serve" / "uwsgi-2.pid"]
            report["two_nodes"] = two_node_figures(two, report, token, args, llm, wave_users, datasource.id)
    finally:
        for close in reversed(cleanup):
            close()
        stack.close()
        llm.stop()

    report.setdefault("stack", {})["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    for path in (OUT_DIR / f"bench-{stamp}.json", OUT_DIR / "latest.json"):
        path.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"bench: figures saved to {OUT_DIR / f'bench-{stamp}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
