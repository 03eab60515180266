"""User text escaped for Streamlit's markdown: no image, link, HTML or styling survives as markup."""
from __future__ import annotations

import pytest

from ui.plaintext import plain


@pytest.mark.parametrize("text", ["![x](http://example.com/x.png)", "[click](javascript:alert(1))",
                                  "<img src=http://example.com/y.png>", ":red[alarm] **bold** _it_ `code`",
                                  "# heading", "$x^2$"])
def test_markup_is_escaped(text):
    out = plain(text)
    assert out.replace("\\", "") == text  # shown as typed
    marks = [i for i, ch in enumerate(out) if ch in "[]()!<>*_:`#$"]
    assert marks and all(out[i - 1] == "\\" for i in marks)  # every mark escaped: read as a character, not markup


def test_plain_words_stay_as_they_are():
    assert plain("East Team 1") == "East Team 1" and plain("华东一组") == "华东一组" and plain(None) == ""
