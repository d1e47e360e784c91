"""Register a database, test the connection, read its schema and describe it, in a real browser."""

import sqlite3

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def make_sqlite_file(settings, name: str) -> None:
    connection = sqlite3.connect(settings.DATASOURCE_SQLITE_DIR / name)
    connection.executescript(
        """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL);
        INSERT INTO customers VALUES (1, '김하나', '서울'), (2, 'Lee', '부산');
        INSERT INTO orders VALUES (1, 1, 12.5), (2, 2, 30.0), (3, 1, 8.0);
        """
    )
    connection.commit()
    connection.close()


def expand(details) -> None:
    """Open a <details> element unless it is open already."""
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def test_register_test_introspect_and_describe(page, site, user, settings):
    make_sqlite_file(settings, "shop.sqlite3")
    sign_in(page, site, user, target="datasources.html")
    form = page.locator("#ds-form")

    # Engine-specific fields: a server engine asks for host/port/database/user/password.
    page.get_by_label("Engine").select_option("postgresql")
    expect(form.get_by_label("Host")).to_be_visible()
    expect(form.get_by_label("SQLite file")).to_be_hidden()
    form.get_by_label("Name", exact=True).fill("warehouse")
    form.get_by_label("Host").fill("10.9.9.9")
    form.get_by_label("Database").fill("dw")
    form.get_by_label("Username").fill("reader")
    form.get_by_label("Password").fill("secret")
    form.get_by_role("button", name="Register").click()
    expect(form.locator("[data-error-for=host]")).to_contain_text("not in the list of allowed")
    page.shots("register-postgresql")
    page.get_by_label("Engine").select_option("sqlite")
    expect(form.get_by_label("Host")).to_be_hidden()

    # Missing fields are flagged next to the field; so are the API's refusals.
    form.get_by_label("Name", exact=True).fill("")
    form.get_by_role("button", name="Register").click()
    expect(form.locator("[data-error-for=name]")).to_have_text("Give the database a name.")
    form.get_by_label("Name", exact=True).fill("내 가게")
    form.get_by_label("SQLite file").fill("../outside.sqlite3")
    form.get_by_role("button", name="Register").click()
    expect(form.locator("[data-error-for=sqlite_path]")).not_to_be_empty()
    expect(form.get_by_label("SQLite file")).to_have_attribute("aria-invalid", "true")
    page.shots("register-errors")

    form.get_by_label("SQLite file").fill("shop.sqlite3")
    form.get_by_label("Description").fill("고객과 주문")
    form.get_by_role("button", name="Register").click()
    item = page.locator("article.ds-item", has_text="내 가게")
    expect(item).to_be_visible()
    expect(form.get_by_label("Name", exact=True)).to_have_value("")

    item.get_by_role("button", name="Test").click()
    expect(item.locator(".ds-status")).to_contain_text("Connected")

    item.get_by_role("button", name="Introspect").click()
    schema = page.locator("#schema")
    expect(schema.get_by_role("heading", name="Schema of 내 가게")).to_be_visible()
    expect(schema.locator("details.schema-table")).to_have_count(2)
    customers = schema.locator("details[data-table=customers]")
    expand(customers)
    expect(customers.locator(".col-name")).to_have_text(["id", "name", "city"])
    orders = schema.locator("details[data-table=orders]")
    expand(orders)
    expect(orders.get_by_text("→ customers.id")).to_be_visible()
    page.shots("schema")

    customers.get_by_label("Description of customers", exact=True).fill("가게의 고객 목록")
    customers.get_by_label("Description of customers.city").fill("고객이 사는 도시")
    schema.get_by_role("button", name="Save descriptions").click()
    expect(schema.locator("#schema-save-status")).to_have_text("Saved.")

    # Reopened from the server, the descriptions are there.
    page.reload()
    page.locator("article.ds-item", has_text="내 가게").get_by_role("button", name="Schema").click()
    customers = page.locator("#schema details[data-table=customers]")
    expand(customers)
    expect(customers.get_by_label("Description of customers", exact=True)).to_have_value("가게의 고객 목록")
    expect(customers.get_by_label("Description of customers.city")).to_have_value("고객이 사는 도시")
    page.shots("schema-described")

    # Delete asks first, then the datasource is gone.
    page.locator("article.ds-item", has_text="내 가게").get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator("article.ds-item", has_text="내 가게")).to_have_count(0)


def test_connection_test_shows_each_write_warning(page, site, user, postgres_datasource):
    # The test cluster's role is a superuser that can create objects: exactly what the warnings are for.
    postgres_datasource(user, "CREATE TABLE readings (id integer PRIMARY KEY, value real)", name="plant")
    sign_in(page, site, user, target="datasources.html")
    item = page.locator("article.ds-item", has_text="plant")
    item.get_by_role("button", name="Test").click()
    status = item.locator(".ds-status")
    expect(status).to_contain_text("Connected")
    expect(status.locator(".notice-warning")).to_have_count(3)
    expect(status.locator(".notice-warning").first).to_have_text(
        "This role is a superuser. Register a role that can only SELECT."
    )
    page.shots("datasource-write-warnings")
