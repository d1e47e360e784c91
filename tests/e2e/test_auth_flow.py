"""Sign-up, login, logout, account deletion and silent token refresh in a real browser."""

import re
import time

from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, sign_in


def test_index_sends_visitors_without_a_session_to_login(page, site):
    page.goto(site.page("index.html"))
    expect(page).to_have_url(re.compile(r"/login\.html$"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.shots("login")


def test_join_then_logout_then_login_then_delete_account(page, site, make_user):
    from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

    from accounts.models import User

    make_user(email="taken@example.com")
    page.goto(site.page("login.html"))
    page.get_by_role("link", name="Create an account").click()
    expect(page).to_have_url(re.compile(r"/join\.html$"))

    # Obvious mistakes are caught next to their fields before anything is sent.
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#email-error")).to_have_text("Email is required.")
    page.get_by_label("Email").fill("taken@example.com")
    page.get_by_label("Nickname").fill("민지")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD + "x")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#password2-error")).to_have_text("The two passwords do not match.")

    # The API's field errors land next to the field they are about.
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#email-error")).to_contain_text("already exists")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    page.shots("join-errors")

    page.get_by_label("Email").fill("minji@example.com")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/chat\.html"))
    expect(page.locator("#user-nickname")).to_have_text("민지")
    page.shots("chat-after-join")

    # Log out: the refresh token is blacklisted on the server and forgotten here.
    refresh = page.evaluate("localStorage.getItem('chatapi.refresh')")
    assert refresh
    page.get_by_role("button", name="민지").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login\.html\?loggedout=1$"))
    expect(page.locator("#auth-notice")).to_have_text("You are logged out.")
    assert page.evaluate("localStorage.getItem('chatapi.refresh')") is None
    assert BlacklistedToken.objects.filter(token__token=refresh).exists()

    # A wrong password is refused with a readable message; the right one goes straight to chat.
    page.get_by_label("Email").fill("MINJI@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-form .form-error")).to_be_visible()
    page.shots("login-error")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/chat\.html"))

    # Delete the account: a wrong password is shown next to the field, the right one deletes.
    page.get_by_role("button", name="민지").click()
    page.get_by_role("button", name="Delete account").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Your password").fill("wrong-password")
    dialog.get_by_role("button", name="Delete account").click()
    expect(dialog.locator(".field-error")).to_contain_text("not correct")
    page.shots("delete-account-dialog")
    dialog.get_by_label("Your password").fill(PASSWORD)
    dialog.get_by_role("button", name="Delete account").click()
    expect(page).to_have_url(re.compile(r"/login\.html\?deleted=1$"))
    assert not User.objects.filter(email__iexact="minji@example.com").exists()


def test_expired_access_token_is_refreshed_silently(page, site, user):
    sign_in(page, site, user, target=None)
    page.evaluate(
        """() => {
            localStorage.setItem("chatapi.access", "expired.or.corrupt");
            localStorage.setItem("chatapi.user", JSON.stringify({id: 0, email: "x@example.com", nickname: "stale"}));
        }"""
    )
    old_refresh = page.evaluate("localStorage.getItem('chatapi.refresh')")
    page.goto(site.page("history.html"))
    # The profile request got a 401, the client refreshed once and retried: fresh data shows.
    expect(page.locator("#user-nickname")).to_have_text("Alice")
    expect(page.locator("#history-body .empty-title")).to_have_text("No conversations yet.")
    expect(page).to_have_url(re.compile(r"/history\.html$"))
    new_access = page.evaluate("localStorage.getItem('chatapi.access')")
    assert new_access and new_access != "expired.or.corrupt"
    assert page.evaluate("localStorage.getItem('chatapi.refresh')") != old_refresh  # rotated


def test_failed_refresh_sends_to_login_and_back(page, site, user):
    sign_in(page, site, user, target=None)
    page.evaluate(
        """() => {
            localStorage.setItem("chatapi.access", "bad");
            localStorage.setItem("chatapi.refresh", "also-bad");
        }"""
    )
    page.goto(site.page("history.html"))
    expect(page).to_have_url(re.compile(r"/login\.html\?next=history\.html$"))
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/history\.html$"))


def test_a_refresh_that_fails_on_the_server_side_keeps_the_session(page, site, user):
    sign_in(page, site, user, target=None)
    refresh = page.evaluate("() => localStorage.getItem('chatapi.refresh')")
    page.evaluate("() => localStorage.setItem('chatapi.access', 'expired')")
    busy = {"detail": "Request was throttled.", "code": "throttled"}
    page.route(re.compile(r"/auth/token/refresh/$"), lambda route: route.fulfill(status=429, json=busy))
    page.goto(site.page("history.html"))
    expect(page.get_by_text("Request was throttled.").first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/history\.html$"))
    assert page.evaluate("() => localStorage.getItem('chatapi.refresh')") == refresh
    # Once the server answers again, the same session carries on.
    page.unroute(re.compile(r"/auth/token/refresh/$"))
    page.reload()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/history\.html$"))


def test_login_works_from_the_keyboard_alone(page, site, user):
    page.goto(site.page("login.html"))
    expect(page.get_by_label("Email")).to_be_focused()
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/chat\.html"))
    expect(page.get_by_label("Your question")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send")).to_be_focused()
    page.shots("focus-ring")


def test_login_page_does_not_steal_focus_from_a_field_already_in_use(page, site, user):
    # The page's module arrives late (a slow network): the visitor is already typing.
    def late_module(route):
        time.sleep(0.8)
        route.continue_()

    page.route(re.compile(r"/js/login\.js$"), late_module)
    page.goto(site.page("login.html"), wait_until="commit")
    page.get_by_label("Password").click()
    expect(page.get_by_role("button", name="Log in")).to_be_enabled()  # the module has run
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type(PASSWORD)
    expect(page.get_by_label("Password")).to_have_value(PASSWORD)
    expect(page.get_by_label("Email")).to_have_value("")
