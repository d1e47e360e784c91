"""Markup from users, the model and the database shows as text; the chat page fits a phone."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in
from tests.fake_llm import Reply

PROBE = "<img src=x onerror=window.__xss=1>"
SCRIPT_PROBE = "<script>window.__xss=2</script>"

HOSTILE = f"""
CREATE TABLE notes (label TEXT NOT NULL, score INTEGER NOT NULL);
INSERT INTO notes VALUES ('{PROBE}', 3), ('{SCRIPT_PROBE}', 5), ('평범한 값', 1);
"""

WIDE = """
CREATE TABLE regions (
  region TEXT, population INTEGER, area_km2 INTEGER, gdp_million INTEGER, schools INTEGER,
  hospitals INTEGER, parks INTEGER, libraries INTEGER, museums INTEGER, stations INTEGER
);
INSERT INTO regions VALUES
  ('서울특별시', 9386034, 605, 472000, 1300, 360, 2100, 200, 130, 300),
  ('부산광역시', 3317812, 770, 98000, 620, 150, 900, 90, 40, 120),
  ('제주특별자치도', 676759, 1850, 21000, 190, 40, 300, 30, 80, 0);
"""


def assert_no_script_ran(page):
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("main img, .sidebar img").count() == 0


def test_markup_in_question_model_reply_and_data_stays_text(page, site, user, sqlite_datasource, fake_llm):
    sqlite_datasource(user, HOSTILE, name=f"notes {PROBE}")
    sign_in(page, site, user)
    page.get_by_label("Datasource").select_option(index=0)
    fake_llm.enqueue(Reply.sql("SELECT label, score FROM notes ORDER BY score DESC"), stage="sql")
    fake_llm.enqueue(Reply.text(f"Summary {PROBE} and {SCRIPT_PROBE} **bold**"), stage="summary")
    question = f"Show notes {PROBE}"
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")

    turn = page.locator("article.turn").last
    expect(turn.locator(".summary")).to_have_text(f"Summary {PROBE} and {SCRIPT_PROBE} **bold**")
    expect(turn.locator(".bubble")).to_have_text(question)
    cells = turn.locator(".result-table tbody td")
    expect(cells.nth(0)).to_have_text(SCRIPT_PROBE)
    expect(cells.nth(2)).to_have_text(PROBE)
    expect(turn.locator(".chart-label").nth(1)).to_contain_text("<img")  # chart labels are SVG text too
    expect(page.locator(".conversation-title").first).to_have_text(question)
    assert_no_script_ran(page)
    page.shots("chat-xss")

    # Reloaded from storage, in the history table and on the datasources page: still text.
    page.reload()
    expect(page.locator("article.turn .summary")).to_contain_text(PROBE)
    assert_no_script_ran(page)
    page.get_by_role("link", name="History").click()
    expect(page.locator(".history-table tbody tr td").first).to_contain_text(question)
    assert_no_script_ran(page)
    page.get_by_role("link", name="Datasources").click()
    expect(page.locator(".ds-item h3", has_text=PROBE)).to_have_count(1)
    assert_no_script_ran(page)
    page.shots("datasources-xss")


def test_chat_page_fits_a_phone(phone_page, site, user, sqlite_datasource, fake_llm):
    page = phone_page
    sqlite_datasource(user, WIDE, name="지역 통계")
    sign_in(page, site, user)
    page.get_by_label("Datasource").select_option(label="지역 통계")
    fake_llm.enqueue(Reply.sql("SELECT * FROM regions ORDER BY population DESC"), stage="sql")
    fake_llm.enqueue(Reply.text("서울특별시의 인구가 가장 많습니다. " * 6), stage="summary")
    page.get_by_label("Your question").fill("지역별 인구와 시설 수를 모두 보여줘")
    page.get_by_role("button", name="Send").click()
    turn = page.locator("article.turn").last
    expect(turn.locator(".result-table tbody tr")).to_have_count(3)
    expect(turn.locator(".chart svg")).to_be_visible()

    def overflow():
        return page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
        )

    assert overflow() <= 0
    # The wide table, one click away from the chart, scrolls inside its own box instead of the page.
    turn.get_by_role("button", name="Table").click()
    expect(turn.locator(".result-wrap")).to_be_visible()
    assert overflow() <= 0
    assert page.evaluate("document.querySelector('.result-wrap').scrollWidth > innerWidth")
    page.shots("phone-answer")

    # The sidebar is a drawer on a phone.
    sidebar = page.locator("#sidebar")
    expect(sidebar).to_be_hidden()
    page.get_by_role("button", name="Chats").click()
    expect(sidebar).to_be_visible()
    expect(sidebar.locator(".conversation")).to_have_count(1)
    assert overflow() <= 0
    page.shots("phone-sidebar")
    page.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()

    for name in ("history.html", "datasources.html"):
        page.goto(site.page(name))
        expect(page.locator("main h1")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert overflow() <= 0, name
        page.shots(re.sub(r"\.html$", "", name))


def test_login_and_join_fit_a_phone(phone_page, site):
    page = phone_page
    for name, button in (("login.html", "Log in"), ("join.html", "Create account")):
        page.goto(site.page(name))
        expect(page.get_by_role("button", name=button)).to_be_enabled()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, name
        box = page.get_by_label("Email").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
        page.shots(f"phone-{name.removesuffix('.html')}")


def test_user_menu_and_account_dialog_work_from_the_keyboard(page, site, user):
    sign_in(page, site, user, target="history.html")
    menu_button = page.get_by_role("button", name=user.nickname)
    menu_button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Log out")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#user-menu")).to_be_hidden()
    expect(menu_button).to_be_focused()

    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Delete account")).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Delete your account?")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Your password")).to_be_focused()
    page.keyboard.press("Escape")  # cancels: nothing is deleted, and focus comes back to the menu button
    expect(dialog).to_have_count(0)
    expect(menu_button).to_be_focused()
    expect(page).to_have_url(re.compile(r"/history\.html$"))
    user.refresh_from_db()
