"""User-written text shown as plain text inside Streamlit's markdown elements (titles, captions, boxes).

Goal titles, notes, file names and messages quoting them are typed by someone else: rendered as markdown, a
``![x](http://…)`` would make every reader's browser fetch that address, a link would point anywhere and
``:red[…]`` or ``**`` would restyle the page. :func:`plain` backslash-escapes every ASCII punctuation mark that
markdown (and Streamlit's directives) could read, so the text shows as typed. Tables (``st.dataframe``) and
``st.text`` never render markdown and need nothing.
"""
from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=&\"'])")


def plain(text: object) -> str:
    """``text`` escaped for markdown: shown exactly as typed, with no link, image, HTML or styling."""
    out = _PUNCTUATION.sub(r"\\\1", "" if text is None else str(text))
    return out.replace("\n", "  \n")  # line breaks kept as line breaks
