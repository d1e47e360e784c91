"""Two API nodes behind one nginx (`make serve NODES=2`), sharing the app database and Redis.

Each node is its own uWSGI instance, as a machine of its own would run it. The
tests tell which node answered from nginx's access log (`upstream=`), where a
request is found by a `probe` query parameter only it carries.
"""

import json
import signal
import threading
import time
import uuid

import pytest
import redis
import requests

from tests.deploy.stack import ApiUser, make_stack
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.deploy

AUTH_RATE = 5
ASK_RATE = 5
ABANDONED_AFTER = 12  # seconds: above an honest turn here (two 2 s model calls on a busy machine)
PASSWORD = "correct-horse-battery-9"


@pytest.fixture(scope="module")
def nodes_llm():
    llm = FakeLLM().start()
    yield llm
    llm.stop()


@pytest.fixture(scope="module")
def nodes_redis_url(redis_url):
    """A Redis database of its own for this stack (the URL's database 1)."""
    return redis_url.rsplit("/", 1)[0] + "/1"


@pytest.fixture(scope="module")
def two_nodes(nodes_llm, nodes_redis_url):
    with make_stack(
        llm_base_url=nodes_llm.base_url,
        nodes=2,
        extra_env={
            "CACHE_URL": nodes_redis_url,
            "CHATAPI_UWSGI_PROCESSES": "2",
            "CHATAPI_UWSGI_THREADS": "8",
            "THROTTLE_AUTH": f"{AUTH_RATE}/min",
            "THROTTLE_ASK": f"{ASK_RATE}/min",
            "TURN_ABANDONED_AFTER": str(ABANDONED_AFTER),
            "CHATAPI_NODE_RESTART_DELAY": "3",
        },
    ).running() as running:
        yield running


@pytest.fixture
def stack(two_nodes, nodes_llm, nodes_redis_url):
    """The two-node stack with fresh throttle counters and a reset fake LLM."""
    redis.Redis.from_url(nodes_redis_url).flushdb()
    nodes_llm.reset()
    yield two_nodes
    nodes_llm.reset()


def probe() -> str:
    return uuid.uuid4().hex


def served_by(stack, marker: str) -> list[str]:
    """The nodes nginx tried for the one request carrying `marker`, in order."""
    deadline = time.monotonic() + 5
    lines = stack.upstreams(marker)
    while not lines and time.monotonic() < deadline:
        # nginx writes the line just after the response has gone out.
        time.sleep(0.05)
        lines = stack.upstreams(marker)
    assert len(lines) == 1, lines
    return lines[0][0]


def login(stack, user: ApiUser, marker: str) -> requests.Response:
    return requests.post(
        f"{stack.api}/api/auth/login/?probe={marker}", json={"email": user.email, "password": user.password}, timeout=30
    )


def on_node(stack, node: str, send, tries: int = 12) -> requests.Response:
    """Send a request (a function of its probe marker) until nginx gives one to `node`; that response."""
    for _ in range(tries):
        marker = probe()
        response = send(marker)
        if served_by(stack, marker) == [node]:
            return response
    raise AssertionError(f"no request reached {node} in {tries} tries")


def test_a_login_on_one_node_is_honoured_on_the_other(stack):
    user = ApiUser.register(stack, "Roamer")
    marker = probe()
    response = login(stack, user, marker)
    assert response.status_code == 200, response.text
    [login_node] = served_by(stack, marker)
    other = next(stack.node_address(i) for i in range(2) if stack.node_address(i) != login_node)
    headers = {"Authorization": f"Bearer {response.json()['access']}"}
    profile = on_node(
        stack, other, lambda m: requests.get(f"{stack.api}/api/auth/user/?probe={m}", headers=headers, timeout=30)
    )
    assert profile.status_code == 200 and profile.json()["email"] == user.email


def test_a_refresh_token_blacklisted_on_one_node_is_refused_by_the_other(stack):
    user = ApiUser.register(stack, "Leaver")
    refresh = login(stack, user, probe()).json()["refresh"]
    marker = probe()
    logout = requests.post(f"{stack.api}/api/auth/logout/?probe={marker}", json={"refresh": refresh}, timeout=30)
    assert logout.status_code == 200, logout.text
    [logout_node] = served_by(stack, marker)
    other = next(stack.node_address(i) for i in range(2) if stack.node_address(i) != logout_node)
    refused = on_node(
        stack,
        other,
        lambda m: requests.post(
            f"{stack.api}/api/auth/token/refresh/?probe={m}", json={"refresh": refresh}, timeout=30
        ),
    )
    assert refused.status_code == 401, refused.text
    assert refused.json()["code"] == "token_not_valid"


def test_the_login_throttle_counts_across_nodes(stack):
    user = ApiUser.register(stack, "Knocker")  # the first of this address's AUTH_RATE attempts
    statuses, nodes = [], set()
    for _ in range(AUTH_RATE + 2):
        marker = probe()
        statuses.append(login(stack, user, marker).status_code)
        nodes.update(served_by(stack, marker))
    # One shared count: had each node (or process) counted alone, more logins would have passed.
    assert statuses == [200] * (AUTH_RATE - 1) + [429] * 3
    assert nodes == {stack.node_address(0), stack.node_address(1)}


def test_the_ask_throttle_counts_across_nodes(stack, nodes_llm):
    user = ApiUser.register(stack, "Asker")
    conversation = user.new_conversation()
    statuses, nodes = [], set()
    for i in range(ASK_RATE + 2):
        marker = probe()
        path = f"/api/conversations/{conversation['id']}/messages/?probe={marker}"
        response = user.post(path, json={"question": f"How many rows {i}?"})
        statuses.append(response.status_code)
        nodes.update(served_by(stack, marker))
    assert statuses == [201] * ASK_RATE + [429] * 2
    assert nodes == {stack.node_address(0), stack.node_address(1)}
    assert user.get(f"/api/conversations/{conversation['id']}/messages/").json()["count"] == ASK_RATE


def read_events(response: requests.Response) -> list[tuple[float, str, dict]]:
    """Server-sent events as (arrival time, event, data)."""
    events, buffer = [], ""
    for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
        buffer += chunk
        now = time.monotonic()
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            name, data = "message", []
            for line in block.splitlines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
            if data:
                events.append((now, name, json.loads("\n".join(data))))
    return events


def test_server_sent_events_stream_through_the_balancer(stack, nodes_llm):
    latency = 0.8
    nodes_llm.latency = latency
    user = ApiUser.register(stack, "Streamer")
    seen_nodes = set()
    for _ in range(3):
        conversation = user.new_conversation()
        marker = probe()
        started = time.monotonic()
        with user.session.post(
            f"{stack.api}/api/conversations/{conversation['id']}/messages/?probe={marker}",
            json={"question": "How many rows are there?"},
            headers={"Accept": "text/event-stream"},
            stream=True,
            timeout=60,
        ) as response:
            assert response.status_code == 200
            assert response.headers["Content-Type"].startswith("text/event-stream")
            events = read_events(response)
        names = [name for _, name, _ in events]
        assert names[0] == "stage" and names[-1] == "done", names
        assert "sql" in names and "result" in names
        # The SQL arrived while the summary was still being written: not held back until the end.
        sql_at = next(at for at, name, _ in events if name == "sql")
        done_at = events[-1][0]
        assert done_at - sql_at >= latency * 0.8, (sql_at - started, done_at - started)
        assert events[-1][2]["status"] == "ok"
        seen_nodes.update(served_by(stack, marker))
    # Streams from both nodes arrived as they were written.
    assert seen_nodes == {stack.node_address(0), stack.node_address(1)}


def test_a_node_stopped_during_a_wave_of_asks(stack, nodes_llm):
    """Node 2 goes down while asks run on both nodes: nginx passes on what it may, never an ask."""
    latency = 2.0
    nodes_llm.latency = latency
    askers = [ApiUser.register(stack, f"Wave{i}") for i in range(3)]
    wave = [(askers[i % 2], askers[i % 2].new_conversation(), probe()) for i in range(8)]
    results: dict[str, requests.Response] = {}

    def ask(user: ApiUser, conversation: dict, marker: str) -> None:
        results[marker] = user.post(
            f"/api/conversations/{conversation['id']}/messages/?probe={marker}",
            json={"question": f"How many rows are there? ({marker})"},
            timeout=60,
        )

    threads = [threading.Thread(target=ask, args=item) for item in wave]
    for thread in threads:
        thread.start()
    # Every ask is waiting for the model, on one node or the other.
    deadline = time.monotonic() + 30
    while len(nodes_llm.requests) < len(wave):
        assert time.monotonic() < deadline, f"only {len(nodes_llm.requests)} asks reached the model"
        time.sleep(0.05)

    up, down = stack.node_address(0), stack.node_address(1)
    stack.signal_node(1, signal.SIGSTOP)
    # A burst of reads at once: nginx gives the frozen node its share whatever the asks' split,
    # since the other node's count of requests in flight rises with the burst.
    gets = {probe(): None for _ in range(12)}
    reader = askers[2]
    burst = threading.Barrier(len(gets))

    def read(marker: str) -> None:
        burst.wait()
        url = f"{stack.api}/api/conversations/?probe={marker}"
        gets[marker] = requests.get(url, headers=dict(reader.session.headers), timeout=60)

    get_threads = [threading.Thread(target=read, args=(m,)) for m in gets]
    for thread in get_threads:
        thread.start()
    time.sleep(1.0)
    stack.signal_node(1, signal.SIGKILL)
    killed_at = time.monotonic()

    # New asks while the node is down all succeed, on the other node.
    after = []
    for i in range(3):
        conversation = reader.new_conversation()
        response = reader.post(
            f"/api/conversations/{conversation['id']}/messages/", json={"question": f"Rows now {i}?"}, timeout=60
        )
        after.append(response.status_code)
    for thread in threads + get_threads:
        thread.join(timeout=60)
    assert after == [201, 201, 201]

    # Idempotent requests caught on the stopped node were passed to the other one.
    assert all(response.status_code == 200 for response in gets.values()), [r.status_code for r in gets.values()]
    retried = [m for m in gets if served_by(stack, m) == [down, up]]
    assert retried, [served_by(stack, m) for m in gets]

    # Asks that were running on the stopped node failed once, and were not sent again.
    on_down = [(user, conversation, m) for user, conversation, m in wave if served_by(stack, m) == [down]]
    on_up = [(user, conversation, m) for user, conversation, m in wave if served_by(stack, m) == [up]]
    assert on_down and on_up and len(on_down) + len(on_up) == len(wave)
    for _, _, marker in on_up:
        assert results[marker].status_code == 201
    for _, _, marker in on_down:
        assert results[marker].status_code == 502 and results[marker].json()["code"] == "bad_gateway"
        asked = [r for r in nodes_llm.requests if r.stage == "sql" and marker in r.question]
        assert len(asked) == 1

    # Their turns are not lost: once TURN_ABANDONED_AFTER has passed they read as interrupted.
    time.sleep(max(0.0, ABANDONED_AFTER + 1 - (time.monotonic() - killed_at)))
    for user, conversation, _ in on_down:
        turns = user.get(f"/api/conversations/{conversation['id']}/messages/").json()["results"]
        assert [(t["status"], t["error"]["code"]) for t in turns] == [("error", "interrupted")]

    # serve.py starts the node again and nginx gives it requests once more.
    deadline = time.monotonic() + 60
    while True:
        marker = probe()
        response = reader.get(f"/api/conversations/?probe={marker}", timeout=30)
        assert response.status_code == 200
        if served_by(stack, marker)[-1] == down:
            break
        assert time.monotonic() < deadline, "the stopped node did not rejoin"
        time.sleep(0.5)
    assert "node 2 exited" in stack.log()
