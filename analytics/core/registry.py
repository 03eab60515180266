"""The metric registry: every metric of ``docs/metrics.md``, in its order, looked up by id — and, apart, the
company's own metrics of ``metrics/`` (``analytics.core.custom_metrics``).

``REGISTRY`` holds the built-in metrics only: ``docs/metrics.md`` is written from it (``python -m analytics metrics
--docs docs/metrics.md``) and a test fails when the two disagree. The custom metrics that loaded and passed their
trial (``custom()``) come after them in ``all_metrics()`` and are found by ``get_metric`` like any other; a custom id
never shadows a built-in one. No Streamlit; the custom part reads its folder when it changes.
"""
from __future__ import annotations

import difflib

from analytics.core import metrics_alerts, metrics_hr, metrics_joint, metrics_sales, metrics_talent
from analytics.core.metric import DIRECTIONS, DOMAINS, GRAINS, LANGS, Metric, Unit

__all__ = ["DIRECTIONS", "DOMAINS", "GRAINS", "LANGS", "REGISTRY", "Metric", "Unit", "UnknownMetricError",
           "all_metrics", "custom", "find_metric", "get_metric", "is_custom", "metrics_in_domain"]

_METRICS = [*metrics_hr.METRICS, *metrics_alerts.HR, *metrics_sales.METRICS, *metrics_alerts.SALES,
            *metrics_joint.SALES, *[m for m in metrics_talent.METRICS if m.domain != "commission"],
            *metrics_joint.TALENT, *[m for m in metrics_talent.METRICS if m.domain == "commission"]]

REGISTRY: dict[str, Metric] = {m.id: m for m in _METRICS}
if len(REGISTRY) != len(_METRICS):
    raise ValueError("duplicate metric id in the registry")


class UnknownMetricError(ValueError):
    """A metric id that is not in the registry; the message suggests the closest id."""

    def __init__(self, metric_id: str) -> None:
        self.metric_id = metric_id
        close = difflib.get_close_matches(metric_id, list(all_metrics()), n=1)
        self.suggestion = close[0] if close else None
        hint = f" Did you mean '{self.suggestion}'?" if self.suggestion else ""
        super().__init__(
            f"Unknown metric '{metric_id}'.{hint} "
            "Run `python -m analytics metrics --list` for all metric ids."
        )


def get_metric(metric_id: str) -> Metric:
    """The registry entry for ``metric_id`` (built-in or the company's own); raises UnknownMetricError (with a
    suggestion)."""
    metric = find_metric(metric_id)
    if metric is None:
        raise UnknownMetricError(metric_id)
    return metric


def find_metric(metric_id: str) -> Metric | None:
    """The entry for ``metric_id``, or None."""
    return REGISTRY.get(metric_id) or custom().get(metric_id)


# ── the company's own metrics (metrics/*.toml) ──────────────────────────
def custom() -> dict[str, Metric]:
    """The custom metrics in force: loaded from their folder and not refused by a trial run, in file order."""
    from analytics.core import custom_metrics

    return {i: cm.metric for i, cm in custom_metrics.loaded(REGISTRY).metrics.items()}


def is_custom(metric_id: str) -> bool:
    return metric_id not in REGISTRY and metric_id in custom()


def all_metrics() -> dict[str, Metric]:
    """The built-in metrics in docs/metrics.md order, then the custom ones."""
    return {**REGISTRY, **custom()}


def metrics_in_domain(domain: str) -> list[Metric]:
    """The metrics of one domain, in docs/metrics.md order; a domain not in DOMAINS raises."""
    if domain not in DOMAINS:
        raise ValueError(f"Unknown domain {domain!r}: expected one of {', '.join(DOMAINS)}.")
    return [m for m in REGISTRY.values() if m.domain == domain]
