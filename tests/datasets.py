"""The public HR and CRM datasets the importer and model tests read, where they exist.

They sit in ``../shared/datasets`` beside the repository (never copied into it). On a bare clone the
tests that need them are skipped with a one-line reason; under ``CI=true`` a missing file fails.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"


def dataset(relative: str) -> Path:
    """A file under ../shared/datasets; skip the test when it is missing (fail when CI=true)."""
    path = DATASETS / relative
    if not path.exists():
        message = f"public dataset ../shared/datasets/{relative} is not beside this clone"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: the datasets must be present)")
        pytest.skip(message)
    return path
