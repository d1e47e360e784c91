"""The deployment's timeouts nest: the slowest honest turn < uWSGI's harakiri < nginx's read timeout."""

import configparser
import re

from django.conf import settings

from tests.deploy.stack import ROOT


def uwsgi_option(name: str) -> str:
    ini = configparser.ConfigParser(strict=False, interpolation=None)
    ini.read(ROOT / ".config/uwsgi/chatAPI.ini")
    return ini["uwsgi"][name]


def nginx_seconds(directive: str) -> int:
    text = (ROOT / "nginx/snippets/chatapi-uwsgi.conf").read_text()
    return int(re.search(rf"^{directive}\s+(\d+)s;", text, re.M).group(1))


def slowest_honest_turn() -> float:
    """Table selection, every SQL attempt and the summary, each at its timeout on every try, plus the queries."""
    model_calls = 1 + settings.LLM_MAX_ATTEMPTS + 1
    per_call = settings.LLM_TIMEOUT * (settings.LLM_MAX_RETRIES + 1)
    return model_calls * per_call + settings.LLM_MAX_ATTEMPTS * settings.SQL_TIMEOUT_SECONDS


def test_harakiri_sits_above_the_slowest_turn_and_below_nginx():
    harakiri = int(uwsgi_option("harakiri"))
    assert slowest_honest_turn() < harakiri < nginx_seconds("uwsgi_read_timeout")
    # A recycled worker may finish the turns it holds.
    assert int(uwsgi_option("worker-reload-mercy")) >= harakiri
