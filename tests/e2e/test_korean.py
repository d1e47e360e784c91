"""The site in Korean, as a Korean-speaking newcomer uses it: join, chat, charts, errors, history, delete, datasources.

The browser's language is Korean (first visit follows it); every message, the API's
included, comes back in Korean, dates and numbers are formatted the Korean way, and
no English is left on any page apart from names (chatAPI, SQL, CSV) and data.
"""

import re
import sqlite3

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in
from tests.e2e.test_accessibility import check_page
from tests.fake_llm import Reply

SALES = """
CREATE TABLE sales (city TEXT NOT NULL, revenue INTEGER NOT NULL, orders INTEGER NOT NULL);
INSERT INTO sales VALUES ('서울', 5200, 41), ('부산', 3100, 28), ('대구', 1800, 15), ('인천', 2400, 22);
CREATE TABLE monthly (month TEXT NOT NULL, revenue INTEGER NOT NULL);
INSERT INTO monthly VALUES ('2026-01', 1200), ('2026-02', 1500), ('2026-03', 900), ('2026-04', 1800);
"""
# Words that read the same in a Korean interface: product and format names, keys, SQL words.
ALLOWED_LATIN = {
    "chatapi",
    "sql",
    "csv",
    "english",
    "enter",
    "shift",
    "openai_api_key",
    "openai_base_url",
    "llm",
    "api",
    "sqlite",
    "postgresql",
    "mysql",
    "null",
    "not",
    "select",
    "from",
    "order",
    "by",
    "where",
    "desc",
    "asc",
    "http",
    "kb",
    "pk",
    "ms",
    "with",
    "union",
    "intersect",
    "except",
    "delete",
}


def english_words(page, *, also_allowed: set[str] = frozenset()) -> list[str]:
    """Latin-letter words visible on the page that are not names, SQL, data or an e-mail address."""
    text = page.evaluate("document.body.innerText")
    text = re.sub(r"\S+@\S+", " ", text)
    words = {w.lower() for w in re.findall(r"[A-Za-z_]{2,}", text)}
    return sorted(words - ALLOWED_LATIN - {w.lower() for w in also_allowed})


def ask(page, question: str) -> None:
    box = page.get_by_label("질문", exact=True)
    box.fill(question)
    box.press("Enter")


def test_join_in_korean_with_korean_errors(ko_page, site, make_user):
    from accounts.models import User

    page = ko_page
    make_user(email="taken@example.com")
    page.goto(site.page("join.html"))
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page).to_have_title("계정 만들기 · chatAPI")
    expect(page.get_by_role("heading", name="계정 만들기")).to_be_visible()
    assert english_words(page) == []
    page.shots("ko-join")

    # Mistakes caught in the page, in Korean.
    page.get_by_role("button", name="계정 만들기").click()
    expect(page.locator("#email-error")).to_have_text("이메일 항목을 입력하세요.")
    page.get_by_label("이메일").fill("TAKEN@example.com")
    page.get_by_label("닉네임").fill("민지")
    page.get_by_label("비밀번호", exact=True).fill(PASSWORD)
    page.get_by_label("비밀번호 확인").fill(PASSWORD + "x")
    page.get_by_role("button", name="계정 만들기").click()
    expect(page.locator("#password2-error")).to_have_text("두 비밀번호가 일치하지 않습니다.")

    # Mistakes only the server can see come back in Korean too.
    page.get_by_label("비밀번호 확인").fill(PASSWORD)
    page.get_by_role("button", name="계정 만들기").click()
    expect(page.locator("#email-error")).to_have_text("이 이메일 주소로 가입한 사용자가 이미 있습니다.")
    page.shots("ko-join-errors")
    page.get_by_label("이메일").fill("minji@example.com")
    page.get_by_role("button", name="계정 만들기").click()
    expect(page).to_have_url(re.compile(r"/chat\.html"))
    expect(page.get_by_role("heading", name="무엇이 궁금하신가요?")).to_be_visible()
    assert User.objects.filter(email="minji@example.com", nickname="민지").exists()


def test_chat_charts_errors_history_and_delete_in_korean(ko_page, site, user, sqlite_datasource, fake_llm):
    from chat.models import Conversation

    page = ko_page
    sqlite_datasource(user, SALES, name="매장 매출")
    sign_in(page, site, user)
    page.get_by_label("데이터소스").select_option(label="매장 매출")
    expect(page.get_by_role("heading", name="무엇이 궁금하신가요?")).to_be_visible()
    # Suggested questions come in Korean, and a table chip fills in a Korean question.
    expect(page.locator(".welcome-suggestions .chip").first).to_contain_text(re.compile(r"[가-힣]"))
    page.locator(".welcome-tables .chip", has_text=re.compile(r"^sales$")).click()
    expect(page.get_by_label("질문", exact=True)).to_have_value("sales의 개수는?")
    page.shots("ko-chat-new")

    # An answer by category opens on a bar chart with a Korean caption; the table is one click away.
    fake_llm.enqueue(Reply.sql("SELECT city, revenue FROM sales ORDER BY revenue DESC"), stage="sql")
    fake_llm.enqueue(Reply.text("서울의 매출이 5,200으로 가장 높습니다.", delay=1.0), stage="summary")
    ask(page, "도시별 매출을 보여줘")
    turn = page.locator("article.turn").last
    expect(turn.locator(".step-active")).to_have_text("답변 작성 중")
    expect(turn.locator(".summary")).to_have_text("서울의 매출이 5,200으로 가장 높습니다.")
    expect(turn.locator(".row-count")).to_have_text("4행")
    expect(turn.locator(".chart-title")).to_have_text("city별 revenue")
    expect(turn.locator(".chart-summary")).to_have_text(
        "revenue: 가장 높은 값은 서울(5,200), 가장 낮은 값은 대구(1,800)입니다."
    )
    expect(turn.locator("rect.chart-bar")).to_have_count(4)
    expect(turn.locator(".chart-value").first).to_have_text("5,200")
    turn.get_by_role("button", name="원 그래프").click()
    expect(turn.locator("path.chart-slice")).to_have_count(4)
    expect(turn.locator(".chart-legend-pie li").first).to_contain_text("서울")
    expect(turn.locator(".chart-legend-pie li").first).to_contain_text("5,200 · 41.6%")
    page.shots("ko-chat-pie")
    turn.get_by_role("button", name="표").click()
    expect(turn.locator(".result-table tbody tr").first.locator("td").last).to_have_text("5,200")
    expect(turn.locator(".turn-meta")).to_contain_text("오")  # "오전"/"오후": the time in Korean
    expect(page.locator(".conversation-meta").first).to_contain_text(re.compile(r"(지금|초 전|분 전)"))
    page.shots("ko-chat-answer")

    # Months open on a line chart in date order.
    fake_llm.enqueue(Reply.sql("SELECT month, revenue FROM monthly ORDER BY revenue"), stage="sql")
    fake_llm.enqueue(Reply.text("4월 매출이 가장 높습니다."), stage="summary")
    ask(page, "월별 매출 추이는?")
    trend = page.locator("article.turn").last
    expect(trend.locator(".summary")).to_have_text("4월 매출이 가장 높습니다.")
    expect(trend.locator("path.chart-line")).to_have_count(1)
    expect(trend.locator(".view-option[aria-pressed=true]")).to_have_text("선 그래프")
    expect(trend.locator(".chart-x-label").first).to_have_text(re.compile(r"^2026-01"))  # (+ its tooltip)
    expect(trend.locator(".chart-summary")).to_contain_text("2026-01부터 2026-04까지입니다.")

    # A failing model: the error title and the API's own message, both in Korean.
    fake_llm.enqueue(Reply.error(503, "upstream overloaded"), stage="sql")
    ask(page, "재고가 가장 적은 상품은?")
    failed = page.locator("article.turn").last
    expect(failed.locator(".error-title")).to_have_text("언어 모델을 사용할 수 없습니다")
    expect(failed.locator(".error-message")).to_have_text(
        "언어 모델 서버가 HTTP 503로 응답했습니다. 잠시 후 다시 시도하세요."
    )

    # SQL typed directly and refused by the guard: the reason in Korean.
    page.get_by_label("SQL 직접 실행").check()
    box = page.get_by_label("실행할 SQL")
    box.fill("DELETE FROM sales")
    box.press("Enter")
    refused = page.locator("article.turn").last
    expect(refused.locator(".error-title")).to_have_text("안전 검사에서 이 SQL을 거부했습니다")
    expect(refused.locator(".error-message")).to_have_text(
        "SELECT 쿼리(WITH, UNION, INTERSECT, EXCEPT 포함 가능)만 실행할 수 있습니다."
    )
    data_words = {"city", "revenue", "month", "sales", "monthly", "fake", "model", "alice"}
    assert english_words(page, also_allowed=data_words) == []
    page.shots("ko-chat-errors")

    # History in Korean: the row, relative time, paging text; delete with a Korean confirmation.
    page.get_by_role("link", name="기록").click()
    expect(page.get_by_role("heading", name="기록")).to_be_visible()
    rows = page.locator(".history-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("time")).to_contain_text(re.compile(r"(지금|초 전|분 전)"))
    expect(page.locator(".pager [role=status]")).to_have_text("대화 1개 중 1–1")
    assert english_words(page, also_allowed={"alice", "delete", "from", "sales"}) == []
    page.shots("ko-history")
    page.get_by_role("button", name="도시별 매출을 보여줘 삭제").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading")).to_have_text("이 대화를 삭제할까요?")
    expect(dialog).to_contain_text("메시지 4개가 삭제됩니다.")
    page.shots("ko-history-delete")
    dialog.get_by_role("button", name="삭제").click()
    expect(page.locator(".toast")).to_have_text("대화를 삭제했습니다.")
    expect(page.locator(".empty-title")).to_have_text("아직 대화가 없습니다.")
    assert not Conversation.objects.filter(owner=user).exists()


def test_datasources_in_korean(ko_page, site, user, settings):
    page = ko_page
    connection = sqlite3.connect(settings.DATASOURCE_SQLITE_DIR / "shop.sqlite3")
    connection.executescript(SALES)
    connection.close()
    sign_in(page, site, user, target="datasources.html")
    expect(page.get_by_role("heading", name="데이터소스", exact=True)).to_be_visible()
    expect(page.locator(".empty-title")).to_have_text("아직 데이터소스가 없습니다.")

    # The server refuses a path outside the folder: its reason, in Korean, next to the field.
    form = page.locator("#ds-form")
    form.get_by_label("이름", exact=True).fill("가게")
    form.get_by_label("SQLite 파일").fill("/etc/passwd")
    form.get_by_role("button", name="등록").click()
    expect(page.locator("#ds-sqlite-path-error")).to_have_text(
        "절대 경로는 쓸 수 없습니다. 데이터소스 폴더를 기준으로 한 경로를 입력하세요."
    )
    form.get_by_label("SQLite 파일").fill("shop.sqlite3")
    form.get_by_role("button", name="등록").click()
    expect(page.locator(".toast").last).to_have_text("등록했습니다: 가게")
    item = page.locator(".ds-item").first
    item.get_by_role("button", name="연결 확인").click()
    expect(item.locator(".notice-success")).to_contain_text("연결됨")
    item.get_by_role("button", name="스키마 읽기").click()
    expect(page.locator(".toast").last).to_have_text("가게에서 테이블 2개를 읽었습니다.")
    item = page.locator(".ds-item").first
    expect(item.locator(".ds-meta")).to_contain_text("테이블 2개")
    expect(item.locator(".ds-meta")).to_contain_text(re.compile(r"(지금|초 전) 읽음"))
    expect(page.get_by_role("heading", name="가게 스키마")).to_be_visible()
    expect(page.locator(".schema-table summary").first).to_contain_text("열 2개")
    data_words = {"month", "revenue", "monthly", "sales", "city", "orders", "text", "integer", "shop", "alice"}
    assert english_words(page, also_allowed=data_words) == []
    page.shots("ko-datasources")


def test_the_language_switch_is_remembered_and_changes_the_apis_language(ko_page, site, user, sqlite_datasource):
    page = ko_page
    sqlite_datasource(user, SALES, name="shop")
    sign_in(page, site, user)
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    switch = page.get_by_role("group", name="언어")
    expect(switch.get_by_role("button", name="한국어")).to_have_attribute("aria-pressed", "true")
    switch.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="What would you like to know?")).to_be_visible()
    assert page.evaluate("localStorage.getItem('chatapi.locale')") == "en"

    # Remembered over the browser's language, on every page.
    page.goto(site.page("history.html"))
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    page.goto(site.page("chat.html"))
    page.get_by_label("Run SQL directly").check()
    box = page.get_by_label("SQL to run")
    box.fill("DELETE FROM sales")
    box.press("Enter")
    expect(page.locator("article.turn .error-message")).to_have_text(
        "Only a SELECT query (with optional WITH, UNION, INTERSECT or EXCEPT) can run."
    )
    # And back to Korean from the switch.
    page.get_by_role("group", name="Language").get_by_role("button", name="한국어").click()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(page.locator("#send")).to_have_text("보내기")


def test_korean_pages_fit_a_phone(ko_phone_page, site, user, sqlite_datasource, fake_llm):
    page = ko_phone_page
    sqlite_datasource(user, SALES, name="매장 매출")
    sign_in(page, site, user)
    page.get_by_label("데이터소스").select_option(label="매장 매출")
    fake_llm.enqueue(Reply.sql("SELECT city, revenue, orders FROM sales ORDER BY revenue DESC"), stage="sql")
    fake_llm.enqueue(Reply.text("서울의 매출이 가장 높습니다."), stage="summary")
    page.get_by_label("질문", exact=True).fill("도시별 매출과 주문 수")
    page.get_by_role("button", name="보내기").click()
    turn = page.locator("article.turn").last
    expect(turn.locator(".chart svg")).to_be_visible()
    # On a phone only the language to switch to is shown.
    expect(page.get_by_role("button", name="English")).to_be_visible()
    expect(page.get_by_role("button", name="한국어")).to_be_hidden()

    def overflow():
        return page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"
        )

    assert overflow() <= 0
    assert page.evaluate("document.querySelector('.chart-svg').getBoundingClientRect().width") <= 390
    check_page(page, "ko-phone-chat")  # axe at phone width too (saves the screenshot)
    for name in ("history.html", "datasources.html", "login.html?loggedout=1", "join.html"):
        page.goto(site.page(name))
        expect(page.locator("main h1")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert overflow() <= 0, name
        page.shots("ko-phone-" + re.sub(r"\.html.*$", "", name))


def test_offline_mode_answers_and_refuses_in_korean(ko_page, site, user, sqlite_datasource):
    page = ko_page
    sqlite_datasource(user, SALES, name="매장 매출")
    sign_in(page, site, user)
    expect(page.locator("#offline-banner")).to_contain_text("오프라인 모드입니다.")
    page.get_by_label("데이터소스").select_option(label="매장 매출")
    # The question a table chip writes is one offline mode answers.
    page.locator(".welcome-tables .chip", has_text=re.compile(r"^sales$")).click()
    page.get_by_label("질문", exact=True).press("Enter")
    answer = page.locator("article.turn").last
    expect(answer).to_have_attribute("data-status", "ok")
    expect(answer.locator(".summary")).to_contain_text(re.compile(r"[가-힣]"))
    expect(answer.locator(".result-table tbody td").first).to_have_text("4")
    # A question it cannot answer is refused in Korean, with what to set for a real model.
    ask(page, "이 데이터로 내년 매출을 예측해 줘")
    refused = page.locator("article.turn").last
    expect(refused.locator(".error-title")).to_have_text("오프라인 모드로는 답할 수 없는 질문입니다")
    expect(refused.locator(".error-message")).to_contain_text(re.compile(r"[가-힣]"))
    expect(refused.locator(".error-message")).to_contain_text("OPENAI_API_KEY")
    page.shots("ko-offline")
