"""Serve the API (Django's dev server) and the static site side by side until Ctrl-C."""

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    api = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.api_port}", "--noreload"], cwd=ROOT
    )
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(args.web_port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(ROOT / "frontend"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    print(f"\n  chatAPI API   http://127.0.0.1:{args.api_port}/api/  (docs: /api/docs/)")
    print(f"  chatAPI site  http://127.0.0.1:{args.web_port}/")
    if llm["mode"] == "offline":
        print("  LLM mode      offline (set OPENAI_API_KEY or OPENAI_BASE_URL for a real model)")
    else:
        print(f"  LLM mode      openai, model {llm['model']}")
    print("  Ctrl-C stops both.\n", flush=True)
    try:
        while api.poll() is None and web.poll() is None:
            try:
                api.wait(timeout=1)
            except subprocess.TimeoutExpired:
                pass
    except KeyboardInterrupt:
        pass
    finally:
        for proc in (api, web):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in (api, web):
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
