"""Serve the API (Django's dev server) and the static site side by side until Ctrl-C.

The site's config.js is served with the API's address on `--api-port`, and the
site's origin on `--web-port` is added to the API's CORS_ALLOWED_ORIGINS, so any
pair of ports works without editing a file.
"""

import argparse
import functools
import os
import signal
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from site_config import config_js, local_api_base, local_site_origins  # noqa: E402


class SiteHandler(SimpleHTTPRequestHandler):
    """frontend/ as it is, except config.js, which names this run's API."""

    config_body = b""
    # The site's files are UTF-8; say so, so that clients other than browsers decode them right.
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".json": "application/json",
    }

    def do_GET(self):  # noqa: N802 - stdlib name
        if self.path.split("?", 1)[0] == "/config.js":
            self.send_response(200)
            self.send_header("Content-Type", "text/javascript; charset=utf-8")
            self.send_header("Content-Length", str(len(self.config_body)))
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.wfile.write(self.config_body)
            return
        super().do_GET()

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        pass


def serve_site(port: int, api_port: int) -> ThreadingHTTPServer:
    """Start the static site on loopback in a background thread."""
    handler = functools.partial(SiteHandler, directory=str(ROOT / "frontend"))
    SiteHandler.config_body = config_js(local_api_base(api_port)).encode()
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, name="site", daemon=True).start()
    return server


def api_environment(web_port: int) -> dict[str, str]:
    """This environment, with the site's origins added to the configured CORS origins."""
    from django.conf import settings

    origins = list(settings.CORS_ALLOWED_ORIGINS)
    origins += [origin for origin in local_site_origins(web_port) if origin not in origins]
    return {**os.environ, "CORS_ALLOWED_ORIGINS": ",".join(origins)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--api-port", type=int, default=8000)
    parser.add_argument("--web-port", type=int, default=8080)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatAPI.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from chatAPI.views import llm_description

    llm = llm_description()
    try:
        web = serve_site(args.web_port, args.api_port)
    except OSError as error:
        print(f"run: cannot serve the site on 127.0.0.1:{args.web_port} ({error.strerror}); try WEB_PORT=...")
        return 1
    api = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.api_port}", "--noreload"],
        cwd=ROOT,
        env=api_environment(args.web_port),
    )
    print(f"\n  chatAPI API   http://127.0.0.1:{args.api_port}/api/  (docs: /api/docs/)")
    print(f"  chatAPI site  http://127.0.0.1:{args.web_port}/")
    if llm["mode"] == "offline":
        print("  LLM mode      offline (set OPENAI_API_KEY or OPENAI_BASE_URL for a real model)")
    else:
        print(f"  LLM mode      openai, model {llm['model']}")
    print("  Ctrl-C stops both.\n", flush=True)
    try:
        api.wait()
    except KeyboardInterrupt:
        pass
    finally:
        web.shutdown()
        if api.poll() is None:
            api.send_signal(signal.SIGINT)
        try:
            api.wait(timeout=5)
        except subprocess.TimeoutExpired:
            api.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
