"""`make run` on ports of the user's choosing: the site calls that API, and the API allows the site's origin."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

from tests.deploy.stack import ROOT, free_port, port_open


@pytest.fixture(scope="module")
def dev_servers(tmp_path_factory):
    """scripts/run_dev.py (what `make run` starts) on two free ports, with a migrated database of its own."""
    var = tmp_path_factory.mktemp("run-dev")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{var / 'chatapi.sqlite3'}",
        "DATASOURCE_SQLITE_DIR": str(var / "datasources"),
        "CACHE_URL": "locmemcache://",
        "DEBUG": "true",
        "LLM_PROVIDER": "offline",
    }
    env.pop("CORS_ALLOWED_ORIGINS", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    api_port, web_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "scripts/run_dev.py", "--api-port", str(api_port), "--web-port", str(web_port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (port_open(api_port) and port_open(web_port)):
        assert proc.poll() is None, "run_dev.py exited"
        assert time.monotonic() < deadline, "run_dev.py did not start"
        time.sleep(0.2)
    yield api_port, web_port
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_the_site_is_configured_with_the_api_on_its_port(dev_servers):
    api_port, web_port = dev_servers
    config = requests.get(f"http://127.0.0.1:{web_port}/config.js", timeout=10)
    assert config.status_code == 200
    assert re.search(rf'apiBaseUrl:\s*"http://127\.0\.0\.1:{api_port}/api"', config.text), config.text
    # The rest of the site is the frontend folder as it is.
    page = requests.get(f"http://127.0.0.1:{web_port}/login.html", timeout=10)
    assert page.status_code == 200 and '<script src="config.js">' in page.text
    script = requests.get(f"http://127.0.0.1:{web_port}/js/api.js", timeout=10)
    assert script.content == (ROOT / "frontend" / "js" / "api.js").read_bytes()
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_api_allows_the_sites_origin_on_its_port(dev_servers, host):
    api_port, web_port = dev_servers
    origin = f"http://{host}:{web_port}"
    api = f"http://127.0.0.1:{api_port}/api"
    preflight = requests.options(
        f"{api}/auth/registration/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert preflight.headers.get("Access-Control-Allow-Origin") == origin
    email = f"dev-{host}-{web_port}@example.com"
    registered = requests.post(
        f"{api}/auth/registration/",
        json={"email": email, "nickname": "Dev", "password1": "Zebra-lamp-77", "password2": "Zebra-lamp-77"},
        headers={"Origin": origin},
        timeout=30,
    )
    assert registered.status_code == 201, registered.text
    assert registered.headers.get("Access-Control-Allow-Origin") == origin
    # An origin on another port is still refused.
    other = requests.get(f"{api}/", headers={"Origin": f"http://{host}:{web_port + 1}"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in other.headers
