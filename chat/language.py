"""The language a question is written in, for the summary prompt and offline mode's messages."""

import re

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def is_korean(text: str) -> bool:
    """Whether `text` is (at least partly) Korean."""
    return bool(HANGUL.search(text or ""))


def question_language(text: str) -> str:
    """The language code messages about `text` are written in: `ko` for Korean, else `en`."""
    return "ko" if is_korean(text) else "en"
