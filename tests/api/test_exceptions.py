"""The error handler: readable details that name nested fields, and throttling messages that match the header."""

import pytest

pytestmark = pytest.mark.django_db

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id));
"""


class TestNestedValidationErrors:
    @pytest.fixture
    def schema_url(self, sqlite_datasource, user):
        return f"/api/datasources/{sqlite_datasource(user, SHOP).pk}/schema/"

    def test_detail_names_the_item_and_field(self, auth_client, schema_url):
        payload = {
            "tables": [
                {"name": "customers", "description": "People who buy"},
                {"name": "orders", "columns": [{"name": "id", "description": "x"}, {"name": "customer_id"}]},
            ]
        }
        response = auth_client.patch(schema_url, payload, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["detail"] == "tables[1].columns[1].description: This field is required."
        assert body["code"] == "required"
        # `errors` keeps DRF's own structure: the invalid items keyed by their index.
        assert body["errors"] == {"tables": {"1": {"columns": {"1": {"description": ["This field is required."]}}}}}

    def test_an_error_on_the_list_itself_names_the_list(self, auth_client, schema_url):
        body = auth_client.patch(schema_url, {"tables": "x"}, format="json").json()
        assert body["detail"].startswith("tables: ")
        assert body["errors"] == {"tables": {"non_field_errors": [body["detail"].removeprefix("tables: ")]}}

    def test_flat_field_errors_keep_their_shape(self, api_client):
        body = api_client.post("/api/auth/login/", {"email": "ann@example.com"}, format="json").json()
        assert body == {
            "detail": "password: This field is required.",
            "code": "required",
            "errors": {"password": ["This field is required."]},
        }


class TestThrottled:
    def test_detail_and_retry_after_give_the_same_wait(self, api_client, settings):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "auth": "1/min"}
        login = {"email": "ann@example.com", "password": "wrong"}
        assert api_client.post("/api/auth/login/", login, format="json").status_code == 400
        response = api_client.post("/api/auth/login/", login, format="json")
        assert response.status_code == 429
        seconds = int(response["Retry-After"])
        assert 0 < seconds <= 60
        assert response.json() == {
            "detail": f"Too many requests. Try again in {seconds} seconds.",
            "code": "throttled",
        }
