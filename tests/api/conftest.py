"""Fixtures for the API-wide tests."""

import pytest
from django.core import signals
from django.db import close_old_connections


@pytest.fixture(autouse=True)
def wsgi_keeps_the_test_connection():
    """Requests made through the real WSGI handler (schemathesis, the generated client's transport) keep the
    test's database connection, as Django's own test client does: closing it at the end of a request would
    end the test's transaction on PostgreSQL."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def wsgi_app():
    """The WSGI application, for in-process HTTP clients (httpx, schemathesis)."""
    from django.core.wsgi import get_wsgi_application

    return get_wsgi_application()
