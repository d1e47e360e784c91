"""Browser-test fixtures: the API on pytest-django's live server, the static site on its own port, Chromium."""

import functools
import json
import os
import re
import threading
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHATAPI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct-horse-battery-9"


def pytest_collection_modifyitems(config, items):
    """Every test in this folder drives a browser (`-m "not browser"` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


class _SiteHandler(SimpleHTTPRequestHandler):
    """Serves frontend/ as-is, except config.js, which points at the test API, under a strict CSP."""

    config_js = b""
    csp = ""

    def do_GET(self):
        if self.path.split("?", 1)[0] == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self.config_js)))
            self.end_headers()
            self.wfile.write(self.config_js)
            return
        super().do_GET()

    def end_headers(self):
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@dataclass
class Site:
    """Where the static site and the API it talks to are served."""

    url: str
    api_url: str

    def page(self, name: str) -> str:
        return f"{self.url}/{name}"


@pytest.fixture(scope="session")
def static_site(live_server):
    """The static site on a second port with a generated config.js; the file on disk is untouched."""
    api_url = live_server.url + "/api"
    handler = type("Handler", (_SiteHandler,), {})
    handler.config_js = f"window.CHATAPI_CONFIG = {{ apiBaseUrl: {json.dumps(api_url)} }};\n".encode()
    # The same policy the production nginx sends: no inline scripts or styles anywhere.
    handler.csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        f"connect-src 'self' {live_server.url}; font-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(FRONTEND)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Site(url=f"http://127.0.0.1:{server.server_address[1]}", api_url=api_url)
    server.shutdown()
    server.server_close()


@pytest.fixture
def site(static_site, settings, transactional_db):
    """Per test: real CORS between the two origins, and a database the live server can see."""
    settings.CORS_ALLOWED_ORIGINS = [static_site.url]
    return static_site


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole session (never a downloaded browser)."""
    from playwright.sync_api import expect, sync_playwright

    # The CI machine is shared and password hashing is slow on purpose: give assertions room.
    expect.set_options(timeout=15_000)

    if not Path(CHROMIUM).exists():
        from tests.conftest import skip_or_fail

        skip_or_fail(f"Chromium not found at {CHROMIUM}")
    # Each run starts with a clean screenshot folder, so every file there is from this run.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()

    # Playwright's sync API keeps an event loop on the main thread; the ORM calls the
    # tests make between browser steps are still ordinary blocking calls.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class Shots:
    """Saves numbered full-page screenshots under test-artifacts/screenshots/<test>-NN-<label>.png."""

    def __init__(self, page, test_name: str):
        self.page = page
        self.prefix = re.sub(r"[^\w-]+", "_", test_name).strip("_")
        self.count = 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def __call__(self, label: str) -> Path:
        self.count += 1
        path = SCREENSHOTS / f"{self.prefix}-{self.count:02d}-{label}.png"
        self.page.evaluate("window.scrollTo(0, 0)")  # sticky headers render mid-page otherwise
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _open_page(browser, request, viewport, locale="en-US"):
    """A new context and page; the page collects script errors and CSP violations in `page.problems`."""
    context = browser.new_context(viewport=viewport, locale=locale, timezone_id="Asia/Seoul", reduced_motion="reduce")
    context.set_default_timeout(15_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.problems = problems
    page.shots = Shots(page, request.node.name)
    return context, page


def _page_for_test(browser, request, viewport, locale="en-US"):
    """Yield a page for one test; afterwards its last screenshot, and the test fails on collected problems."""
    context, page = _open_page(browser, request, viewport, locale)
    yield page
    try:
        page.shots("final")
    finally:
        context.close()
    assert not page.problems, page.problems


@pytest.fixture
def page(browser, site, request):
    """A fresh desktop-sized context and page; fails the test on script errors or CSP violations."""
    yield from _page_for_test(browser, request, DESKTOP)


@pytest.fixture
def ko_page(browser, site, request):
    """Like `page`, in a browser whose language is Korean (`navigator.languages` starts with ko-KR)."""
    yield from _page_for_test(browser, request, DESKTOP, locale="ko-KR")


@pytest.fixture
def ko_phone_page(browser, site, request):
    """Like `ko_page`, at a phone's viewport."""
    yield from _page_for_test(browser, request, PHONE, locale="ko-KR")


@pytest.fixture
def phone_page(browser, site, request):
    """Like `page`, at a phone's viewport (390x844)."""
    yield from _page_for_test(browser, request, PHONE)


def sign_in(page, site: Site, user, *, target: str | None = "chat.html") -> None:
    """Put a fresh token pair for `user` into the site's localStorage, then open `target` (if given)."""
    from rest_framework_simplejwt.tokens import RefreshToken

    refresh = RefreshToken.for_user(user)
    page.goto(site.page("favicon.svg"))  # same origin, no script that could redirect meanwhile
    page.evaluate(
        """([access, refresh, user]) => {
            localStorage.setItem("chatapi.access", access);
            localStorage.setItem("chatapi.refresh", refresh);
            localStorage.setItem("chatapi.user", JSON.stringify(user));
        }""",
        [str(refresh.access_token), str(refresh), {"id": user.id, "email": user.email, "nickname": user.nickname}],
    )
    if target:
        page.goto(site.page(target))
