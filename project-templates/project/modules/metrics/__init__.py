"""The ``metrics`` feature: points posted by clients, queued for the aggregator."""
