"""The main journey in a real browser: ask, follow up, history, search, delete, log out."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in
from tests.fake_llm import Reply

SALES = """
CREATE TABLE sales (city TEXT NOT NULL, revenue INTEGER NOT NULL, orders INTEGER NOT NULL);
INSERT INTO sales VALUES ('서울', 5200, 41), ('부산', 3100, 28), ('대구', 1800, 15), ('인천', 2400, 22);
"""
TOP_CITIES_SQL = "SELECT city, revenue, orders FROM sales ORDER BY revenue DESC"


def ask(page, question: str) -> None:
    """Type a question and press Enter, the way a person sends it."""
    box = page.get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def test_ask_follow_up_history_search_delete_logout(page, site, sqlite_datasource, fake_llm):
    from accounts.models import User

    # Join through the form, then log out and back in.
    page.goto(site.page("join.html"))
    page.get_by_label("Email").fill("jiwoo@example.com")
    page.get_by_label("Nickname").fill("지우")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/chat\.html"))
    # Let the page's requests finish first: the in-memory SQLite test database locks whole tables.
    page.wait_for_load_state("networkidle")
    owner = User.objects.get(email="jiwoo@example.com")
    sqlite_datasource(owner, SALES, name="매장 매출")
    page.get_by_role("button", name="지우").click()
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill("jiwoo@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/chat\.html"))

    # New chat: the datasource picker offers the user's own database; the LLM mode is openai (no banner).
    picker = page.get_by_label("Datasource")
    expect(picker.locator("option", has_text="매장 매출")).to_have_count(1)
    picker.select_option(label="매장 매출")
    expect(page.locator("#offline-banner")).to_have_count(0)
    page.shots("new-chat")

    fake_llm.enqueue(Reply.sql(TOP_CITIES_SQL), stage="sql")
    fake_llm.enqueue(Reply.text("서울의 매출이 5,200으로 가장 높습니다.", delay=1.5), stage="summary")
    ask(page, "도시별 매출을 보여줘")

    # While the summary is being written, the streamed SQL and result are already on screen.
    turn = page.locator("article.turn").last
    expect(turn.locator(".step-active")).to_have_text("Writing the answer")
    expect(turn.locator(".step-done")).to_have_text(["Writing SQL", "Running the query"])
    expect(turn.locator(".result-table tbody tr")).to_have_count(4)
    page.shots("streaming")
    expect(turn.locator(".summary")).to_have_text("서울의 매출이 5,200으로 가장 높습니다.")
    expect(turn).to_have_attribute("data-status", "ok")
    expect(turn.locator(".bubble")).to_have_text("도시별 매출을 보여줘")
    expect(turn.locator(".row-count")).to_have_text("4 rows")
    rows = turn.locator(".result-table tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first.locator("td").first).to_have_text("서울")
    expect(turn.locator(".chart svg rect.chart-bar")).to_have_count(8)  # 4 cities x (revenue, orders)
    expect(turn.locator(".chart-legend li")).to_have_text(["revenue", "orders"])

    # The SQL sits in a collapsible block with a Copy button.
    sql = turn.locator("details.sql")
    expect(sql).not_to_have_attribute("open", "")
    sql.locator("summary").click()
    expect(sql.locator("code")).to_contain_text("FROM sales")
    page.bring_to_front()  # the clipboard API wants a focused document
    sql.get_by_role("button", name="Copy").click()
    expect(sql.get_by_role("button", name="Copied")).to_be_visible()
    assert "FROM sales" in page.evaluate("navigator.clipboard.readText()")

    # CSV comes through an authenticated fetch and a blob download.
    with page.expect_download() as info:
        turn.get_by_role("button", name="Download CSV").click()
    csv_bytes = open(info.value.path(), "rb").read()
    assert "서울" in csv_bytes.decode("utf-8-sig")
    page.shots("first-answer")

    # The conversation is in the sidebar and in the address bar.
    expect(page).to_have_url(re.compile(r"/chat\.html\?c=\d+"))
    expect(page.locator(".conversation-title").first).to_have_text("도시별 매출을 보여줘")

    # The access token expires mid-conversation: the ask gets a 401, refreshes once and goes through.
    page.evaluate("localStorage.setItem('chatapi.access', 'expired')")

    # Shift+Enter makes a new line; Enter sends the follow-up.
    fake_llm.enqueue(Reply.sql("SELECT city, orders FROM sales WHERE orders > 20 ORDER BY orders DESC"), stage="sql")
    fake_llm.enqueue(Reply.text("주문이 20건을 넘는 도시는 세 곳입니다."), stage="summary")
    box = page.get_by_label("Your question")
    box.fill("그중 주문이 20건 넘는 곳은?")
    box.press("Shift+Enter")
    box.type("주문 수 순서로")
    assert box.input_value() == "그중 주문이 20건 넘는 곳은?\n주문 수 순서로"
    box.press("Enter")
    expect(page.locator("article.turn")).to_have_count(2)
    second = page.locator("article.turn").last
    expect(second.locator(".summary")).to_have_text("주문이 20건을 넘는 도시는 세 곳입니다.")
    expect(second.locator(".result-table tbody tr")).to_have_count(3)
    assert "도시별 매출을 보여줘" in fake_llm.requests_for("sql")[-1].user  # the follow-up saw the first turn
    assert page.evaluate("localStorage.getItem('chatapi.access')") != "expired"
    page.shots("follow-up")

    # Reloading the address shows the stored conversation.
    page.reload()
    expect(page.locator("article.turn")).to_have_count(2)
    expect(page.locator("#chat-title")).to_have_text("도시별 매출을 보여줘")

    # History lists it; search finds it (and nothing for other words); Delete asks first.
    page.get_by_role("link", name="History").click()
    row = page.locator(".history-table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_contain_text("도시별 매출을 보여줘")
    expect(row.locator("td").nth(1)).to_have_text("매장 매출")
    expect(row.locator("td").nth(2)).to_have_text("2")
    page.shots("history")
    page.get_by_label("Search conversations").fill("주문이 20건")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"search="))
    expect(page.locator(".history-table tbody tr")).to_have_count(1)
    page.get_by_label("Search conversations").fill("없는말")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".empty-title")).to_contain_text("No conversations match")
    page.get_by_role("button", name="Clear search").click()
    expect(row).to_have_count(1)

    # Open goes back to the conversation.
    row.get_by_role("link", name="Open").click()
    expect(page).to_have_url(re.compile(r"/chat\.html\?c=\d+$"))
    expect(page.locator("article.turn")).to_have_count(2)
    page.go_back()

    row.get_by_role("button", name="Delete").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Delete this conversation?")
    page.shots("history-delete-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Delete").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(page.locator(".empty-title")).to_have_text("No conversations yet.")
    from chat.models import Conversation

    assert not Conversation.objects.filter(owner=owner).exists()

    page.get_by_role("button", name="지우").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login\.html\?loggedout=1$"))


def test_failed_turn_shows_its_error_plainly(page, site, user, sqlite_datasource, fake_llm):
    sqlite_datasource(user, SALES, name="shop")
    sign_in(page, site, user)
    page.get_by_label("Datasource").select_option(label="shop")
    fake_llm.enqueue(Reply.error(503, "upstream overloaded"), stage="sql")
    ask(page, "How many cities?")
    turn = page.locator("article.turn").last
    expect(turn.locator(".turn-error")).to_be_visible()
    expect(turn.locator(".turn-error")).to_contain_text("language model")
    page.shots("error-turn")


def test_an_answer_still_being_prepared_fills_in_when_it_is_done(page, site, user, sqlite_datasource):
    from chat import services

    source = sqlite_datasource(user, SALES, name="shop")
    conversation = services.conversation_create(owner=user, datasource=source)
    turn = services.message_start(conversation=conversation, question="Which city sells most?")
    sign_in(page, site, user, target=f"chat.html?c={conversation.pk}")
    answer = page.locator("article.turn").last
    expect(answer).to_contain_text("still being prepared")
    # Another request (another tab, a stream the page lost) finishes the turn.
    turn.status, turn.summary = "ok", "서울 sells the most."
    turn.save()
    expect(answer.locator(".summary")).to_have_text("서울 sells the most.", timeout=15000)
    expect(answer).not_to_contain_text("still being prepared")


def test_history_delete_all_and_paging(page, site, user, sqlite_datasource):
    from chat.models import Conversation

    ds = sqlite_datasource(user, SALES, name="shop")
    for n in range(23):
        Conversation.objects.create(owner=user, datasource=ds, title=f"질문 {n:02d}")
    sign_in(page, site, user, target="history.html")
    rows = page.locator(".history-table tbody tr")
    expect(rows).to_have_count(20)
    expect(page.locator(".pager [role=status]")).to_have_text("1–20 of 23 conversations")
    page.get_by_role("button", name="Next").click()
    expect(rows).to_have_count(3)
    expect(page).to_have_url(re.compile(r"page=2"))
    page.get_by_role("button", name="Previous").click()
    expect(rows).to_have_count(20)

    # The chat sidebar pages with "More"; without an LLM configured the page says how to get one.
    page.get_by_role("link", name="Chat", exact=True).click()
    expect(page.locator("#offline-banner")).to_contain_text("OPENAI_API_KEY")
    expect(page.locator(".conversation")).to_have_count(20)
    page.get_by_role("button", name="More").click()
    expect(page.locator(".conversation")).to_have_count(23)
    expect(page.get_by_role("button", name="More")).to_be_hidden()

    page.get_by_role("link", name="History").click()
    page.get_by_role("button", name="Delete all").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete all").click()
    expect(page.locator(".empty-title")).to_have_text("No conversations yet.")
    assert Conversation.objects.filter(owner=user).count() == 0


def test_run_sql_directly_and_see_the_guard_refuse_a_write(page, site, user, sqlite_datasource, settings):
    settings.RESULT_MAX_ROWS = 3
    sqlite_datasource(user, SALES, name="shop")
    sign_in(page, site, user)
    page.get_by_label("Datasource").select_option(label="shop")
    page.get_by_label("Run SQL directly").check()
    box = page.get_by_label("SQL to run")
    box.fill("SELECT city, orders FROM sales WHERE revenue > 2000 ORDER BY city")
    box.press("Enter")
    turn = page.locator("article.turn").last
    expect(turn).to_have_attribute("data-status", "ok")
    expect(turn.locator(".bubble-sql")).to_contain_text("SELECT city, orders")
    expect(turn.locator(".result-table tbody tr")).to_have_count(3)
    expect(turn.locator(".truncated")).to_have_count(0)

    # More rows than RESULT_MAX_ROWS: the table says it was cut.
    box.fill("SELECT * FROM sales")
    box.press("Enter")
    capped = page.locator("article.turn").nth(1)
    expect(capped.locator(".row-count")).to_have_text("3 rows")
    expect(capped.locator(".truncated")).to_contain_text("Truncated")

    box.fill("DELETE FROM sales")
    box.press("Enter")
    refused = page.locator("article.turn").nth(2)
    expect(refused).to_have_attribute("data-status", "rejected")
    expect(refused.locator(".turn-error .error-title")).to_have_text("The safety check refused this SQL")
    page.shots("sql-mode")


ITEMS = """
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
INSERT INTO items SELECT i, 'item ' || i FROM n;
"""


def test_a_big_answer_in_history_is_shown_whole(page, site, user, sqlite_datasource):
    """The messages list carries only a preview of a big turn; the page fetches the whole turn to show it."""
    from chat import services

    source = sqlite_datasource(user, ITEMS, name="items")
    conversation = services.conversation_create(owner=user, datasource=source)
    services.message_ask(conversation=conversation, sql="SELECT id, name FROM items ORDER BY id", summarize=False)
    services.message_ask(conversation=conversation, sql="SELECT COUNT(*) AS n FROM items", summarize=False)
    with page.expect_response(re.compile(r"/conversations/\d+/messages/\?")) as listed:
        sign_in(page, site, user, target=f"chat.html?c={conversation.pk}")
    big_item, small_item = listed.value.json()["results"]
    assert big_item["preview"] is True and len(big_item["result"]["rows"]) < 150
    assert small_item["preview"] is False

    big = page.locator("article.turn").first
    expect(big.locator(".row-count")).to_have_text("150 rows")
    expect(big.locator(".result-table tbody tr")).to_have_count(100)
    big.get_by_role("button", name="Show all 150 rows").click()
    expect(big.locator(".result-table tbody tr")).to_have_count(150)
    expect(big.locator(".result-table tbody tr").last).to_contain_text("item 150")
    small = page.locator("article.turn").last
    expect(small.locator(".result-table tbody tr")).to_have_count(1)
    expect(small.locator(".result-table")).to_contain_text("150")
    page.shots("big-answer-from-history")


def test_a_full_history_says_so_when_asking(page, site, user, sqlite_datasource, settings):
    from chat.models import Conversation, Message

    settings.USER_STORAGE_QUOTA_BYTES = settings.RESULT_STORE_MAX_BYTES - 1  # no room for even one answer
    sqlite_datasource(user, SALES, name="shop")
    sign_in(page, site, user)
    page.get_by_label("Datasource").select_option(label="shop")
    ask(page, "How many cities?")
    notice = page.locator("article.turn").last.locator(".turn-error")
    expect(notice.locator(".error-title")).to_have_text("Your saved history is full")
    expect(notice).to_contain_text("Delete conversations you no longer need")
    assert not Message.objects.exists()
    # Nothing was stored, so the conversation made for the question is not left empty in the history.
    expect(page.locator("#conversation-list .sidebar-empty")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/chat\.html$"))
    expect(page.get_by_label("Datasource")).to_be_visible()
    assert not Conversation.objects.exists()
    expect(notice.locator(".error-title")).to_have_text("Your saved history is full")
    # With room again, the next question starts a conversation of its own, without the refusal above it.
    settings.USER_STORAGE_QUOTA_BYTES = 0
    ask(page, "How many cities?")
    expect(page).to_have_url(re.compile(r"/chat\.html\?c=\d+$"))
    expect(page.locator("article.turn")).to_have_count(1)
    expect(page.locator("article.turn .turn-error")).not_to_contain_text("history is full")
