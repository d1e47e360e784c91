"""How alike two questions are, at the character level (works for Korean and English alike), via rapidfuzz.

Two uses with two bars:

- `rank`: the examples most like a question, for the SQL prompt. rapidfuzz's `WRatio`
  (a weighted mix of whole-string, partial and word-order-free character similarity)
  on text lowered and stripped of punctuation; scores under `RANK_MIN_SCORE` are left out.
  WRatio costs about 2 µs a pair, so a word-order-free ratio first picks `SHORTLIST`
  candidates (a plain ratio of the words sorted, precomputed once per example by
  `sorted_words`) and WRatio orders those.
- `reuse_match`: an example close enough to answer the question with its SQL as it is
  (offline mode). The whole-string similarity (`fuzz.ratio`, 0-100) must reach
  `LLM_EXAMPLES_REUSE_THRESHOLD` (default 90), the numbers in both must be the same,
  and every word of either must have a near twin (similarity 80+) in the other, so
  "customers in Seoul" never reuses the SQL of "customers in Busan", and "top 3" never
  reuses "top 5", however alike the rest of the sentence is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from rapidfuzz import fuzz, process, utils

RANK_MIN_SCORE = 40
SHORTLIST = 40
WORD_TWIN_SCORE = 80
_NUMBERS = re.compile(r"\d+")


def normalize(text: str) -> str:
    """Lower case, punctuation as spaces, trimmed (rapidfuzz's own processor, Unicode-aware)."""
    return utils.default_process(text or "")


def normalized_choices(candidates: Iterable[tuple[int, str]]) -> dict[int, str]:
    """`{id: normalized question}` from `(id, question)` pairs: what `rank` and `reuse_match` compare against."""
    return {pk: normalize(text) for pk, text in candidates}


def sorted_words(choices: Mapping[int, str]) -> dict[int, str]:
    """Each normalized question with its words sorted (what `fuzz.token_sort_ratio` compares)."""
    return {pk: " ".join(sorted(text.split())) for pk, text in choices.items()}


def rank(
    question: str, choices: Mapping[int, str], limit: int, sorted_choices: Mapping[int, str] | None = None
) -> list[tuple[int, float]]:
    """`(id, score)` of the `limit` choices (`normalized_choices`) most like `question`, best first.

    `sorted_choices` is `sorted_words(choices)` when the caller keeps it (it is computed here otherwise).
    """
    if limit <= 0 or not choices:
        return []
    query = normalize(question)
    if sorted_choices is None:
        sorted_choices = sorted_words(choices)
    elif len(sorted_choices) != len(choices):
        sorted_choices = {pk: sorted_choices[pk] for pk in choices}
    shortlist = process.extract(
        " ".join(sorted(query.split())), sorted_choices, scorer=fuzz.ratio, limit=max(SHORTLIST, limit)
    )
    found = process.extract(
        query,
        {pk: choices[pk] for _, _, pk in shortlist},
        scorer=fuzz.WRatio,
        limit=limit,
        score_cutoff=RANK_MIN_SCORE,
    )
    # Equal scores: the newer example (higher id) first, so a corrected example wins over the old one.
    found.sort(key=lambda match: (-match[1], -match[2]))
    return [(pk, score) for _, score, pk in found]


def _words_twinned(words: Iterable[str], others: list[str]) -> bool:
    return all(word in others or any(fuzz.ratio(word, other) >= WORD_TWIN_SCORE for other in others) for word in words)


def same_question(question: str, example_question: str, threshold: float) -> bool:
    """Whether `example_question` asks exactly what `question` asks, allowing small differences in wording."""
    a, b = normalize(question), normalize(example_question)
    if not a or not b:
        return False
    if a == b:
        return True
    if fuzz.ratio(a, b) < threshold or _NUMBERS.findall(a) != _NUMBERS.findall(b):
        return False
    words_a, words_b = a.split(), b.split()
    return _words_twinned(words_a, words_b) and _words_twinned(words_b, words_a)


def reuse_match(question: str, choices: Mapping[int, str], threshold: float) -> int | None:
    """The id of the choice (`normalized_choices`) that asks the same as `question`, or None."""
    text = normalize(question)
    if not text or not choices:
        return None
    found = process.extract(text, choices, scorer=fuzz.ratio, limit=5, score_cutoff=threshold)
    found.sort(key=lambda match: (-match[1], -match[2]))
    for _, _, pk in found:
        if same_question(question, choices[pk], threshold):
            return pk
    return None
