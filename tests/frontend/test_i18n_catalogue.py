"""The site's message catalogues: every language says everything, with the same placeholders."""

import re

import pytest

PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLURAL_CATEGORIES = {"zero", "one", "two", "few", "many", "other"}


def _texts(entry) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


def test_english_and_korean_catalogues_exist(catalogues):
    assert {"en", "ko"} <= set(catalogues)


@pytest.mark.parametrize("language", ["ko"])
def test_every_language_has_exactly_the_english_keys(catalogues, language):
    english, other = set(catalogues["en"]), set(catalogues[language])
    assert not english - other, f"missing in {language}: {sorted(english - other)}"
    assert not other - english, f"unknown in {language}: {sorted(other - english)}"


@pytest.mark.parametrize("language", ["en", "ko"])
def test_messages_are_text_or_plural_entries_with_other(catalogues, language):
    for key, entry in catalogues[language].items():
        if isinstance(entry, dict):
            assert "other" in entry and set(entry) <= PLURAL_CATEGORIES, key
            assert all(isinstance(text, str) and text for text in entry.values()), key
        else:
            assert isinstance(entry, str) and entry, key


def test_translations_use_the_same_placeholders_as_english(catalogues):
    for key, entry in catalogues["en"].items():
        wanted = {name for text in _texts(entry) for name in PLACEHOLDER.findall(text)}
        got = {name for text in _texts(catalogues["ko"][key]) for name in PLACEHOLDER.findall(text)}
        assert got == wanted, f"{key}: {sorted(got)} != {sorted(wanted)}"


def test_korean_catalogue_is_korean(catalogues):
    """Most Korean messages contain Hangul; the rest are names and symbols that read the same in both."""
    hangul = re.compile(r"[\uac00-\ud7af]")
    english_only = [key for key, entry in catalogues["ko"].items() if not any(hangul.search(t) for t in _texts(entry))]
    same_as_english = {key for key in english_only if catalogues["ko"][key] == catalogues["en"][key]}
    assert len(english_only) < len(catalogues["ko"]) * 0.1, english_only
    assert set(english_only) == same_as_english, sorted(set(english_only) - same_as_english)
