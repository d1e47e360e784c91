"""axe-core (bundled with axe-playwright-python, no network) on every page in both languages, and keyboard-only use.

Each page is checked logged out and logged in, the chat with an answer, a chart, a
failed turn and each chart view, with dialogs and menus open. Serious and critical
violations fail the test. Screenshots of every state land in test-artifacts/.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

SALES = """
CREATE TABLE sales (city TEXT NOT NULL, revenue INTEGER NOT NULL, orders INTEGER NOT NULL);
INSERT INTO sales VALUES ('서울', 5200, 41), ('부산', 3100, 28), ('대구', 1800, 15), ('인천', 2400, 22);
CREATE TABLE monthly (month TEXT NOT NULL, revenue INTEGER NOT NULL);
INSERT INTO monthly VALUES ('2026-01', 1200), ('2026-02', 1500), ('2026-03', 900), ('2026-04', 1800);
"""
BLOCKING = ("serious", "critical")
_axe = Axe()


def check_page(page, label: str) -> None:
    """Run axe on the page as it is now; fail on serious or critical violations. Saves a screenshot."""
    page.wait_for_load_state("networkidle")
    results = _axe.run(page)
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(str(n["target"]) for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]
    page.shots(label)
    assert not blocking, f"{label}: " + "\n".join(blocking)


@pytest.fixture(params=["en", "ko"])
def lang_page(request):
    """A page in a browser whose language is English, then one whose language is Korean."""
    page = request.getfixturevalue("page" if request.param == "en" else "ko_page")
    page.lang = request.param
    return page


def stored_turns(user, source):
    """A conversation holding an answer with a bar chart, one with a line chart and a failed turn."""
    from chat import services, storage

    conversation = services.conversation_create(owner=user, datasource=source, title="도시별 매출")
    answer = services.message_start(conversation=conversation, question="도시별 매출과 주문 수는?")
    answer.sql = "SELECT city, revenue, orders FROM sales ORDER BY revenue DESC"
    answer.status, answer.columns = "ok", ["city", "revenue", "orders"]
    answer.rows = [["서울", 5200, 41], ["부산", 3100, 28], ["인천", 2400, 22], ["대구", 1800, 15]]
    answer.row_count, answer.summary, answer.model, answer.total_ms = 4, "서울의 매출이 가장 높습니다.", "offline", 840
    storage.record_turn(answer)
    answer.save()
    trend = services.message_start(conversation=conversation, question="월별 매출 추이")
    trend.sql = "SELECT month, revenue FROM monthly ORDER BY month"
    trend.status, trend.columns = "ok", ["month", "revenue"]
    trend.rows = [["2026-01", 1200], ["2026-02", 1500], ["2026-03", 900], ["2026-04", 1800]]
    trend.row_count, trend.summary = 4, "4월 매출이 가장 높습니다."
    storage.record_turn(trend)
    trend.save()
    failed = services.message_start(conversation=conversation, question="재고가 가장 적은 상품은?")
    failed.status, failed.error_code = "error", "llm_unavailable"
    failed.error_message = "The language model is unavailable right now. Please try again shortly."
    storage.record_turn(failed)
    failed.save()
    return conversation


def test_login_and_join_pages(lang_page, site, make_user):
    page = lang_page
    page.goto(site.page("login.html"))
    expect(page.locator("html")).to_have_attribute("lang", page.lang)
    check_page(page, f"{page.lang}-login")
    # With field errors showing.
    page.locator("#login-form button[type=submit]").click()
    expect(page.locator("#email-error")).not_to_be_empty()
    check_page(page, f"{page.lang}-login-errors")
    page.goto(site.page("join.html"))
    check_page(page, f"{page.lang}-join")
    page.goto(site.page("login.html?loggedout=1"))
    expect(page.locator("#auth-notice")).to_be_visible()
    check_page(page, f"{page.lang}-logged-out")


def test_chat_pages_with_answers_charts_and_a_failed_turn(lang_page, site, user, sqlite_datasource):
    page = lang_page
    source = sqlite_datasource(user, SALES, name="매장 매출")
    conversation = stored_turns(user, source)

    sign_in(page, site, user)
    expect(page.locator(".welcome")).to_be_visible()
    expect(page.locator(".welcome-tables .chip").first).to_be_visible()
    check_page(page, f"{page.lang}-chat-new")

    page.goto(site.page(f"chat.html?c={conversation.pk}"))
    turns = page.locator("article.turn")
    expect(turns).to_have_count(3)
    expect(turns.nth(0).locator(".chart-bar").first).to_be_visible()
    expect(turns.nth(1).locator(".chart-line")).to_be_visible()
    expect(turns.nth(2).locator(".turn-error")).to_be_visible()
    check_page(page, f"{page.lang}-chat-answers")

    # Every other view of the first answer: pie, then the table.
    first = turns.nth(0)
    views = first.locator(".view-option")
    expect(views).to_have_count(2)  # bar and table: two series make no pie, city names no line
    views.last.click()
    expect(first.locator(".result-table")).to_be_visible()
    check_page(page, f"{page.lang}-chat-table")

    # The delete confirmation.
    page.locator("#delete-conversation").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    check_page(page, f"{page.lang}-chat-delete-dialog")
    page.keyboard.press("Escape")


def test_history_and_datasources_pages(lang_page, site, user, sqlite_datasource):
    page = lang_page
    source = sqlite_datasource(user, SALES, name="매장 매출")
    stored_turns(user, source)

    sign_in(page, site, user, target="history.html")
    expect(page.locator(".history-table tbody tr")).to_have_count(1)
    check_page(page, f"{page.lang}-history")
    page.locator(".history-table .btn-danger-ghost").first.click()
    expect(page.get_by_role("dialog")).to_be_visible()
    check_page(page, f"{page.lang}-history-delete-dialog")
    page.keyboard.press("Escape")

    page.goto(site.page("datasources.html"))
    item = page.locator(".ds-item").first
    expect(item).to_be_visible()
    check_page(page, f"{page.lang}-datasources")
    item.locator(".ds-actions button").nth(2).click()  # Test, Introspect, Schema
    expect(page.locator("#schema .schema-table").first).to_be_visible()
    check_page(page, f"{page.lang}-datasources-schema")
    item.get_by_role("button", name={"en": "Examples", "ko": "예시"}[page.lang]).click()
    expect(page.locator("#examples")).to_be_visible()
    page.wait_for_load_state("networkidle")
    check_page(page, f"{page.lang}-datasources-examples")

    # The account menu and the delete-account dialog.
    page.locator(".user-button").click()
    expect(page.locator("#user-menu")).to_be_visible()
    check_page(page, f"{page.lang}-user-menu")
    page.locator(".menu-item-danger").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    check_page(page, f"{page.lang}-delete-account-dialog")


# --- keyboard only ---------------------------------------------------------------------------------


def focused(page) -> dict:
    """What has the focus, and whether focusing it visibly changed it or the box drawn around it.

    The look of the element and its two nearest ancestors (a focus ring may sit on the
    field's box, as in the composer) is compared focused and blurred, then the focus is put back.
    """
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            const chain = [el, el.parentElement, el.parentElement && el.parentElement.parentElement].filter(Boolean);
            const look = () => chain.map((node) => {
                const s = getComputedStyle(node);
                return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor]
                    .join("|");
            }).join("/");
            const focusedLook = look();
            el.blur();
            const blurredLook = look();
            el.focus({ preventScroll: true });
            return { tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || "").trim().slice(0, 60),
                     label: el.getAttribute("aria-label") || "",
                     visible: el === document.body || focusedLook !== blurredLook };
        }"""
    )


def tab_to(page, predicate, limit: int = 60) -> dict:
    """Press Tab until `predicate(focused)` holds, checking every stop shows where the focus is."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if now["tag"] == "body":  # past the last control: the next Tab starts again at the top
            continue
        assert now["visible"], f"no visible focus on {now}"
        if predicate(now):
            return now
    raise AssertionError("never reached the wanted control by Tab")


def test_chat_from_the_keyboard_alone(ko_page, site, user, sqlite_datasource):
    page = ko_page
    source = sqlite_datasource(user, SALES, name="매장 매출")
    conversation = stored_turns(user, source)
    sign_in(page, site, user, target=f"chat.html?c={conversation.pk}")
    expect(page.locator("article.turn")).to_have_count(3)
    page.evaluate("document.activeElement.blur()")

    # The skip link comes first and jumps to the question box.
    tab_to(page, lambda f: f["tag"] == "a" and "건너뛰기" in f["text"])
    page.keyboard.press("Enter")
    expect(page.locator("#question")).to_be_focused()

    # From the top: the language switch, the sidebar's conversation, a chart view switch.
    page.evaluate("document.activeElement.blur()")
    tab_to(page, lambda f: f["text"] == "English")
    tab_to(page, lambda f: f["tag"] == "a" and f["text"].startswith("도시별 매출"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"c={conversation.pk}"))
    page.evaluate("document.activeElement.blur()")
    tab_to(page, lambda f: f["text"] == "표")
    page.keyboard.press("Enter")
    expect(page.locator("article.turn").first.locator(".result-table")).to_be_visible()

    # Ask by typing and Enter in the question box (direct SQL, answered without a model).
    page.locator("#sql-mode").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("실행할 SQL")).to_be_focused()
    page.keyboard.type("SELECT month, revenue FROM monthly ORDER BY month")
    page.keyboard.press("Enter")
    expect(page.locator("article.turn")).to_have_count(4)
    expect(page.locator("article.turn").last.locator(".chart-line")).to_be_visible()
    expect(page.get_by_label("실행할 SQL")).to_be_focused()


def test_history_and_datasources_from_the_keyboard_alone(ko_page, site, user, sqlite_datasource):
    from chat.models import Conversation

    page = ko_page
    source = sqlite_datasource(user, SALES, name="매장 매출")
    stored_turns(user, source)
    sign_in(page, site, user, target="history.html")
    expect(page.locator(".history-table tbody tr")).to_have_count(1)
    page.evaluate("document.activeElement.blur()")

    # Delete the conversation with Tab and Enter; the dialog takes the focus and gives it back.
    tab_to(page, lambda f: f["label"].endswith("삭제") and f["tag"] == "button")
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    assert focused(page)["visible"]
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "삭제"
    page.keyboard.press("Enter")
    expect(page.locator(".empty-title")).to_have_text("아직 대화가 없습니다.")
    assert Conversation.objects.filter(owner=user).count() == 0

    # Datasources: open the schema, write a description and save it without a mouse.
    page.goto(site.page("datasources.html"))
    expect(page.locator(".ds-item")).to_have_count(1)
    page.evaluate("document.activeElement.blur()")
    tab_to(page, lambda f: f["text"] == "스키마")
    page.keyboard.press("Enter")
    expect(page.locator("#schema-title")).to_be_focused()  # the opened schema takes the focus
    tab_to(page, lambda f: f["id"] == "t0-desc")
    page.keyboard.type("도시별 매출 집계")
    tab_to(page, lambda f: f["text"] == "설명 저장")
    page.keyboard.press("Enter")
    expect(page.locator("#schema-save-status")).to_have_text("저장했습니다.")
    from datasources.models import Table

    assert Table.objects.filter(datasource=source, description="도시별 매출 집계").count() == 1
