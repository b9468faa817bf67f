"""The ``live`` feature: its blueprint, templates and static files."""
