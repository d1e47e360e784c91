"""What .config/uwsgi/chatAPI.ini relies on when it imports the app in the master before forking workers."""

import json
import os
import subprocess
import sys
import tempfile

import pytest

from tests.deploy.stack import ROOT

pytestmark = pytest.mark.deploy

PROBE = """
import json, threading
import chatAPI.wsgi, chatAPI.urls
from django.db import connections
print(json.dumps({
    "open_connections": [alias for alias in connections if connections[alias].connection is not None],
    "threads": [t.name for t in threading.enumerate() if t is not threading.main_thread()],
}))
"""


def test_importing_the_app_opens_no_connection_and_starts_no_thread():
    """Anything opened here would be shared by every forked worker (one socket, many users)."""
    with tempfile.TemporaryDirectory() as var_dir:
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": "preload-check-" + "x" * 40,
            "FIELD_ENCRYPTION_KEY": "3q2-7wEjXyc0E9y3R8eB1F7QhJx4z0a6n8m5t2V1uYk=",
            "DATABASE_URL": f"sqlite:///{var_dir}/app.sqlite3",
            "DATASOURCE_SQLITE_DIR": var_dir,
            "STATIC_ROOT": f"{var_dir}/static",
        }
        result = subprocess.run(
            [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
    assert result.returncode == 0, result.stderr[-2000:]
    state = json.loads(result.stdout.strip().splitlines()[-1])
    assert state == {"open_connections": [], "threads": []}
