"""The `make serve` stack end to end through nginx: API, accounts, asks, streaming, CORS, headers, load, shutdown.

One stack (scripts/serve.py: nginx + uWSGI with DEBUG=false) serves the whole
module; the last test stops it the way Ctrl-C does.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.deploy.stack import ROOT, ApiUser, free_port, port_open

pytestmark = pytest.mark.deploy

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
API_CSP = "default-src 'none'"


def assert_security_headers(response: requests.Response, csp_start: str) -> None:
    for name, value in COMMON_HEADERS.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.method} {response.url}"
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp.startswith(csp_start), f"CSP on {response.url}: {csp!r}"
    assert "frame-ancestors 'none'" in csp


def csp_directives(csp: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in csp.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def read_events(response: requests.Response) -> list[tuple[float, str, dict]]:
    """Server-sent events as (arrival time, event, data), timed as each one comes off the socket."""
    events, buffer = [], ""
    for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
        buffer += chunk
        now = time.monotonic()
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            name, data = "message", []
            for line in block.splitlines():
                if line.startswith("event:"):
                    name = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
            if data:
                events.append((now, name, json.loads("\n".join(data))))
    return events


# --- the API ---------------------------------------------------------------------


def test_api_root_and_health_answer_through_nginx(stack):
    root = requests.get(f"{stack.api}/api/", timeout=10)
    assert root.status_code == 200
    assert root.headers["Content-Type"].startswith("application/json")
    body = root.json()
    assert body["name"] == "chatAPI"
    assert body["llm"]["mode"] == "openai"
    links = {link["rel"]: link["href"] for link in body["_links"]}
    # Links are absolute and keep nginx's port (Django sees the real Host header).
    assert links["login"] == f"{stack.api}/api/auth/login/"
    assert_security_headers(root, API_CSP)

    health = requests.get(f"{stack.api}/api/health/", timeout=10)
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok"}


def test_a_client_cannot_claim_https_on_plain_http(stack):
    response = requests.get(f"{stack.api}/api/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    assert response.status_code == 200
    hrefs = [link["href"] for link in response.json()["_links"]]
    assert all(href.startswith(f"{stack.api}/") for href in hrefs)


def test_register_login_and_profile(stack):
    user = ApiUser.register(stack, nickname="Login")
    login = requests.post(
        f"{stack.api}/api/auth/login/", json={"email": user.email.upper(), "password": user.password}, timeout=30
    )
    assert login.status_code == 200, login.text
    tokens = login.json()
    assert tokens["access"] and tokens["refresh"]
    profile = requests.get(
        f"{stack.api}/api/auth/user/", headers={"Authorization": f"Bearer {tokens['access']}"}, timeout=10
    )
    assert profile.status_code == 200
    assert profile.json()["email"] == user.email

    wrong = requests.post(f"{stack.api}/api/auth/login/", json={"email": user.email, "password": "nope"}, timeout=30)
    assert wrong.status_code == 400
    assert set(wrong.json()) >= {"detail", "code"}


def test_unknown_api_path_is_a_json_404_with_headers(stack):
    response = requests.get(f"{stack.api}/api/no-such-thing/", timeout=10)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert_security_headers(response, API_CSP)

    outside = requests.get(f"{stack.api}/no-such-thing", timeout=10)
    assert outside.status_code == 404
    assert outside.json()["code"] == "not_found"
    assert_security_headers(outside, API_CSP)


def test_oversize_body_is_a_json_413_from_nginx(stack):
    body = b'{"email": "' + b"a" * (1024 * 1024 + 10) + b'"}'
    response = requests.post(
        f"{stack.api}/api/auth/login/", data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "request_too_large"
    assert_security_headers(response, API_CSP)


def test_errors_nginx_answers_itself_are_readable_by_the_site_only(stack):
    body = b"{" + b" " * (1024 * 1024 + 10) + b"}"
    url = f"{stack.api}/api/auth/login/"
    headers = {"Content-Type": "application/json"}
    from_site = requests.post(url, data=body, headers={**headers, "Origin": stack.web}, timeout=30)
    assert from_site.status_code == 413
    assert from_site.headers.get("Access-Control-Allow-Origin") == stack.web
    from_elsewhere = requests.post(url, data=body, headers={**headers, "Origin": "http://evil.example"}, timeout=30)
    assert from_elsewhere.status_code == 413
    assert "Access-Control-Allow-Origin" not in from_elsewhere.headers
    # Django's own answers keep exactly one header of their own.
    ok = requests.get(f"{stack.api}/api/", headers={"Origin": stack.web}, timeout=10)
    assert ok.headers.get("Access-Control-Allow-Origin") == stack.web


def test_cors_allows_the_site_origin_only(stack):
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    allowed = requests.options(f"{stack.api}/api/auth/login/", headers={"Origin": stack.web, **preflight}, timeout=10)
    assert allowed.status_code == 200
    assert allowed.headers.get("Access-Control-Allow-Origin") == stack.web
    assert "authorization" in allowed.headers.get("Access-Control-Allow-Headers", "").lower()

    refused = requests.options(
        f"{stack.api}/api/auth/login/", headers={"Origin": "http://evil.example", **preflight}, timeout=10
    )
    assert "Access-Control-Allow-Origin" not in refused.headers

    simple = requests.get(f"{stack.api}/api/", headers={"Origin": stack.web}, timeout=10)
    assert simple.headers.get("Access-Control-Allow-Origin") == stack.web
    assert "Access-Control-Allow-Credentials" not in simple.headers
    other = requests.get(f"{stack.api}/api/", headers={"Origin": "http://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers


def test_swagger_ui_and_admin_load_their_assets_from_static(stack):
    docs = requests.get(f"{stack.api}/api/docs/", timeout=10)
    assert docs.status_code == 200
    assert_security_headers(docs, "default-src 'none'")
    # Swagger UI's start-up script is a file of its own, so scripts come only from this host.
    directives = dict(d.strip().split(" ", 1) for d in docs.headers["Content-Security-Policy"].split(";"))
    assert directives["script-src"] == "'self'"
    assert "<script>" not in docs.text.replace(" ", "")
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        response = requests.get(stack.api + asset, timeout=10)
        assert response.status_code == 200, asset
        assert "max-age" in response.headers.get("Cache-Control", "")
    schema = requests.get(f"{stack.api}/api/schema/", timeout=30)
    assert schema.status_code == 200

    admin = requests.get(f"{stack.api}/admin/login/", timeout=10)
    assert admin.status_code == 200
    assert_security_headers(admin, "default-src 'self'")
    css = re.findall(r'href="(/static/admin/[^"]+\.css)"', admin.text)
    assert css
    assert requests.get(stack.api + css[0], timeout=10).status_code == 200


def test_app_server_down_is_a_json_502(stack, tmp_path):
    """The same nginx files, pointed at a uWSGI socket nobody listens on."""
    api_port, dead_port = free_port(), free_port()
    serve_dir = stack.var_dir / "serve"
    copy = tmp_path / "serve"
    shutil.copytree(serve_dir, copy, ignore=shutil.ignore_patterns("*.pid", "logs", "tmp"))
    for sub in ("logs", "tmp"):
        (copy / sub).mkdir()
    conf = (copy / "chatAPI.conf").read_text()
    conf = conf.replace(f"127.0.0.1:{stack.uwsgi_port}", f"127.0.0.1:{dead_port}")
    conf = conf.replace(f"listen 127.0.0.1:{stack.api_port};", f"listen 127.0.0.1:{api_port};")
    conf = conf.replace(f"listen 127.0.0.1:{stack.web_port};", f"listen 127.0.0.1:{free_port()};")
    (copy / "chatAPI.conf").write_text(conf)
    main = (copy / "nginx.conf").read_text().replace(str(serve_dir), str(copy))
    (copy / "nginx.conf").write_text(main)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    proc = subprocess.Popen([nginx, "-p", str(copy), "-c", str(copy / "nginx.conf"), "-e", "stderr"])
    try:
        deadline = time.monotonic() + 10
        while not port_open(api_port) and time.monotonic() < deadline:
            time.sleep(0.1)
        response = requests.get(f"http://127.0.0.1:{api_port}/api/", timeout=10)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "bad_gateway"
    assert_security_headers(response, API_CSP)


def run_browser_check(check: str, stack) -> dict:
    """Run one Chromium check of tests/deploy/browser_checks.py in its own process; its findings."""
    chromium = os.environ.get("CHATAPI_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium):
        from tests.conftest import skip_or_fail

        skip_or_fail(f"no Chromium at {chromium}")
    result = subprocess.run(
        [sys.executable, "-m", "tests.deploy.browser_checks", check, stack.api, stack.web],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.browser
def test_swagger_ui_and_admin_render_under_their_csp_in_chromium(stack):
    """nginx's Content-Security-Policy for /api/docs/ and /admin/ lets those pages work, and nothing is refused."""
    found = run_browser_check("docs_and_admin", stack)
    assert found["operations"] > 10  # Swagger UI drew the API's operations
    # The admin stylesheet applied: the login box is laid out, not bare HTML.
    assert found["admin_container_display"] != "inline"
    assert "Times New Roman" not in found["admin_font"]
    assert found["problems"] == []


# --- the static site ----------------------------------------------------------------


def test_static_site_has_a_strict_csp_and_security_headers(stack):
    page = requests.get(f"{stack.web}/", timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert_security_headers(page, "default-src 'self'")
    csp = csp_directives(page.headers["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert stack.api in csp["connect-src"]
    assert csp["base-uri"] == ["'none'"]
    assert "unsafe-inline" not in page.headers["Content-Security-Policy"]
    assert "unsafe-eval" not in page.headers["Content-Security-Policy"]
    assert page.headers.get("Cache-Control") == "no-cache"

    missing = requests.get(f"{stack.web}/no-such-page.html", timeout=10)
    assert missing.status_code == 404
    assert_security_headers(missing, "default-src 'self'")


def test_the_site_calls_the_api_on_the_port_serve_was_given(stack):
    """Free ports, not 8000/8080: config.js names this API and the API allows this site, no file edited."""
    config = requests.get(f"{stack.web}/config.js", timeout=10)
    assert re.search(rf'apiBaseUrl:\s*"{re.escape(stack.api)}/api"', config.text), config.text
    assert (ROOT / "frontend" / "config.js").read_text() != config.text
    preflight = requests.options(
        f"{stack.api}/api/auth/login/",
        headers={"Origin": stack.web, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") == stack.web


def test_static_site_serves_modules_compressed_and_revalidated(stack):
    script = requests.get(f"{stack.web}/config.js", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert script.status_code == 200
    # ES modules only run when served with a JavaScript MIME type.
    assert "javascript" in script.headers["Content-Type"]
    assert script.headers.get("Cache-Control") == "no-cache"
    etag = script.headers["ETag"]
    again = requests.get(f"{stack.web}/config.js", headers={"If-None-Match": etag}, timeout=10)
    assert again.status_code == 304

    modules = sorted((ROOT / "frontend" / "js").glob("*.js"), key=lambda p: -p.stat().st_size)
    biggest = requests.get(f"{stack.web}/js/{modules[0].name}", headers={"Accept-Encoding": "gzip"}, timeout=10)
    assert biggest.status_code == 200
    assert biggest.headers.get("Content-Encoding") == "gzip"

    icons = sorted((ROOT / "frontend").rglob("*.svg"))
    if icons:
        icon = requests.get(f"{stack.web}/{icons[0].relative_to(ROOT / 'frontend')}", timeout=10)
        assert icon.status_code == 200
        assert "max-age=604800" in icon.headers.get("Cache-Control", "")


# --- asking, streaming, load --------------------------------------------------------------


def test_ask_with_the_fake_llm(stack, llm, api_user):
    conversation = api_user.new_conversation()
    response = api_user.post(
        f"/api/conversations/{conversation['id']}/messages/", json={"question": "How many rows are there?"}
    )
    assert response.status_code == 201, response.text
    turn = response.json()
    assert turn["status"] == "ok"
    assert turn["sql"].upper().startswith("SELECT")
    assert turn["result"]["row_count"] >= 1
    assert turn["summary"].startswith("The query returned")
    assert [r.stage for r in llm.requests][-1] == "summary"

    history = api_user.get(f"/api/conversations/{conversation['id']}/messages/")
    assert history.status_code == 200
    assert [m["id"] for m in history.json()["results"]] == [turn["id"]]


def test_server_sent_events_arrive_one_by_one(stack, llm, api_user):
    latency = 0.8
    llm.latency = latency
    conversation = api_user.new_conversation()
    started = time.monotonic()
    with api_user.session.post(
        f"{stack.api}/api/conversations/{conversation['id']}/messages/",
        json={"question": "How many rows are there?"},
        headers={"Accept": "text/event-stream"},
        stream=True,
        timeout=60,
    ) as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/event-stream")
        events = read_events(response)
    names = [name for _, name, _ in events]
    assert names[-1] == "done", names
    assert {"stage", "sql", "result"} <= set(names)
    at = {name: t - started for t, name, _ in reversed(events)}  # first arrival of each event
    # The result was on the wire while the summary call (one LLM latency) still ran:
    # nothing between uWSGI, nginx and the client held the stream back.
    assert at["done"] - at["result"] >= 0.75 * latency, at
    assert at["result"] - min(at.values()) >= 0.75 * latency or at["sql"] >= 0.75 * latency, at
    assert events[-1][2]["status"] == "ok"


def test_a_client_leaving_mid_stream_still_gets_a_stored_turn(stack, llm, api_user):
    latency = 0.8
    llm.latency = latency
    conversation = api_user.new_conversation()
    url = f"{stack.api}/api/conversations/{conversation['id']}/messages/"
    with api_user.session.post(
        url,
        json={"question": "How many rows are there?"},
        headers={"Accept": "text/event-stream"},
        stream=True,
        timeout=60,
    ) as response:
        assert response.status_code == 200
        for chunk in response.iter_content(chunk_size=None, decode_unicode=True):
            if "event: stage" in chunk:
                break  # the browser tab closes while the model is still writing SQL
    response.raw.close()

    deadline = time.monotonic() + 10 * latency
    seen = []
    turns = []
    while time.monotonic() < deadline:
        turns = api_user.get(f"/api/conversations/{conversation['id']}/messages/").json()["results"]
        seen.append(turns[-1]["status"] if turns else None)
        if turns and turns[-1]["status"] != "pending":
            break
        time.sleep(0.2)
    assert seen[0] == "pending", "the client did not leave before the turn was answered"
    assert turns, "the turn was not stored"
    assert turns[-1]["status"] == "ok"
    assert turns[-1]["summary"]
    assert turns[-1]["result"]["row_count"] >= 1


def test_a_slow_llm_wave_does_not_starve_a_login(stack, llm, api_user):
    latency = 2.0
    waiter = ApiUser.register(stack, nickname="Waiter")
    conversations = [api_user.new_conversation() for _ in range(16)]
    llm.latency = latency
    results: list[tuple[int, float]] = []
    lock = threading.Lock()

    def ask(conversation_id: int) -> None:
        t0 = time.monotonic()
        response = api_user.post(
            f"/api/conversations/{conversation_id}/messages/", json={"question": "How many rows?"}, timeout=60
        )
        with lock:
            results.append((response.status_code, time.monotonic() - t0))

    threads = [threading.Thread(target=ask, args=(c["id"],)) for c in conversations]
    wave_start = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(latency / 3)  # every ask is now waiting on the LLM
    t0 = time.monotonic()
    login = requests.post(
        f"{stack.api}/api/auth/login/", json={"email": waiter.email, "password": waiter.password}, timeout=30
    )
    login_seconds = time.monotonic() - t0
    in_flight = sum(thread.is_alive() for thread in threads)
    for thread in threads:
        thread.join(timeout=90)
    wave_seconds = time.monotonic() - wave_start

    assert login.status_code == 200
    assert in_flight >= 12, "the login was not measured during the wave"
    assert login_seconds < latency / 2, f"login took {login_seconds:.2f} s during the wave"
    assert sorted(code for code, _ in results) == [201] * 16
    # Two LLM calls per ask; 16 asks side by side, not queued behind each other.
    assert wave_seconds < 2 * latency * 2.5, f"16 asks took {wave_seconds:.1f} s"


@pytest.mark.browser
def test_the_site_on_nginx_joins_and_asks_across_origins_in_chromium(stack, llm):
    """The whole production path in a browser: site and API on their own nginx origins, CORS, CSP, streaming."""
    llm.latency = 0.3
    found = run_browser_check("join_and_ask", stack)
    assert found["status"] == "ok"
    assert re.fullmatch(r"The query returned \d+ rows?\.", found["summary"])
    assert found["problems"] == []


def test_a_second_serve_on_taken_ports_says_so_and_exits(stack, tmp_path):
    env = {**stack.env, "CHATAPI_VAR_DIR": str(tmp_path), "CHATAPI_UWSGI_SOCKET": f"127.0.0.1:{free_port()}"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "serve.py")], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert f"127.0.0.1:{stack.api_port} (API_PORT) is in use" in result.stderr
    assert requests.get(f"{stack.api}/api/health/", timeout=10).status_code == 200


# --- shutdown (last: it stops the module's stack) -----------------------------------------------


def test_ctrl_c_stops_nginx_and_uwsgi_cleanly(stack):
    pids = stack.pids()
    assert len(pids) == 2
    status = stack.stop(signal.SIGINT, timeout=30)
    assert status == 0, stack.log()[-2000:]
    assert "serve: stopped." in stack.log()
    for pid in pids:
        assert not pid_alive(pid), f"process {pid} outlived serve.py"
    for port in (stack.api_port, stack.web_port, stack.uwsgi_port):
        assert not port_open(port)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
