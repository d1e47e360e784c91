"""`manage.py evaluate` without a question file asks a datasource's verified examples, leave-one-out."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chat import prompts
from examples.models import Example
from examples.services import example_create
from tests.examples.conftest import SHOP_SQL

SOFA_SQL = (
    "SELECT DISTINCT c.name FROM customers c JOIN orders o ON o.customer_id = c.id "
    "JOIN products p ON p.id = o.product_id WHERE p.name = 'Sofa'"
)


def evaluate(datasource, tmp_path) -> dict:
    out = tmp_path / "report.json"
    call_command("evaluate", datasource=str(datasource.pk), json_out=str(out), no_summary=True, stdout=io.StringIO())
    return json.loads(out.read_text("utf-8"))


def test_each_example_is_asked_with_itself_left_out(user, shop, tmp_path):
    example_create(
        owner=user, datasource=shop, question="How many customers are there?", sql="SELECT COUNT(*) FROM customers"
    )
    example_create(owner=user, datasource=shop, question="Which customers bought a sofa?", sql=SOFA_SQL)
    report = evaluate(shop, tmp_path)
    outcomes = {o["question"]: o for o in report["outcomes"]}
    assert outcomes["How many customers are there?"]["outcome"] == "correct"
    # Offline mode cannot answer this one on its own rules; were the example itself in play, it would reuse it.
    sofa = outcomes["Which customers bought a sofa?"]
    assert sofa["outcome"] == "refused" and sofa["model"] != "offline:example"
    # A twin taught in other words still counts: the rest of what the user taught carries over.
    example_create(owner=user, datasource=shop, question="which customers bought a sofa", sql=SOFA_SQL)
    twins = [o for o in evaluate(shop, tmp_path)["outcomes"] if "sofa" in o["question"]]
    assert [o["outcome"] for o in twins] == ["correct", "correct"]
    assert all(o["model"] == "offline:example" for o in twins)
    # Evaluating does not count as using the examples.
    assert set(Example.objects.values_list("times_used", flat=True)) == {0}


def test_on_a_demo_set_each_users_examples_are_asked_as_that_user(user, other_user, make_source, fake_llm, tmp_path):
    demo = make_source(None, SHOP_SQL, name="demo")
    example_create(
        owner=user, datasource=demo, question="How many customers are there?", sql="SELECT COUNT(*) FROM customers"
    )
    example_create(
        owner=user, datasource=demo, question="How many customers do we have?", sql="SELECT COUNT(*) FROM customers"
    )
    example_create(
        owner=other_user, datasource=demo, question="How many products are there?", sql="SELECT COUNT(*) FROM products"
    )
    evaluate(demo, tmp_path)
    prompts_by_question = {r.question: r.user for r in fake_llm.requests_for(prompts.STAGE_SQL)}
    alice = prompts_by_question["How many customers are there?"]
    assert "- Q: How many customers do we have?" in alice and "- Q: How many customers are there?" not in alice
    assert "- Q: How many products" not in alice
    bob = prompts_by_question["How many products are there?"]
    assert prompts.EXAMPLES_HEADING not in bob  # Bob's only example is the one left out; Alice's are not his


def test_no_examples_and_no_file_is_a_clear_error(shop):
    with pytest.raises(CommandError, match="no verified examples"):
        call_command("evaluate", datasource=str(shop.pk), stdout=io.StringIO())
