"""One `make serve` stack (nginx + uWSGI, DEBUG=false) per test module, with the fake LLM behind it."""

from http.server import ThreadingHTTPServer

import pytest

from tests.deploy.stack import ApiUser, make_stack
from tests.fake_llm import FakeLLM


class BurstFakeLLM(FakeLLM):
    """The fake LLM with a listen backlog that takes a wave of new connections at once.

    The stdlib server's backlog of 5 drops SYNs when 16 asks connect together, and
    the 1 s retransmit would look like a slow stack.
    """

    def __init__(self, **kwargs):
        previous = ThreadingHTTPServer.request_queue_size
        ThreadingHTTPServer.request_queue_size = 256
        try:
            super().__init__(**kwargs)
        finally:
            ThreadingHTTPServer.request_queue_size = previous


@pytest.fixture(scope="module")
def stack_llm():
    """This module's fake LLM (its own server, so a test may change its latency)."""
    llm = BurstFakeLLM().start()
    yield llm
    llm.stop()


@pytest.fixture(scope="module")
def stack(stack_llm):
    """The real stack on free loopback ports, seeded with the demo data sets."""
    running = make_stack(llm_base_url=stack_llm.base_url)
    try:
        running.start()
    except Exception:
        running.close()
        raise
    yield running
    running.close()


@pytest.fixture
def llm(stack_llm):
    """The stack's fake LLM, reset (no latency, nothing scripted) before and after the test."""
    stack_llm.reset()
    yield stack_llm
    stack_llm.reset()


@pytest.fixture(scope="module")
def api_user(stack):
    return ApiUser.register(stack)
