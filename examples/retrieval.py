"""Which of the user's verified examples help answer a question, and how they enter the SQL prompt.

`for_question` is called once per ask by the pipeline:

- with a model (`openai` mode): the `LLM_EXAMPLES` examples of the asking user on the
  datasource most like the question (embeddings when `OPENAI_EMBEDDING_MODEL` is set,
  character similarity otherwise; see `examples.similarity`), for `prompt_block`;
- offline: the one example that asks the same question (`similarity.same_question`
  at `LLM_EXAMPLES_REUSE_THRESHOLD`), whose SQL answers it as it is (`REUSE_MODEL`).

Only the asking user's own examples are ever read: on a shared demo set every user
has their own.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max

from chat import prompts
from examples import embeddings, selectors, services, similarity
from examples.models import Example

logger = logging.getLogger(__name__)

REUSE_MODEL = "offline:example"
EMBEDDING_MIN_SCORE = 0.2
CHOICES_CACHED = 256

# An example to ignore while asking its own question (leave-one-out evaluation).
_left_out: contextvars.ContextVar[int | None] = contextvars.ContextVar("examples_left_out", default=None)


@contextlib.contextmanager
def leaving_out(example_id: int | None):
    """Within the block, retrieval acts as if the example `example_id` did not exist."""
    token = _left_out.set(example_id)
    try:
        yield
    finally:
        _left_out.reset(token)


def _without_left_out(choices: dict[int, str]) -> dict[int, str]:
    left_out = _left_out.get()
    if left_out is None or left_out not in choices:
        return choices
    return {pk: text for pk, text in choices.items() if pk != left_out}


@dataclass(frozen=True)
class Pair:
    """A verified example as retrieval hands it on: its id, question and SQL."""

    pk: int
    question: str
    sql: str


@dataclass
class Pool:
    """One owner's examples on one datasource: each as a `Pair`, and its question normalized for matching."""

    stamp: tuple
    pairs: dict[int, Pair]
    choices: dict[int, str]
    sorted_choices: dict[int, str] = field(default_factory=dict)
    # Embeddings of `vectors_model`, read on first need (None: not read yet).
    vectors: dict[int, list[float]] | None = None
    vectors_model: str = ""


# (owner, datasource) -> Pool, per process. The stamp (count, newest id, latest edit) is one aggregate
# query per ask; any add, edit or delete changes it, a use does not, so the rows are re-read only then.
_pools: OrderedDict[tuple[int, int], Pool] = OrderedDict()
_pools_lock = threading.Lock()


def _pool(owner_id: int, datasource_id: int) -> Pool:
    """The owner's examples on the datasource, re-read only when they changed."""
    mine = Example.objects.filter(owner_id=owner_id, datasource_id=datasource_id)
    stamp = tuple(mine.aggregate(n=Count("id"), top=Max("id"), edited=Max("updated_at")).values())
    key = (owner_id, datasource_id)
    with _pools_lock:
        cached = _pools.get(key)
        if cached and cached.stamp == stamp:
            _pools.move_to_end(key)
            return cached
    pairs = {
        pk: Pair(pk, question, sql)
        for pk, question, sql in selectors.example_candidates(owner_id=owner_id, datasource_id=datasource_id)
    }
    choices = similarity.normalized_choices((pk, pair.question) for pk, pair in pairs.items())
    pool = Pool(stamp, pairs, choices, similarity.sorted_words(choices))
    with _pools_lock:
        _pools[key] = pool
        _pools.move_to_end(key)
        while len(_pools) > CHOICES_CACHED:
            _pools.popitem(last=False)
    return pool


@dataclass
class Retrieved:
    """The examples chosen for one question: for the prompt, or the one whose SQL answers it."""

    examples: list[Pair] = field(default_factory=list)
    reused: Pair | None = None

    @property
    def ids(self) -> list[int]:
        if self.reused is not None:
            return [self.reused.pk]
        return [example.pk for example in self.examples]


def _rank_by_embedding(pool: Pool, owner_id: int, datasource_id: int, question: str, limit: int) -> list[int]:
    """Ids of the examples nearest to `question` by embedding.

    The pool keeps the stored vectors (read once per pool); examples without one are embedded in
    the same request as the question and stored, so each example's embedding is computed once.
    """
    if not pool.pairs:
        return []
    model = embeddings.model_name()
    if pool.vectors is None or pool.vectors_model != model:
        rows = Example.objects.filter(owner_id=owner_id, datasource_id=datasource_id).values_list(
            "id", "embedding", "embedding_model"
        )
        pool.vectors = {pk: vector for pk, vector, used in rows if vector and used == model and pk in pool.pairs}
        pool.vectors_model = model
    missing = [pk for pk in pool.pairs if pk not in pool.vectors]
    query_vector, *computed = embeddings.embed([question] + [pool.pairs[pk].question for pk in missing])
    if missing:
        fresh = dict(zip(missing, computed, strict=True))
        services.example_store_embeddings(vectors=fresh, model=model)
        pool.vectors.update(fresh)
    left_out = _left_out.get()
    scored = [(embeddings.cosine(query_vector, vector), pk) for pk, vector in pool.vectors.items() if pk != left_out]
    scored = [item for item in scored if item[0] >= EMBEDDING_MIN_SCORE]
    scored.sort(key=lambda item: (-item[0], -item[1]))
    return [pk for _, pk in scored[:limit]]


def for_question(*, owner_id: int, datasource_id: int, question: str, offline: bool) -> Retrieved:
    """The examples for one ask (see the module docstring)."""
    question = (question or "").strip()
    if not question or owner_id is None:
        return Retrieved()
    if offline:
        pool = _pool(owner_id, datasource_id)
        pk = similarity.reuse_match(question, _without_left_out(pool.choices), settings.LLM_EXAMPLES_REUSE_THRESHOLD)
        return Retrieved(reused=pool.pairs.get(pk) if pk else None)
    limit = settings.LLM_EXAMPLES
    if limit <= 0:
        return Retrieved()
    pool = _pool(owner_id, datasource_id)
    ids: list[int] | None = None
    if embeddings.enabled():
        try:
            ids = _rank_by_embedding(pool, owner_id, datasource_id, question, limit)
        except embeddings.EmbeddingUnavailable:
            ids = None
    if ids is None:
        choices = _without_left_out(pool.choices)
        ids = [pk for pk, _ in similarity.rank(question, choices, limit, pool.sorted_choices)]
    return Retrieved(examples=[pool.pairs[pk] for pk in ids if pk in pool.pairs])


def _flat(text: str) -> str:
    return " ".join((text or "").split())


def prompt_block(examples: list[Pair]) -> str:
    """The examples as question→SQL pairs for the SQL prompt, marked as data (empty when there are none)."""
    if not examples:
        return ""
    pairs = "".join(prompts.EXAMPLE_PAIR.format(question=_flat(e.question), sql=_flat(e.sql)) for e in examples)
    return f"{prompts.EXAMPLES_HEADING}\n{prompts.EXAMPLES_NOTE}\n{pairs}\n"
