"""The verified-examples figures of `make bench` (imported by scripts/bench.py, run inside its Django setup).

- retrieval cost per ask with `EXAMPLES_ON_DATASOURCE` examples on the datasource: picking
  the examples for a question and rendering them for the prompt (in-process, p50/p99);
- the ask overhead (zero-latency LLM, through nginx) for a user who keeps that many
  examples there, next to the figure without examples; the difference is what
  retrieval and recording the examples used add to a turn.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

EXAMPLES_ON_DATASOURCE = 2000
RETRIEVAL_RUNS = 300

_SUBJECTS = ["customers", "orders", "products", "reviews", "employees", "salaries", "courses", "campaigns"]
_SHAPES_EN = [
    "How many {s} are there in {y}?",
    "Top {n} {s} by revenue in {y}",
    "Average price of {s} per month in {y}",
    "List {s} created after {y}-0{m}-01",
    "Which city has the most {s} in {y}?",
]
_SHAPES_KO = ["{y}년 {s} 수는?", "{y}년 {m}월 매출 상위 {n}개 {s}", "{y}년 도시별 {s} 평균 금액"]


def example_questions(count: int, seed: int = 7) -> list[str]:
    """`count` distinct, realistic questions in English and Korean."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        shape = rng.choice(_SHAPES_EN if rng.random() < 0.7 else _SHAPES_KO)
        text = shape.format(
            s=rng.choice(_SUBJECTS), y=rng.randint(2000, 2026), n=rng.randint(2, 20), m=rng.randint(1, 9)
        )
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out


def make_examples(user, datasource, count: int = EXAMPLES_ON_DATASOURCE) -> None:
    """`count` examples of `user` on `datasource`, in bulk (their SQL is not run: this measures retrieval)."""
    from examples.models import Example

    Example.objects.bulk_create(
        [
            Example(owner=user, datasource=datasource, question=q, sql="SELECT COUNT(*) AS count FROM orders")
            for q in example_questions(count)
        ],
        batch_size=500,
    )


def retrieval_cost(user, datasource, summary_ms: Callable[[list[float]], dict], runs: int = RETRIEVAL_RUNS) -> dict:
    """Seconds to choose and render the examples for one question, over `runs` questions."""
    from django.conf import settings

    from examples import retrieval

    questions = example_questions(runs, seed=99)
    durations = []
    for index, question in enumerate(questions):
        started = time.perf_counter()
        found = retrieval.for_question(owner_id=user.pk, datasource_id=datasource.pk, question=question, offline=False)
        retrieval.prompt_block(found.examples)
        if index >= 5:  # warm-up
            durations.append(time.perf_counter() - started)
    offline = []
    for question in questions[:100]:
        started = time.perf_counter()
        retrieval.for_question(owner_id=user.pk, datasource_id=datasource.pk, question=question, offline=True)
        offline.append(time.perf_counter() - started)
    return {
        "examples": EXAMPLES_ON_DATASOURCE,
        "llm_examples": settings.LLM_EXAMPLES,
        "prompt_retrieval": summary_ms(durations),
        "offline_reuse_lookup": summary_ms(offline),
    }


def examples_section(*, api, datasource, llm, bench_user, ask_overhead, summary_ms, asks: int, baseline) -> dict:
    """Every figure of this module (see the docstring)."""
    user, token = bench_user("bench-examples@example.com")
    make_examples(user, datasource)
    report = {"retrieval": retrieval_cost(user, datasource, summary_ms)}
    with_examples = ask_overhead(api, token, datasource.id, llm, asks=asks)
    report["ask_overhead_with_examples"] = with_examples
    if baseline:
        report["ask_overhead_added_p50_ms"] = round(
            with_examples["server_overhead"]["p50_ms"] - baseline["server_overhead"]["p50_ms"], 1
        )
    return report


def examples_rows(report: dict, verdict: Callable[[bool | None], str]) -> list[tuple[str, str, str, str]]:
    """Table rows for the examples figures."""
    section = report.get("examples")
    if not section:
        return []
    retrieval = section["retrieval"]
    prompt = retrieval["prompt_retrieval"]
    rows = [
        (
            f"Example retrieval per ask, {retrieval['examples']:,} examples",
            f"p50 {prompt['p50_ms']} ms",
            f"p99 {prompt['p99_ms']} ms (offline reuse lookup p50 {retrieval['offline_reuse_lookup']['p50_ms']} ms)",
            verdict(prompt["p50_ms"] < 5),
        )
    ]
    overhead = section["ask_overhead_with_examples"]["server_overhead"]
    added = section.get("ask_overhead_added_p50_ms")
    rows.append(
        (
            "  ask overhead with them",
            f"p50 {overhead['p50_ms']} ms",
            f"p99 {overhead['p99_ms']} ms" + (f", {added:+} ms vs none" if added is not None else ""),
            verdict(overhead["p50_ms"] < 30),
        )
    )
    return rows
