"""Shared fixtures: API clients, users, settings for tests, PostgreSQL and the all-tests-must-run rule."""

import os
import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

pytest_plugins = ["tests.fixtures.datasources", "tests.fixtures.llm"]

REQUIRE_ALL = os.environ.get("CHATAPI_REQUIRE_ALL_TESTS", "").lower() in ("1", "true", "yes")
DEFAULT_PASSWORD = "correct-horse-battery-9"


def pytest_sessionfinish(session, exitstatus):
    """In CI every test must run: a skipped test fails the run."""
    if not REQUIRE_ALL:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        if reporter:
            reporter.write_line(
                f"CHATAPI_REQUIRE_ALL_TESTS is set and {len(skipped)} test(s) were skipped: failing the run.",
                red=True,
            )
        session.exitstatus = 1


def skip_or_fail(reason: str):
    """Skip locally; fail when every test is required to run."""
    if REQUIRE_ALL:
        pytest.fail(f"required test could not run: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _language_reset():
    """A Korean request leaves its language active on the thread (LocaleMiddleware): each test starts in English."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Generous throttles, a private datasource folder and the offline LLM unless a test says otherwise."""
    settings.THROTTLE_RATES = {
        "auth": "10000/min",
        "ask": "10000/min",
        **dict.fromkeys(
            ("datasource_test", "datasource_register", "datasource_edit", "datasource_introspect", "example_write"),
            "10000/min",
        ),
    }
    settings.THROTTLE_RATES.update({"password": "10000/min", "admin_login": "10000/min"})
    settings.DATASOURCE_SQLITE_DIR = tmp_path / "datasources"
    settings.DATASOURCE_SQLITE_DIR.mkdir()
    settings.LLM_PROVIDER = "offline"
    settings.OPENAI_API_KEY = ""
    settings.OPENAI_BASE_URL = ""
    settings.SECURE_SSL_REDIRECT = False
    # Hashing passwords with PBKDF2 would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(db):
    """Create a user; every call makes a new one with a unique email unless one is given."""
    from accounts.models import User

    def _make(email: str | None = None, password: str = DEFAULT_PASSWORD, nickname: str = "tester", **extra):
        email = email or f"user-{uuid.uuid4().hex[:10]}@example.com"
        return User.objects.create_user(email=email, password=password, nickname=nickname, **extra)

    return _make


@pytest.fixture
def user(make_user):
    return make_user(email="alice@example.com", nickname="Alice")


@pytest.fixture
def other_user(make_user):
    return make_user(email="bob@example.com", nickname="Bob")


def bearer_client(user) -> APIClient:
    client = APIClient()
    access = RefreshToken.for_user(user).access_token
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


@pytest.fixture
def auth_client(user) -> APIClient:
    """An API client authenticated as `user` with a bearer access token."""
    return bearer_client(user)


@pytest.fixture
def other_client(other_user) -> APIClient:
    """An API client authenticated as `other_user`."""
    return bearer_client(other_user)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of a PostgreSQL server where tests may create databases (superuser)."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url:
        skip_or_fail("TEST_POSTGRES_URL is not set (run through `make test` or scripts/with-postgres.sh)")
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of a Redis server the tests may write to and flush."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        skip_or_fail("TEST_REDIS_URL is not set (run through `make test` or scripts/with-redis.sh)")
    return url


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """URL of a MySQL/MariaDB server where tests may create databases and users (every privilege)."""
    url = os.environ.get("TEST_MYSQL_URL")
    if not url:
        skip_or_fail("TEST_MYSQL_URL is not set (run through `make test` or scripts/with-mariadb.sh)")
    return url
