"""Offline mode's reading of a question: words, their forms in English and Korean, and the terms they match."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chat.llm.offline.vocabulary import (
    AVG_WORDS,
    COUNT_WORDS,
    GLOSSARY,
    HANGUL,
    KO_PARTICLES,
    MAX_WORDS,
    MIN_WORDS,
    NAME_TOKEN,
    NUMBER,
    NUMBER_WORDS,
    STOP_WORDS,
    SUM_WORDS,
    WORD,
    YEAR,
)


def singular(word: str) -> str:
    if HANGUL.search(word) or len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def korean_stem(word: str) -> str:
    for particle in KO_PARTICLES:
        if word.endswith(particle) and len(word) > len(particle):
            return word[: -len(particle)]
    return word


def word_forms(word: str) -> set[str]:
    """The comparable forms of one word: itself, singular, Korean stem, and an English verb's stem."""
    word = word.lower()
    forms = {word, singular(word), korean_stem(word)}
    if not HANGUL.search(word) and len(word) > 4:
        if word.endswith("ed"):
            forms |= {word[:-1], word[:-2]}  # hired → hire, placed → place, enrolled → enroll
        elif word.endswith("ing"):
            forms |= {word[:-3], word[:-3] + "e"}  # shipping → shipp, ship; pricing → pric, price
    return forms


def split_words(text: str) -> list[str]:
    """Words of a name or description: split on case changes, underscores and punctuation."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(text or ""))
    return WORD.findall(spaced.lower().replace("_", " "))


def expand_terms(terms: set[str]) -> set[str]:
    expanded = set(terms)
    for group in GLOSSARY:
        if expanded & group:
            expanded |= group
    return expanded


@dataclass
class Terms:
    """The words that refer to one schema object, split by how strongly they do."""

    full: set[str] = field(default_factory=set)  # the whole name and its glossary group
    parts: set[str] = field(default_factory=set)  # parts of a compound name (order_items → order, item)
    weak: set[str] = field(default_factory=set)  # words of the description


def name_terms(name: str, description: str) -> Terms:
    # A column called "Total" or "Count" is still named by that word, though the word is also a shape word.
    full = expand_terms(word_forms(name) - STOP_WORDS) or expand_terms(word_forms(name))
    # A part of a compound name keeps "total": total_amount and OrderTotal are what "the order total" names.
    part_stop = STOP_WORDS - {"total"}
    parts = expand_terms({form for word in split_words(name) for form in word_forms(word)} - part_stop) - full
    # Descriptions are synonyms: "Yearly salary in KRW" makes a column called amount answer to 급여 too.
    weak = {form for word in split_words(description) for form in word_forms(word) if word not in STOP_WORDS}
    weak = expand_terms({w for w in weak if len(w) > 1 or HANGUL.search(w)}) - full - parts
    return Terms(full=full, parts=parts, weak=weak)


class Question:
    """A question split into comparable words, keeping the raw lowered text for phrase checks."""

    def __init__(self, text: str):
        self.text = text
        self.lowered = " ".join(text.lower().split())
        self.words = split_words(self.lowered)
        # Compound names count as one word whether typed "order_items" or "order items".
        tokens = NAME_TOKEN.findall(self.lowered) + [
            f"{a}_{b}" for a, b in zip(self.words, self.words[1:], strict=False)
        ]
        self.forms = {form for word in self.words + tokens for form in word_forms(word)}

    def mentions(self, terms: set[str]) -> int:
        """How many of `terms` the question uses (Korean terms also as a word's prefix, for particles)."""
        hits = 0
        for term in terms:
            if term in self.forms:
                hits += 1
            elif HANGUL.search(term) and len(term) >= 2 and any(w.startswith(term) for w in self.words):
                hits += 1
        return hits

    def without(self, texts) -> Question:
        """The question with `texts` (matched sample values) blanked out, so their digits are not read as numbers."""
        lowered = self.lowered
        for text in texts:
            lowered = lowered.replace(text, " ")
        return Question(lowered)

    def years(self) -> set[int]:
        return {int(year) for year in YEAR.findall(self.lowered)}

    def number(self) -> int | None:
        """The row count asked for ("top 3", "5개"); a year is never one."""
        for match in NUMBER.finditer(self.lowered):
            value = int(match.group(1) or match.group(2))
            if value not in self.years():
                return value
        for word, value in NUMBER_WORDS.items():
            if re.search(rf"(?<![\w\uac00-\ud7a3]){word}(?:\s|$|개|명|건|가지)", self.lowered):
                return value
        return None


def asks_count(question: Question) -> bool:
    """ "how many", "number of", "몇", "직원 수": the question counts something."""
    return bool(COUNT_WORDS.search(question.lowered)) or bool({korean_stem(w) for w in question.words} & {"수", "숫자"})


def has_aggregate(lowered: str) -> bool:
    return any(p.search(lowered) for p in (COUNT_WORDS, AVG_WORDS, SUM_WORDS, MIN_WORDS, MAX_WORDS))
