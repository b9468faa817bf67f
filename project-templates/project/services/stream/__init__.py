"""The ``stream`` service: the aggregator and the dashboards' WebSocket rooms."""
