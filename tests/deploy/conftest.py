"""One `make serve` stack (nginx + uWSGI, DEBUG=false) per test module, with the fake LLM behind it."""

import pytest

from tests.deploy.stack import ApiUser, make_stack
from tests.fake_llm import FakeLLM


@pytest.fixture(scope="module")
def stack_llm():
    """This module's fake LLM (its own server, so a test may change its latency)."""
    llm = FakeLLM().start()
    yield llm
    llm.stop()


@pytest.fixture(scope="module")
def stack(stack_llm):
    """The real stack on free loopback ports, seeded with the demo data sets."""
    with make_stack(llm_base_url=stack_llm.base_url).running() as running:
        yield running


@pytest.fixture
def llm(stack_llm):
    """The stack's fake LLM, reset (no latency, nothing scripted) before and after the test."""
    stack_llm.reset()
    yield stack_llm
    stack_llm.reset()


@pytest.fixture(scope="module")
def api_user(stack):
    return ApiUser.register(stack)
