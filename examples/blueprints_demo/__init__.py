"""A blueprint-structured Gobstopper app: nested blueprints, each with its own templates and
static files, WebSockets, background tasks, middleware and rate limiting.

Serve it from ``examples/`` with ``gobstopper run blueprints_demo.app:app`` (or
``granian --interface rsgi --reload blueprints_demo.app:app``).
"""
