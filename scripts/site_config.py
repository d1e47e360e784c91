"""The static site's `config.js` for a locally served stack: the committed file with the API base URL swapped.

`make run` (scripts/run_dev.py) serves the result in place of frontend/config.js,
and `make serve` (scripts/serve.py) writes it into the site directory nginx
serves, so the site calls the API on whatever port it was started on without
anyone editing frontend/config.js. Every other setting in the file is kept.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG_JS = ROOT / "frontend" / "config.js"
API_BASE = re.compile(r"""(apiBaseUrl\s*:\s*)(["'])[^"']*\2""")


def config_js(api_base_url: str, source: Path = CONFIG_JS) -> str:
    """frontend/config.js with `apiBaseUrl` set to `api_base_url` (added when the file lacks it)."""
    text = source.read_text(encoding="utf-8") if source.exists() else ""
    value = json.dumps(api_base_url)
    replaced, count = API_BASE.subn(lambda match: f"{match.group(1)}{value}", text, count=1)
    if count:
        return replaced
    return (
        f"{text.rstrip()}\n"
        f"window.CHATAPI_CONFIG = Object.assign(window.CHATAPI_CONFIG || {{}}, {{ apiBaseUrl: {value} }});\n"
    )


def local_api_base(api_port: int) -> str:
    """The API base URL of a stack on loopback."""
    return f"http://127.0.0.1:{api_port}/api"


def local_site_origins(web_port: int) -> list[str]:
    """The origins a browser may give the locally served site."""
    return [f"http://127.0.0.1:{web_port}", f"http://localhost:{web_port}"]
