"""Teaching in a real browser: suggested questions, thumbs up/down on answers, and the Examples view."""

import json

from playwright.sync_api import expect

from examples.models import Example
from tests.e2e.conftest import sign_in

SHOP = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL, status TEXT);
INSERT INTO customers VALUES (1, '김하나', 'Seoul'), (2, 'Lee', 'Busan'), (3, 'Park', 'Seoul');
INSERT INTO orders VALUES (1, 1, 12.5, 'paid'), (2, 2, 30.0, 'paid'), (3, 1, 8.0, 'sent');
"""


def thumbs(turn):
    return turn.get_by_role("button", name="Good answer"), turn.get_by_role("button", name="Bad answer")


def test_suggestions_and_thumbs_teach_offline_mode(page, site, user, sqlite_datasource):
    shop = sqlite_datasource(user, SHOP, name="가게")
    sign_in(page, site, user)
    page.get_by_label("Datasource").select_option(label="가게")

    # A newcomer sees questions that work on this database.
    suggestions = page.locator(".welcome .suggestion")
    expect(suggestions.first).to_be_visible()
    assert suggestions.count() >= 3
    page.shots("suggestions")
    question = suggestions.first.text_content()
    suggestions.first.click()

    turn = page.locator("article.turn").last
    expect(turn.locator(".summary")).to_be_visible()
    up, down = thumbs(turn)
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(down).to_have_attribute("aria-pressed", "false")

    up.click()
    up, down = thumbs(page.locator("article.turn").last)
    expect(up).to_have_attribute("aria-pressed", "true")
    expect(page.locator("article.turn").last.locator(".feedback-note")).to_contain_text("Saved as an example")
    example = Example.objects.get(owner=user, datasource=shop)
    assert example.question == question and example.source == "feedback"
    page.shots("rated-up")

    down.click()
    up, down = thumbs(page.locator("article.turn").last)
    expect(down).to_have_attribute("aria-pressed", "true")
    expect(up).to_have_attribute("aria-pressed", "false")
    expect(page.locator("article.turn").last.locator(".feedback-note")).to_contain_text("bad answer")
    assert not Example.objects.filter(owner=user).exists()

    down.click()  # pressing the pressed one withdraws the rating
    up, down = thumbs(page.locator("article.turn").last)
    expect(down).to_have_attribute("aria-pressed", "false")
    expect(up).to_have_attribute("aria-pressed", "false")

    up.click()
    expect(thumbs(page.locator("article.turn").last)[0]).to_have_attribute("aria-pressed", "true")

    # The same question again is answered from the example, and the answer says so.
    box = page.get_by_label("Your question")
    box.fill(question.lower().rstrip("?"))
    box.press("Enter")
    again = page.locator("article.turn").nth(1)
    expect(again.locator(".learning-note")).to_have_text("Answered with the SQL of your saved example")
    expect(again.locator(".turn-meta")).to_contain_text("offline:example")

    # After a reload the rating is still shown.
    page.reload()
    expect(thumbs(page.locator("article.turn").first)[0]).to_have_attribute("aria-pressed", "true")
    page.shots("after-reload")


def test_a_failed_answer_cannot_be_rated_up(page, site, user, sqlite_datasource):
    sqlite_datasource(user, SHOP, name="가게")
    sign_in(page, site, user)
    page.get_by_label("Datasource").select_option(label="가게")
    box = page.get_by_label("Your question")
    box.fill("Why is the sky blue?")
    box.press("Enter")
    turn = page.locator("article.turn").last
    expect(turn.locator(".turn-error")).to_be_visible()
    up, down = thumbs(turn)
    expect(up).to_be_disabled()
    down.click()
    expect(thumbs(page.locator("article.turn").last)[1]).to_have_attribute("aria-pressed", "true")


def test_examples_view_lists_adds_edits_searches_deletes_exports_and_imports(
    page, site, user, sqlite_datasource, tmp_path
):
    sqlite_datasource(user, SHOP, name="가게")
    sign_in(page, site, user, target="datasources.html")
    page.locator("article.ds-item", has_text="가게").get_by_role("button", name="Examples").click()
    view = page.locator("#examples")
    expect(view.get_by_role("heading", name="Examples · 가게")).to_be_visible()
    expect(view.locator(".empty")).to_contain_text("No examples yet")

    # The server checks the SQL on the database; its refusal shows next to the SQL field.
    form = view.locator(".examples-add form")
    form.get_by_label("Question").fill("서울 고객 수")
    form.get_by_label("SQL").fill("SELECT COUNT(*) FROM customers WHERE town = 'Seoul'")
    form.get_by_role("button", name="Add example").click()
    expect(form.locator("[data-error-for=sql]")).to_contain_text("town")
    expect(form.get_by_label("SQL")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("SQL").fill("DELETE FROM customers")
    form.get_by_role("button", name="Add example").click()
    expect(form.locator("[data-error-for=sql]")).not_to_be_empty()
    page.shots("add-refused")
    form.get_by_label("SQL").fill("SELECT COUNT(*) FROM customers WHERE city = 'Seoul'")
    form.get_by_role("button", name="Add example").click()
    items = view.locator(".example-item")
    expect(items).to_have_count(1)
    expect(items.first.locator(".example-question")).to_have_text("서울 고객 수")

    form.get_by_label("Question").fill("Paid orders")
    form.get_by_label("SQL").fill("SELECT * FROM orders WHERE status = 'paid'")
    form.get_by_role("button", name="Add example").click()
    expect(items).to_have_count(2)

    # Search
    view.get_by_label("Search", exact=True).fill("paid")
    view.get_by_role("button", name="Search").click()
    expect(items).to_have_count(1)
    expect(items.first.locator(".example-question")).to_have_text("Paid orders")

    # Edit, with the server's error inline, then saved
    items.first.get_by_role("button", name="Edit").click()
    edit = items.first.locator("form")
    edit.get_by_label("SQL").fill("SELECT * FROM nowhere")
    edit.get_by_role("button", name="Save").click()
    expect(edit.locator("[data-error-for=sql]")).to_contain_text("nowhere")
    edit.get_by_label("Question").fill("Orders that are paid")
    edit.get_by_label("SQL").fill("SELECT id FROM orders WHERE status = 'paid'")
    edit.get_by_role("button", name="Save").click()
    expect(items.first.locator(".example-question")).to_have_text("Orders that are paid")
    assert Example.objects.get(question="Orders that are paid").sql == "SELECT id FROM orders WHERE status = 'paid'"
    page.shots("edited")

    # Export
    view.get_by_label("Search", exact=True).fill("")
    view.get_by_role("button", name="Search").click()
    expect(items).to_have_count(2)
    with page.expect_download() as info:
        view.get_by_role("button", name="Export").click()
    exported = [json.loads(line) for line in open(info.value.path(), encoding="utf-8").read().splitlines()]
    assert [line["question"] for line in exported] == ["서울 고객 수", "Orders that are paid"]

    # Delete, after confirming
    items.filter(has_text="서울 고객 수").get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(items).to_have_count(1)

    # Import: a file with a bad line changes nothing and names the line; a good one adds every line.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        json.dumps({"question": "부산 고객", "sql": "SELECT * FROM customers WHERE city = 'Busan'"})
        + "\n"
        + json.dumps({"question": "Broken", "sql": "SELECT nope FROM customers"})
        + "\n",
        encoding="utf-8",
    )
    page.locator("#examples-import").set_input_files(str(bad))
    expect(view.locator(".import-errors")).to_contain_text("Line 2")
    assert Example.objects.count() == 1
    page.shots("import-refused")
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in exported) + "\n", encoding="utf-8")
    page.locator("#examples-import").set_input_files(str(good))
    # The deleted one comes back; the one still kept is not doubled.
    expect(view.locator(".examples-status")).to_contain_text("Imported 1 example. 1 was already there.")
    expect(items).to_have_count(2)


def test_in_korean_suggestions_and_thumbs_speak_korean(page, site, user, sqlite_datasource):
    sqlite_datasource(user, SHOP, name="가게")
    sign_in(page, site, user, target=None)
    page.evaluate("localStorage.setItem('chatapi.locale', 'ko')")
    page.goto(site.page("chat.html"))
    page.get_by_label("데이터소스").select_option(label="가게")
    suggestion = page.locator(".welcome .suggestion").first
    expect(suggestion).to_contain_text("수")  # "customers 수는?": a Korean question about the schema
    question = suggestion.text_content()
    suggestion.click()
    turn = page.locator("article.turn").last
    expect(turn.locator(".summary")).to_contain_text("결과는")
    turn.get_by_role("button", name="좋은 답변").click()
    expect(page.locator("article.turn").last.locator(".feedback-note")).to_have_text(
        "예시로 저장했습니다. 비슷한 질문에 이 SQL을 참고합니다."
    )
    assert Example.objects.get(owner=user).question == question


def test_thumbs_and_the_examples_view_fit_a_phone(phone_page, site, user, sqlite_datasource):
    page = phone_page
    sqlite_datasource(user, SHOP, name="가게")
    sign_in(page, site, user, target="datasources.html")

    def overflow() -> int:
        return page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
        )

    page.locator("article.ds-item", has_text="가게").get_by_role("button", name="Examples").click()
    form = page.locator("#examples .examples-add form")
    form.get_by_label("Question").fill("서울 고객 수를 도시별로 아주 길게 물어보는 질문입니다 " * 3)
    form.get_by_label("SQL").fill("SELECT city, COUNT(*) AS customers_in_each_city FROM customers GROUP BY city")
    form.get_by_role("button", name="Add example").click()
    expect(page.locator("#examples .example-item")).to_have_count(1)
    assert overflow() <= 0
    page.shots("examples-phone")

    page.goto(site.page("chat.html"))
    page.get_by_label("Datasource").select_option(label="가게")
    page.locator(".welcome .suggestion").first.click()
    turn = page.locator("article.turn").last
    expect(thumbs(turn)[0]).to_be_visible()
    assert overflow() <= 0
