"""The reviews' own wording (items, goals, packs) exists in both languages with the same placeholders: a key
missing in Chinese once crashed the quarterly review for every director."""
from __future__ import annotations

import string

import pytest

from analytics.reviews import goals, packs, texts


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("catalogue", [texts.TEXT, goals.TEXT, packs.TEXT], ids=["items", "goals", "packs"])
def test_both_languages_have_every_text_with_the_same_placeholders(catalogue):
    assert set(catalogue["en"]) == set(catalogue["zh"])
    for key, english in catalogue["en"].items():
        assert _fields(english) == _fields(catalogue["zh"][key]), key
        assert catalogue["zh"][key].strip(), key
