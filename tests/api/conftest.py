"""Fixtures of the contract tests."""

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections


@pytest.fixture
def wsgi_app():
    """The WSGI application for in-process HTTP clients (httpx, schemathesis).

    Like Django's test client, it keeps the test's database connection open at the start and end
    of each request, so requests see the test's transaction on every database.
    """
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
