"""`CACHE_URL=redis://…`: throttles shared through a real Redis, and the API still answering when Redis is down."""

import socket
import threading

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from chatAPI.cache import RedisCache, cache_config
from tests.conftest import DEFAULT_PASSWORD
from tests.fake_llm import Reply

pytestmark = pytest.mark.django_db

SHOP = """
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT);
INSERT INTO products VALUES (1, 'Lamp'), (2, 'Desk');
"""


def dead_redis_url() -> str:
    """A Redis URL on a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def login(client, email: str, password: str = DEFAULT_PASSWORD):
    return client.post("/api/auth/login/", {"email": email, "password": password}, format="json")


@pytest.fixture
def redis_cache(redis_url, settings):
    """The default cache on the test Redis server, as `CACHE_URL=redis://…` configures it, flushed."""
    settings.CACHES = {"default": cache_config(redis_url)}
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def silent_server(answer: bytes | None):
    """A loopback server that accepts connections and never answers (or answers `answer`, not Redis)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    held = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if answer is not None:
                conn.sendall(answer)

    threading.Thread(target=serve, daemon=True).start()
    return server, held


@pytest.fixture(params=["refused", "silent", "not_redis"])
def dead_redis_cache(request, settings):
    """The default cache pointed at a Redis that is not running, hangs, or is something else."""
    if request.param == "refused":
        settings.CACHES = {"default": cache_config(dead_redis_url())}
        yield caches["default"]
        return
    answer = None if request.param == "silent" else b"HTTP/1.1 400 Bad Request\r\n\r\n"
    server, held = silent_server(answer)
    settings.CACHES = {"default": cache_config(f"redis://127.0.0.1:{server.getsockname()[1]}/0")}
    yield caches["default"]
    server.close()
    for conn in held:
        conn.close()


def test_a_redis_url_selects_djangos_redis_backend_with_short_timeouts():
    config = cache_config("redis://cache.internal:6379/2")
    assert config["BACKEND"] == "chatAPI.cache.RedisCache"
    assert issubclass(RedisCache, DjangoRedisCache)
    assert config["LOCATION"] == "redis://cache.internal:6379/2"
    assert config["OPTIONS"] == {"socket_connect_timeout": 1, "socket_timeout": 1}
    # Other cache URLs keep their usual backends.
    assert cache_config("dbcache://chatapi_cache")["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"


def test_login_throttle_counts_in_redis_for_every_node(redis_cache, redis_url, api_client, settings, make_user):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "3/min"}
    make_user(email="ann@example.com")
    assert [login(api_client, "ann@example.com").status_code for _ in range(3)] == [200, 200, 200]
    # Another API node is another process with its own cache object on the same Redis: it sees the
    # three attempts and refuses the fourth.
    other_node = RedisCache(redis_url, cache_config(redis_url))
    keys = [key for key in other_node._cache.get_client().scan_iter("*throttle_auth*")]
    assert len(keys) == 1
    assert len(other_node._cache.get(keys[0], None)) == 3
    response = login(api_client, "ann@example.com")
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert redis_cache.shared


def test_with_redis_down_logins_and_asks_keep_working(
    dead_redis_cache, api_client, make_user, sqlite_datasource, fake_llm
):
    user = make_user(email="ann@example.com")
    response = login(api_client, "ann@example.com")
    assert response.status_code == 200, response.content
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    source = sqlite_datasource(user, SHOP)
    conversation = api_client.post("/api/conversations/", {"datasource": source.pk}, format="json").json()
    fake_llm.enqueue(Reply.sql("SELECT COUNT(*) AS n FROM products"), Reply.text("There are 2 products."))
    ask = api_client.post(
        f"/api/conversations/{conversation['id']}/messages/", {"question": "How many products?"}, format="json"
    )
    assert ask.status_code == 201, ask.content
    assert ask.json()["status"] == "ok" and ask.json()["result"]["rows"] == [[2]]
    assert not dead_redis_cache.shared


def test_with_redis_down_throttles_still_count_in_each_process(dead_redis_cache, api_client, settings, make_user):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "2/min"}
    make_user(email="ann@example.com")
    assert login(api_client, "ann@example.com").status_code == 200
    assert login(api_client, "ann@example.com", "wrong").status_code == 400
    response = login(api_client, "ann@example.com")
    assert response.status_code == 429 and response.json()["code"] == "throttled"
