"""The ``stream`` feature: the dashboards' WebSocket rooms."""
