"""The ``web`` service: the dashboard page and the chart APIs."""
