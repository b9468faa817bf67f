"""Model-serving metrics for Prometheus: rows predicted per model and version, and how
long predictions take. ``/metrics`` serves them beside the request metrics."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

from .learning import Predictions

__all__ = ["SERVING", "ServingMetrics"]


class ServingMetrics:
    """Counters and latency histograms of predictions, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.predictions = Counter(
            "model_predictions",
            "Rows predicted, by model and version.",
            ["model", "version"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "model_prediction_duration_seconds",
            "Time to predict one request's rows, by model and version.",
            ["model", "version"],
            registry=self.registry,
        )

    def observe(self, result: Predictions, seconds: float) -> None:
        """Count ``result``'s rows and record how long they took."""
        labels = (result.model, str(result.version))
        self.predictions.labels(*labels).inc(len(result.predictions))
        self.latency.labels(*labels).observe(seconds)


#: This process's serving metrics.
SERVING = ServingMetrics()
