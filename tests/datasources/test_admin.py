"""The admin shows datasources and their schema to operators, never the password, and edits descriptions only."""

import pytest
from django.test import Client

from datasources.models import Column, DataSource, Table
from datasources.services import datasource_create
from tests.conftest import DEFAULT_PASSWORD


@pytest.fixture
def staff_browser(make_user):
    staff = make_user(email="ops@example.com", is_staff=True, is_superuser=True)
    browser = Client()
    assert browser.login(email=staff.email, password=DEFAULT_PASSWORD)
    return browser


def test_admin_never_shows_the_password(staff_browser, user):
    datasource = datasource_create(
        owner=user,
        name="wh",
        engine="postgresql",
        host="127.0.0.1",
        port=5432,
        database="wh",
        username="reader",
        password="very-secret-pw",
    )
    stored = DataSource.objects.get(pk=datasource.pk).password_encrypted
    for url in ("/admin/datasources/datasource/", f"/admin/datasources/datasource/{datasource.pk}/change/"):
        response = staff_browser.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and "wh" in page
        assert "very-secret-pw" not in page and stored not in page
    assert staff_browser.get("/admin/datasources/datasource/add/").status_code == 403


def test_admin_edits_descriptions_but_not_connection_settings(staff_browser, sqlite_datasource, user):
    datasource = sqlite_datasource(user, "CREATE TABLE t (x INTEGER);", name="shop")
    table = Table.objects.get(datasource=datasource)
    column = Column.objects.get(table=table)
    response = staff_browser.get(f"/admin/datasources/table/{table.pk}/change/")
    assert response.status_code == 200 and 'name="description"' in response.content.decode()
    staff_browser.post(
        f"/admin/datasources/column/{column.pk}/change/", {"description": "The only column", "name": "evil"}
    )
    column.refresh_from_db()
    assert column.description == "The only column" and column.name == "x"
    staff_browser.post(
        f"/admin/datasources/datasource/{datasource.pk}/change/",
        {
            "name": "renamed",
            "description": "",
            "sqlite_path": "/etc/passwd",
            "tables-TOTAL_FORMS": "0",
            "tables-INITIAL_FORMS": "0",
        },
    )
    datasource.refresh_from_db()
    assert datasource.sqlite_path.endswith(".sqlite3") and not datasource.sqlite_path.startswith("/")
