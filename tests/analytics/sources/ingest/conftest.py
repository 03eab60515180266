"""Fixtures for the importer tests."""
from __future__ import annotations

AW_QUOTA_COLUMNS = ["BusinessEntityID", "QuotaDate", "SalesQuota", "rowguid", "ModifiedDate"]
