"""Property-based requests generated from the published schema: no server error, and every answer
(status, content type, headers, body) is one the schema documents.

Bounded: a few examples per operation (`SCHEMATHESIS_EXAMPLES`), run in-process through the WSGI
application, authenticated with a bearer token; about a minute on two cores.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.openapi_check import published_schema

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SHOP = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'pen');"


@pytest.fixture
def api_schema(db, user, sqlite_datasource, wsgi_app):
    """The schema the application serves, calling it in-process; the user owns a datasource and a conversation."""
    from chat import services

    datasource = sqlite_datasource(user, SHOP)
    services.conversation_create(owner=user, datasource=datasource, title="fuzzed")
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)


OPERATIONS = [
    (path, method.upper())
    for path, item in published_schema()["paths"].items()
    for method in item
    if method in ("get", "post", "put", "patch", "delete")
]


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_operation_matches_its_schema(path, method, api_schema, user):
    operation = api_schema[path][method]
    access = RefreshToken.for_user(user).access_token

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        if case.operation.label == "DELETE /api/auth/user/":
            case.body = {"password": "not the password"}  # keep the account the other cases use
        case.call_and_validate(headers={"Authorization": f"Bearer {access}"}, checks=CHECKS)

    run()
