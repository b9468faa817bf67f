"""The ``data`` service: data sets and analytics."""
