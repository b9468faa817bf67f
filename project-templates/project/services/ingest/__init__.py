"""The ``ingest`` service: metric points posted by clients."""
