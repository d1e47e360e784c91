"""A bounded soak through nginx and uWSGI: hostile and normal asks mixed for a while.

Hostile asks (SQL that would hold a core for hours inside one SQLite function call, and a
row of hundreds of megabytes) run beside ordinary ones on a stack whose statement timeout
is 2 s. Normal asks keep answering; no uWSGI worker dies, is recycled or grows without
bound; and when it is over no process of the stack is still computing.
"""

import os
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.deploy.stack import ApiUser, make_stack

SOAK_SECONDS = 40
SQL_TIMEOUT = 2
HOSTILE = {
    "instr": "SELECT instr(printf('%.*c', 3000000, 'a'), printf('%.*c', 300000, 'a') || 'b') AS i",
    "trim": "SELECT length(trim(printf('%.*c', 3000000, 'x'), printf('%.*c', 300000, 'y') || 'x')) AS n",
    "wide_row": "SELECT " + ", ".join(f"printf('%.*c', 4000000, 'x') AS c{i}" for i in range(40)),
}
NORMAL = "SELECT 1 + 1 AS two"


@pytest.fixture(scope="module")
def stack():
    """A stack with a 2 s statement timeout and the offline translator (asks here send their SQL)."""
    with make_stack(llm_base_url=None, extra_env={"SQL_TIMEOUT_SECONDS": str(SQL_TIMEOUT)}).running() as running:
        yield running


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _cpu_and_rss(pid: int) -> tuple[float, int]:
    """CPU seconds used so far and resident memory in KB of one process (0, 0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0, 0
    rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), rss


def _workers(stack) -> dict[int, int]:
    """uWSGI worker pid -> resident KB."""
    return {pid: _cpu_and_rss(pid)[1] for pid in _children(stack.node_pid(0))}


def _helpers(stack) -> list[int]:
    """Processes the workers started (SQLite query workers)."""
    return [child for worker in _children(stack.node_pid(0)) for child in _children(worker)]


def test_hostile_and_normal_asks_mixed_through_nginx(stack):
    user = ApiUser.register(stack)
    conversation = user.new_conversation()
    url = f"{stack.api}/api/conversations/{conversation['id']}/messages/"
    headers = dict(user.session.headers)
    # Warm every worker once, so the memory compared below is that of a worker that has answered.
    for _ in range(8):
        requests.post(url, json={"question": "warm", "sql": NORMAL, "summarize": False}, headers=headers, timeout=30)
    before = _workers(stack)
    assert before, "no uWSGI worker found"

    stop = time.monotonic() + SOAK_SECONDS
    normal: list[tuple[float, int, dict]] = []
    hostile: list[tuple[str, int, dict]] = []

    def ask(sql: str) -> tuple[float, requests.Response]:
        started = time.monotonic()
        payload = {"question": "soak", "sql": sql, "summarize": False}
        response = requests.post(url, json=payload, headers=headers, timeout=SQL_TIMEOUT + 30)
        return time.monotonic() - started, response

    def normal_loop():
        while time.monotonic() < stop:
            seconds, response = ask(NORMAL)
            normal.append((seconds, response.status_code, response.json()))
            time.sleep(0.2)

    def hostile_loop(name: str):
        while time.monotonic() < stop:
            _, response = ask(HOSTILE[name])
            hostile.append((name, response.status_code, response.json()))

    threads = [threading.Thread(target=normal_loop) for _ in range(2)]
    threads += [threading.Thread(target=hostile_loop, args=(name,)) for name in HOSTILE]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SOAK_SECONDS + SQL_TIMEOUT + 60)
    assert not any(thread.is_alive() for thread in threads)

    # Normal asks kept answering, right and without waiting for the hostile ones.
    assert len(normal) >= 20
    assert all(
        status == 201 and body["status"] == "ok" and body["result"]["rows"] == [[2]] for _, status, body in normal
    )
    assert max(seconds for seconds, _, _ in normal) < SQL_TIMEOUT + 8
    # Every hostile ask was answered too: stopped at the deadline or refused, and stored as such.
    assert {name for name, _, _ in hostile} == set(HOSTILE)
    for name, status, body in hostile:
        assert status == 201, (name, body)
        assert body["error"]["code"] in ("sql_timeout", "sql_error"), (name, body)

    # No worker died or was recycled, none grew without bound, and nothing is left computing.
    after = _workers(stack)
    assert set(after) == set(before)
    for pid, rss in after.items():
        assert rss - before[pid] < 150 * 1024, f"worker {pid} grew from {before[pid]} KB to {rss} KB"
    time.sleep(1)
    helpers = _helpers(stack)
    first = {pid: _cpu_and_rss(pid)[0] for pid in helpers}
    time.sleep(0.5)
    busy = {pid: _cpu_and_rss(pid)[0] - cpu for pid, cpu in first.items() if _cpu_and_rss(pid)[0] - cpu > 0.05}
    assert not busy, f"query workers still computing after the soak: {busy}"
