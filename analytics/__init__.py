"""Tandem analytics: the pure core (DuckDB facts, polars pipelines, models, charts, exports)."""
