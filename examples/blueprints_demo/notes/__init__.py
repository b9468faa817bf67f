"""The ``notes`` feature: its blueprint, templates and static files."""
