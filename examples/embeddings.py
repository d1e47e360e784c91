"""Question embeddings from the configured OpenAI-compatible endpoint, when `OPENAI_EMBEDDING_MODEL` is set.

`enabled()` says whether to use them; `embed(texts)` returns one unit-length vector
per text, or raises `EmbeddingUnavailable` (the caller then falls back to
character similarity, so a failing endpoint never fails a question or a save).
"""

from __future__ import annotations

import logging
import math
import operator

import openai
from django.conf import settings

from chat.llm.openai_client import sdk_client

logger = logging.getLogger(__name__)


class EmbeddingUnavailable(Exception):
    """The embedding endpoint failed or answered with something unusable."""


def enabled() -> bool:
    """Embeddings are used when a model is named and an OpenAI-compatible endpoint is configured."""
    return bool(settings.OPENAI_EMBEDDING_MODEL) and settings.LLM_PROVIDER == "openai"


def model_name() -> str:
    return settings.OPENAI_EMBEDDING_MODEL if enabled() else ""


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector


def embed(texts: list[str]) -> list[list[float]]:
    """One unit-length embedding per text, in order."""
    if not texts:
        return []
    try:
        response = sdk_client().embeddings.create(
            model=settings.OPENAI_EMBEDDING_MODEL, input=texts, encoding_format="float"
        )
        vectors = [item.embedding for item in sorted(response.data, key=lambda item: item.index)]
    except (openai.APIError, AttributeError, TypeError, ValueError) as exc:
        logger.warning("Embedding request failed (%s); using character similarity.", type(exc).__name__)
        raise EmbeddingUnavailable() from exc
    if len(vectors) != len(texts) or not all(isinstance(v, list) and v for v in vectors):
        raise EmbeddingUnavailable()
    return [_unit([float(x) for x in vector]) for vector in vectors]


def cosine(a: list[float], b: list[float]) -> float:
    """Similarity of two unit vectors (their dot product); 0 when the sizes differ."""
    if len(a) != len(b):
        return 0.0
    return sum(map(operator.mul, a, b))
