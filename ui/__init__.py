"""Streamlit glue shared by app.py and the pages: sidebar context, cached calls, widgets."""
