"""Tables that name people open the person page (成长档案): a click on a row goes to that person's growth archive.

Every list of people (risk, exits, coaching, the scorecard, onboarding, key accounts, payouts…) is drawn through
:func:`people_table` with the rows' ``employee_id`` beside the shown table. For viewers without person-level rights
nobody is named, so the table is drawn as it is.
"""
from __future__ import annotations

import polars as pl
import streamlit as st

PERSON_PAGE = "pages/person.py"


def open_person(employee_id: int) -> None:
    """Go to the person page of ``employee_id`` (the address keeps the person: a refresh or a shared link opens it)."""
    st.session_state["person_id"] = int(employee_id)
    # the address keeps the sidebar's choices (language, period, scope) beside the person: a page reads them back
    params = {k: v for k, v in st.query_params.to_dict().items() if k != "person"}
    st.switch_page(PERSON_PAGE, query_params={**params, "person": str(int(employee_id))})


def people_table(shown: pl.DataFrame, ids: pl.Series | list[int | None], key: str, *, person_level: bool,
                 hint: str | None = None, **kwargs) -> None:
    """Draw ``shown`` (display text, one row per person) and, for person-level viewers, open the person page of the
    row clicked (``ids``: the employee id of each shown row, in order). ``hint`` is the caption saying so."""
    ids = list(ids)
    if not person_level or not ids or shown.height != len(ids):
        st.dataframe(shown, hide_index=True, width="stretch", key=key, **kwargs)
        return
    event = st.dataframe(shown, hide_index=True, width="stretch", key=key, on_select="rerun",
                         selection_mode="single-row", **kwargs)
    if hint:
        st.caption(hint)
    rows = (event or {}).get("selection", {}).get("rows", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "rows", [])
    if rows and 0 <= rows[0] < len(ids) and ids[rows[0]] is not None:
        open_person(ids[rows[0]])
