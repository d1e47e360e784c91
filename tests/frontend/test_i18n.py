"""frontend/js/i18n.js: the locale choice, message lookup and Intl formatting the site relies on."""


def test_first_visit_follows_the_browser_languages(run_i18n):
    assert run_i18n("return i18n.locale();", languages=["ko-KR", "en-US"]) == "ko"
    assert run_i18n("return i18n.locale();", languages=["fr-FR", "en-GB"]) == "en"
    assert run_i18n("return i18n.locale();", languages=["fr-FR"]) == "en"


def test_a_remembered_choice_wins_over_the_browser(run_i18n):
    assert run_i18n("return i18n.locale();", stored="en", languages=["ko-KR"]) == "en"
    assert run_i18n("return i18n.locale();", stored="ko", languages=["en-US"]) == "ko"
    # A stale or foreign value falls back to the browser.
    assert run_i18n("return i18n.locale();", stored="xx", languages=["ko"]) == "ko"


def test_messages_fill_placeholders_and_pick_plurals(run_i18n):
    body = """return [
        i18n.t("count.row", {count: 1}), i18n.t("count.row", {count: 1234}),
        i18n.t("chat.asking", {name: "shop"}), i18n.t("no.such.key")];"""
    assert run_i18n(body, stored="en") == ["1 row", "1,234 rows", "Asking shop", "no.such.key"]
    assert run_i18n(body, stored="ko") == ["1행", "1,234행", "질문 대상: shop", "no.such.key"]


def test_relative_times_dates_and_numbers_follow_the_locale(run_i18n):
    body = """const now = Date.parse("2026-12-03T12:00:00Z");
        return [i18n.formatRelative(new Date(now - 120000).toISOString(), now),
                i18n.formatRelative(new Date(now - 3 * 86400000).toISOString(), now),
                i18n.formatDate("2026-12-03T12:00:00Z"),
                i18n.formatNumber(1234567.891),
                i18n.formatDuration(1500)];"""
    ko = run_i18n(body, stored="ko")
    assert ko[:2] == ["2분 전", "3일 전"]
    assert ko[2] == "2026. 12. 3."
    assert ko[3] == "1,234,567.891"
    assert ko[4] == "1.5초"
    en = run_i18n(body, stored="en")
    assert en == ["2 minutes ago", "3 days ago", "Dec 3, 2026", "1,234,567.891", "1.5 sec"]
