"""The ``charts`` feature: chart options of a metric's history and the dashboard page."""
