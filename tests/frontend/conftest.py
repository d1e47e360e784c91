"""Fixtures for the static site's own JavaScript, run under Node (no browser needed)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"


@pytest.fixture(scope="session")
def node():
    """The Node.js binary (the JavaScript linter needs it too)."""
    path = shutil.which("node")
    if not path:
        from tests.conftest import skip_or_fail

        skip_or_fail("node is not installed")
    return path


@pytest.fixture(scope="session")
def catalogues(node) -> dict[str, dict]:
    """Every message catalogue under frontend/js/i18n/, loaded as the site loads it."""
    script = (
        "const fs = await import('node:fs');"
        f"const dir = {json.dumps(str(FRONTEND / 'js' / 'i18n'))};"
        "const out = {};"
        "for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.js')).sort()) {"
        "  out[f.replace(/\\.js$/, '')] = (await import(dir + '/' + f)).default; }"
        "process.stdout.write(JSON.stringify(out));"
    )
    done = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@pytest.fixture(scope="session")
def run_i18n(node):
    """Run `body` (an async JS function body, `i18n` in scope) with a given stored and browser language."""

    def run(body: str, *, stored: str | None = None, languages: list[str] | None = None):
        setup = (
            f"const stored = {json.dumps(stored)};"
            "globalThis.localStorage = { getItem: (k) => (k === 'chatapi.locale' ? stored : null), setItem() {} };"
            f"const languages = {json.dumps(languages or [])};"
            "Object.defineProperty(globalThis, 'navigator', { value: { languages }, configurable: true });"
            "globalThis.console.warn = () => {};"
            f"const i18n = await import({json.dumps((FRONTEND / 'js' / 'i18n.js').as_uri())});"
            "const result = await (async () => {" + body + "})();"
            "process.stdout.write(JSON.stringify(result));"
        )
        done = subprocess.run(
            [node, "--input-type=module", "-e", setup],
            capture_output=True,
            text=True,
            check=True,
            env={"TZ": "Asia/Seoul", "PATH": "/usr/bin:/bin"},
        )
        return json.loads(done.stdout)

    return run
