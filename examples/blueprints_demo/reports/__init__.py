"""The ``reports`` feature: its blueprint, templates and static files."""
