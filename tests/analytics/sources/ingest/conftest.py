"""Fixtures for the importer tests: the real datasets (skipped when absent, failed under CI)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[4].parent / "shared" / "datasets"
AW_QUOTA_COLUMNS = ["BusinessEntityID", "QuotaDate", "SalesQuota", "rowguid", "ModifiedDate"]


def dataset(relative: str) -> Path:
    """A file under ../shared/datasets; skip the test when it is missing (fail when CI=true)."""
    path = DATASETS / relative
    if not path.exists():
        message = f"real dataset {path} is not available"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path
