"""Start and stop the `make serve` stack (scripts/serve.py: nginx + uWSGI) for deploy tests and benchmarks."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "scripts" / "serve.py"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_bindable(port: int) -> bool:
    """Whether a server could bind this loopback port now (no listener and no other socket holds it)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(count: int) -> int:
    """The first of `count` consecutive loopback ports no socket holds right now.

    Taken below Linux's ephemeral range (32768 and up), so that no outgoing connection of the
    test run is given one of them between this check and the servers binding them.
    """
    for _ in range(200):
        first = random.randrange(20000, 32700)
        if all(port_bindable(first + i) for i in range(count)):
            return first
    raise RuntimeError(f"no {count} consecutive free loopback ports")


def port_open(port: int) -> bool:
    """Whether something accepts connections on a loopback port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def create_postgres_database(server_url: str) -> tuple[str, callable]:
    """A fresh database on the PostgreSQL server of `server_url`; returns its URL and a drop function."""
    import psycopg2

    name = f"chatapi_stack_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(server_url)

    def run(sql: str) -> None:
        """Run one statement with autocommit (CREATE/DROP DATABASE cannot run in a transaction)."""
        conn = psycopg2.connect(server_url)
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    run(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        """Drop the database, closing any connection still open on it."""
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment)), drop


@dataclass
class Stack:
    """A running `scripts/serve.py`: nginx on `api_port`/`web_port`, uWSGI behind it."""

    api_port: int
    web_port: int
    uwsgi_port: int
    var_dir: Path
    env: dict[str, str]
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    cleanups: list = field(default_factory=list)

    @property
    def api(self) -> str:
        """Base URL of the API through nginx."""
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def web(self) -> str:
        """Base URL of the static site through nginx."""
        return f"http://127.0.0.1:{self.web_port}"

    def log(self) -> str:
        """Everything serve.py, uWSGI and nginx printed so far."""
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    def start(self, *, timeout: float = 240.0, seed: bool = True) -> Stack:
        """Run scripts/serve.py and wait for its ready banner."""
        self.log_path = self.var_dir / "serve.log"
        log = open(self.log_path, "wb")  # noqa: SIM115 - lives as long as the process
        command = [sys.executable, str(SERVE)] + ([] if seed else ["--skip-seed"])
        self.proc = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve.py exited with {self.proc.returncode}:\n{self.log()[-4000:]}")
            if "Ctrl-C stops" in self.log():
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"the stack did not come up within {timeout:.0f} s:\n{self.log()[-4000:]}")

    def pids(self) -> list[int]:
        """Pids of nginx's and uWSGI's masters (from their pid files)."""
        found = []
        for name in ("serve/nginx.pid", "serve/uwsgi.pid"):
            path = self.var_dir / name
            if path.exists() and path.read_text().strip().isdigit():
                found.append(int(path.read_text().strip()))
        return found

    @property
    def nodes(self) -> int:
        """How many uWSGI nodes serve the API behind nginx."""
        return int(self.env.get("NODES") or 1)

    def node_address(self, index: int) -> str:
        """The uWSGI address of node `index` (0-based), as nginx's access log names it."""
        return f"127.0.0.1:{self.uwsgi_port + index}"

    def node_pid(self, index: int) -> int:
        """The pid of node `index`'s uWSGI master (its process group: the master and its workers)."""
        name = "uwsgi.pid" if index == 0 else f"uwsgi-{index + 1}.pid"
        return int((self.var_dir / "serve" / name).read_text().strip())

    def signal_node(self, index: int, sig: int) -> None:
        """Send `sig` to every process of node `index` (SIGSTOP freezes it, SIGKILL is a machine going down)."""
        os.killpg(self.node_pid(index), sig)

    def upstreams(self, marker: str) -> list[tuple[list[str], str]]:
        """For each nginx access-log line containing `marker`: the nodes tried, in order, and the status."""
        path = self.var_dir / "serve" / "logs" / "access.log"
        found = []
        for line in path.read_text(errors="replace").splitlines() if path.exists() else []:
            if marker not in line:
                continue
            match = re.search(r'" (\d{3}) .* upstream=(.*?) upstream_status=', line)
            if match:
                found.append(([addr.strip() for addr in match.group(2).split(",")], match.group(1)))
        return found

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30.0) -> int | None:
        """Stop serve.py as Ctrl-C would; returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    @contextmanager
    def running(self, **start) -> Iterator[Stack]:
        """The stack started (`start`'s keyword arguments), and closed afterwards, also when it fails to start."""
        try:
            yield self.start(**start)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the stack and remove its database and var dir."""
        try:
            self.stop()
        finally:
            for cleanup in reversed(self.cleanups):
                cleanup()
            shutil.rmtree(self.var_dir, ignore_errors=True)


def make_stack(*, llm_base_url: str | None, extra_env: dict[str, str] | None = None, nodes: int = 1) -> Stack:
    """A stack on free loopback ports with its own var dir, throttles opened wide for load.

    The app database follows the environment, as `make serve` does: a fresh
    PostgreSQL database when DATABASE_URL points at PostgreSQL (CI), else SQLite
    in the stack's var dir. With `nodes` > 1, that many uWSGI nodes sit behind
    nginx on consecutive ports, sharing the database and the cache.
    """
    var_dir = Path(tempfile.mkdtemp(prefix="chatapi-stack-"))
    var_dir.chmod(0o755)
    api_port, web_port, uwsgi_port = free_port(), free_port(), free_ports(nodes)
    env = dict(os.environ)
    for key in ("SECRET_KEY", "FIELD_ENCRYPTION_KEY", "STATIC_ROOT", "DATASOURCE_SQLITE_DIR", "CORS_ALLOWED_ORIGINS"):
        env.pop(key, None)
    env.update(
        {
            "CHATAPI_VAR_DIR": str(var_dir),
            "API_PORT": str(api_port),
            "WEB_PORT": str(web_port),
            "CHATAPI_UWSGI_SOCKET": f"127.0.0.1:{uwsgi_port}",
            "NODES": str(nodes),
            "THROTTLE_AUTH": "100000/min",
            "THROTTLE_ASK": "100000/min",
            "THROTTLE_DATASOURCE_TEST": "100000/min",
            "LLM_MAX_RETRIES": "0",
            "LLM_TIMEOUT": "15",
        }
    )
    if llm_base_url:
        env.update({"LLM_PROVIDER": "openai", "OPENAI_BASE_URL": llm_base_url, "OPENAI_API_KEY": "fake-key"})
    else:
        env.update({"LLM_PROVIDER": "offline", "OPENAI_BASE_URL": "", "OPENAI_API_KEY": ""})
    cleanups = []
    database_url = env.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"], drop = create_postgres_database(database_url)
        cleanups.append(drop)
    else:
        env["DATABASE_URL"] = f"sqlite:///{var_dir / 'chatapi.sqlite3'}"
    env.update(extra_env or {})
    return Stack(api_port, web_port, uwsgi_port, var_dir, env, cleanups=cleanups)


class ApiUser:
    """A registered user of a running stack, with a bearer session."""

    def __init__(self, stack: Stack, email: str, password: str, access: str):
        self.stack = stack
        self.email = email
        self.password = password
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {access}"

    @classmethod
    def register(cls, stack: Stack, nickname: str = "Deploy") -> ApiUser:
        """Register a new user through the API."""
        email = f"{nickname.lower()}-{uuid.uuid4().hex[:8]}@example.com"
        password = "correct-horse-battery-9"
        response = requests.post(
            f"{stack.api}/api/auth/registration/",
            json={"email": email, "password1": password, "password2": password, "nickname": nickname},
            timeout=30,
        )
        response.raise_for_status()
        return cls(stack, email, password, response.json()["access"])

    def get(self, path: str, **kwargs) -> requests.Response:
        """GET a path of the API as this user."""
        return self.session.get(self.stack.api + path, timeout=kwargs.pop("timeout", 30), **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        """POST to a path of the API as this user."""
        return self.session.post(self.stack.api + path, timeout=kwargs.pop("timeout", 60), **kwargs)

    def demo_datasource(self) -> dict:
        """The ecommerce demo datasource (or the first demo one)."""
        response = self.get("/api/datasources/", params={"per-page": 100})
        response.raise_for_status()
        demos = [d for d in response.json()["results"] if d["is_demo"]]
        assert demos, "seed_demo registered no demo datasource"
        return next((d for d in demos if d["name"] == "ecommerce"), demos[0])

    def new_conversation(self) -> dict:
        """A new conversation on the demo datasource."""
        response = self.post("/api/conversations/", json={"datasource": self.demo_datasource()["id"]})
        assert response.status_code == 201, response.text
        return response.json()
