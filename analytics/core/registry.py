"""The metric registry: every metric of ``docs/metrics.md``, in its order, looked up by id.

``docs/metrics.md`` is written from this registry (``python -m analytics metrics --docs docs/metrics.md``)
and a test fails when the two disagree. Pure data: no Streamlit, no I/O.
"""
from __future__ import annotations

import difflib

from analytics.core import metrics_alerts, metrics_hr, metrics_sales, metrics_talent
from analytics.core.metric import DIRECTIONS, DOMAINS, GRAINS, LANGS, Metric, Unit

__all__ = ["DIRECTIONS", "DOMAINS", "GRAINS", "LANGS", "REGISTRY", "Metric", "Unit", "UnknownMetricError",
           "get_metric", "metrics_in_domain"]

_METRICS = [*metrics_hr.METRICS, *metrics_alerts.HR, *metrics_sales.METRICS, *metrics_alerts.SALES,
            *metrics_talent.METRICS]

REGISTRY: dict[str, Metric] = {m.id: m for m in _METRICS}
if len(REGISTRY) != len(_METRICS):
    raise ValueError("duplicate metric id in the registry")


class UnknownMetricError(ValueError):
    """A metric id that is not in the registry; the message suggests the closest id."""

    def __init__(self, metric_id: str) -> None:
        self.metric_id = metric_id
        close = difflib.get_close_matches(metric_id, list(REGISTRY), n=1)
        self.suggestion = close[0] if close else None
        hint = f" Did you mean '{self.suggestion}'?" if self.suggestion else ""
        super().__init__(
            f"Unknown metric '{metric_id}'.{hint} "
            "Run `python -m analytics metrics --list` for all metric ids."
        )


def get_metric(metric_id: str) -> Metric:
    """The registry entry for ``metric_id``; raises UnknownMetricError (with a suggestion)."""
    try:
        return REGISTRY[metric_id]
    except KeyError:
        raise UnknownMetricError(metric_id) from None


def metrics_in_domain(domain: str) -> list[Metric]:
    """The metrics of one domain, in docs/metrics.md order; a domain not in DOMAINS raises."""
    if domain not in DOMAINS:
        raise ValueError(f"Unknown domain {domain!r}: expected one of {', '.join(DOMAINS)}.")
    return [m for m in REGISTRY.values() if m.domain == domain]
