"""The few style rules Streamlit's own layout lacks on a phone (390 px wide): a fixed stylesheet, no user text.

Streamlit already stacks columns, lets data frames scroll inside their frame and, on a phone, closes the sidebar
once a page is chosen; charts keep their title below plotly's toolbar (``ui.widgets.chart``). What is left: page
titles that take half the screen, static tables (the sign-in page's) and code blocks wider than the screen.
"""
from __future__ import annotations

import streamlit as st

PHONE_CSS = """<style>
@media (max-width: 640px) {
  h1 { font-size: 1.9rem !important; }
  [data-testid="stMainBlockContainer"] { padding-left: 1rem; padding-right: 1rem; }
  [data-testid="stTable"], [data-testid="stCode"], [data-testid="stMarkdownContainer"] table {
    display: block; max-width: 100%; overflow-x: auto; }
}
</style>"""


def phone_style() -> None:
    """Add the narrow-screen rules to the page (a style-only block takes no room in the layout)."""
    st.html(PHONE_CSS)
