"""API conventions: root links, health, docs, error shapes, body limit, pagination and CORS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.db.utils import OperationalError
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    assert "Traceback" not in response.content.decode()
    return body


class TestRoot:
    def test_lists_exactly_the_entry_points(self, api_client):
        body = api_client.get("/api/").json()
        assert body["name"] == "chatAPI"
        assert body["version"]
        assert body["llm"] == {"mode": "offline", "model": "offline"}
        rels = {item["rel"] for item in body["_links"]} - {"self"}
        assert rels == {"login", "registration", "user", "conversations", "datasources", "chat", "docs", "schema"}
        by_rel = {item["rel"]: item for item in body["_links"]}
        assert by_rel["login"] == {
            "rel": "login",
            "desc": by_rel["login"]["desc"],
            "href": "http://testserver/api/auth/login/",
            "method": "POST",
        }
        assert by_rel["registration"]["href"] == "http://testserver/api/auth/registration/"
        assert by_rel["registration"]["method"] == "POST"

    def test_shows_the_openai_mode_when_configured(self, api_client, settings):
        settings.LLM_PROVIDER = "openai"
        settings.OPENAI_SQL_MODEL = "gpt-test-sql"
        assert api_client.get("/api/").json()["llm"] == {"mode": "openai", "model": "gpt-test-sql"}

    def test_every_link_resolves(self, api_client, auth_client):
        for item in api_client.get("/api/").json()["_links"]:
            path = item["href"].removeprefix("http://testserver")
            if item["method"] == "GET":
                response = auth_client.get(path)
                assert response.status_code == 200, (item, response.content[:300])
            else:
                # An empty POST reaches the view and is refused for its input, never a 404/405.
                response = auth_client.post(path, {}, format="json")
                assert response.status_code == 400, (item, response.content[:300])


class TestHealthAndDocs:
    def test_health(self, api_client):
        assert api_client.get("/api/health/").json() == {"status": "ok", "database": "ok"}

    def test_health_is_503_when_the_database_is_down(self, api_client, monkeypatch):
        def down(*args, **kwargs):
            raise OperationalError("connection refused")

        monkeypatch.setattr(connection, "cursor", down)
        response = api_client.get("/api/health/")
        assert response.status_code == 503
        assert response.json()["database"] == "unavailable"

    def test_openapi_schema(self, api_client):
        response = api_client.get("/api/schema/?format=json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert "/api/auth/login/" in schema["paths"]

    def test_swagger_ui_uses_local_assets(self, api_client):
        response = api_client.get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "swagger-ui" in html
        for cdn in ("cdn.jsdelivr", "unpkg.com", "cdnjs"):
            assert cdn not in html
        assert "/static/drf_spectacular_sidecar/" in html


class TestErrorShapes:
    def test_unknown_api_path_is_a_json_404(self, api_client):
        assert assert_error_shape(api_client.get("/api/no/such/thing/"), 404)["code"] == "not_found"

    def test_malformed_json_is_a_400(self, api_client):
        response = api_client.post("/api/auth/login/", "{not json", content_type="application/json")
        assert assert_error_shape(response, 400)["code"] == "parse_error"

    def test_wrong_content_type_is_a_415(self, api_client):
        response = api_client.post("/api/auth/login/", "email=a", content_type="application/x-www-form-urlencoded")
        assert_error_shape(response, 415)

    def test_wrong_method_is_a_405(self, api_client):
        assert assert_error_shape(api_client.delete("/api/"), 405)["code"] == "method_not_allowed"

    def test_oversize_body_is_a_413_and_changes_nothing(self, api_client):
        from accounts.models import User

        big = '{"email": "a@example.com", "nickname": "' + "x" * (1024 * 1024 + 10) + '"}'
        response = api_client.post("/api/auth/registration/", big, content_type="application/json")
        assert assert_error_shape(response, 413)["code"] == "request_too_large"
        assert not User.objects.exists()

    @pytest.mark.urls("tests.api.urls_probe")
    def test_unexpected_error_in_a_view_is_a_json_500_without_details(self, auth_client):
        response = auth_client.get("/probe/boom/")
        body = assert_error_shape(response, 500)
        assert "secret" not in response.content.decode()
        assert body["code"] == "server_error"

    @pytest.mark.urls("tests.api.urls_probe")
    def test_unexpected_error_outside_drf_is_a_json_500(self):
        client = Client(raise_request_exception=False)
        response = client.get("/probe/plain-boom/")
        assert_error_shape(response, 500)
        assert "secret" not in response.content.decode()


@pytest.mark.urls("tests.api.urls_probe")
class TestPagination:
    @pytest.fixture
    def users(self, make_user):
        return [make_user(email=f"u{n:03}@example.com") for n in range(45)]

    def test_default_page(self, auth_client, users):
        body = auth_client.get("/probe/paged/").json()
        assert body["count"] == 46  # 45 + the authenticated user
        assert len(body["results"]) == 20
        assert body["previous"] is None
        assert body["next"].startswith("http://testserver/probe/paged/?page=2")
        rels = [item["rel"] for item in body["_links"]]
        assert rels == ["self", "next"]

    def test_per_page_and_alias(self, auth_client, users):
        assert len(auth_client.get("/probe/paged/?per-page=7").json()["results"]) == 7
        assert len(auth_client.get("/probe/paged/?page_size=9").json()["results"]) == 9

    def test_per_page_is_capped_at_100(self, auth_client, make_user, users):
        for n in range(70):
            make_user(email=f"extra{n}@example.com")
        assert len(auth_client.get("/probe/paged/?per-page=500").json()["results"]) == 100

    def test_last_page_links_back(self, auth_client, users):
        body = auth_client.get("/probe/paged/?page=3").json()
        assert len(body["results"]) == 6
        assert body["next"] is None
        assert [item["rel"] for item in body["_links"]] == ["self", "previous"]

    @pytest.mark.parametrize("page", ["4", "999999999", "0", "abc"])
    def test_out_of_range_page_is_a_404(self, auth_client, users, page):
        assert_error_shape(auth_client.get(f"/probe/paged/?page={page}"), 404)

    @pytest.mark.parametrize("size", ["0", "-3", "many"])
    def test_bad_page_size_is_a_400(self, auth_client, users, size):
        assert_error_shape(auth_client.get(f"/probe/paged/?per-page={size}"), 400)


class TestCors:
    def test_configured_origin_is_allowed(self, api_client):
        response = api_client.get("/api/", HTTP_ORIGIN="http://127.0.0.1:8080")
        assert response["Access-Control-Allow-Origin"] == "http://127.0.0.1:8080"
        assert "Access-Control-Allow-Credentials" not in response

    def test_preflight_for_the_bearer_header(self, api_client):
        response = api_client.options(
            "/api/auth/user/",
            HTTP_ORIGIN="http://localhost:8080",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
        )
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "http://localhost:8080"
        assert "authorization" in response["Access-Control-Allow-Headers"].lower()

    def test_other_origins_are_refused(self, api_client):
        response = api_client.get("/api/", HTTP_ORIGIN="http://evil.example.com")
        assert "Access-Control-Allow-Origin" not in response


def _manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "FIELD_ENCRYPTION_KEY")}
    env.update(env_overrides)
    env["DATABASE_URL"] = "sqlite:////tmp/chatapi-deploy-check.sqlite3"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


class TestProductionSettings:
    def test_deploy_check_is_clean(self):
        result = _manage(
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            env_overrides={
                "DEBUG": "false",
                "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-0987654321",
                "FIELD_ENCRYPTION_KEY": "3q2-7wEjXyc0E9y3R8eB1F7QhJx4z0a6n8m5t2V1uYk=",
            },
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    @pytest.mark.parametrize("key", ["prod-field-key", "3q2-7wEjXyc0E9y3R8eB1F7QhJx4z0a6n8m5t2V1uY="])
    def test_check_refuses_a_malformed_encryption_key(self, settings, key):
        settings.FIELD_ENCRYPTION_KEY = key
        with pytest.raises(SystemCheckError, match=r"chatAPI\.E001.*FIELD_ENCRYPTION_KEY"):
            call_command("check")

    @pytest.mark.parametrize("key", [Fernet.generate_key().decode(), ""])
    def test_check_accepts_a_good_or_derived_encryption_key(self, settings, key):
        settings.FIELD_ENCRYPTION_KEY = key
        call_command("check")

    def test_deploy_check_fails_on_a_malformed_encryption_key(self):
        result = _manage(
            "check",
            "--deploy",
            env_overrides={
                "DEBUG": "false",
                "SECRET_KEY": "k" * 20 + "-a-long-random-production-secret-value-0987654321",
                "FIELD_ENCRYPTION_KEY": "prod-field-key",
            },
        )
        assert result.returncode != 0
        assert "chatAPI.E001" in result.stderr

    def test_refuses_to_start_without_secret_key(self):
        result = _manage("check", env_overrides={"DEBUG": "false", "FIELD_ENCRYPTION_KEY": "x"})
        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr
