"""Chromium checks against a running stack, run in their own process.

`python -m tests.deploy.browser_checks <check> <api-url> <web-url>` prints one
JSON object and exits 0, or prints the failure and exits 1. A process of its
own keeps Playwright's sync API clear of any other Playwright session in the
test run (the browser tests hold one for the whole session).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

from playwright.sync_api import expect, sync_playwright

CHROMIUM = os.environ.get("CHATAPI_CHROMIUM", "/usr/bin/chromium")
WAIT_MS = 15000  # generous: CI machines are shared and busy


def watch(page, problems: list[str]) -> None:
    """Collect CSP refusals, CORS failures and failed requests."""
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text or "CORS" in msg.text else None,
    )
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))


def docs_and_admin(page, api: str, web: str) -> dict:
    """Swagger UI draws the operations and the admin login is styled, under nginx's CSP."""
    page.goto(f"{api}/api/docs/")
    page.wait_for_selector(".opblock", timeout=WAIT_MS)
    operations = page.locator(".opblock").count()
    page.goto(f"{api}/admin/login/")
    page.wait_for_selector("#id_username, input[name=username]", timeout=WAIT_MS)
    return {
        "operations": operations,
        "admin_container_display": page.locator("#container").evaluate("e => getComputedStyle(e).display"),
        "admin_font": page.locator("body").evaluate("e => getComputedStyle(e).fontFamily"),
    }


def join_and_ask(page, api: str, web: str) -> dict:
    """Join on the site, pick the ecommerce demo, ask, and read the streamed answer."""
    # Every byte comes from nginx: `make serve` gives the site a config.js naming its own API port.
    page.goto(f"{web}/join.html")
    page.get_by_label("Email").fill(f"browser-{time.time_ns()}@example.com")
    page.get_by_label("Nickname").fill("브라우저")
    page.get_by_label("Password", exact=True).fill("correct-horse-battery-9")
    page.get_by_label("Password (again)").fill("correct-horse-battery-9")
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/chat\.html"), timeout=WAIT_MS)
    picker = page.get_by_label("Datasource")
    option = picker.locator("option", has_text="ecommerce")
    expect(option).to_have_count(1, timeout=WAIT_MS)
    picker.select_option(label=option.inner_text())
    box = page.get_by_label("Your question")
    box.fill("How many rows are there?")
    box.press("Enter")
    turn = page.locator("article.turn").last
    expect(turn).to_have_attribute("data-status", "ok", timeout=WAIT_MS)
    expect(turn.locator(".summary")).not_to_be_empty(timeout=WAIT_MS)
    return {"status": turn.get_attribute("data-status"), "summary": turn.locator(".summary").inner_text()}


CHECKS = {"docs_and_admin": docs_and_admin, "join_and_ask": join_and_ask}


def main(argv: list[str]) -> int:
    """Run one check and print its findings as JSON."""
    check, api, web = argv
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            watch(page, problems)
            found = CHECKS[check](page, api, web)
        finally:
            browser.close()
    print(json.dumps({**found, "problems": problems}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
