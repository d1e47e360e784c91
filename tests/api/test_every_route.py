"""No request of any method to any route answers 5xx; every error under /api/ is JSON in the error shape.

Walks every URL pattern with GET, HEAD, OPTIONS, POST, PUT, PATCH and DELETE, anonymous and
authenticated, with no body, an empty object, junk JSON, wrong types, huge numbers and odd
Unicode; documented operations must also answer a documented status with a body that matches
the published schema.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.admin.sites import site as admin_site
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework_simplejwt.tokens import RefreshToken

from tests.api.openapi_check import SchemaChecker, published_schema

pytestmark = pytest.mark.django_db

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT);
INSERT INTO customers VALUES (1, 'Ann', 'north'), (2, 'Bo', 'south');
"""
HUGE = 10**40
ODD = "\u202eevil\u200b \U0001f600 \u0301e\ufeff \ud55c\uad6d\uc5b4 " + "\u0000nul \ud800lone " + "x" * 3000
METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]


def _request_fields() -> list[str]:
    """Every property any request body of the schema names."""
    names = set()
    for name, component in published_schema()["components"]["schemas"].items():
        if name.endswith("Request"):
            names.update(component.get("properties", {}))
    return sorted(names)


def _bodies() -> list[tuple[str, str | None]]:
    fields = _request_fields()
    wrong = {name: [{"x": [1]}] for name in fields}
    huge = {name: (HUGE if i % 2 else -HUGE) for i, name in enumerate(fields)}
    huge["port"] = 1e308
    odd = {name: ODD for name in fields}
    odd["tables"] = [{"name": ODD, "description": ODD, "columns": [{"name": ODD, "description": ODD}]}]
    return [
        ("none", None),
        ("empty", "{}"),
        ("junk", '{"question": tru'),
        ("array", "[1, 2, 3]"),
        ("wrong types", json.dumps(wrong)),
        ("huge numbers", json.dumps(huge)),
        ("odd unicode", json.dumps(odd)),
    ]


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def api_routes() -> list[str]:
    """Every route under /api/, as its pattern text."""
    return [route for route, _ in _walk(get_resolver().url_patterns) if route.startswith("api/")]


def admin_paths() -> list[str]:
    """One path per admin URL pattern: the index, login, and each registered model's pages."""
    paths = ["/admin/", "/admin/login/", "/admin/logout/", "/admin/password_change/", "/admin/jsi18n/"]
    for model in admin_site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        paths += [base, base + "add/", base + "1/change/", base + "1/delete/", base + "1/history/"]
        paths.append(f"/admin/{model._meta.app_label}/")
    paths.append("/admin/no/such/page/")
    return sorted(set(paths))


def concrete_paths(route: str, ids: dict[str, list[int]]) -> list[str]:
    """The route with each `<int:...>` filled by own, foreign and missing ids; regexes by a sample."""
    if route == "api/^.*$":
        return ["/api/no/such/thing/", "/api/auth/nothing-here/", "/api/%F0%9F%98%80/"]
    if "<int:" not in route:
        return ["/" + route]
    return ["/" + re.sub(r"<int:\w+>", str(value), route) for value in ids[route.split("/")[1]]]


@pytest.fixture
def world(user, other_user, sqlite_datasource):
    """The user's datasource, conversation and turn; another user's; ids of each kind per route family."""
    from chat import services
    from chat.models import Message

    mine = sqlite_datasource(user, SHOP)
    theirs = sqlite_datasource(other_user, SHOP, name="theirs")
    conversation = services.conversation_create(owner=user, datasource=mine, title="walk")
    other_conversation = services.conversation_create(owner=other_user, datasource=theirs, title="not yours")
    message = services.message_ask(conversation=conversation, question="", sql="SELECT * FROM customers")
    assert message.status == Message.Status.OK
    from examples.services import example_create

    example = example_create(owner=user, datasource=mine, question="How many?", sql="SELECT COUNT(*) FROM customers")
    other_example = example_create(owner=other_user, datasource=theirs, question="Theirs", sql="SELECT 1")
    missing = [0, 987654321, HUGE]
    return {
        "examples": [example.pk, other_example.pk, *missing],
        "datasources": [mine.pk, theirs.pk, *missing],
        "conversations": [conversation.pk, other_conversation.pk, *missing],
        "messages": [message.pk, *missing],
    }


def assert_answer(method: str, path: str, response, checker: SchemaChecker | None) -> None:
    where = f"{method} {path} -> {response.status_code}: {response.content[:300]!r}"
    assert response.status_code < 500, where
    if checker is not None:
        checker.check(method, path, response)
    if not path.startswith("/api/") or response.status_code < 400:
        return
    assert response["Content-Type"].startswith("application/json"), where
    if method != "HEAD":
        body = json.loads(response.content)
        assert isinstance(body.get("detail"), str) and body["detail"], where
        assert isinstance(body.get("code"), str) and body["code"], where


def send(client: Client, method: str, path: str, body: str | None, **headers):
    if body is None:
        return client.generic(method, path, **headers)
    return client.generic(method, path, body.encode("utf-8", "surrogatepass"), "application/json", **headers)


def test_every_api_route_is_in_the_schema():
    documented = {re.sub(r"\{\w+\}", "<int:pk>", path) for path in published_schema()["paths"]}
    undocumented = {"/" + route for route in api_routes()} - documented
    assert undocumented == {"/api/schema/", "/api/docs/", "/api/^.*$"}


@pytest.mark.parametrize("route", api_routes())
def test_api_route_answers_every_method_without_5xx(route, world, user, settings):
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False
    checker = SchemaChecker()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}
    clients = [("anonymous", Client(), {}), ("bearer", Client(), bearer)]
    bodies = _bodies()
    for path in concrete_paths(route, world):
        for _who, client, headers in clients:
            for method in METHODS:
                for _label, body in bodies if method in ("POST", "PUT", "PATCH", "DELETE") else [("none", None)]:
                    response = send(client, method, path, body, **headers)
                    assert_answer(method, path, response, checker)
                for query in ("?page=-1&per-page=1e9&page_size=x&search=%00%ff&all=TRUE", f"?page={HUGE}"):
                    if method in ("GET", "DELETE"):
                        response = send(client, method, path + query, None, **headers)
                        assert_answer(method, path + query, response, checker)
    documented = [op for item in published_schema()["paths"].values() for op in item.values()]
    if any(checker.operation(method, concrete_paths(route, world)[0]) for method in METHODS):
        assert checker.checked, f"no answer of {route} was checked against the schema"
    assert documented


def test_admin_pages_answer_without_5xx(make_user):
    staff = make_user(is_staff=True, is_superuser=True)
    signed_in = Client(raise_request_exception=False)
    signed_in.force_login(staff)
    for client in (Client(raise_request_exception=False), signed_in):
        for path in admin_paths():
            for method in METHODS:
                for body in (None, '{"x": tru'):
                    response = send(client, method, path, body)
                    assert response.status_code < 500, f"{method} {path} -> {response.status_code}"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unknown_api_path_is_a_json_404_for_any_method_even_without_csrf(method):
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method, "/api/no/such/thing/", b"{}", "application/json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_bearer_requests_need_no_csrf_token(user, sqlite_datasource):
    datasource = sqlite_datasource(user, SHOP)
    client = Client(enforce_csrf_checks=True)
    client.cookies["csrftoken"] = "a" * 32  # a browser with a cookie but no header: still no CSRF check
    access = RefreshToken.for_user(user).access_token
    response = client.post(
        "/api/conversations/",
        {"datasource": datasource.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {access}",
    )
    assert response.status_code == 201, response.content


def test_errors_from_outside_drf_are_json(api_client):
    # The schema view renders YAML; its errors are JSON like every other error under /api/.
    response = api_client.post("/api/schema/", {}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.urls("tests.api.urls_probe")
def test_an_html_error_under_api_is_reshaped_as_json(api_client):
    response = api_client.get("/api/probe/html-refusal/")
    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to do this.", "code": "permission_denied"}
    assert response["Retry-After"] == "7"
